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
    "period",
    "record_counts",
    "record_totals",
    "replies",
    "reply_stats",
    "send_outcomes",
    "send_statuses",
]

import datetime as dt
from typing import TYPE_CHECKING

from . import rollup, sendcounts
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
    split = _whole_buckets(since, until, table)
    if split is None:  # no whole bucket: the window from the messages
        return _scan_all(journal, keys, time, dates, filters)
    low, high, edges = split
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


def _whole_buckets(since, until, table: str) -> tuple[dt.datetime | None, dt.datetime | None, list] | None:
    """The window's whole buckets, from ``low`` (inclusive) to ``high`` (exclusive; None: open), and its
    ``edges`` outside them as (start, end) pairs; None when no whole bucket fits in the window."""
    low = high = None
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
    if low is not None and high is not None and low >= high:
        return None
    return low, high, edges


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


def record_counts(journal: Journal, *, correspondents: bool = False, top: int | None = None, **filters) -> pd.DataFrame:
    """Per record (type, number) with dated mail: messages, in, first, last, whether its latest mail came in.

    Rows latest first (by the last Date, then by the record's first message, its lowest id: the
    order a stable sort of pandas' groupby gives); ``top``: only so many. The latest mail is the
    first one (lowest id) at the record's latest Date. Without filters the counts kept per record
    answer (:mod:`mailkit.journal.rollup`, an index on the latest Date), with them the messages.
    """
    kinds = {"record_type": "cat", "record_number": "cat", "messages": "id", "inbound": "id",
             **({"correspondents": "id"} if correspondents else {}), "first": "time", "last": "time",
             "awaiting_reply": "bool"}  # fmt: skip
    sql, params = _records(journal, filters)
    columns = ", ".join(k for k in kinds if k != "correspondents" or correspondents)
    limit = f" LIMIT {int(top)}" if top is not None else ""
    sql = f"SELECT {columns} FROM ({sql}) AS counted ORDER BY last DESC, first_id{limit}"
    return _frame(_read(journal, sql, params), kinds)


def record_totals(journal: Journal, **filters) -> dict[str, int]:
    """How many records :func:`record_counts` has, their messages, and how many await a reply."""
    sql, params = _records(journal, filters)
    # the reader's own connection, as every count here: the summary asks from several threads at once
    sql = f"SELECT count(*) AS records, sum(messages) AS messages, sum(awaiting_reply) AS awaiting FROM ({sql}) AS c"
    records, messages, awaiting = _read(journal, sql, params).to_pylist()[0].values()
    return {"records": int(records), "messages": int(messages or 0), "awaiting_reply": int(awaiting or 0)}


def _records(journal: Journal, filters: dict) -> tuple[str, list]:
    """SQL for one row per record (the columns of :func:`record_counts` and ``first_id``), and its parameters."""
    if not any(filters.values()):
        return (
            "SELECT record_type, record_number, messages, inbound, correspondents, first_date AS first, "
            f"last_date AS last, awaiting_reply, first_id FROM {rollup.RECORDS}",
            [],
        )
    where, params = _filters(journal, **filters)
    where = _and(where, "m.record_type IS NOT NULL AND m.record_number IS NOT NULL AND m.date_utc IS NOT NULL")
    sql = f"""
        SELECT record_type, record_number, count(*) AS messages,
               sum(CASE WHEN direction = 'in' THEN 1 ELSE 0 END) AS inbound,
               count(DISTINCT correspondent) AS correspondents, min(date_utc) AS first, max(date_utc) AS last,
               max(CASE WHEN latest = 1 AND direction = 'in' THEN 1 ELSE 0 END) AS awaiting_reply, min(id) AS first_id
        FROM (SELECT m.id, m.record_type, m.record_number, m.direction, m.date_utc,
                     {MESSAGE_COLUMNS["correspondent"][0]} AS correspondent,
                     row_number() OVER (PARTITION BY m.record_type, m.record_number
                                        ORDER BY m.date_utc DESC, m.id) AS latest
              FROM messages m{where}) AS linked
        GROUP BY record_type, record_number"""
    return sql, params


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


def send_statuses(journal: Journal, *, since=None, until=None, account=None) -> pd.Series:
    """Send attempts per status."""
    totals = _send_totals(journal, since, until, account)
    return totals.set_index("status")["sends"].rename("count")


def send_outcomes(journal: Journal, *, since=None, until=None, account=None) -> pd.Series:
    """Recipients per outcome (accepted, refused, failed, pending), as :func:`frames.send_recipients` has them.

    Each send's recipients count under its status (``sent`` as ``accepted``), its refused ones under
    ``refused``: from the counts kept at ingest, as :func:`send_statuses`.
    """
    totals = _send_totals(journal, since, until, account).set_index("status")
    outcomes = (totals["recipients"] - totals["refused"]).rename(index={"sent": "accepted"})
    outcomes["refused"] = int(totals["refused"].sum())
    outcomes = outcomes[outcomes > 0].astype("int64")
    outcomes.index = outcomes.index.astype("category").rename("outcome")
    return outcomes.rename("count")


def _send_totals(journal: Journal, since, until, account) -> pd.DataFrame:
    """Per status: ``sends``, their ``recipients`` and how many were ``refused``.

    The whole UTC hours of the window from the counts kept at ingest (:mod:`mailkit.journal.sendcounts`),
    its edges (and a window inside one hour) from the sends.
    """
    names = ("n", "recipients", "refused")
    scanned = ("count(*)", "sum(s.recipient_count)", f"sum({sendcounts.refused_count(journal)})")
    kept = ("sum(c.sends)", "sum(c.recipients)", "sum(c.refused)")
    parts: list[tuple[tuple, str | None]]  # (since, until) and the counts table, or None: the sends
    split = _whole_buckets(since, until, rollup.HOURLY)  # the send counts' buckets are UTC hours too
    if split is None:
        parts = [((since, until), None)]
    else:
        low, high, edges = split
        parts = [(edge, None) for edge in edges] + [((low, high), sendcounts.SENDS)]
    queries, params = [], []
    for (start, end), table in parts:
        if table is None:
            where, more = _where("s.created_at", prefix="s", since=start, until=end, account=account)
            queries.append(f"SELECT s.status AS status, {_named(scanned, names)} FROM sends s{where} GROUP BY 1")
        else:
            where, more = _where(None, account=account, prefix="c")
            for moment, operator in ((start, ">="), (end, "<")):
                if moment is not None:
                    where = _and(where, f"c.bucket {operator} ?")
                    more.append(_moment(moment)[: sendcounts.BUCKET_LENGTH])
            queries.append(f"SELECT c.status AS status, {_named(kept, names)} FROM {table} c{where} GROUP BY 1")
        params += more
    sql = (
        "SELECT status, CAST(sum(n) AS BIGINT) AS sends, CAST(sum(recipients) AS BIGINT) AS recipients, "
        f"CAST(sum(refused) AS BIGINT) AS refused FROM ({' UNION ALL '.join(queries)}) AS parts "
        "GROUP BY 1 HAVING sum(n) > 0 ORDER BY 1"
    )
    kinds = {"status": "str", "sends": "id", "recipients": "id", "refused": "id"}
    return _frame(_read(journal, sql, params), kinds)


def _named(expressions: tuple[str, ...], names: tuple[str, ...]) -> str:
    return ", ".join(f"{e} AS {n}" for e, n in zip(expressions, names, strict=True))


def period(journal: Journal, *, since=None, until=None, account=None) -> pd.DataFrame:
    """The first and last Date of the mail (one row: ``first``, ``last``), from the index on the Date.

    Two subqueries: SQLite answers a lone ``min()`` or ``max()`` from the index, both at once by a scan.
    """
    where, params = _where("m.date_utc", since=since, until=until, account=account)
    where = _and(where, "m.date_utc IS NOT NULL")
    sql = (
        f"SELECT (SELECT min(m.date_utc) FROM messages m{where}) AS first, "
        f"(SELECT max(m.date_utc) FROM messages m{where}) AS last"
    )
    return _frame(_read(journal, sql, [*params, *params]), {"first": "time", "last": "time"})


def replies(journal: Journal, *, since=None, until=None, account=None) -> pd.DataFrame:
    """Each dated inbound mail and its first reply, as the journal threaded them (:mod:`~mailkit.journal.threads`).

    ``id``, ``account``, ``date``, ``reply`` (the answer's id; missing: unanswered), ``replied_at``
    and ``delay``, in id order: :func:`mailkit.analysis.response_times` without the thread numbers,
    over the threads of the whole journal (a reply after ``until`` still answers).
    """
    where, params = _where("r.date_utc", prefix="r", since=since, until=until, account=account)
    sql = (
        "SELECT r.message_id AS id, r.account AS account, r.date_utc AS date, r.reply_id AS reply, "
        f"r.delay AS delay FROM replies r{where} ORDER BY r.message_id"
    )
    kinds = {"id": "id", "account": "cat", "date": "time", "reply": "int", "delay": "micros"}
    frame = _frame(_read(journal, sql, params), kinds)
    frame.insert(4, "replied_at", frame["date"] + frame["delay"])
    return frame


def reply_stats(
    journal: Journal, by: str | None, tz: str, quantiles: dict[str, float], **filters
) -> pd.DataFrame | None:
    """Dated inbound mail per ``by``: ``inbound``, ``answered`` and the reply delays' ``quantiles`` in seconds.

    ``by``: ``account``, the local ``weekday`` (0 = Monday) or ``hour`` in ``tz``, or None (one
    row, ``all``); each quantile is linear between the two nearest delays, as pandas takes it.
    The database takes them (five million delays sorted there, not sent); None where it has no
    ordered-set aggregate (SQLite): the caller takes them from :func:`replies`.
    """
    if by not in ("account", "weekday", "hour", None):
        raise ValueError(f"by {by!r}: use account, weekday, hour or None")
    backend = journal.backend
    seconds = "CAST(r.delay AS DOUBLE PRECISION) / 1000000"
    if backend.quantile(seconds, 0.5) is None:
        return None
    name = by or "all"
    key, key_params = ("r.account", []) if by == "account" else ("'all'", []) if by is None else (
        backend.local_field("r.date_utc", by), [tz])  # fmt: skip
    where, params = _where("r.date_utc", prefix="r", **filters)
    columns = [f"{key} AS {name}", "count(*) AS inbound", "count(r.delay) AS answered"]
    columns += [f"{backend.quantile(seconds, q)} AS {column}" for column, q in quantiles.items()]
    sql = f"SELECT {', '.join(columns)} FROM replies r{where} GROUP BY 1 ORDER BY 1"
    kinds = {name: "cat" if by == "account" else "str" if by is None else "id", "inbound": "id", "answered": "id"}
    frame = _frame(_read(journal, sql, [*key_params, *params]), kinds | dict.fromkeys(quantiles, "float"))
    return frame.set_index(name)
