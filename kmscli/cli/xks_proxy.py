"""`kmscli xks-proxy`: the command that puts kmscli/xksproxy.py on a socket."""

from __future__ import annotations

import signal
import sys
from typing import Any

import click

from .app import ExitCode

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


class ProxyStartError(click.ClickException):
    """The proxy cannot start: one line, exit 255."""

    exit_code = ExitCode.ERROR

    def show(self, file: Any = None) -> None:
        click.echo(f"kmscli xks-proxy: {self.message}", err=True)


@click.command("xks-proxy", context_settings={"help_option_names": ["--help"]})
@click.option(
    "--config",
    "config_path",
    required=True,
    metavar="FILE",
    help="The proxy's JSON configuration: URI path prefix, Region, credentials, keys, PKCS#11 token.",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="The address to listen on. Loopback unless you name another interface.",
)
@click.option(
    "--allow-host",
    "allowed_hosts",
    multiple=True,
    metavar="NAME[:PORT]",
    help="Accept requests for this Host name too (besides loopback names and the address listened on).",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8443,
    show_default=True,
    help="The port to listen on; 0 picks a free one (the readiness line names it).",
)
def xks_proxy(config_path: str, host: str, port: int, allowed_hosts: tuple[str, ...]) -> None:
    """An XKS proxy for external key stores.

    An external key store proxy of your own, backed by a PKCS#11 token (or, without a Pkcs11
    section, a 0600 key file beside the configuration). Keys listed in the configuration but
    missing from the token are generated at start-up, non-extractable. Every request must be
    signed with SigV4 by one of the configured credentials. The readiness line on stdout names
    the URI endpoint and path to give create-custom-key-store; each request logs one line on
    stderr, without plaintexts, keys or secrets. Plain HTTP: for local use only.

    Examples:

    \b
      kmscli xks-proxy --config xks-proxy.json --port 8443
      kmscli create-custom-key-store --custom-key-store-name Local --custom-key-store-type EXTERNAL_KEY_STORE \\
        --xks-proxy-uri-endpoint http://127.0.0.1:8443 --xks-proxy-uri-path /kms/xks/v1 ...
    """
    from kmscli import xksproxy

    try:
        config = xksproxy.load_config(config_path)
        keys = xksproxy.key_manager_for(config)
        made = keys.ensure(sorted(config.keys))
    except xksproxy.ConfigError as e:
        raise ProxyStartError(str(e)) from None
    except Exception as e:
        from kmscli.pkcs11token import MissingBinding, TokenError

        if isinstance(e, MissingBinding | TokenError):
            raise ProxyStartError(f"the key manager cannot be used: {e}") from None
        raise
    click.echo(f"kmscli xks-proxy: keys in {keys.description}", err=True)
    if made:
        click.echo(f"kmscli xks-proxy: generated keys {', '.join(made)}", err=True)
    loopback = host in _LOOPBACK or host.startswith("127.")
    try:
        httpd = xksproxy.ProxyHttpServer(
            host, port, xksproxy.Proxy(config, keys), sys.stderr, allowed_hosts=allowed_hosts
        )
    except OSError as e:
        raise ProxyStartError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    except ValueError as e:
        raise ProxyStartError(f"--allow-host: {e}") from None
    if not loopback:
        click.echo(
            f"kmscli xks-proxy: warning: listening on {host} over plain HTTP; KMS itself requires HTTPS "
            "with a certificate from a public authority",
            err=True,
        )
    address, bound = httpd.server_address[:2]
    shown = f"[{address}]" if ":" in str(address) else address
    previous = {sig: signal.signal(sig, lambda signum, frame: _stop(httpd)) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        click.echo(f"kmscli xks-proxy: listening on http://{shown}:{bound} path {config.uri_path}")
        httpd.serve_forever(poll_interval=0.2)
    finally:
        httpd.server_close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("kmscli xks-proxy: stopped", err=True)


def _stop(httpd: Any) -> None:
    import threading

    threading.Thread(target=httpd.shutdown, daemon=True).start()
