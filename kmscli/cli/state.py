"""`kmscli state`: kmscli's own commands for the state itself (schema migration, the root key)."""

from __future__ import annotations

from typing import Any

import click

from kmscli import config
from kmscli.session import Session, open_store
from kmscli.store import SCHEMA_VERSION, StateError

from .app import ExitCode


class StateCommandError(click.ClickException):
    """One line naming what is wrong, exit 255."""

    exit_code = ExitCode.ERROR

    def show(self, file: Any = None) -> None:
        click.echo(f"kmscli state: {self.message}", err=True)


@click.group("state", context_settings={"help_option_names": ["--help"]})
def state() -> None:
    """Manage the state: its schema, the root key.

    The schema of the database (`migrate`) and the root key that seals key material in it
    (`create-root-key`).

    Examples:

    \b
      kmscli state create-root-key /etc/kmscli/root.key
      KMSCLI_DATABASE_URL=postgresql://kms@db/kms KMSCLI_ROOT_KEY_FILE=/etc/kmscli/root.key kmscli state migrate
    """


@state.command("migrate")
@click.option(
    "--database-url",
    metavar="URL",
    help="The PostgreSQL database (default: KMSCLI_DATABASE_URL; without either, the SQLite state).",
)
@click.option(
    "--state-dir", metavar="DIR", help="The SQLite state directory (default: KMSCLI_STATE_DIR, else per-user)."
)
@click.pass_context
def migrate(ctx: click.Context, database_url: str | None, state_dir: str | None) -> None:
    """Create or upgrade the state's schema.

    Brings the schema to the one this kmscli knows.
    A PostgreSQL database is never changed by other commands: run this once before the first
    server starts, and after each upgrade of kmscli. It records the root key
    (KMSCLI_ROOT_KEY_FILE) that the database's key material is sealed under, and refuses a
    database that a newer kmscli migrated. An SQLite state migrates itself; this command then only
    reports its schema (and records the root key, if one is given).
    """
    rt = ctx.find_object(Session) or Session()
    chosen = state_dir or ctx.meta.get("kmscli.globals", {}).get("state_dir") or rt.state_dir
    try:
        store = open_store(chosen, database_url, rt.environ)
        if hasattr(store, "migrate"):
            try:
                before, after = store.migrate()
            finally:
                store.close()
            change = f"schema {before} -> {after}" if before != after else f"schema {after}, already current"
        else:
            # Opening a write transaction creates or checks the file (and records the root key).
            with store.transaction(write=True, account_id=config.DEFAULT_ACCOUNT_ID, region=config.DEFAULT_REGION):
                pass
            change = f"schema {SCHEMA_VERSION}, already current"
    except (config.ConfigError, StateError) as e:
        raise StateCommandError(str(e)) from None
    click.echo(f"kmscli state migrate: {store.path}: {change}")


@state.command("create-root-key")
@click.argument("file", type=click.Path(dir_okay=False))
def create_root_key(file: str) -> None:
    """Make a new root key file (mode 0600).

    An existing FILE is never replaced.
    Key material in a PostgreSQL database is sealed (AES-256-GCM) under this key, which stays out of
    the database: point KMSCLI_ROOT_KEY_FILE at it on every machine that runs kmscli on that
    database, and back it up apart from the database. Losing it loses every key in the database.
    """
    from kmscli import rootkey

    try:
        key = rootkey.create(file)
    except StateError as e:
        raise StateCommandError(str(e)) from None
    click.echo(f"kmscli state create-root-key: created {file} (root key ID {key.key_id})")
