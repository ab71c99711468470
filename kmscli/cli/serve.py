"""`kmscli serve`: the command that puts kmscli/server.py on a socket.

Settings come from the same places as for every other command (docs/decisions.md): the state
directory, the account, the clock and the seed. The region does not: each request carries its own
in its SigV4 credential scope, so one server serves every region.
"""

from __future__ import annotations

import signal
import sys
from typing import Any

import click

from kmscli import config, server
from kmscli.guarded_http import Limits
from kmscli.session import Session, open_store
from kmscli.store import StateError

from .app import ExitCode

DEFAULT_PORT = 4599
# How long a stop waits for the requests already running before the process exits anyway.
DRAIN_SECONDS = 10.0
_LOOPBACK = ("localhost", "::1")
# Database connections a server keeps open (PostgreSQL): requests beyond this many wait for one.
POOL_SIZE = 16


class ServeError(click.ClickException):
    """The server cannot start: one line, exit 255."""

    exit_code = ExitCode.ERROR

    def show(self, file: Any = None) -> None:
        click.echo(f"kmscli serve: {self.message}", err=True)


@click.command("serve", context_settings={"help_option_names": ["--help"]})
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="The address to listen on. Loopback unless you name another interface.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="The port to listen on; 0 picks a free one (the readiness line names it).",
)
@click.option(
    "--access-key-id",
    metavar="AKID",
    help="Refuse requests signed with any other access key, as AWS refuses unknown keys.",
)
@click.option(
    "--allow-host",
    "allowed_hosts",
    metavar="NAME[:PORT]",
    multiple=True,
    help="Accept requests whose Host header names NAME too (repeatable). Loopback names and the "
    "listening address are always accepted; any other Host or Origin is refused, so a web page "
    "cannot reach the server through DNS rebinding.",
)
@click.option(
    "--read-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=Limits().read_timeout,
    show_default=True,
    metavar="SECONDS",
    help="Close a connection that sends nothing (or reads nothing) for this long.",
)
@click.option(
    "--max-connections",
    type=click.IntRange(min=1),
    metavar="N",
    default=Limits().max_connections,
    show_default=True,
    help="Connections served at once; beyond them the longest idle one is closed, or the new one is answered 503.",
)
@click.option("--state-dir", metavar="DIR", help="The state directory (default: KMSCLI_STATE_DIR, else per-user).")
@click.option(
    "--database-url",
    metavar="URL",
    help="Keep the state in this PostgreSQL database instead (default: KMSCLI_DATABASE_URL); "
    "several servers may share it. Needs KMSCLI_ROOT_KEY_FILE.",
)
@click.pass_context
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    access_key_id: str | None,
    allowed_hosts: tuple[str, ...],
    read_timeout: float,
    max_connections: int,
    state_dir: str | None,
    database_url: str | None,
) -> None:
    """Serve the KMS API to SDKs and the AWS CLI.

    Speaks KMS's JSON protocol on http://HOST:PORT/, on the same state as every other kmscli
    command, so SDKs, `aws --endpoint-url` and kmscli itself see the same keys. Requests may be
    signed with any credentials; the region comes from each request's signature. The readiness
    line on stdout names the address; each request logs one line on stderr. Ctrl-C or SIGTERM
    stops the server after the requests already running.

    Examples:

    \b
      kmscli serve --port 4599
      aws kms list-keys --endpoint-url http://127.0.0.1:4599
    """
    rt = ctx.find_object(Session) or Session()
    given = state_dir or ctx.meta.get("kmscli.globals", {}).get("state_dir") or rt.state_dir
    chosen = str(given) if given else None
    store = None
    profile = ctx.meta.get("kmscli.globals", {}).get("profile")
    try:
        account = config.account_id(rt.environ)
        # Settings the requests will use are checked now, not at the first request.
        config.clock(rt.environ)
        config.responses(profile, rt.environ)
        store = open_store(chosen, database_url, rt.environ)
        if hasattr(store, "open_pool"):
            store.open_pool(POOL_SIZE)
        with store.transaction(write=False, account_id=account, region=config.DEFAULT_REGION):
            pass
        from kmscli import caller, identities

        caller.mode(rt.environ)
        folder = getattr(store, "state_dir", None) or config.state_dir(chosen, rt.environ)
        known = identities.load(folder, rt.environ) if config.identities_exist(folder, rt.environ) else None
    except (config.ConfigError, StateError) as e:
        if store is not None:
            store.close()
        raise ServeError(str(e)) from None
    if known is not None and access_key_id is not None:
        store.close()
        raise ServeError(
            "--access-key-id cannot be used with an identities file, whose access keys are the ones accepted"
        )

    def check() -> None:
        # An empty read transaction: the database answers, its schema and root key are right.
        with store.transaction(write=False, account_id=account, region=config.DEFAULT_REGION):
            pass

    verify = server.verifier(known) if known is not None else None
    service = server.Service(
        server.executor(Session(environ=rt.environ, store=store), profile),
        access_key_id=access_key_id,
        check=check,
        verify=verify,
    )
    limits = Limits(read_timeout, max_connections, server.MAX_BODY_BYTES)
    try:
        httpd = server.KmsHttpServer(host, port, service, sys.stderr, limits=limits, allowed_hosts=allowed_hosts)
    except ValueError as e:
        store.close()
        raise ServeError(f"--allow-host: {e}") from None
    except OSError as e:
        store.close()
        raise ServeError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    if known is None:
        click.echo(
            "kmscli serve: no identities file: signatures are not checked and every request acts as "
            f"the root user of account {account}",
            err=True,
        )
    else:
        count = sum(len(p.access_keys) for p in known.principals)
        click.echo(
            f"kmscli serve: requests must be signed with one of the {count} access keys of {known.path}", err=True
        )
    if known is None and not (host.startswith("127.") or host in _LOOPBACK):
        click.echo(
            f"kmscli serve: warning: listening on {host}: anyone who can reach this port can use "
            "every key in its state",
            err=True,
        )

    previous = {sig: signal.signal(sig, lambda signum, frame: httpd.stop()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        click.echo(f"kmscli serve: listening on {httpd.url} (account {account}, state {store.path})")
        httpd.serve_forever(poll_interval=0.2)
        if not httpd.drain(DRAIN_SECONDS):
            click.echo("kmscli serve: stopping with requests still running", err=True)
    finally:
        httpd.server_close()
        store.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("kmscli serve: stopped", err=True)
