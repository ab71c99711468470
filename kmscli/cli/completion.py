"""Shell completion of values that live in the state: key IDs, alias names, a key's algorithms.

Click completes command names, option names and enum values from the option table by itself;
this module adds the values only the state directory knows. A completion runs on every press of
Tab, so it opens the database without writing anything (no state directory or file is created,
no WAL file is left behind) and offers nothing rather than printing an error.

Only help, man pages and completion build Click options, and so import this module. Its imports
stay light all the same, since a completion runs on every Tab (click.shell_completion is imported
only when a completion actually runs).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from kmscli import config

if TYPE_CHECKING:
    import click
    from click.shell_completion import CompletionItem

    from kmscli.store import SqliteRepository

    from .argv import OptionSpec

Completer = Callable[["click.Context", "click.Parameter", str], list["CompletionItem"]]
Read = TypeVar("Read")

# Operations whose KeyId parameters also take an alias name or alias ARN; every
# other operation takes only a key ID or key ARN, so offering aliases there would offer errors.
ALIAS_OPERATIONS = frozenset(
    {
        "Decapsulate",
        "Decrypt",
        "DeriveSharedSecret",
        "DescribeKey",
        "Encapsulate",
        "Encrypt",
        "GenerateDataKey",
        "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext",
        "GenerateDataKeyWithoutPlaintext",
        "GenerateMac",
        "GetKeyLastUsage",
        "GetPublicKey",
        "ReEncrypt",
        "Sign",
        "Verify",
        "VerifyMac",
    }
)

_PAGE = 1000

# Algorithm options whose values depend on the key: the key usage each belongs to.
_ALGORITHM_USAGES = {
    "SigningAlgorithmSpec": "SIGN_VERIFY",
    "EncryptionAlgorithmSpec": "ENCRYPT_DECRYPT",
    "MacAlgorithmSpec": "GENERATE_VERIFY_MAC",
    "KeyAgreementAlgorithmSpec": "KEY_AGREEMENT",
}


def for_option(spec: OptionSpec) -> Completer | None:
    """The completer of an option: by the model shape of its member, or by the global option it is."""
    if spec.shape == "KeyIdType":
        return complete_key_id
    if spec.shape in _ALGORITHM_USAGES:
        return _algorithm_completer(spec.shape, spec.dest)
    if spec.shape == "AliasNameType":
        return complete_alias_name
    if spec.dest == "region":
        return complete_region
    if spec.dest == "state_dir":
        return complete_directory
    if spec.dest == "cli_input_json" or (spec.shape and _takes_file_url(spec.shape)):
        return complete_file_url
    return None


def _takes_file_url(shape: str) -> bool:
    """Free text (not an enumeration, whose values Click completes): string, blob, map, structure."""
    from kmscli.core.servicemodel import shape as model

    found = model(shape)
    return found.type_name in ("string", "blob", "structure", "map") and not found.enum


def complete_region(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The AWS Regions botocore knows (a Region outside them gets a warning)."""
    from click.shell_completion import CompletionItem

    from kmscli.regions import REGIONS

    return [CompletionItem(name) for name in sorted(REGIONS) if name.startswith(incomplete)]


def complete_directory(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    from click.shell_completion import CompletionItem

    return [CompletionItem(incomplete, type="dir")]


FILE_URLS = ("fileb://", "file://")


def complete_file_url(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Paths after file:// or fileb://, with the prefix kept; directories end in / to go on from."""
    from click.shell_completion import CompletionItem

    prefix = next((p for p in FILE_URLS if incomplete.startswith(p)), None)
    if prefix is None:
        return []
    path = incomplete[len(prefix) :]
    folder, _, start = path.rpartition("/")
    listed = os.path.expanduser(folder + "/" if folder else "") or "."
    try:
        names = sorted(os.listdir(listed))
    except OSError:
        return []
    items = []
    for name in names:
        if not name.startswith(start) or (name.startswith(".") and not start.startswith(".")):
            continue
        full = (folder + "/" if folder else "") + name
        if os.path.isdir(os.path.join(listed, name)):
            full += "/"
        items.append(CompletionItem(prefix + full))
    return items


def complete_key_id(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Key IDs in the current account and Region, and alias names where the operation takes them."""
    from click.shell_completion import CompletionItem

    with_aliases = getattr(ctx.command, "operation", None) in ALIAS_OPERATIONS

    def read(repo: SqliteRepository) -> list[CompletionItem]:
        items = [CompletionItem(key_id) for key_id in _key_ids(repo) if key_id.startswith(incomplete)]
        if with_aliases:
            items += _aliases(repo, incomplete)
        return items

    return _from_state(ctx, read, [])


def complete_alias_name(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Alias names in the current account and Region."""
    return _from_state(ctx, lambda repo: _aliases(repo, incomplete), [])


def _algorithm_completer(shape: str, member: str) -> Completer:
    """An algorithm option's values: those of the key named earlier on the command line, if any.

    ReEncrypt names two keys, and each of its algorithm options goes with its own. With no key
    named (or one the state cannot tell about), every value of the enumeration is offered.
    """
    usage = _ALGORITHM_USAGES[shape]
    named_by = next((f"{s}KeyId" for s in ("Source", "Destination") if member.startswith(s)), "KeyId")

    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        from click.shell_completion import CompletionItem

        from kmscli.core.servicemodel import shape as model

        # The command's words as kmscli parsed them (OperationCommand.parse_args), by API member.
        parsed = ctx.meta.get("kmscli.parsed")
        named = parsed.values.get(named_by) if parsed is not None else None
        offered = _from_state(ctx, lambda repo: _algorithms_of(repo, named, usage), None) if named else None
        if offered is None:
            offered = model(shape).enum
        return [CompletionItem(a) for a in offered if a.startswith(incomplete)]

    return complete


def _algorithms_of(repo: SqliteRepository, named: str, usage: str) -> tuple[str, ...] | None:
    """The key's algorithms for `usage` (none if the key has another usage); None if there is no such key."""
    from kmscli.core.env import partition_for
    from kmscli.core.ids import parse_key_ref
    from kmscli.core.keyspecs import KEY_SPECS

    ref = parse_key_ref(
        named, account_id=repo.account_id, region=repo.region, partition=partition_for(repo.region), allow_alias=True
    )
    key_id = ref.key_id
    if ref.alias_name is not None:
        alias = repo.get_alias(ref.alias_name)
        key_id = None if alias is None else alias.target_key_id
    summary = None if key_id is None else repo.get_key_summary(key_id)
    if summary is None or summary.key_spec not in KEY_SPECS:
        return None
    if summary.key_usage != usage:
        return ()
    return next(algorithms for u, algorithms in KEY_SPECS[summary.key_spec].usages.items() if u == usage)


def _key_ids(repo: SqliteRepository) -> list[str]:
    ids: list[str] = []
    while True:
        page = repo.list_keys(ids[-1] if ids else None, _PAGE)
        ids += page
        if len(page) < _PAGE:
            return ids


def _aliases(repo: SqliteRepository, incomplete: str) -> list[CompletionItem]:
    from click.shell_completion import CompletionItem

    items: list[CompletionItem] = []
    after = None
    while True:
        page = repo.list_aliases(None, after, _PAGE)
        items += [
            CompletionItem(a.alias_name, help=a.target_key_id) for a in page if a.alias_name.startswith(incomplete)
        ]
        if len(page) < _PAGE:
            return items
        after = page[-1].alias_name


def _from_state(ctx: click.Context, read: Callable[[SqliteRepository], Read], nothing: Read) -> Read:
    """Run `read` on a read-only view of the state; any problem at all means `nothing` (no suggestions)."""
    import sqlite3

    from kmscli.store import DB_NAME, SqliteRepository

    # Global options typed before the command; the command's own words are not parsed yet.
    given = ctx.meta.get("kmscli.globals", {})
    try:
        from pathlib import Path  # completion only; commands do without pathlib's start-up cost

        path = Path(config.state_dir(given.get("state_dir"), os.environ)) / DB_NAME
        if not path.is_file():
            return nothing
        account = config.account_id(os.environ)
        region = config.region(given.get("region"), given.get("profile"), os.environ)
        # With no WAL file present the committed state is all in the main file, and `immutable`
        # reads it without creating -wal/-shm files; with one present, a plain read-only open
        # sees the writer's latest commits through the files that already exist.
        wal = path.with_name(path.name + "-wal").exists()
        uri = f"{path.as_uri()}?mode=ro" if wal else f"{path.as_uri()}?immutable=1"
        conn = sqlite3.connect(uri, uri=True)
        try:
            return read(SqliteRepository(conn, account, region))
        finally:
            conn.close()
    except Exception:  # a completion never fails loudly: it offers nothing
        return nothing
