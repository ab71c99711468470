"""The Click layer: argv → API parameters → core → output. `main` is the console script."""

import gc

# Importing Click and kmscli allocates tens of thousands of objects that live until the process
# ends; the cyclic collector would walk them again and again while they are made (~1% of a
# describe-key). Paused here, it resumes once they exist, and main() freezes them out of its way.
_collecting = gc.isenabled()
gc.disable()
try:
    from .app import cli, main
finally:
    if _collecting:
        gc.enable()

__all__ = ["cli", "main"]
