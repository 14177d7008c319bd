"""Counts kept at ingest: messages per UTC hour and per UTC month, written in the writer's own transaction.

A report over ten million messages must not scan ten million wide rows. Two tables keep the counts
the reports group by, exact at every commit:

- ``hourly_counts``: per UTC hour, account, direction and S/MIME status and encryption — volume
  and S/MIME shares;
- ``monthly_counts``: per UTC month, account, direction, correspondent and SPF / DKIM / DMARC
  verdict, with each group's first and last Date — correspondents, authentication, the summary.

A key column is never NULL, so that one group is one row (``ON CONFLICT`` finds it): a nullable
value is kept as ``'=' || value`` and NULL as ``''`` (integers: ``-1``); :func:`decoded` reads them
back. Undated mail has the bucket ``''``. The verdicts are the same SQL the frames slice out of
the stored Authentication-Results (:func:`auth_verdict`), run once when a message is counted.

Who keeps them: a new message is counted when its transaction commits (:meth:`Journal.transaction
<mailkit.journal.store.Journal.transaction>`, from the rows the journal inserted); an S/MIME
verdict moves its message from one hourly group to another; ``purge`` counts the buckets it
touched again from the messages left (a first or last Date cannot be taken back by subtraction);
``journal copy`` and the synthetic generator count each batch they write. Plain SQL in the same
transaction as the messages: nothing runs later, nothing can lag behind.
"""

from __future__ import annotations

__all__ = [
    "CORRESPONDENT",
    "HOURLY",
    "MONTHLY",
    "auth_verdict",
    "count_range",
    "count_rows",
    "decoded",
    "migration",
    "recount_through",
    "uncount_hourly",
]

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .store import Journal

#: the other party: who wrote an inbound mail, the first To of an outbound one
CORRESPONDENT = "CASE WHEN m.direction = 'in' THEN m.from_addr ELSE json_extract(m.to_addrs, '$[0]') END"


def auth_verdict(method: str) -> str:
    """SQL for one method's result in the first Authentication-Results header that names it.

    ``instr`` on the stored JSON text keeps this in SQLite's C code (parsing every header in
    Python would cost seconds per million); a method name hidden in a comment can mislead it,
    which :func:`mailkit.analysis.parse_authentication_results` handles exactly. DKIM passes when
    any signature passes (RFC 7489's rule). No header at all gives NULL, a header without the
    method ``none``. The result is the text after ``method=`` (12 characters): the frames take
    its first word.
    """
    key = f"{method}="
    found = f"instr(m.auth_results, '{key}')"
    value = f"substr(m.auth_results, {found} + {len(key)}, 12)"
    passed = "WHEN instr(m.auth_results, 'dkim=pass') > 0 THEN 'pass' " if method == "dkim" else ""
    return (
        f"CASE WHEN m.auth_results IS NULL OR m.auth_results = '[]' THEN NULL {passed}"
        f"WHEN {found} > 0 THEN {value} ELSE 'none' END"
    )


def _text(expression: str) -> str:
    return f"COALESCE('=' || {expression}, '')"


HOURLY = "hourly_counts"
MONTHLY = "monthly_counts"
#: per table: its bucket (the first characters of the ISO UTC Date) and key columns -> SQL over messages m
_KEYS: dict[str, dict[str, str]] = {
    HOURLY: {
        "bucket": "COALESCE(substr(m.date_utc, 1, 13), '')",
        "account": "m.account",
        "direction": "m.direction",
        "smime_status": _text("m.smime_status"),
        "smime_encrypted": "COALESCE(m.smime_encrypted, -1)",
    },
    MONTHLY: {
        "bucket": "COALESCE(substr(m.date_utc, 1, 7), '')",
        "account": "m.account",
        "direction": "m.direction",
        "correspondent": _text(CORRESPONDENT),
        "spf": _text(auth_verdict("spf")),
        "dkim": _text(auth_verdict("dkim")),
        "dmarc": _text(auth_verdict("dmarc")),
    },
}
#: what each table adds up besides the count
_DATES = {HOURLY: False, MONTHLY: True}
#: the length of a bucket's key (``YYYY-MM-DDTHH``, ``YYYY-MM``)
BUCKET_LENGTH = {HOURLY: 13, MONTHLY: 7}


def columns(table: str) -> tuple[str, ...]:
    """The key columns of a counts table (without its bucket)."""
    return tuple(k for k in _KEYS[table] if k != "bucket")


def decoded(table: str, column: str, alias: str = "c") -> str:
    """SQL reading a key column back as the messages have it (NULL again where it was)."""
    name = f"{alias}.{column}"
    if column in ("account", "direction"):
        return name
    if column == "smime_encrypted":
        return f"NULLIF({name}, -1)"
    return f"CASE WHEN {name} = '' THEN NULL ELSE substr({name}, 2) END"


def _select(table: str, where: str) -> str:
    keys = _KEYS[table]
    dates = ", min(m.date_utc), max(m.date_utc)" if _DATES[table] else ""
    groups = ", ".join(str(n + 1) for n in range(len(keys)))
    # in key order, so that two writers meeting the same groups lock them in the same order
    return (
        f"SELECT {', '.join(keys.values())}, count(*){dates} FROM messages m WHERE {where} "
        f"GROUP BY {groups} ORDER BY {groups}"
    )


def _names(table: str) -> str:
    return ", ".join([*_KEYS[table], "messages", *(["first_date", "last_date"] if _DATES[table] else [])])


def _create(table: str) -> str:
    keys = _KEYS[table]
    types = {"smime_encrypted": "INTEGER"}
    lines = [f"{k} {types.get(k, 'TEXT')} NOT NULL" for k in keys] + ["messages INTEGER NOT NULL"]
    if _DATES[table]:
        lines += ["first_date TEXT", "last_date TEXT"]
    lines.append(f"PRIMARY KEY ({', '.join(keys)})")
    return f"CREATE TABLE {table} (\n    " + ",\n    ".join(lines) + "\n)"


def migration() -> str:
    """The migration that makes the tables and counts the messages already there."""
    return ";\n".join(
        [_create(table) for table in _KEYS]
        + [f"INSERT INTO {table} ({_names(table)}) {_select(table, '1 = 1')}" for table in _KEYS]
    )


def _upsert(journal: Journal, table: str, where: str, params: Iterable) -> None:
    keys = ", ".join(_KEYS[table])
    updates = [f"messages = {table}.messages + excluded.messages"]
    if _DATES[table]:
        updates += [
            f"first_date = CASE WHEN excluded.first_date < {table}.first_date THEN excluded.first_date "
            f"ELSE {table}.first_date END",
            f"last_date = CASE WHEN excluded.last_date > {table}.last_date THEN excluded.last_date "
            f"ELSE {table}.last_date END",
        ]
    journal.db.execute(
        f"INSERT INTO {table} ({_names(table)}) {_select(table, where)} "
        f"ON CONFLICT ({keys}) DO UPDATE SET {', '.join(updates)}",
        tuple(params),
    )


def count_rows(journal: Journal, rows: Iterable[int], tables: tuple[str, ...] = (HOURLY, MONTHLY)) -> None:
    """Add these message rows (just inserted, not yet counted) to the counts."""
    rows = sorted(set(rows))
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        for table in tables:
            _upsert(journal, table, f"m.id IN ({','.join('?' * len(chunk))})", chunk)


def count_range(journal: Journal, after: int, through: int) -> None:
    """Add the message rows with ids in (``after``, ``through``]: a batch a bulk writer just wrote."""
    for table in _KEYS:
        _upsert(journal, table, "m.id > ? AND m.id <= ?", (after, through))


def uncount_hourly(journal: Journal, row: int) -> None:
    """Take one counted message out of its hourly group, before a column of that group changes."""
    keys = _KEYS[HOURLY]
    journal.db.execute(
        f"UPDATE {HOURLY} SET messages = messages - 1 WHERE ({', '.join(keys)}) = "
        f"(SELECT {', '.join(keys.values())} FROM messages m WHERE m.id = ?)",
        (row,),
    )


def _bucket_end(moment: str, table: str) -> str:
    """The start of the bucket after the one holding this ISO moment, as ISO text."""
    when = dt.datetime.fromisoformat(moment).astimezone(dt.UTC)
    if table == HOURLY:
        start = when.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    else:
        year, month = (when.year + 1, 1) if when.month == 12 else (when.year, when.month + 1)
        start = dt.datetime(year, month, 1, tzinfo=dt.UTC)
    return start.isoformat()


def recount_through(journal: Journal, moment: str, account: str | None = None) -> None:
    """Count again, from the messages there now, every bucket up to the one holding ``moment`` and the undated.

    What a delete calls: its groups' counts, first and last Dates become what the rows left say.
    On PostgreSQL the counts are locked until the transaction ends, so that no writer adds to a
    bucket between its recount and the commit.
    """
    journal.backend.lock_tables(journal.db, tuple(_KEYS))
    for table in _KEYS:
        end = _bucket_end(moment, table)
        mine, args = (" AND account = ?", (account,)) if account else ("", ())
        journal.db.execute(f"DELETE FROM {table} WHERE bucket < ?{mine}", (end[: BUCKET_LENGTH[table]], *args))
        where = "(m.date_utc IS NULL OR m.date_utc < ?)" + (" AND m.account = ?" if account else "")
        journal.db.execute(f"INSERT INTO {table} ({_names(table)}) {_select(table, where)}", (end, *args))
