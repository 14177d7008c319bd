"""Threads and first replies kept at ingest: response times over ten million messages without threading them.

A thread is what Message-ID, In-Reply-To and References connect (the keys): two messages that
name a key in common are in one thread. ``thread_keys`` maps each key the journal has seen to its
thread and ``message_threads`` each message to its own; a thread's number is the id of one of its
messages. ``replies`` holds, for each dated inbound mail, the first outbound mail of its thread
dated after it and the delay in microseconds — what :func:`mailkit.analysis.response_times`
computes from the frames (the tests compare the two), with the threads of the whole journal.
Narrow tables of their own, not columns of ``messages``: PostgreSQL writes a whole new row for
an update, and each new message would be written twice.

Who keeps them: new messages are threaded when their transaction commits (:meth:`Journal.transaction
<mailkit.journal.store.Journal.transaction>`), after the counts; a message that connects two
threads merges them (the lower number stays) and the replies of each thread it touched are
worked out again from its dated mail, except that a thread of more than :data:`_LARGE` messages
that only grew has just the replies its new mail can change looked up, by the index on each
threaded message's (thread, direction, Date): a few index entries per new mail, not the whole
thread; ``purge`` threads again what is left of the threads it took messages from; ``journal
copy`` and the synthetic generator thread each batch they write; journals from before migration
12 are threaded when opened (:func:`thread_backfill`). On
PostgreSQL one writer threads at a time (a transaction's advisory lock), so that two workers'
mail of one thread meets.
"""

from __future__ import annotations

__all__ = ["rethread", "thread_backfill", "thread_range", "thread_rows", "threads_of"]

import bisect
import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .store import Journal

_CHUNK = 900  # SQLite's limit on bound parameters, with room
_BATCH = 20_000  # messages threaded per transaction when a journal from before migration 12 is opened
_MICROSECOND = dt.timedelta(microseconds=1)
#: above this many messages a thread that only grew is answered by index lookups, not read whole
_LARGE = 2000


def _chunks(values: Sequence) -> Iterator[tuple[Sequence, str]]:
    for start in range(0, len(values), _CHUNK):
        chunk = values[start : start + _CHUNK]
        yield chunk, ",".join("?" * len(chunk))


def _keys(message_id: str | None, in_reply_to: str | None, refs: str | None) -> list[str]:
    keys = [k for k in (message_id, in_reply_to) if k is not None]
    if refs and refs != "[]":
        keys += json.loads(refs)
    return keys


class _Components:
    """Union-find over keys (text) and message rows or thread numbers (integers)."""

    def __init__(self) -> None:
        self.parent: dict[str | int, str | int] = {}

    def find(self, node: str | int) -> str | int:
        root = self.parent.setdefault(node, node)
        while self.parent[root] != root:
            root = self.parent[root]
        while node != root:  # every node on the way now points at the root
            self.parent[node], node = root, self.parent[node]
        return root

    def join(self, a: str | int, b: str | int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb


def thread_rows(journal: Journal, rows: Iterable[int]) -> None:
    """Thread these new (or not yet threaded) message rows and work out the replies of the threads they join."""
    rows = sorted(set(rows))
    if not rows:
        return
    db = journal.db
    journal.backend.lock_threads(db)
    keys_of: dict[int, list[str]] = {}
    mail: dict[int, tuple[str, str | None, str]] = {}  # row -> direction, Date, account
    for chunk, marks in _chunks(rows):
        query = (
            "SELECT id, message_id, in_reply_to, refs, direction, date_utc, account FROM messages "
            f"WHERE id IN ({marks})"
        )
        for row, message_id, in_reply_to, refs, direction, date, account in db.execute(query, chunk):
            keys_of[row] = _keys(message_id, in_reply_to, refs)
            mail[row] = (direction, date, account)
    rows = sorted(keys_of)  # a row a savepoint undid is gone
    wanted = sorted({k for keys in keys_of.values() for k in keys})
    known: dict[str, int] = {}
    for chunk, marks in _chunks(wanted):
        known.update(db.execute(f"SELECT key, thread FROM thread_keys WHERE key IN ({marks})", chunk))
    # the row ids here and the thread numbers known are different integers: a number is an id of a threaded row
    components = _Components()
    for row, keys in keys_of.items():
        components.find(row)
        for key in keys:
            components.join(row, key)
    for key, thread in known.items():
        components.join(key, thread)
    members: dict[str | int, tuple[list[int], set[int]]] = {}
    for row in keys_of:
        members.setdefault(components.find(row), ([], set()))[0].append(row)
    for thread in set(known.values()):
        members.setdefault(components.find(thread), ([], set()))[1].add(thread)
    number: dict[str | int, int] = {}
    grown: dict[int, list[int]] = {}  # a thread that only new rows joined (no merge): those rows
    for root, (new, old) in members.items():
        number[root] = kept = min(old) if old else min(new)
        if len(old) == 1:
            grown[kept] = new
        for merged in old - {kept}:
            db.execute("UPDATE thread_keys SET thread = ? WHERE thread = ?", (kept, merged))
            db.execute("UPDATE message_threads SET thread = ? WHERE thread = ?", (kept, merged))
    # new keys and rows alone (the lock keeps other writers out; rethread removed the rows it passes)
    fresh = [(key, number[components.find(key)]) for key in wanted if key not in known]
    journal.backend.insert_rows(db, "thread_keys", ("key", "thread"), fresh)
    placed = [(row, number[components.find(row)], *mail[row][:2]) for row in rows]
    journal.backend.insert_rows(db, "message_threads", ("message_id", "thread", "direction", "date_utc"), placed)
    large = _large(journal, sorted(grown))
    _answer(journal, sorted(set(number.values()) - large))
    for thread in sorted(large):
        _answer_added(journal, thread, {row: mail[row] for row in grown[thread]})


def _answer(journal: Journal, threads: list[int]) -> None:
    """For each dated inbound mail of these threads: the first outbound mail dated after it (the lowest id of a tie)."""
    db = journal.db
    mail: dict[int, list[tuple[int, str, dt.datetime, str, str]]] = {}
    for chunk, marks in _chunks(threads):
        query = (
            "SELECT t.thread, m.id, m.direction, m.date_utc, m.account FROM message_threads t "
            f"JOIN messages m ON m.id = t.message_id WHERE t.thread IN ({marks}) AND m.date_utc IS NOT NULL"
        )
        for thread, row, direction, text, account in db.execute(query, chunk):
            mail.setdefault(thread, []).append((row, direction, dt.datetime.fromisoformat(text), text, account))
    wanted: list[tuple[int, str, str, int | None, int | None]] = []
    for rows in mail.values():
        outbound = sorted((date, row) for row, direction, date, _, _ in rows if direction != "in")
        for row, direction, date, text, account in rows:
            if direction != "in":
                continue
            at = bisect.bisect_right(outbound, (date, float("inf")))
            if at < len(outbound):
                wanted.append((row, account, text, outbound[at][1], (outbound[at][0] - date) // _MICROSECOND))
            else:
                wanted.append((row, account, text, None, None))
    _write_replies(journal, wanted)


def _write_replies(journal: Journal, wanted: list[tuple[int, str, str, int | None, int | None]]) -> None:
    """Each (inbound row, account, Date, reply, delay): inserted, or updated where its reply changed."""
    db = journal.db
    stored: dict[int, list] = {}
    for chunk, marks in _chunks([w[0] for w in wanted]):
        query = f"SELECT message_id, account, date_utc, reply_id, delay FROM replies WHERE message_id IN ({marks})"
        stored.update((row, rest) for row, *rest in db.execute(query, chunk))
    columns = ("message_id", "account", "date_utc", "reply_id", "delay")
    journal.backend.insert_rows(db, "replies", columns, [w for w in wanted if w[0] not in stored])
    changed = [(*w[3:], w[0]) for w in wanted if w[0] in stored and stored[w[0]] != list(w[1:])]
    if changed:
        db.executemany("UPDATE replies SET reply_id = ?, delay = ? WHERE message_id = ?", changed)


def _large(journal: Journal, threads: list[int]) -> set[int]:
    """Those of these threads with more than :data:`_LARGE` messages (an index-only count)."""
    large: set[int] = set()
    for chunk, marks in _chunks(threads):
        query = f"SELECT thread FROM message_threads WHERE thread IN ({marks}) GROUP BY thread HAVING count(*) > ?"
        large.update(t for (t,) in journal.db.execute(query, (*chunk, _LARGE)))
    return large


def _answer_added(journal: Journal, thread: int, added: dict[int, tuple[str, str | None, str]]) -> None:
    """A long thread that only grew: the first replies of the inbound mail they can change, by index lookups.

    Those are the new inbound mail and, for each new outbound mail, the inbound mail dated from the
    thread's outbound mail before it up to it (earlier ones keep the reply they had). ISO UTC text
    sorts as the moments do, so the index on (thread, direction, Date) answers each.
    """
    db = journal.db
    affected = {row: date for row, (direction, date, _) in added.items() if direction == "in" and date}
    for direction, date, _ in added.values():
        if direction == "out" and date:
            before = db.execute(
                "SELECT max(date_utc) FROM message_threads WHERE thread = ? AND direction = 'out' AND date_utc < ?",
                (thread, date),
            ).fetchone()[0]
            affected.update(db.execute(
                "SELECT message_id, date_utc FROM message_threads "
                "WHERE thread = ? AND direction = 'in' AND date_utc >= ? AND date_utc < ?",
                (thread, before or "", date),
            ))  # fmt: skip
    accounts = {row: account for row, (_, _, account) in added.items()}
    known = [row for row in affected if row not in accounts]
    for chunk, marks in _chunks(known):
        accounts.update(db.execute(f"SELECT message_id, account FROM replies WHERE message_id IN ({marks})", chunk))
    wanted: list[tuple[int, str, str, int | None, int | None]] = []
    for row, text in sorted(affected.items()):
        first = db.execute(
            "SELECT message_id, date_utc FROM message_threads WHERE thread = ? AND direction = 'out' "
            "AND date_utc > ? ORDER BY date_utc, message_id LIMIT 1",
            (thread, text),
        ).fetchone()
        if first is None:
            wanted.append((row, accounts[row], text, None, None))
        else:
            delay = (dt.datetime.fromisoformat(first[1]) - dt.datetime.fromisoformat(text)) // _MICROSECOND
            wanted.append((row, accounts[row], text, first[0], delay))
    _write_replies(journal, wanted)


def thread_range(journal: Journal, after: int, through: int) -> None:
    """Thread the messages with ids in (``after``, ``through``]: a batch that a copy or the generator wrote."""
    rows = [r for (r,) in journal.db.execute("SELECT id FROM messages WHERE id > ? AND id <= ?", (after, through))]
    thread_rows(journal, rows)


def threads_of(journal: Journal, where: str, params: Iterable) -> list[int]:
    """The threads of the messages ``where`` selects (before ``purge`` deletes them)."""
    query = (
        f"SELECT DISTINCT t.thread FROM message_threads t WHERE t.message_id IN (SELECT id FROM messages WHERE {where})"
    )
    return [t for (t,) in journal.db.execute(query, tuple(params))]


def rethread(journal: Journal, threads: list[int]) -> None:
    """Thread again, from their messages, what is left of these threads (a message in the middle may be gone)."""
    db = journal.db
    rows: list[int] = []
    for chunk, marks in _chunks(threads):
        db.execute(f"DELETE FROM thread_keys WHERE thread IN ({marks})", chunk)
        rows += [r for (r,) in db.execute(f"SELECT message_id FROM message_threads WHERE thread IN ({marks})", chunk)]
        db.execute(f"DELETE FROM message_threads WHERE thread IN ({marks})", chunk)
    thread_rows(journal, rows)


def thread_backfill(journal: Journal) -> None:
    """Thread the messages from before migration 12 (``thread_backfill`` names them), a batch per transaction.

    A kill leaves the batches done and the mark on the next: opening the journal again goes on.
    """
    db = journal.db
    while True:
        with journal.transaction():
            journal.backend.lock_threads(db)  # before the mark: two processes opening the journal take turns
            mark = db.execute("SELECT next_id, last_id FROM thread_backfill").fetchone()
            if mark is None:
                return
            query = "SELECT id FROM messages WHERE id >= ? AND id <= ? ORDER BY id LIMIT ?"
            rows = [r for (r,) in db.execute(query, (*mark, _BATCH))]
            thread_rows(journal, rows)
            if len(rows) < _BATCH:
                db.execute("DELETE FROM thread_backfill")
            else:
                db.execute("UPDATE thread_backfill SET next_id = ?", (rows[-1] + 1,))
            journal.backend.analyze(db, ("thread_keys", "message_threads", "replies"))
