"""The SQLite journal's WAL is checkpointed by a thread of its own (mailkit.journal.checkpoint), and stays bounded."""

import gc
import os
import threading

from mailkit.journal import checkpoint
from mailkit.journal.store import Journal


def _write(journal: Journal, batches: int, size: int, first_uid: int = 0) -> None:
    """Batches of incompressible mail, each in its own transaction, as the import writes them."""
    for uid in range(first_uid, first_uid + batches):
        with journal.transaction():
            journal.quarantine("a", "INBOX", "test", os.urandom(size), 1, uid, stored=os.urandom(size))


def test_the_pages_reach_the_database_file_through_the_thread_not_the_writer(tmp_path):
    path = tmp_path / "journal.sqlite"
    journal = Journal(path)
    before = path.stat().st_size
    _write(journal, 20, 100_000)
    journal.backend._checkpointer.before_write()  # no waiting: the WAL is under its limit
    assert journal.backend._checkpointer._idle.wait(10)
    # the writer's own checkpoints are off: only the thread can have copied 2 MB into the file
    assert journal.db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    assert path.stat().st_size - before > 20 * 100_000
    journal.close()


def test_a_writer_that_never_pauses_keeps_the_wal_near_its_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(checkpoint, "WAL_LIMIT", 1_000_000)
    monkeypatch.setattr("mailkit.journal.backends.WAL_LIMIT", 1_000_000)
    path = tmp_path / "journal.sqlite"
    journal = Journal(path)
    wal = path.with_name(path.name + "-wal")
    largest = 0
    for round_ in range(20):  # 12 MB in all
        _write(journal, 3, 200_000, first_uid=3 * round_)
        largest = max(largest, wal.stat().st_size)
    assert largest < 4 * 1_000_000, f"the WAL grew to {largest} bytes"
    assert len(journal.quarantined()) == 60
    journal.close()


def test_a_writer_waits_for_the_running_checkpoint_only_while_the_wal_is_over_its_limit(tmp_path, monkeypatch):
    journal = Journal(tmp_path / "journal.sqlite")
    _write(journal, 5, 100_000)
    checkpointer = journal.backend._checkpointer
    assert checkpointer._idle.wait(10)
    checkpointer._idle.clear()  # as while a checkpoint runs
    checkpointer.before_write()  # the WAL (about 500 KB) is under the 64 MB limit: no wait
    monkeypatch.setattr(checkpoint, "WAL_LIMIT", 1000)
    went_on = threading.Event()
    writer = threading.Thread(target=lambda: (checkpointer.before_write(), went_on.set()))
    writer.start()
    assert not went_on.wait(0.3)
    checkpointer._idle.set()  # the checkpoint ends
    assert went_on.wait(5)
    writer.join()
    journal.close()


def test_closing_stops_the_thread_and_keeps_every_row(tmp_path):
    path = tmp_path / "journal.sqlite"
    journal = Journal(path)
    _write(journal, 30, 20_000)
    thread = journal.backend._checkpointer._thread
    assert thread is not None and thread.is_alive()
    journal.close()
    assert not thread.is_alive()
    assert not path.with_name(path.name + "-wal").exists()  # the last connection checkpointed the rest
    with Journal(path) as again:
        assert len(again.quarantined()) == 30


def test_a_journal_never_closed_ends_its_thread_when_it_is_collected(tmp_path):
    journal = Journal(tmp_path / "journal.sqlite")
    _write(journal, 3, 1000)
    thread = journal.backend._checkpointer._thread
    assert thread is not None and thread.is_alive()
    del journal
    gc.collect()
    thread.join(10)
    assert not thread.is_alive()


def test_a_checkpointer_that_cannot_connect_never_blocks_the_writer(tmp_path):
    path = tmp_path / "journal.sqlite"
    path.mkdir()  # SQLite cannot open a folder: the thread's connection fails
    path.with_name("journal.sqlite-wal").write_bytes(b"\0" * (checkpoint.WAL_LIMIT + 1))  # over its limit
    checkpointer = checkpoint.Checkpointer(path)

    def writer() -> None:
        for _ in range(5):  # as the journal calls it around each transaction
            checkpointer.before_write()
            checkpointer.committed()

    running = threading.Thread(target=writer, daemon=True)
    running.start()
    running.join(20)
    assert not running.is_alive(), "the writer waits for a checkpointer that could not connect"
    checkpointer.close()
