"""DryRun: the operations that take it answer it last, once every other check has passed."""

from __future__ import annotations

from .errors import DryRunOperationException


def dry_run(requested: bool | None) -> None:
    """Called after every check has passed: a dry run stops here, changing nothing."""
    if requested:
        raise DryRunOperationException("The request would have succeeded, but the DryRun option is set.")
