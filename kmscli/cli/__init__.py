"""The Click layer: argv → API parameters → core → output. `main` is the console script."""

from .app import cli, main

__all__ = ["cli", "main"]
