"""A real PostgreSQL for the tests: the system's binaries, a throwaway cluster, a Unix socket only.

No Docker and no network: `initdb` makes a cluster in a temporary directory and `pg_ctl` starts it
listening on a socket in that directory alone. PostgreSQL refuses to run as root, so under root (as
CI runs) the cluster belongs to the `postgres` user that the Debian package creates. Each test gets
a database schema of its own (`Cluster.fresh_url`), which is much faster than a database each.

Without the binaries the PostgreSQL tests skip with the reason, except in CI (CI=true), where
.ci/run installs them and a missing PostgreSQL is a failure.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

USER = "kmscli"


def _bin_dir() -> str | None:
    found = shutil.which("initdb")
    if found:
        return os.path.dirname(found)
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[-3].split(".")[0])
    )
    return os.path.dirname(candidates[-1]) if candidates else None


def require_postgres() -> str:
    """The binaries' directory, or skip (fail in CI) without them."""
    bindir = _bin_dir()
    if bindir is None:
        reason = "PostgreSQL's server binaries (initdb, pg_ctl) are not installed: apt-get install postgresql"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI must run the PostgreSQL tests)")
        pytest.skip(reason)
    return bindir


class Cluster:
    def __init__(self, bindir: str) -> None:
        self.bindir = bindir
        self.root = tempfile.mkdtemp(prefix="kmscli-pg-")
        self.data = os.path.join(self.root, "data")
        self.socket_dir = self.root
        self._names = itertools.count(1)
        self._run_as: pwd.struct_passwd | None = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        if self._run_as is not None:
            os.chown(self.root, self._run_as.pw_uid, self._run_as.pw_gid)
        os.chmod(self.root, 0o700)

    def _run(self, *args: str) -> None:
        user = self._run_as
        result = subprocess.run(
            args,
            cwd=self.root,
            user=user.pw_uid if user else None,
            group=user.pw_gid if user else None,
            extra_groups=[] if user else None,
            capture_output=True,
            text=True,
            env={**os.environ, "LC_ALL": "C"},
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed ({result.returncode}): {result.stdout}{result.stderr}")

    def start(self) -> None:
        self._run(
            os.path.join(self.bindir, "initdb"),
            "-D",
            self.data,
            "-U",
            USER,
            "-A",
            "trust",
            "--no-sync",
            "-E",
            "UTF8",
        )
        options = (
            f"-c listen_addresses='' -c unix_socket_directories='{self.socket_dir}' -c fsync=off "
            "-c full_page_writes=off -c synchronous_commit=off -c max_connections=200 -c shared_buffers=64MB"
        )
        self._run(
            os.path.join(self.bindir, "pg_ctl"),
            "-D",
            self.data,
            "-o",
            options,
            "-l",
            os.path.join(self.root, "log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self) -> None:
        try:
            self._run(os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, schema: str | None = None) -> str:
        url = f"postgresql://{USER}@/postgres?host={self.socket_dir}"
        # The search path puts every kmscli table in the schema (one per test).
        return f"{url}&options=-csearch_path%3D{schema}" if schema else url

    def fresh_url(self) -> str:
        """A URL whose tables land in a new, empty schema."""
        import psycopg

        schema = f"t{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        return self.url(schema)


@contextmanager
def running_cluster() -> Iterator[Cluster]:
    cluster = Cluster(require_postgres())
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
