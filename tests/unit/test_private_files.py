"""The workspace and the journal are private whatever the umask; readable ones are named."""

import os

import pytest

from mailkit.journal.store import Journal
from mailkit.workspace import Workspace


@pytest.fixture
def open_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path) -> int:
    return path.stat().st_mode & 0o777


def test_new_workspace_and_journal_are_private(tmp_path, open_umask):
    ws = Workspace.create(tmp_path / "ws")
    assert mode(ws.path) == 0o700
    with Journal(ws.journal_file) as journal:
        journal.db.execute("CREATE TABLE scratch (x)")  # a write: the WAL and its index exist now
        with journal.account_lock("info"):
            locks = list(ws.path.glob("journal.sqlite.*.lock"))
        files = [ws.journal_file, ws.path / "journal.sqlite-wal", ws.path / "journal.sqlite-shm", *locks]
        assert len(files) == 4 and {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
    assert ws.exposed() == []


def test_journal_in_a_new_folder_makes_it_private(tmp_path, open_umask):
    Journal(tmp_path / "deep" / "journal.sqlite").close()
    assert mode(tmp_path / "deep") == 0o700 and mode(tmp_path / "deep" / "journal.sqlite") == 0o600


def test_readable_workspace_and_journal_are_named(tmp_path):
    ws = Workspace.create(tmp_path / "ws")
    Journal(ws.journal_file).close()
    os.chmod(ws.path, 0o755)
    os.chmod(ws.journal_file, 0o644)
    warnings = ws.exposed()
    assert len(warnings) == 2
    assert "chmod 0700" in warnings[0] and str(ws.path) in warnings[0]
    assert "mode 0644" in warnings[1] and "chmod 0600" in warnings[1]
