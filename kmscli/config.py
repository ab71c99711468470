"""Where kmscli's settings come from: global options, environment variables, ~/.aws/config.

docs/decisions.md (state directory, identity, reproducible runs). Everything that
reads the process environment or the clock for the core lives here, so the core stays pure.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

from kmscli.core import Env, generate_private_key
from kmscli.core.env import RESPONSE_STYLES
from kmscli.core.validation import is_moment


class ConfigError(Exception):
    """A setting that cannot be used: `\\n<message>\\n`, exit 255."""


DEFAULT_ACCOUNT_ID = "111122223333"
DEFAULT_REGION = "us-east-1"
IDENTITIES_FILE = "identities.json"
_REGION = re.compile(r"([a-z]+-){2,3}\d+")


def state_dir(option: str | os.PathLike[str] | None, environ: Mapping[str, str]) -> str:
    """--state-dir, else KMSCLI_STATE_DIR, else the per-user state directory."""
    chosen = option or environ.get("KMSCLI_STATE_DIR")
    if chosen:
        # os.path rather than pathlib: pathlib's import costs every command ~3 ms of start-up.
        return os.path.expanduser(os.fspath(chosen))
    return user_state_dir(environ)


def identities_path(state_dir: str, environ: Mapping[str, str]) -> tuple[str, bool]:
    """The identities file to read (identities.py), and whether the user named it (then it must exist).

    Here rather than in identities.py, so that a command looks for the file without importing the
    module that reads one: most commands run without one.
    """
    named = environ.get("KMSCLI_IDENTITIES")
    if named:
        return os.path.expanduser(named), True
    return os.path.join(state_dir, IDENTITIES_FILE), False


def identities_exist(state_dir: str, environ: Mapping[str, str]) -> bool:
    """Whether there is an identities file to read (a named one always counts: its absence is an error)."""
    path, named = identities_path(state_dir, environ)
    return named or os.path.isfile(path)


def user_state_dir(environ: Mapping[str, str]) -> str:
    """platformdirs' per-user state directory for kmscli, without importing platformdirs on Linux.

    Importing platformdirs (and with it pathlib, tempfile and shutil) costs ~14 ms, a quarter of a
    command's start-up. On Linux its answer is short: $XDG_STATE_HOME/kmscli when that variable is
    an absolute path, else ~/.local/state/kmscli. Where platformdirs does more (another platform,
    Android, no HOME or one that is not absolute, where it reads the password database),
    it is asked itself. tests/cli/test_state_dir.py checks that both give the same answer.
    """
    home = environ.get("HOME", "")
    if (
        sys.platform != "linux"
        or hasattr(sys, "getandroidapilevel")
        or (environ.get("ANDROID_DATA"), environ.get("ANDROID_ROOT")) == ("/data", "/system")
        or not home.startswith("/")
    ):
        import platformdirs

        return platformdirs.user_state_dir("kmscli")
    xdg = environ.get("XDG_STATE_HOME", "")
    if xdg.startswith("/"):
        return os.path.join(xdg, "kmscli")
    # As os.path.expanduser does: HOME without its trailing slashes ("/" stays "/").
    return os.path.join(home.rstrip("/") or "/", ".local", "state", "kmscli")


def account_id(environ: Mapping[str, str]) -> str:
    value = environ.get("KMSCLI_ACCOUNT_ID") or DEFAULT_ACCOUNT_ID
    if not re.fullmatch(r"\d{12}", value):
        raise ConfigError(f"KMSCLI_ACCOUNT_ID must be 12 digits, not {value!r}")
    return value


def region(option: str | None, profile: str | None, environ: Mapping[str, str]) -> str:
    """--region, AWS_REGION, AWS_DEFAULT_REGION, the profile's region, else us-east-1 (D4)."""
    value = option or environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
    profile = profile or environ.get("AWS_PROFILE")
    # A named profile must exist even when the region comes from elsewhere, as with the AWS CLI.
    settings = _profile(profile, environ, must_exist=bool(profile))
    if not value:
        value = settings.get("region") or DEFAULT_REGION
    if not _REGION.fullmatch(value):
        raise ConfigError(f"Invalid region {value!r}: a region looks like us-west-2")
    return value


def unknown_region_warning(region: str, environ: Mapping[str, str]) -> str | None:
    """One line for a Region AWS does not have: a typo there silently makes an empty world of keys.

    KMSCLI_ALLOW_UNKNOWN_REGIONS=1 silences it, for users who want Regions of their own.
    """
    from .regions import REGIONS

    if region in REGIONS or environ.get("KMSCLI_ALLOW_UNKNOWN_REGIONS", "") not in ("", "0"):
        return None
    import difflib

    closest = difflib.get_close_matches(region, sorted(REGIONS), n=1, cutoff=0.0)
    return (
        f"kmscli: warning: {region} is not an AWS Region, so its keys are not those of any other Region; "
        f"did you mean {closest[0]}? (KMSCLI_ALLOW_UNKNOWN_REGIONS=1 silences this)"
    )


def profile_setting(name: str, profile: str | None, environ: Mapping[str, str]) -> str | None:
    """One setting of the selected profile (--profile, else AWS_PROFILE, else default), if it has it."""
    return _profile(profile or environ.get("AWS_PROFILE"), environ, must_exist=False).get(name) or None


def _profile(profile: str | None, environ: Mapping[str, str], *, must_exist: bool) -> dict[str, str]:
    """The settings of a profile in the AWS config file (AWS_CONFIG_FILE, else ~/.aws/config).

    A small reader of the file's INI form rather than configparser, whose import alone would
    cost every command that relies on the profile for a setting a few milliseconds.
    """
    path = os.path.expanduser(
        environ.get("AWS_CONFIG_FILE") or os.path.join(environ.get("HOME", "~"), ".aws", "config")
    )
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        text = ""
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"Unable to parse config file: {path}: {e}") from None
    name = profile or "default"
    wanted = "default" if name == "default" else f"profile {name}"
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        if stripped.startswith("[") and stripped.endswith("]"):
            current = sections.setdefault(" ".join(stripped[1:-1].split()), {})
        elif current is not None and "=" in stripped and not line[:1].isspace():
            key, _, value = stripped.partition("=")
            current[key.strip()] = value.strip()
    if wanted not in sections and must_exist:
        raise ConfigError(f"The config profile ({profile}) could not be found")
    return sections.get(wanted, {})


OUTPUT_FORMATS = ("json", "text", "table")


def output_format(option: str | None, profile: str | None, environ: Mapping[str, str]) -> str:
    """--output, else AWS_DEFAULT_OUTPUT, else the profile's `output`, else json.

    The AWS CLI's own order (awscli/__init__.py: the `output` config variable, read from the
    AWS_DEFAULT_OUTPUT environment variable before the config file). An unknown value is the AWS
    CLI's `Unknown output type: ...`, but refused before the command runs rather than after.
    """
    value = option or environ.get("AWS_DEFAULT_OUTPUT") or profile_setting("output", profile, environ) or "json"
    if value not in OUTPUT_FORMATS:
        raise ConfigError(f"Unknown output type: {value}")
    return value


def timestamp_format(option: str | None, environ: Mapping[str, str], profile: str | None = None) -> str:
    """--cli-timestamp-format, else KMSCLI_TIMESTAMP_FORMAT, else the profile's cli_timestamp_format, else wire.

    The profile setting and its values are the AWS CLI v1's (awscli/customizations/scalarparse.py).
    """
    value = (
        option
        or environ.get("KMSCLI_TIMESTAMP_FORMAT")
        or profile_setting("cli_timestamp_format", profile, environ)
        or "wire"
    )
    if value not in ("wire", "none", "iso8601"):
        raise ConfigError(f'Unknown cli_timestamp_format value: {value}, valid values are "none", "wire" or "iso8601"')
    return value


def responses(profile: str | None, environ: Mapping[str, str]) -> str:
    """KMSCLI_RESPONSES, else the profile's kmscli_responses, else guide; anything else is refused."""
    from_environment = environ.get("KMSCLI_RESPONSES")
    value = from_environment or profile_setting("kmscli_responses", profile, environ) or "guide"
    if value not in RESPONSE_STYLES:
        source = "KMSCLI_RESPONSES" if from_environment else "kmscli_responses in the AWS config file"
        raise ConfigError(f"{source} must be {' or '.join(RESPONSE_STYLES)}, not {value!r}")
    return value


def clock(environ: Mapping[str, str]) -> Callable[[], float]:
    fixed = environ.get("KMSCLI_FIXED_TIME")
    if not fixed:
        return time.time
    try:
        value = float(fixed)
    except ValueError:
        from datetime import UTC, datetime

        try:
            dt = datetime.fromisoformat(fixed.replace("Z", "+00:00"))
        except ValueError:
            raise ConfigError(f"KMSCLI_FIXED_TIME must be epoch seconds or ISO 8601, not {fixed!r}") from None
        value = (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp()
    if not is_moment(value):
        raise ConfigError(f"KMSCLI_FIXED_TIME must be a moment from 1970 to 3000, not {fixed!r}")
    return lambda: value


def id_source(environ: Mapping[str, str], counter: Callable[[], int]) -> Callable[[int], bytes]:
    """Random identifiers, or with KMSCLI_SEED a hash of the seed and a counter kept in the state."""
    seed = environ.get("KMSCLI_SEED")
    if seed is None:
        return os.urandom
    import hashlib

    def seeded(n: int) -> bytes:
        out = b""
        while len(out) < n:
            out += hashlib.sha256(f"{seed}\0{counter()}".encode()).digest()
        return out[:n]

    return seeded


def build_env(
    account: str,
    reg: str,
    environ: Mapping[str, str],
    counter: Callable[[], int],
    style: str = "guide",
    state_dir: str | None = None,
    debug: Callable[[str], None] | None = None,
) -> Env:
    partition = "aws-cn" if reg.startswith("cn-") else "aws-us-gov" if reg.startswith("us-gov-") else "aws"
    now = clock(environ)
    return Env(
        account_id=account,
        region=reg,
        caller_arn=environ.get("KMSCLI_CALLER_ARN") or f"arn:{partition}:iam::{account}:root",
        clock=now,
        random_bytes=os.urandom,
        id_bytes=id_source(environ, counter),
        generate_private_key=generate_private_key,
        responses=style,
        # Signatures to XKS proxies need the real time even when KMSCLI_FIXED_TIME fixes the reported one.
        key_stores=_KeyStoresOnFirstUse(environ, state_dir, time.time, debug),
    )


class _KeyStoresOnFirstUse:
    """The KeyStoreAdapter (kmscli/keystores.py), made when a custom key store operation first uses it.

    Every command's Env carries one, few commands use it: importing its module costs each command
    ~0.9 M instructions of start-up, so only the commands that call it pay for that.
    """

    def __init__(self, *args: Any) -> None:
        self._args = args
        self._adapter: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._adapter is None:
            from kmscli.keystores import KeyStoreAdapter

            self._adapter = KeyStoreAdapter(*self._args)
        return getattr(self._adapter, name)
