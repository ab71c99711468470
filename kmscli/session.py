"""The session: one core operation in one store transaction, with the settings of one environment.

Both front ends run operations here: the command line (kmscli/cli) and the HTTP server
(kmscli/server.py). A session chooses the store (SQLite or PostgreSQL), settles the account, the
Region, the response style, the clock and the caller before the state is touched, builds the Env
the core runs on, and runs the operation in a transaction; a read that finds something the clock
made due is run again as a write, and a transaction PostgreSQL refused is run again whole.
Its settings come in as `options`: the global options of a command, or what the server read
from a request.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from kmscli import config, core
from kmscli.core.ports import Access, UpgradeNeeded
from kmscli.store import RetryTransaction, StateError, Store

if TYPE_CHECKING:
    from kmscli.core.ports import AccessKind

T = TypeVar("T")


class Session:
    """Runs core operations in store transactions, with the settings of one environment.

    Tests pass their own through `obj=` (fixed Env, tmp state).
    """

    def __init__(
        self,
        environ: Mapping[str, str] | None = None,
        state_dir: str | os.PathLike[str] | None = None,
        env: core.Env | None = None,
        store: Any = None,
    ) -> None:
        self.environ = os.environ if environ is None else environ
        self.state_dir = state_dir
        self.env = env
        # A server keeps one store (and its pool of database connections) for its whole life.
        self.store = store

    def run(self, operation: str, api_params: Mapping[str, Any], options: Mapping[str, Any]) -> Any:
        """Run one core operation in one store transaction; its result."""
        op = core.get_operation(operation)
        return self.transact(
            lambda repo, env: core.call(operation, api_params, repo, env), access=op.access, options=options
        )

    def transact(self, body: Callable[[Any, core.Env], T], *, access: AccessKind, options: Mapping[str, Any]) -> T:
        """Call body(repo, env) inside one store transaction opened for `access` (core/ports.py).

        WRITES gets a write transaction. MAY_WRITE gets a read transaction, and a body that turns
        out to need a write (something the clock made due) is rolled back and run again as a write
        transaction. READS gets a read transaction whose every write is refused (WriteRefused).
        """
        store = self.store or open_store(options.get("state_dir") or self.state_dir, None, self.environ)
        debug = _debug(options)
        debug(f"state database: {store.path}")
        resolved = None
        if self.env is not None:
            account, reg, style = self.env.account_id, self.env.region, self.env.responses
        else:
            # Settled before the state is touched, so a bad setting changes nothing.
            account = config.account_id(self.environ)
            # The identities file lives in the state directory, even when the state is in PostgreSQL.
            state_dir = getattr(store, "state_dir", None) or config.state_dir(
                options.get("state_dir") or self.state_dir, self.environ
            )
            reg = region_of(options, self.environ, state_dir)
            style = config.responses(options.get("profile"), self.environ)
            config.clock(self.environ)
            from kmscli import caller

            resolved = caller.resolve(self.environ, state_dir, options, account, core.env.partition_for(reg), _report)
            account = resolved.account
        started = time.perf_counter()
        attempts = 0
        while True:
            write = access == Access.WRITES
            try:
                with store.transaction(access=access, account_id=account, region=reg) as repo:
                    env = self.env or config.build_env(
                        account,
                        reg,
                        self.environ,
                        lambda: repo.next_counter("ids"),
                        style,
                        # A PostgreSQL store has no state directory.
                        getattr(store, "state_dir", None),
                        debug,
                    )
                    if resolved is not None:
                        env = env._replace(caller_arn=resolved.caller_arn, authority=resolved.authority)
                    debug(f"account {env.account_id}, region {env.region}, write transaction: {write}")
                    result = body(repo, env)
                break
            except UpgradeNeeded:
                # Something due (a deletion, a rotation) must be persisted: run again as a writer.
                access = Access.WRITES
            except RetryTransaction:
                # Another process's transaction won (PostgreSQL): run the whole command again, on
                # what it committed, after a short random pause so that the two do not meet again.
                attempts += 1
                debug(f"serialization conflict, attempt {attempts}")
                if attempts >= RetryTransaction.MAX_ATTEMPTS:
                    raise StateError(
                        f"the database kept refusing the transaction ({attempts} attempts)", store.path
                    ) from None
                import random

                time.sleep(random.uniform(0, 0.002 * min(attempts, 10)))
        debug(f"transaction took {(time.perf_counter() - started) * 1000:.1f} ms")
        return result


def region_of(options: Mapping[str, Any], environ: Mapping[str, str], state_dir: str) -> str:
    """The Region; a profile that names a principal of the identities file need not be in ~/.aws/config."""
    try:
        return config.region(options.get("region"), options.get("profile"), environ)
    except config.ConfigError:
        from kmscli import caller

        profile = options.get("profile") or environ.get("AWS_PROFILE")
        if not caller.profile_is_a_principal(state_dir, environ, profile):
            raise
        return config.region(options.get("region"), None, {k: v for k, v in environ.items() if k != "AWS_PROFILE"})


def _report(message: str) -> None:
    """One line on stderr; written without Click, so that the server's path never loads it."""
    sys.stderr.write(f"{message}\n")
    sys.stderr.flush()


def open_store(state_dir: str | os.PathLike[str] | None, database_url: str | None, environ: Mapping[str, str]) -> Any:
    """The one place that chooses the store: PostgreSQL when a database URL is given, else SQLite.

    The URL comes from --database-url (serve) or KMSCLI_DATABASE_URL; PostgreSQL then needs the
    root key file named by KMSCLI_ROOT_KEY_FILE, which SQLite takes as an option. psycopg and the
    cryptography behind the root key are imported only on those paths.
    """
    url = database_url or environ.get("KMSCLI_DATABASE_URL")
    key_file = environ.get("KMSCLI_ROOT_KEY_FILE")
    if url:
        from kmscli.rootkey import RootKeyError

        if not url.startswith(("postgresql://", "postgres://")):
            raise config.ConfigError("KMSCLI_DATABASE_URL must be a postgresql:// URL")
        if not key_file:
            raise RootKeyError(
                "a PostgreSQL database needs a root key: set KMSCLI_ROOT_KEY_FILE to its file "
                "(make one with `kmscli state create-root-key FILE`)"
            )
        try:
            from kmscli.store_postgres import PostgresStore
        except ImportError:
            raise config.ConfigError("PostgreSQL needs psycopg: pip install 'kmscli[postgres]'") from None
        from kmscli import rootkey

        return PostgresStore(url, rootkey.load(key_file))
    root_key = None
    if key_file:
        from kmscli import rootkey

        root_key = rootkey.load(key_file)
    return Store(config.state_dir(state_dir, environ), root_key)


def _debug(options: Mapping[str, Any]) -> Any:
    if not options.get("debug"):
        return lambda message: None
    return lambda message: _report(f"kmscli debug: {message}")
