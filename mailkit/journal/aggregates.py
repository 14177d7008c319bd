"""The journal's counts, asked of the database: GROUP BY and window functions instead of one row per message.

:mod:`mailkit.journal.frames` gives one row per message, which is what an analyst explores; the
reports need far less — messages per UTC hour, account and direction; per correspondent; per
authentication verdict; per record. Asked here, ten million messages come back as thousands of
rows, and :mod:`mailkit.analysis` turns them into the same tables as from the row frames (its
functions take a ``count`` column as the weight of each row).

The filters are those of the frames (``since``, ``until``, ``account``, ``direction``) plus
``domain``: a part of the correspondent's domain, any case (``lower(...) LIKE``, ASCII case folding
in SQLite). SQL that the two databases do not share comes from the journal's backend.
"""

from __future__ import annotations

__all__ = [
    "attachment_totals",
    "attachment_types",
    "message_counts",
    "record_counts",
    "send_outcomes",
    "send_statuses",
    "thread_messages",
    "thread_references",
]

import datetime as dt
from typing import TYPE_CHECKING

from . import rollup
from .frames import MESSAGE_COLUMNS, _domains, _frame, _moment, _read, _where

if TYPE_CHECKING:  # the DataFrames come from frames, the journal's one read path into pandas
    import pandas as pd

    from .store import Journal

#: what :func:`message_counts` can group by: column -> (SQL, kind)
_KEYS = {
    name: MESSAGE_COLUMNS[name]
    for name in ("account", "direction", "correspondent", "smime_status", "smime_encrypted", "spf", "dkim", "dmarc")
}
#: the UTC time bucket as ISO text, per resolution: the text's first 13 or 16 characters
_BUCKETS = {"hour": "substr(m.date_utc, 1, 13) || ':00:00+00:00'", "minute": "substr(m.date_utc, 1, 16) || ':00+00:00'"}


def _filters(journal: Journal, domain: str = "", **filters) -> tuple[str, list]:
    where, params = _where("m.date_utc", **filters)
    if domain:
        # the domain is what follows the address's @: a part of it follows some @
        text = domain.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        clause = f"lower({MESSAGE_COLUMNS['correspondent'][0]}) LIKE ? ESCAPE '\\'"
        where = (where + " AND " if where else " WHERE ") + clause
        params.append(f"%@%{text}%")
        if "@" in domain:  # no domain holds an @
            where += " AND 0 = 1"
    return where, params


def _and(where: str, clause: str) -> str:
    return (where + " AND " if where else " WHERE ") + clause


def message_counts(
    journal: Journal, by: tuple[str, ...], *, time: str | None = None, dates: bool = False, **filters
) -> pd.DataFrame:
    """Messages per ``by`` (names of :data:`~mailkit.journal.frames.MESSAGE_COLUMNS`; ``domain`` is derived).

    ``time``: ``"hour"`` or ``"minute"`` adds the UTC bucket as ``date`` (dated mail only).
    ``dates``: ``first`` and ``last`` Date of each group. ``count`` is the group's size; a group
    may come in more than one row (parts of the journal counted in parallel, or counted at
    ingest and at a window's edge): add them up.

    The counts kept at ingest (:mod:`mailkit.journal.rollup`) answer where the keys and filters
    allow it: the whole buckets of the window from there, the edges from the messages. A
    ``domain`` filter or minutes ask the messages.
    """
    keys = [k for k in by if k != "domain"]
    if "domain" in by and "correspondent" not in keys:
        keys.append("correspondent")
    unknown = set(keys) - set(_KEYS)
    if unknown:
        raise ValueError(f"cannot count messages by {', '.join(sorted(unknown))}")
    kinds = {**({"date": "time"} if time else {}), **{k: _KEYS[k][1] for k in keys}, "count": "id"}
    if dates:
        kinds |= {"first": "time", "last": "time"}
    table = _counts_table(keys, time, dates)
    if table is not None and (keys or time):
        frame = _frame(_read(journal, *_from_counts(journal, table, keys, time, dates, filters)), kinds)
    else:
        sql, params, grouped = _scan(journal, keys, time, dates, filters)
        # on SQLite over id ranges in parallel: a group may come once per range (the reports add them up)
        split = ("messages", "m.id") if grouped else None
        frame = _frame(_read(journal, sql, params, split, f" GROUP BY {grouped}" if grouped else ""), kinds)
    if "domain" in by:
        frame["domain"] = _domains(frame["correspondent"])
    return frame


def _scan(journal: Journal, keys: list[str], time: str | None, dates: bool, filters: dict) -> tuple[str, list, str]:
    """The counting query over the messages: SQL without its GROUP BY, parameters, the GROUP BY's columns."""
    where, params = _filters(journal, **filters)
    select = [f"{_KEYS[k][0]} AS {k}" for k in keys]
    if time:
        select.insert(0, f"{_BUCKETS[time]} AS date")
        where = _and(where, "m.date_utc IS NOT NULL")
    select.append("count(*) AS count")
    if dates:
        select += ["min(m.date_utc) AS first", "max(m.date_utc) AS last"]
    groups = ", ".join(str(n + 1) for n in range(len(keys) + (1 if time else 0)))
    return f"SELECT {', '.join(select)} FROM messages m{where}", params, groups


def _counts_table(keys: list[str], time: str | None, dates: bool) -> str | None:
    """The table of counts kept at ingest that holds these groups, if one does."""
    if time in (None, "hour") and not dates and set(keys) <= set(rollup.columns(rollup.HOURLY)):
        return rollup.HOURLY
    if time is None and set(keys) <= set(rollup.columns(rollup.MONTHLY)):
        return rollup.MONTHLY
    return None


def _from_counts(
    journal: Journal, table: str, keys: list[str], time: str | None, dates: bool, filters: dict
) -> tuple[str, list]:
    """Whole buckets of the window from the counts, its edges (and a window inside one bucket) from the messages."""
    if filters.get("domain"):
        return _scan_all(journal, keys, time, dates, filters)
    since, until = filters.get("since"), filters.get("until")
    low = high = None  # the whole buckets: from low (inclusive) to high (exclusive)
    edges = []
    if since is not None:
        start = dt.datetime.fromisoformat(_moment(since))
        low = _bucket_start(start, table, up=True)
        if start < low:
            edges.append((start, low))
    if until is not None:
        end = dt.datetime.fromisoformat(_moment(until))
        high = _bucket_start(end, table, up=False)
        if high < end:
            edges.append((high, end))
    if low is not None and high is not None and low >= high:  # no whole bucket: the window from the messages
        return _scan_all(journal, keys, time, dates, filters)
    length = rollup.BUCKET_LENGTH[table]
    bounds, params = [], []
    if since is not None or until is not None or time:
        bounds.append("c.bucket <> ''")  # undated mail is in no window
    for moment, operator in ((low, ">="), (high, "<")):
        if moment is not None:
            bounds.append(f"c.bucket {operator} ?")
            params.append(_moment(moment)[:length])
    where, more = _where(None, account=filters.get("account"), direction=filters.get("direction"), prefix="c")
    where = where + "".join(f"{' AND ' if where or n else ' WHERE '}{b}" for n, b in enumerate(bounds))
    select = [f"{rollup.decoded(table, k)} AS {k}" for k in keys]
    if time:
        select.insert(0, "c.bucket || ':00:00+00:00' AS date")
    select.append("CAST(sum(c.messages) AS BIGINT) AS count")
    if dates:
        select += ["min(c.first_date) AS first", "max(c.last_date) AS last"]
    groups = ", ".join(str(n + 1) for n in range(len(keys) + (1 if time else 0)))
    parts = [f"SELECT {', '.join(select)} FROM {table} c{where} GROUP BY {groups} HAVING sum(c.messages) > 0"]
    params = more + params
    for start, end in edges:
        sql, edge_params, grouped = _scan(journal, keys, time, dates, {**filters, "since": start, "until": end})
        parts.append(f"{sql} GROUP BY {grouped}")
        params += edge_params
    return " UNION ALL ".join(parts), params


def _scan_all(journal: Journal, keys: list[str], time: str | None, dates: bool, filters: dict) -> tuple[str, list]:
    sql, params, grouped = _scan(journal, keys, time, dates, filters)
    return f"{sql} GROUP BY {grouped}", params


def _bucket_start(moment: dt.datetime, table: str, *, up: bool) -> dt.datetime:
    """The start of the bucket holding ``moment`` (``up``: of the next one unless ``moment`` starts its own)."""
    moment = moment.astimezone(dt.UTC)
    if table == rollup.HOURLY:
        start = moment.replace(minute=0, second=0, microsecond=0)
        return start + dt.timedelta(hours=1) if up and start < moment else start
    start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if not up or start == moment:
        return start
    return start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)


def record_counts(journal: Journal, *, correspondents: bool = False, **filters) -> pd.DataFrame:
    """Per record (type, number) with dated mail: messages, in, first, last, whether its latest mail came in.

    Rows in the order of each record's first message (its lowest id), as pandas' groupby meets them;
    the latest mail is the first one (lowest id) at the record's latest Date. Without filters the
    counts kept per record answer (:mod:`mailkit.journal.rollup`), with them the messages.
    """
    kinds = {"record_type": "cat", "record_number": "cat", "messages": "id", "inbound": "id",
             **({"correspondents": "id"} if correspondents else {}), "first": "time", "last": "time",
             "awaiting_reply": "bool"}  # fmt: skip
    if not any(filters.values()):
        return _frame(_read(journal, _kept_records(correspondents), []), kinds)
    where, params = _filters(journal, **filters)
    where = _and(where, "m.record_type IS NOT NULL AND m.record_number IS NOT NULL AND m.date_utc IS NOT NULL")
    correspondent = MESSAGE_COLUMNS["correspondent"][0]
    sql = f"""
        SELECT record_type, record_number, count(*) AS messages,
               sum(CASE WHEN direction = 'in' THEN 1 ELSE 0 END) AS inbound,
               {"count(DISTINCT correspondent) AS correspondents," if correspondents else ""}
               min(date_utc) AS first, max(date_utc) AS last,
               max(CASE WHEN latest = 1 AND direction = 'in' THEN 1 ELSE 0 END) AS awaiting_reply
        FROM (SELECT m.id, m.record_type, m.record_number, m.direction, m.date_utc,
                     {correspondent if correspondents else "NULL"} AS correspondent,
                     row_number() OVER (PARTITION BY m.record_type, m.record_number
                                        ORDER BY m.date_utc DESC, m.id) AS latest
              FROM messages m{where}) AS linked
        GROUP BY record_type, record_number ORDER BY min(id)"""
    return _frame(_read(journal, sql, params), kinds)


def _kept_records(correspondents: bool) -> str:
    """The records as counted at ingest, in the order of their first message."""
    joined = select = ""
    if correspondents:
        select = "COALESCE(p.correspondents, 0) AS correspondents, "
        joined = f"""
            LEFT JOIN (SELECT record_type, record_number, count(*) AS correspondents FROM {rollup.RECORD_CORRESPONDENTS}
                       WHERE correspondent <> '' AND messages > 0 GROUP BY 1, 2) AS p
                   ON p.record_type = r.record_type AND p.record_number = r.record_number"""
    return f"""
        SELECT r.record_type AS record_type, r.record_number AS record_number, r.messages AS messages,
               r.inbound AS inbound, {select}r.first_date AS first, r.last_date AS last,
               r.awaiting_reply AS awaiting_reply
        FROM {rollup.RECORDS} r{joined} ORDER BY r.first_id"""


def _attachment_source(journal: Journal, **filters) -> tuple[str, list]:
    """FROM and WHERE for the attachments the filters select: without a filter on their mail, no join.

    Unfiltered, the attachments are read by an index-only scan of ``attachments_type_size``
    (migration 9): type and size, nothing else of the table.
    """
    where, params = _filters(journal, **filters)
    if not where:
        return "attachments a", params
    return f"attachments a JOIN messages m ON m.id = a.message_id{where}", params


def attachment_types(journal: Journal, **filters) -> pd.DataFrame:
    """Attachments per MIME type: ``count``, ``total_bytes``, ``median_bytes``, ``max_bytes``.

    The median is the database's where it has one (PostgreSQL); elsewhere the rows come per type
    and size (``count`` each) and pandas takes the weighted median.
    """
    source, params = _attachment_source(journal, **filters)
    median = journal.backend.median("a.size")
    if median:
        sql = (
            "SELECT a.mime_type AS mime_type, count(*) AS count, CAST(sum(a.size) AS BIGINT) AS size, "
            f"{median} AS median, max(a.size) AS max FROM {source} GROUP BY 1"
        )
        kinds = {"mime_type": "cat", "count": "id", "size": "int", "median": "float", "max": "int"}
    else:
        sql = f"SELECT a.mime_type AS mime_type, a.size AS size, count(*) AS count FROM {source}"
        kinds = {"mime_type": "cat", "size": "int", "count": "id"}
        return _frame(_read(journal, sql, params, ("attachments", "a.id"), " GROUP BY 1, 2"), kinds)
    return _frame(_read(journal, sql, params), kinds)


def attachment_totals(journal: Journal, **filters) -> pd.DataFrame:
    """Attachments per MIME type: ``count`` and total ``size`` (a type may come in more than one row)."""
    source, params = _attachment_source(journal, **filters)
    sql = f"SELECT a.mime_type AS mime_type, count(*) AS count, CAST(sum(a.size) AS BIGINT) AS size FROM {source}"
    table = _read(journal, sql, params, ("attachments", "a.id"), " GROUP BY 1")
    return _frame(table, {"mime_type": "cat", "count": "id", "size": "int"})


def thread_messages(journal: Journal, **filters) -> pd.DataFrame:
    """What :func:`mailkit.analysis.response_times` threads: id, message_id, in_reply_to, date, account, direction.

    The Message-IDs come as the backend has them threaded fastest: as text in SQLite, as 64-bit
    hashes in PostgreSQL (8 bytes a key instead of ~50; two distinct IDs share a hash with a
    chance of about 10⁻⁶ in ten million messages, which would join two threads).
    """
    key, kind = journal.backend.message_key, journal.backend.message_key_kind
    where, params = _where("m.date_utc", **filters)
    sql = (
        f"SELECT m.id AS id, {key('m.message_id')} AS message_id, {key('m.in_reply_to')} AS in_reply_to, "
        f"m.date_utc AS date, m.account AS account, m.direction AS direction FROM messages m{where}"
    )
    kinds = {"id": "id", "message_id": kind, "in_reply_to": kind, "date": "time", "account": "cat", "direction": "cat"}
    return _frame(_read(journal, sql, params, split=("messages", "m.id"), tail=" ORDER BY m.id"), kinds)


def thread_references(journal: Journal, **filters) -> pd.DataFrame:
    """The References of the messages as :func:`thread_messages` keys them: ``id``, ``ref`` (in no order)."""
    key, kind = journal.backend.message_key, journal.backend.message_key_kind
    where, params = _where("m.date_utc", **filters)
    where = _and(where, "m.refs <> '[]'")  # no call of json_each for mail that refers to nothing
    refs = journal.backend.json_items("m.refs", "j")
    sql = f"SELECT m.id AS id, {key('j.value')} AS ref FROM messages m, {refs}{where}"
    return _frame(_read(journal, sql, params, split=("messages", "m.id")), {"id": "id", "ref": kind})


def send_statuses(journal: Journal, **filters) -> pd.Series:
    """Send attempts per status."""
    where, params = _where("s.created_at", prefix="s", **filters)
    sql = f"SELECT s.status AS status, count(*) AS count FROM sends s{where} GROUP BY 1"
    frame = _frame(_read(journal, sql, params), {"status": "cat", "count": "id"})
    return frame.set_index("status")["count"]


def send_outcomes(journal: Journal, **filters) -> pd.Series:
    """Recipients per outcome (accepted, refused, failed, pending), as :func:`frames.send_recipients` has them.

    Each send's recipients count for its status (``json_array_length``, no row per recipient);
    only the few sends with refusals are taken apart, their refused recipients moved to ``refused``.
    """
    backend = journal.backend
    where, params = _where("s.created_at", prefix="s", **filters)
    status = "CASE WHEN s.status = 'sent' THEN 'accepted' ELSE s.status END"
    refused = f"""
        FROM sends s CROSS JOIN {backend.json_items("s.recipients", "r")}
             JOIN {backend.json_members("s.refused", "f")} ON f.key = r.value{_and(where, "s.refused IS NOT NULL")}"""
    sql = f"""
        SELECT outcome, CAST(sum(n) AS BIGINT) AS count FROM (
            SELECT {status} AS outcome, json_array_length(s.recipients) AS n FROM sends s{where}
            UNION ALL SELECT 'refused', count(*){refused}
            UNION ALL SELECT {status}, -count(*){refused} GROUP BY 1
        ) AS counted GROUP BY 1 HAVING sum(n) > 0"""
    frame = _frame(_read(journal, sql, params * 3), {"outcome": "cat", "count": "id"})
    return frame.set_index("outcome")["count"]
