"""A throw-away PostgreSQL cluster on loopback: Debian's server binaries, ``initdb`` in a folder.

Run as an ordinary user, the cluster is that user's; run as root (CI, containers), it is made and
run by the ``postgres`` system user, which PostgreSQL requires. It listens on a Unix socket in
its folder and on a loopback TCP port; TCP logins need the generated password (SCRAM), so the
journal's secret reference is exercised as in production; the socket trusts local users. Every
durability setting a throw-away cluster does not need is off, which makes tests fast.
"""

from __future__ import annotations

__all__ = ["PostgresServer", "find_pg_bin"]

import contextlib
import os
import pwd
import secrets as _random
import shutil
import signal
import subprocess
import time
import urllib.parse
from pathlib import Path

from ..errors import SandboxError
from .process import running

SUPERUSER = "mailkit"
_INSTALL_HINT = "install Debian's PostgreSQL server: apt-get install -y postgresql (make setup does it when root)"


def find_pg_bin() -> Path:
    """The folder of ``initdb`` and ``pg_ctl``: Debian keeps them per major version, newest first."""
    root = Path("/usr/lib/postgresql")
    versions = sorted((p for p in root.glob("*/bin") if (p / "initdb").exists()), key=lambda p: -int(p.parent.name))
    if versions:
        return versions[0]
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    raise SandboxError(f"no PostgreSQL server found: {_INSTALL_HINT}")


class PostgresServer:
    """One cluster in ``folder`` (data, socket, log); :meth:`start` makes it the first time."""

    def __init__(self, folder: Path | str, port: int) -> None:
        self.folder = Path(folder)
        self.port = port
        self.host = "127.0.0.1"
        self.data_dir = self.folder / "data"
        self.socket_dir = self.folder / "socket"
        self.log_file = self.folder / "postgres.log"
        self.password_file = self.folder / "password"
        self._bin = find_pg_bin()
        self._as_postgres = os.geteuid() == 0

    def __repr__(self) -> str:
        return f"PostgresServer({str(self.folder)!r}, port={self.port})"

    # -- life cycle ----------------------------------------------------------------------------
    def start(self) -> PostgresServer:
        self.folder.mkdir(parents=True, exist_ok=True)
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        self.socket_dir.mkdir(exist_ok=True)
        self._own(self.socket_dir, 0o700)
        options = (
            f"-c listen_addresses={self.host} -p {self.port} -k {self.socket_dir} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=256MB"
        )
        self._run("pg_ctl", "start", "-w", "-t", "60", "-D", self.data_dir, "-l", self.log_file, "-o", options)
        return self

    def stop(self) -> None:
        """A fast shutdown (SIGINT to the postmaster: sessions end, nothing more is written)."""
        try:
            pid = int((self.data_dir / "postmaster.pid").read_text().split()[0])
        except (FileNotFoundError, ValueError, IndexError):
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGINT)
        deadline = time.monotonic() + 30
        while running(pid) and time.monotonic() < deadline:
            time.sleep(0.05)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _initdb(self) -> None:
        if self._as_postgres:  # postgres must reach its folder through the sandbox's
            for parent in (self.folder, *self.folder.parents):
                if not parent.stat().st_mode & 0o001:  # traverse only, nothing listed or read
                    os.chmod(parent, parent.stat().st_mode | 0o001)
        self._own(self.folder, 0o700)  # the cluster's own folder: its log too
        self.data_dir.mkdir(mode=0o700, exist_ok=True)
        self._own(self.data_dir, 0o700)
        if not self.password_file.exists():
            fd = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(_random.token_urlsafe(18))
        self._own(self.password_file, 0o600)
        self._run(
            "initdb",
            "-D",
            self.data_dir,
            "-U",
            SUPERUSER,
            "--pwfile",
            self.password_file,
            "--auth-host=scram-sha-256",
            "--auth-local=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )

    def _own(self, path: Path, mode: int) -> None:
        os.chmod(path, mode)
        if self._as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(path, user.pw_uid, user.pw_gid)

    def _run(self, program: str, *args, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self._bin / program), *map(str, args)]
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            # all three: a process left in group root would be refused where only "others" may traverse
            user="postgres" if self._as_postgres else None,
            group="postgres" if self._as_postgres else None,
            extra_groups=[] if self._as_postgres else None,
            cwd=self.folder,
            stdin=subprocess.DEVNULL,
            timeout=120,
        )
        if check and done.returncode != 0:
            log = self.log_file.read_text("utf-8", "replace")[-1500:] if self.log_file.exists() else ""
            raise SandboxError(f"{program} failed ({done.returncode}): {done.stderr.strip()[-800:]}\n{log}")
        return done

    # -- use -----------------------------------------------------------------------------------
    @property
    def password(self) -> str:
        return self.password_file.read_text().strip()

    def url(self, database: str = "postgres") -> str:
        """The TCP URL without the password (a journal names that by a secret reference)."""
        return f"postgresql://{SUPERUSER}@{self.host}:{self.port}/{urllib.parse.quote(database)}"

    def socket_url(self, database: str = "postgres") -> str:
        """The Unix-socket URL (local trust: no password)."""
        socket = urllib.parse.quote(str(self.socket_dir), safe="")
        return f"postgresql://{SUPERUSER}@{socket}:{self.port}/{urllib.parse.quote(database)}"

    def create_database(self, name: str) -> str:
        """A new empty database; returns its TCP URL."""
        self._psql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self._psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _psql(self, sql: str) -> None:
        self._run("psql", "-h", self.socket_dir, "-p", self.port, "-U", SUPERUSER, "-d", "postgres", "-qAtc", sql)
