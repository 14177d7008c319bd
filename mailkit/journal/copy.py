"""Moving a journal: every table of an SQLite journal into a PostgreSQL one, resumable and verified.

A customer who starts on a laptop moves to the shared journal without downloading mail again.
Tables go in the order the migrations made them (parents before children), rows in id order and
in batches of their own transaction with COPY: a copy that stopped (Ctrl-C, a lost connection)
goes on after the last committed batch when run again. Tables without an id (folder states,
POP3 UIDLs, record folders) are small and upserted whole. The counts kept at ingest
(:mod:`mailkit.journal.rollup`, :mod:`mailkit.journal.sendcounts`) and the threads
(:mod:`mailkit.journal.threads`) are not copied: each batch of messages or sends is counted (and
threaded) on arrival, in its transaction. At the end every
table's row count and a SHA-256 over its rows in key order must agree on both sides, or the copy
says where they differ.
"""

from __future__ import annotations

__all__ = ["CopyReport", "copy_journal", "table_digest"]

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import SyncError
from . import rollup, sendcounts, threads
from .store import Journal

_BATCH = 5000
_DERIVED = (
    rollup.HOURLY,
    rollup.MONTHLY,
    sendcounts.SENDS,
    "message_threads",
    "thread_keys",
    "replies",
    "thread_backfill",
)


@dataclass
class CopyReport:
    """Rows copied now and found already there, per table, and whether both sides agree."""

    copied: dict[str, int] = field(default_factory=dict)
    already: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)
    verified: bool = False

    def to_dict(self) -> dict:
        return {"copied": self.copied, "already": self.already, "rows": self.rows, "digests": self.digests,
                "verified": self.verified}  # fmt: skip


def _tables(source: Journal) -> list[tuple[str, list[str], bool]]:
    """The source's tables in creation order: (name, columns, whether rows have an integer ``id`` key)."""
    names = [n for (n,) in source.db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
    )]  # fmt: skip
    tables = []
    for name in names:
        if name in _DERIVED:  # from the messages: counted and threaded as they arrive
            continue
        info = source.db.execute(f'PRAGMA table_info("{name}")').fetchall()
        columns = [row[1] for row in info]
        keyed = any(row[1] == "id" and row[5] == 1 for row in info) or (
            name == "raw_messages"  # its key is the message's id
        )
        tables.append((name, columns, keyed))
    return tables


def _key(name: str) -> str:
    return "message_id" if name == "raw_messages" else "id"


def _quoted(columns: list[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def copy_journal(
    source: Journal,
    target: Journal,
    *,
    batch: int = _BATCH,
    progress: Callable[[str, int, int], None] | None = None,
) -> CopyReport:
    """Copy ``source`` (SQLite) into ``target`` (PostgreSQL, same schema version); verify; return the report."""
    if source.backend.name != "sqlite" or target.backend.name != "postgresql":
        raise SyncError("journal copy goes from an SQLite journal to a PostgreSQL one")
    if source.schema_version != target.schema_version:
        raise SyncError(f"schema {source.schema_version} here, {target.schema_version} there: upgrade mailkit")
    report = CopyReport()
    raw = target.db.raw  # type: ignore[union-attr]  # PostgreSQL's own connection: COPY
    for name, columns, keyed in _tables(source):
        total = source.db.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
        if not keyed:
            rows = source.db.execute(f'SELECT {_quoted(columns)} FROM "{name}"').fetchall()
            marks = ", ".join(["%s"] * len(columns))
            with raw.transaction(), raw.cursor() as cursor:
                before = cursor.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
                cursor.executemany(
                    f'INSERT INTO "{name}" ({_quoted(columns)}) VALUES ({marks}) ON CONFLICT DO NOTHING', rows
                )
                after = cursor.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            report.copied[name], report.already[name] = after - before, total - (after - before)
            continue
        key = _key(name)
        done = raw.execute(f'SELECT max("{key}"), count(*) FROM "{name}"').fetchone()
        last, report.already[name] = done[0] or 0, done[1]
        copied = 0
        while True:
            rows = source.db.execute(
                f'SELECT {_quoted(columns)} FROM "{name}" WHERE "{key}" > ? ORDER BY "{key}" LIMIT ?', (last, batch)
            ).fetchall()
            if not rows:
                break
            sql = f'COPY "{name}" ({_quoted(columns)}) FROM STDIN'
            with raw.transaction():
                with raw.cursor() as cursor, cursor.copy(sql) as copy:
                    for row in rows:
                        copy.write_row(row)
                if name == "messages":
                    rollup.count_range(target, last, rows[-1][columns.index(key)])
                    threads.thread_range(target, last, rows[-1][columns.index(key)])
                elif name == "sends":
                    sendcounts.count_sends(target, "s.id > ? AND s.id <= ?", (last, rows[-1][columns.index(key)]))
            last = rows[-1][columns.index(key)]
            copied += len(rows)
            if progress:
                progress(name, report.already[name] + copied, total)
        report.copied[name] = copied
        if key == "id":  # the identity goes on after the copied ids
            raw.execute(f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), max(id)) FROM \"{name}\" "
                        "HAVING max(id) IS NOT NULL")  # fmt: skip
    _verify(source, target, report)
    return report


def table_digest(journal: Journal, name: str, columns: list[str], key: str | None) -> tuple[int, str]:
    """Row count and SHA-256 over the rows (bytes as hex, every value as text), in key order.

    A table without a key is small: its rows are sorted here, since the two databases may collate text apart.
    """
    digest = hashlib.sha256()
    count = 0
    order = f' ORDER BY "{key}"' if key else ""
    cursor = journal.db.execute(f'SELECT {_quoted(columns)} FROM "{name}"{order}')
    unordered = []
    while rows := cursor.fetchmany(2000):
        for row in rows:
            count += 1
            line = "\x1f".join(_text(v) for v in row).encode() + b"\x1e"
            if key:
                digest.update(line)
            else:
                unordered.append(line)
    for line in sorted(unordered):
        digest.update(line)
    return count, digest.hexdigest()


def _text(value) -> str:
    if value is None:
        return "\x00"
    return bytes(value).hex() if isinstance(value, bytes | memoryview) else str(value)


def _verify(source: Journal, target: Journal, report: CopyReport) -> None:
    differ = []
    for name, columns, keyed in _tables(source):
        key = _key(name) if keyed else None
        here, there = table_digest(source, name, columns, key), table_digest(target, name, columns, key)
        report.rows[name], report.digests[name] = here
        if here != there:
            differ.append(f"{name} ({here[0]} rows here, {there[0]} there)")
    if differ:
        raise SyncError(f"the copy differs from the source in {', '.join(differ)}: run the copy again")
    report.verified = True
