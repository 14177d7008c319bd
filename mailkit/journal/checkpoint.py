"""SQLite's WAL checkpoints in a thread of their own, so the writer never waits for them.

In WAL mode every page a transaction writes goes to the ``-wal`` file first; a checkpoint copies
the pages into the database and syncs both files. By default the writer does that itself in the
commit that takes the WAL past 1,000 pages, which in an import is every commit or two: on
``bench/bench_sync.py``'s realistic corpus (5,000 mails, 167 MB) the commits took 1.0–1.6 s of a
3.4 s store. SQLite's documentation names the way out: turn the automatic checkpoint off and run
checkpoints from another thread. Here the writer wakes the :class:`Checkpointer` after each
commit; it runs a ``PASSIVE`` checkpoint on its own connection (which never blocks the writer,
and the sqlite3 module releases the GIL for it) while the writer goes on with the next batch.

The WAL can only start over from its beginning when a checkpoint has copied all of it and the
writer is between transactions. So that it cannot grow without bound under a writer that never
pauses, a writer about to begin while the WAL is over :data:`WAL_LIMIT` first waits for the
running checkpoint to end (:meth:`Checkpointer.before_write`); ``journal_size_limit`` then cuts
the file back. A journal that closes checkpoints what is left itself, as SQLite always does.
"""

from __future__ import annotations

__all__ = ["WAL_LIMIT", "Checkpointer"]

import contextlib
import os
import sqlite3
import threading
import weakref
from pathlib import Path

from ..secrets import logger

log = logger(__name__)

#: a WAL larger than this makes the next transaction wait for the running checkpoint, so the WAL restarts
WAL_LIMIT = 64 * 1024 * 1024


class Checkpointer:
    """One thread and one connection that checkpoint an SQLite journal's WAL when a commit wakes them.

    The thread holds no reference to its checkpointer: a journal that is never closed (a
    notebook's) does not keep it alive, and when it is collected the thread ends too.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._wal = path.with_name(path.name + "-wal")
        self._wake = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def committed(self) -> None:
        """The writer committed: checkpoint what it wrote (the thread starts with the first commit)."""
        if self._stop.is_set():
            return
        if self._thread is None:
            events = (self._wake, self._idle, self._stop)
            self._thread = threading.Thread(
                target=_checkpoints, args=(self.path, *events), name="mailkit-checkpoint", daemon=True
            )
            self._thread.start()
            weakref.finalize(self, _stop, self._wake, self._stop)
        self._idle.clear()
        self._wake.set()

    def before_write(self) -> None:
        """Before a write transaction: while the WAL is over its limit, let the running checkpoint finish."""
        thread = self._thread
        with contextlib.suppress(FileNotFoundError):
            if thread is not None and os.stat(self._wal).st_size > WAL_LIMIT:
                while thread.is_alive() and not self._idle.wait(0.5):
                    continue  # a thread that ended (it could not connect) is not waited for

    def close(self) -> None:
        """Stop the thread after its current checkpoint; the journal's own connection checkpoints the rest."""
        if self._thread is None:
            return
        _stop(self._wake, self._stop)
        self._thread.join()
        self._thread = None


def _stop(wake: threading.Event, stop: threading.Event) -> None:
    stop.set()
    wake.set()


def _checkpoints(path: Path, wake: threading.Event, idle: threading.Event, stop: threading.Event) -> None:
    """The thread: a passive checkpoint each time a commit wakes it, until it is stopped."""
    try:
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:  # no second connection: the WAL grows until the journal closes
        log.warning("the journal's WAL cannot be checkpointed in the background (%s): it grows till it closes", exc)
        stop.set()
        idle.set()
        return
    try:
        while True:
            wake.wait()
            wake.clear()
            if stop.is_set():
                return
            try:
                db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error as exc:  # the next commit tries again; the writer's close checkpoints anyway
                log.debug("background checkpoint of %s failed: %s", path, exc)
            if not wake.is_set():
                idle.set()
    finally:
        idle.set()
        db.close()
