"""The PostgreSQL store as a user meets it: selection by URL, explicit migration, the root key,
key material sealed at rest, one-line refusals. The repository contract itself runs in
test_repository_contract.py (and the grant and import-token files) on every repository."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner, Result

from kmscli.cli import cli
from kmscli.session import Session
from kmscli.store import SCHEMA_VERSION as SQLITE_SCHEMA
from kmscli.store_postgres import SCHEMA_VERSION as PG_SCHEMA

Invoke = Callable[..., Result]


@pytest.fixture
def root_key(tmp_path: Path) -> Path:
    path = tmp_path / "root.key"
    result = CliRunner().invoke(cli, ["state", "create-root-key", str(path)], obj=Session(environ={}))
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def environ(tmp_path: Path, database_url: str, root_key: Path) -> dict[str, str]:
    return {
        "KMSCLI_DATABASE_URL": database_url,
        "KMSCLI_ROOT_KEY_FILE": str(root_key),
        "KMSCLI_STATE_DIR": str(tmp_path / "sqlite-state"),
    }


def kmscli(environ: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), obj=Session(environ=environ))


def table(url: str, sql: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchall()


def test_create_root_key_writes_a_private_file_once(tmp_path: Path) -> None:
    path = tmp_path / "root.key"
    old = os.umask(0)
    try:
        first = kmscli({}, "state", "create-root-key", str(path))
    finally:
        os.umask(old)
    assert first.exit_code == 0
    assert first.stdout.startswith(f"kmscli state create-root-key: created {path} (root key ID ")
    assert (path.stat().st_mode & 0o777, len(path.read_text().strip())) == (0o600, 19 + 44)
    content = path.read_bytes()
    again = kmscli({}, "state", "create-root-key", str(path))
    assert (again.exit_code, again.stdout) == (255, "")
    assert again.stderr == f"kmscli state: {path} already exists: a root key is never overwritten\n"
    assert path.read_bytes() == content


def test_every_command_waits_for_an_explicit_migration(environ: dict[str, str], database_url: str) -> None:
    refused = kmscli(environ, "create-key")
    assert (refused.exit_code, refused.stdout) == (255, "")
    redacted = database_url
    assert refused.stderr == (
        f"kmscli: the database has no kmscli tables, this kmscli needs schema {PG_SCHEMA}: run `kmscli state migrate` "
        f"({redacted})\n"
    )
    assert table(database_url, "SELECT to_regclass('keys') IS NULL, to_regclass('kmscli_schema') IS NULL") == [
        (True, True)
    ]
    first = kmscli(environ, "state", "migrate")
    assert (first.exit_code, first.stdout) == (0, f"kmscli state migrate: {redacted}: schema 0 -> {PG_SCHEMA}\n")
    again = kmscli(environ, "state", "migrate")
    assert (again.exit_code, again.stdout) == (
        0,
        f"kmscli state migrate: {redacted}: schema {PG_SCHEMA}, already current\n",
    )
    created = kmscli(environ, "create-key", "--description", "shared")
    assert created.exit_code == 0, created.stderr
    key_id = json.loads(created.stdout)["KeyMetadata"]["KeyId"]
    assert table(database_url, "SELECT key_id FROM keys") == [(key_id,)]
    assert table(database_url, "SELECT version FROM kmscli_schema") == [(PG_SCHEMA,)]


def test_migrating_from_schema_2_fills_the_keys_summary_columns_from_their_documents(
    environ: dict[str, str], database_url: str, root_key: Path
) -> None:
    """Schema 3 keeps the members listings show in columns; `state migrate` fills them from each key's
    document, exactly (dates as the same floats), members a document lacks as their defaults."""
    from kmscli import rootkey
    from kmscli.core.summaries import summary_of
    from kmscli.store_postgres import PostgresStore

    from .test_repository_contract import FULL_KEY, KEY_IDS, make_key

    keys = [
        FULL_KEY,
        make_key(KEY_IDS[0], multi_region=True, rotation_enabled=True, deletion_date=1.5),
        make_key(KEY_IDS[1], deletion_date=0.1 + 0.2 + 1503515155, next_rotation_date=1534446355.4750001),
    ]
    assert kmscli(environ, "state", "migrate").exit_code == 0
    store = PostgresStore(database_url, rootkey.load(str(root_key)))
    with store.transaction(write=True, account_id=FULL_KEY.account_id, region=FULL_KEY.region) as repo:
        for k in keys:
            repo.put_key(k)
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "ALTER TABLE keys DROP COLUMN key_state, DROP COLUMN key_spec, DROP COLUMN key_usage, "
            "DROP COLUMN description, DROP COLUMN deletion_date, DROP COLUMN key_manager, DROP COLUMN origin, "
            "DROP COLUMN multi_region, DROP COLUMN rotation_enabled, DROP COLUMN next_rotation_date"
        )
        conn.execute(
            "UPDATE keys SET doc = ((doc::jsonb) - 'multi_region' - 'rotation_enabled' - 'next_rotation_date' "
            "- 'deletion_date')::text WHERE key_id = %s",
            (KEY_IDS[0],),
        )
        conn.execute("UPDATE kmscli_schema SET version = 2")
    migrated = kmscli(environ, "state", "migrate")
    assert (migrated.exit_code, migrated.stdout) == (
        0,
        f"kmscli state migrate: {database_url}: schema 2 -> {PG_SCHEMA}\n",
    )
    with store.transaction(write=False, account_id=FULL_KEY.account_id, region=FULL_KEY.region) as repo:
        stored = [repo.get_key(k.key_id) for k in sorted(keys, key=lambda k: k.key_id)]
        assert stored[0] == make_key(KEY_IDS[0])
        assert repo.list_key_summaries(None, 10) == [summary_of(k) for k in stored]
    store.close()


def test_a_database_migrated_by_a_newer_kmscli_is_refused(environ: dict[str, str], database_url: str) -> None:
    assert kmscli(environ, "state", "migrate").exit_code == 0
    with psycopg.connect(database_url) as conn:
        conn.execute("UPDATE kmscli_schema SET version = %s", (PG_SCHEMA + 1,))
    newer = (
        f"the database was migrated by a newer kmscli (schema {PG_SCHEMA + 1}, this one knows {PG_SCHEMA}) "
        f"({database_url})"
    )
    for args, prefix in ((("list-keys",), "kmscli: "), (("state", "migrate"), "kmscli state: ")):
        refused = kmscli(environ, *args)
        assert (refused.exit_code, refused.stdout, refused.stderr) == (255, "", f"{prefix}{newer}\n")
    assert table(database_url, "SELECT version FROM kmscli_schema") == [(PG_SCHEMA + 1,)]


def test_the_root_key_is_required_and_must_be_the_databases(
    environ: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    assert kmscli(environ, "state", "migrate").exit_code == 0
    key_id = json.loads(kmscli(environ, "create-key").stdout)["KeyMetadata"]["KeyId"]
    other = tmp_path / "other.key"
    assert kmscli({}, "state", "create-root-key", str(other)).exit_code == 0
    recorded = table(database_url, "SELECT name FROM counters WHERE name LIKE 'root-key:%'")[0][0][9:]
    other_id = kmscli({**environ, "KMSCLI_ROOT_KEY_FILE": str(other)}, "state", "migrate").stderr.split("(ID ")[1][:16]
    readable = tmp_path / "readable.key"
    readable.write_bytes(Path(environ["KMSCLI_ROOT_KEY_FILE"]).read_bytes())
    readable.chmod(0o640)
    garbage = tmp_path / "garbage.key"
    garbage.write_text("not a key\n")
    garbage.chmod(0o600)
    without = {k: v for k, v in environ.items() if k != "KMSCLI_ROOT_KEY_FILE"}
    cases = [
        (
            without,
            "a PostgreSQL database needs a root key: set KMSCLI_ROOT_KEY_FILE to its file "
            "(make one with `kmscli state create-root-key FILE`)",
        ),
        (
            {**environ, "KMSCLI_ROOT_KEY_FILE": str(tmp_path / "missing.key")},
            f"cannot read the root key file {tmp_path / 'missing.key'}: No such file or directory",
        ),
        (
            {**environ, "KMSCLI_ROOT_KEY_FILE": str(readable)},
            f"the root key file {readable} is readable by other users (mode 0640): make it 0600",
        ),
        (
            {**environ, "KMSCLI_ROOT_KEY_FILE": str(garbage)},
            f"the root key file {garbage} is not a kmscli root key (make one with `kmscli state create-root-key`)",
        ),
        (
            {**environ, "KMSCLI_ROOT_KEY_FILE": str(other)},
            f"the root key in {other} (ID {other_id}) is not the one this state's key material is sealed under "
            f"(ID {recorded})",
        ),
    ]
    for env, message in cases:
        for args in (("create-key",), ("describe-key", "--key-id", key_id), ("list-keys",)):
            refused = kmscli(env, *args)
            assert (refused.exit_code, refused.stdout, refused.stderr) == (255, "", f"kmscli: {message}\n"), args
    # Nothing was made under a wrong key: the one key is still the only one, and it still works.
    assert table(database_url, "SELECT key_id FROM keys") == [(key_id,)]
    encrypted = kmscli(environ, "encrypt", "--key-id", key_id, "--plaintext", "aGk=")
    assert encrypted.exit_code == 0, encrypted.stderr


def test_key_material_is_sealed_at_rest_and_bound_to_its_key(environ: dict[str, str], database_url: str) -> None:
    assert kmscli(environ, "state", "migrate").exit_code == 0
    ids = [json.loads(kmscli(environ, "create-key").stdout)["KeyMetadata"]["KeyId"] for _ in range(2)]
    docs = dict(table(database_url, "SELECT key_id, doc FROM keys"))
    for key_id in ids:
        (material,) = json.loads(docs[key_id])["materials"]
        assert "secret" not in material
        # Version byte, 12-byte nonce, 32 bytes of AES key material, 16-byte tag, in base64.
        assert len(material["sealed"]) == len("A" * 84)
    # A sealed secret moved to another key's row does not open there: it names the row it was sealed for.
    first, second = (json.loads(docs[k]) for k in ids)
    second["materials"][0]["sealed"] = first["materials"][0]["sealed"]
    with psycopg.connect(database_url) as conn:
        conn.execute("UPDATE keys SET doc = %s WHERE key_id = %s", (json.dumps(second), ids[1]))
    refused = kmscli(environ, "encrypt", "--key-id", ids[1], "--plaintext", "aGk=")
    material_id = second["materials"][0]["material_id"]
    assert (refused.exit_code, refused.stdout) == (255, "")
    assert refused.stderr == (
        f"kmscli: the root key in {environ['KMSCLI_ROOT_KEY_FILE']} does not open the key material of "
        f"key 111122223333/us-east-1/{ids[1]} material {material_id}: it was sealed under another root key, "
        "or changed in the database\n"
    )


def test_an_unreachable_database_is_one_line_without_the_password(root_key: Path, tmp_path: Path) -> None:
    url = f"postgresql://kms:hunter2@/kms?host={tmp_path / 'nowhere'}"
    environ = {"KMSCLI_DATABASE_URL": url, "KMSCLI_ROOT_KEY_FILE": str(root_key)}
    refused = kmscli(environ, "list-keys")
    assert (refused.exit_code, refused.stdout) == (255, "")
    assert refused.stderr.startswith("kmscli: cannot connect to the database: ")
    assert refused.stderr.endswith(f"(postgresql://kms:***@/kms?host={tmp_path / 'nowhere'})\n")
    assert refused.stderr.count("\n") == 1
    assert "hunter2" not in refused.stderr


def test_a_url_that_is_not_postgresql_is_refused(root_key: Path) -> None:
    environ = {"KMSCLI_DATABASE_URL": "mysql://db/kms", "KMSCLI_ROOT_KEY_FILE": str(root_key)}
    refused = kmscli(environ, "list-keys")
    assert (refused.exit_code, refused.stdout, refused.stderr) == (
        255,
        "",
        "\nKMSCLI_DATABASE_URL must be a postgresql:// URL\n",
    )


def test_sqlite_may_seal_too_and_then_requires_the_same_root_key(tmp_path: Path, root_key: Path) -> None:
    import sqlite3

    plain = {"KMSCLI_STATE_DIR": str(tmp_path / "state")}
    sealed = {**plain, "KMSCLI_ROOT_KEY_FILE": str(root_key)}
    before = json.loads(kmscli(plain, "create-key").stdout)["KeyMetadata"]["KeyId"]
    after = json.loads(kmscli(sealed, "create-key").stdout)["KeyMetadata"]["KeyId"]
    conn = sqlite3.connect(tmp_path / "state" / "kmscli.sqlite3")
    try:
        docs = {k: json.loads(d)["materials"][0] for k, d in conn.execute("SELECT key_id, doc FROM keys")}
    finally:
        conn.close()
    # Material written before the root key stays in the clear; material written with it is sealed.
    assert ("secret" in docs[before], "sealed" in docs[before]) == (True, False)
    assert ("secret" in docs[after], "sealed" in docs[after]) == (False, True)
    for key_id in (before, after):
        assert kmscli(sealed, "encrypt", "--key-id", key_id, "--plaintext", "aGk=").exit_code == 0
    refused = kmscli(plain, "describe-key", "--key-id", before)
    assert refused.exit_code == 255
    assert refused.stderr.startswith("kmscli: the key material in this state is sealed under root key ")
    assert refused.stderr.endswith(": set KMSCLI_ROOT_KEY_FILE to that key's file\n")


# Run a command, then print (on stderr, at exit) which of the PostgreSQL path's modules it imported.
_WHAT_LOADED = (
    "import atexit, json, sys\n"
    "watched = ('psycopg', 'psycopg_pool', 'kmscli.store_postgres', 'kmscli.rootkey')\n"
    "atexit.register(lambda: print(json.dumps(sorted(m for m in watched if m in sys.modules)), file=sys.stderr))\n"
    "sys.argv = ['kmscli', *sys.argv[1:]]\n"
    "from kmscli.cli import main\n"
    "main()\n"
)


def loaded_modules(environ: dict[str, str], *args: str) -> list[str]:
    import subprocess
    import sys

    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "KMSCLI_"))}
    done = subprocess.run(
        [sys.executable, "-c", _WHAT_LOADED, *args],
        env={**base, **environ},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stderr.splitlines()[-1])


def test_psycopg_is_imported_only_when_a_database_url_asks_for_it(environ: dict[str, str], tmp_path: Path) -> None:
    sqlite = {"KMSCLI_STATE_DIR": str(tmp_path / "state")}
    assert loaded_modules(sqlite, "list-keys") == []
    assert loaded_modules(sqlite, "create-key", "--query", "KeyMetadata.KeyId") == []
    assert kmscli(environ, "state", "migrate").exit_code == 0
    assert loaded_modules(environ, "list-keys") == ["kmscli.rootkey", "kmscli.store_postgres", "psycopg"]


def test_state_migrate_on_sqlite_reports_the_schema_and_records_a_root_key(tmp_path: Path, root_key: Path) -> None:
    import sqlite3

    state = tmp_path / "state"
    migrated = kmscli({"KMSCLI_STATE_DIR": str(state), "KMSCLI_ROOT_KEY_FILE": str(root_key)}, "state", "migrate")
    database = state / "kmscli.sqlite3"
    assert (migrated.exit_code, migrated.stderr) == (0, "")
    assert migrated.stdout == f"kmscli state migrate: {database}: schema {SQLITE_SCHEMA}, already current\n"
    conn = sqlite3.connect(database)
    try:
        names = [n for (n,) in conn.execute("SELECT name FROM counters")]
    finally:
        conn.close()
    assert len(names) == 1
    assert names[0].startswith("root-key:")
    refused = kmscli({"KMSCLI_STATE_DIR": str(state)}, "list-keys")
    assert (refused.exit_code, refused.stdout) == (255, "")
    assert refused.stderr == (
        f"kmscli: the key material in this state is sealed under root key {names[0][9:]}: "
        "set KMSCLI_ROOT_KEY_FILE to that key's file\n"
    )


def test_without_postgresql_the_tests_skip_locally_and_fail_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests import postgres_cluster

    monkeypatch.setattr(postgres_cluster, "_bin_dir", lambda: None)
    reason = "PostgreSQL's server binaries (initdb, pg_ctl) are not installed: apt-get install postgresql"
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=f"^{re.escape(reason)}$"):
        postgres_cluster.require_postgres()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"\(CI must run the PostgreSQL tests\)$"):
        postgres_cluster.require_postgres()


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://kms:hunter2@db:5432/kms", "postgresql://kms:***@db:5432/kms"),
        (
            "postgresql://kms@db/kms?password=hunter2&sslmode=require",
            "postgresql://kms@db/kms?password=***&sslmode=require",
        ),
        ("host=db user=kms password='hunter 2' dbname=kms", "host=db user=kms password=*** dbname=kms"),
        ("postgresql://kms@/kms?host=/run/postgresql", "postgresql://kms@/kms?host=/run/postgresql"),
    ],
)
def test_messages_never_show_the_databases_password(url: str, shown: str) -> None:
    from kmscli.store_postgres import redact

    assert redact(url) == shown
