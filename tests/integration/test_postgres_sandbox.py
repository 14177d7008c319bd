"""The sandbox's PostgreSQL: a real cluster on loopback, password logins over TCP, trust on its socket."""

import json
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from mailkit.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]


def test_fixture_database_is_empty_and_private_to_the_test(postgres, postgres_database):
    with psycopg.connect(postgres_database) as db:
        assert db.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone() == (0,)
        db.execute("CREATE TABLE mine (x int)")
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(postgres.url("postgres"), password="not-the-password")


def mailkit(*args) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "mailkit", *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done


def test_sandbox_start_postgres_and_stop(tmp_path):
    folder = tmp_path / "ws"
    state = json.loads(
        mailkit("sandbox", "start", "--dir", str(folder), "--postgres", "--demo-mail", "0", "--json").stdout
    )["data"]
    data = folder / ".sandbox" / "postgres" / "data"
    try:
        pg = state["postgres"]
        assert pg["url"].startswith("postgresql://mailkit@127.0.0.1:") and pg["url"].endswith("/journal")
        password = Workspace.open(folder).resolve_secret(pg["secret"]).reveal()
        with psycopg.connect(pg["url"], password=password) as db:
            assert db.execute("SELECT current_database(), host(inet_server_addr())").fetchone() == (
                "journal",
                "127.0.0.1",
            )
        with psycopg.connect(pg["socket_url"]) as db:
            assert db.execute("SELECT 1").fetchone() == (1,)
        assert (data / "postmaster.pid").exists()
    finally:
        mailkit("sandbox", "stop", "--dir", str(folder))
    assert not (data / "postmaster.pid").exists()
