"""Counts kept at ingest: messages per UTC hour and per UTC month, written in the writer's own transaction.

A report over ten million messages must not scan ten million wide rows. Two tables keep the counts
the reports group by, exact at every commit:

- ``hourly_counts``: per UTC hour, account, direction and S/MIME status and encryption — volume
  and S/MIME shares;
- ``monthly_counts``: per UTC month, account, direction, correspondent and SPF / DKIM / DMARC
  verdict, with each group's first and last Date — correspondents, authentication, the summary;
- ``record_counts`` and ``record_correspondents``: per ERP record its dated mail, in, first, last,
  whether the latest came in, and its mail per correspondent — the records view.

A key column is never NULL, so that one group is one row (``ON CONFLICT`` finds it): a nullable
value is kept as ``'=' || value`` and NULL as ``''`` (integers: ``-1``); :func:`decoded` reads them
back. Undated mail has the bucket ``''``. The verdicts are the same SQL the frames slice out of
the stored Authentication-Results (:func:`auth_verdict`), run once when a message is counted.

Who keeps them: a new message is counted when its transaction commits (:meth:`Journal.transaction
<mailkit.journal.store.Journal.transaction>`, from the rows the journal inserted); an S/MIME
verdict moves its message from one hourly group to another; ``purge`` counts the buckets it
touched again from the messages left (a first or last Date cannot be taken back by subtraction);
``journal copy`` and the synthetic generator count each batch they write. A record is counted
again whole, from its messages (by the index on the record), whenever one of its messages comes,
goes or is linked. Plain SQL in the same
transaction as the messages: nothing runs later, nothing can lag behind.
"""

from __future__ import annotations

__all__ = [
    "CORRESPONDENT",
    "HOURLY",
    "MONTHLY",
    "RECORDS",
    "RECORD_CORRESPONDENTS",
    "auth_verdict",
    "count_range",
    "count_rows",
    "decoded",
    "migration",
    "recount_records",
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


RECORDS = "record_counts"
RECORD_CORRESPONDENTS = "record_correspondents"
_LINKED = "m.record_type IS NOT NULL AND m.record_number IS NOT NULL AND m.date_utc IS NOT NULL"
_RECORD_COLUMNS = {
    RECORDS: "record_type, record_number, messages, inbound, first_id, first_date, last_date, awaiting_reply",
    RECORD_CORRESPONDENTS: "record_type, record_number, correspondent, messages",
}


def _record_select(table: str, where: str) -> str:
    if table == RECORD_CORRESPONDENTS:
        return (
            f"SELECT m.record_type, m.record_number, {_text(CORRESPONDENT)}, count(*) FROM messages m "
            f"WHERE {_LINKED} AND {where} GROUP BY 1, 2, 3"
        )
    # the latest mail: the first (lowest id) at the record's latest Date
    return f"""SELECT record_type, record_number, count(*), sum(CASE WHEN direction = 'in' THEN 1 ELSE 0 END),
               min(id), min(date_utc), max(date_utc), max(CASE WHEN latest = 1 AND direction = 'in' THEN 1 ELSE 0 END)
        FROM (SELECT m.id, m.record_type, m.record_number, m.direction, m.date_utc,
                     row_number() OVER (PARTITION BY m.record_type, m.record_number
                                        ORDER BY m.date_utc DESC, m.id) AS latest
              FROM messages m WHERE {_LINKED} AND {where}) AS linked
        GROUP BY 1, 2"""


def record_migration() -> str:
    """The migration that makes the record tables and counts the records already there."""
    return f"""
    CREATE TABLE {RECORDS} (
        record_type    TEXT NOT NULL,
        record_number  TEXT NOT NULL,
        messages       INTEGER NOT NULL,   -- dated mail linked to the record
        inbound        INTEGER NOT NULL,
        first_id       INTEGER NOT NULL,   -- the lowest message row: the order the frames meet records in
        first_date     TEXT NOT NULL,
        last_date      TEXT NOT NULL,
        awaiting_reply INTEGER NOT NULL,   -- 1: the latest mail came in
        PRIMARY KEY (record_type, record_number)
    );
    CREATE TABLE {RECORD_CORRESPONDENTS} (
        record_type   TEXT NOT NULL,
        record_number TEXT NOT NULL,
        correspondent TEXT NOT NULL,       -- '=' || address, '' none
        messages      INTEGER NOT NULL,
        PRIMARY KEY (record_type, record_number, correspondent)
    );
    INSERT INTO {RECORDS} ({_RECORD_COLUMNS[RECORDS]}) {_record_select(RECORDS, "1 = 1")};
    INSERT INTO {RECORD_CORRESPONDENTS} ({_RECORD_COLUMNS[RECORD_CORRESPONDENTS]})
        {_record_select(RECORD_CORRESPONDENTS, "1 = 1")}
    """


def recount_records(journal: Journal, pairs: str, params: Iterable = ()) -> None:
    """Count these records again whole: ``pairs`` is SQL giving (record_type, record_number) rows.

    A record with no dated mail left has no row; the counts of one counted again by two writers
    at once end as the later one's (``ON CONFLICT`` overwrites, no duplicate key).
    """
    params = tuple(params)
    chosen = f"(m.record_type, m.record_number) IN ({pairs})"
    for table, key in ((RECORDS, "record_type, record_number"),
                       (RECORD_CORRESPONDENTS, "record_type, record_number, correspondent")):  # fmt: skip
        journal.db.execute(f"DELETE FROM {table} WHERE (record_type, record_number) IN ({pairs})", params)
        names = _RECORD_COLUMNS[table].split(", ")
        updates = ", ".join(f"{c} = excluded.{c}" for c in names if c not in key.split(", "))
        journal.db.execute(
            f"INSERT INTO {table} ({_RECORD_COLUMNS[table]}) {_record_select(table, chosen)} "
            f"ON CONFLICT ({key}) DO UPDATE SET {updates}",
            params,
        )


def records_of_rows(rows: list[int]) -> tuple[str, list]:
    """SQL for the records these message rows are linked to, and its parameters."""
    marks = ",".join("?" * len(rows))
    sql = (
        "SELECT record_type, record_number FROM messages "
        f"WHERE id IN ({marks}) AND record_type IS NOT NULL AND record_number IS NOT NULL"
    )
    return sql, list(rows)


def recount_pairs(journal: Journal, pairs: Iterable[tuple[str, str]]) -> None:
    """Count these (record_type, record_number) records again whole, a few hundred at a time."""
    pairs = sorted({(str(kind), str(number)) for kind, number in pairs})
    for start in range(0, len(pairs), 400):
        chunk = pairs[start : start + 400]
        values = "VALUES " + ", ".join(["(?, ?)"] * len(chunk))
        recount_records(journal, values, [v for pair in chunk for v in pair])


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


def count_rows(journal: Journal, rows: Iterable[int], tables: tuple[str, ...] = (HOURLY, MONTHLY, RECORDS)) -> None:
    """Add these message rows (just inserted, not yet counted) to the counts."""
    rows = sorted(set(rows))
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        for table in [t for t in _KEYS if t in tables]:  # always in the same order: locks too
            _upsert(journal, table, f"m.id IN ({','.join('?' * len(chunk))})", chunk)
        if RECORDS in tables:
            recount_records(journal, *records_of_rows(chunk))


def count_range(journal: Journal, after: int, through: int) -> None:
    """Add the message rows with ids in (``after``, ``through``]: a batch a bulk writer just wrote."""
    for table in _KEYS:
        _upsert(journal, table, "m.id > ? AND m.id <= ?", (after, through))
    pairs = (
        "SELECT record_type, record_number FROM messages "
        "WHERE id > ? AND id <= ? AND record_type IS NOT NULL AND record_number IS NOT NULL"
    )
    recount_records(journal, pairs, (after, through))


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
