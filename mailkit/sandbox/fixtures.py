"""pytest fixtures for the sandbox (registered as a pytest plugin by the package's entry point).

``sandbox`` is one sandbox per test session (start-up is cheap, but demo mail is shared);
``fresh_sandbox`` a new empty one per test, for tests that change the world; ``postgres`` one
PostgreSQL cluster per session and ``postgres_database`` a new empty database on it per test (its
URL, without password: tests reach it over the cluster's Unix socket, where local users are trusted).
``journal_where`` runs a test once per journal backend: an SQLite file, then a PostgreSQL database.
"""

from __future__ import annotations

import re
import shutil
import tempfile

import pytest

from .ports import free_ports
from .postgres import PostgresServer
from .world import Sandbox


@pytest.fixture(scope="session")
def sandbox():
    with Sandbox() as world:  # a temporary folder, removed with everything in it
        yield world


@pytest.fixture
def fresh_sandbox():
    with Sandbox(demo_mail=0) as world:
        yield world


@pytest.fixture(scope="session")
def postgres():
    # not under pytest's temporary folder: pytest makes that 0700 again, where the postgres user could not reach it
    folder = tempfile.mkdtemp(prefix="mailkit-postgres-")
    try:
        with PostgresServer(folder, free_ports(1)[0]) as server:
            yield server
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgres_database(postgres, request):
    name = _database_name(request)
    postgres.create_database(name)
    yield postgres.socket_url(name)
    postgres.drop_database(name)


@pytest.fixture(scope="session")
def _journal_template(postgres):
    """A database with the journal's schema, migrated once: each test's journal is a copy of it."""
    from ..journal.store import Journal

    postgres.create_database("journal_template")
    Journal(postgres.socket_url("journal_template")).close()
    return "journal_template"


@pytest.fixture(params=["sqlite", "postgresql"])
def journal_where(request, tmp_path):
    """Where a test's journal lives, once per backend: what ``Journal(...)`` and ``[journal] url`` take."""
    if request.param == "sqlite":
        yield tmp_path / "journal.sqlite"
        return
    postgres, template = request.getfixturevalue("postgres"), request.getfixturevalue("_journal_template")
    name = _database_name(request)
    postgres.create_database(name, template=template)
    yield postgres.socket_url(name)
    postgres.drop_database(name)


def _database_name(request) -> str:
    return re.sub(r"\W+", "_", request.node.name.lower())[:50] + f"_{id(request) % 10**6}"
