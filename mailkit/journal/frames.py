"""The journal as pandas DataFrames: one SQL query per frame, filters in the SQL, typed columns.

A million messages must load in a few seconds, which Python's ``sqlite3`` (one Python object per
cell) cannot do: the frames are read with the ADBC driver of the journal's database (SQLite, or
PostgreSQL by binary COPY) straight into Arrow, typed there (timestamps, dictionary-encoded
categories), handed to pandas. The large messages query runs over id ranges on all cores in
parallel; SQLite and the driver release the GIL. The readers are connections of their own: they
see what is committed, not a transaction still open on the journal.

Column types: dates are ``datetime64[us, UTC]``; account, folder, direction, status and other
repeated labels are categoricals; integers that may be missing are ``Int64``; text is pandas'
``str``. List columns of the schema (recipients, references) come as their own long frames
(one row per element), which every tool downstream (DuckDB, Spark, Excel) reads directly.

Filters (every frame takes those that apply): ``since`` (inclusive) and ``until`` (exclusive) as
dates, datetimes or ISO text, naive ones meaning UTC, on the message's Date, a send's creation, a
run's start; ``account``, ``direction`` (``in`` / ``out``), ``status``: a value or a list;
``record``: a record type or a ``(type, number)`` pair.
"""

from __future__ import annotations

__all__ = [
    "ATTACHMENT_COLUMNS",
    "AUTH_RESULTS",
    "EXPORTED",
    "EXPORT_FORMATS",
    "MESSAGE_COLUMNS",
    "SEND_COLUMNS",
    "attachments",
    "export",
    "messages",
    "quarantine",
    "recipients",
    "references",
    "runs",
    "send_recipients",
    "sends",
]

import datetime as dt
import itertools
import os
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .rollup import CORRESPONDENT, auth_verdict

if TYPE_CHECKING:
    from .store import Journal

#: the results RFC 8601 registers for SPF, DKIM and DMARC, as categories in that order
AUTH_RESULTS = ("pass", "fail", "softfail", "neutral", "none", "policy", "temperror", "permerror")


#: messages: column -> (SQL expression, kind); ``domain`` is derived from ``correspondent``
MESSAGE_COLUMNS: dict[str, tuple[str, str]] = {
    "id": ("m.id", "id"),
    "message_id": ("m.message_id", "str"),
    "in_reply_to": ("m.in_reply_to", "str"),
    "date": ("m.date_utc", "time"),
    "account": ("m.account", "cat"),
    "direction": ("m.direction", "cat"),
    "status": ("m.status", "cat"),
    "from_addr": ("m.from_addr", "cat"),
    "from_name": ("m.from_name", "str"),
    # the other party: who wrote an inbound mail, the first To of an outbound one
    "correspondent": (CORRESPONDENT, "cat"),
    "domain": ("", "domain"),
    "subject": ("m.subject", "str"),
    "size": ("m.size", "int"),
    "record_type": ("m.record_type", "cat"),
    "record_number": ("m.record_number", "cat"),
    "queue": ("m.queue", "cat"),
    "spf": (auth_verdict("spf"), "auth"),
    "dkim": (auth_verdict("dkim"), "auth"),
    "dmarc": (auth_verdict("dmarc"), "auth"),
    "parse_errors": ("CASE WHEN m.parse_errors = '[]' THEN 0 ELSE json_array_length(m.parse_errors) END", "int"),
    "smime_status": (
        "m.smime_status",
        "cat",
    ),  # valid … revoked / none (see smime.STATUSES); NaN: unchecked
    "smime_encrypted": ("m.smime_encrypted", "bool"),
    "first_seen": ("m.first_seen", "time"),
}
_RESULT_WORD = re.compile(r"\s*([A-Za-z]+)")
_FIXED_CATEGORIES = {
    "direction": ("in", "out"),
    "smime_status": ("valid", "invalid", "untrusted", "expired", "revoked", "none"),
}
_PARALLEL_ROWS = 200_000  # below this, one query is faster than starting threads


# -- reading ---------------------------------------------------------------------------------------
def _arrow(journal: Journal, sql: str, params: tuple) -> pa.Table:
    backend = journal.backend
    with backend.arrow_connection() as connection, connection.cursor() as cursor:
        backend.arrow_options(cursor)
        cursor.execute(backend.arrow_sql(sql), params or None)
        return cursor.fetch_arrow_table()


def _read(journal: Journal, sql: str, params: list, split: tuple[str, str] | None = None, tail: str = "") -> pa.Table:
    """Run one query; with ``split`` (a table and its aliased id column), over id ranges in parallel on SQLite.

    ``tail`` (ORDER BY, GROUP BY) follows each range's WHERE: a group then comes once per range.
    PostgreSQL plans its own parallel scans: there the query goes as it is.
    """
    workers = min(os.cpu_count() or 1, 8)
    if split and workers > 1 and journal.backend.name == "sqlite":
        table, split = split
        # two subqueries: SQLite answers a lone min() or max() from the index, both at once by a scan
        bounds = f"SELECT (SELECT min(id) FROM {table}), (SELECT max(id) FROM {table})"
        low, high = journal.db.execute(bounds).fetchone()
        if low is not None and high - low >= _PARALLEL_ROWS:
            edges = np.linspace(low, high + 1, workers + 1).astype(int)
            where = " AND " if " WHERE " in sql else " WHERE "
            ranged = sql + f"{where}{split} >= ? AND {split} < ?" + tail
            jobs = [(ranged, (*params, int(a), int(b))) for a, b in itertools.pairwise(edges)]
            with ThreadPoolExecutor(workers) as pool:
                parts = list(pool.map(lambda job: _arrow(journal, *job), jobs))
            return pa.concat_tables(_same_types(parts))
    return _arrow(journal, sql + tail, tuple(params))


def _same_types(parts: list[pa.Table]) -> list[pa.Table]:
    """A column that is all NULL in one range has no type there (the driver says int64): take the others'."""
    types = {}
    for part in parts:
        for field in part.schema:
            if part.column(field.name).null_count < part.num_rows:
                types.setdefault(field.name, field.type)
    schema = pa.schema([(f.name, types.get(f.name, f.type)) for f in parts[0].schema])
    return [part.cast(schema) for part in parts]


def _frame(table: pa.Table, kinds: dict[str, str]) -> pd.DataFrame:
    """Arrow columns to typed pandas columns: in Arrow's C++ code, on all cores for a large table."""
    if table.num_rows >= _PARALLEL_ROWS and len(kinds) > 1:
        with ThreadPoolExecutor(min(os.cpu_count() or 1, 8)) as pool:
            converted = pool.map(lambda item: _column(table.column(item[0]), *item), kinds.items())
            columns = dict(zip(kinds, converted, strict=True))
    else:
        columns = {name: _column(table.column(name), name, kind) for name, kind in kinds.items()}
    frame = pd.DataFrame(columns) if columns else pd.DataFrame(index=range(table.num_rows))
    return frame.reset_index(drop=True)


def _column(column: pa.ChunkedArray, name: str, kind: str) -> pd.Series:
    if kind in ("str", "cat", "time", "auth") and not pa.types.is_string(column.type):
        column = column.cast(pa.string())  # an empty or all-NULL result has no type of its own
    if kind == "id":
        series = pd.Series(column.to_numpy(zero_copy_only=False).astype("int64"))
    elif kind == "int":
        series = column.cast(pa.int64()).to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    elif kind == "bool":
        series = column.cast(pa.int64()).to_pandas().fillna(0).astype(bool)
    elif kind == "time":
        series = column.cast(pa.timestamp("us", tz="UTC")).to_pandas()
    elif kind == "micros":  # a duration in microseconds
        series = column.cast(pa.int64()).cast(pa.duration("us")).to_pandas()
    elif kind == "cat":
        series = _categorical(column, _FIXED_CATEGORIES.get(name))
    elif kind == "auth":
        series = _categorical(column, AUTH_RESULTS, _result_word)
    else:
        series = column.to_pandas()
    series.name = name
    return series


def _result_word(snippet: str) -> str | None:
    found = _RESULT_WORD.match(snippet)
    return found.group(1).lower() if found else None


def _categorical(column: pa.ChunkedArray, categories=None, clean=None) -> pd.Series:
    """A categorical from Arrow's dictionary encoding: Python touches each distinct value only.

    ``categories`` fixes them (values outside become missing); ``clean`` maps each distinct value first.
    """
    encoded = pc.dictionary_encode(column.combine_chunks() if column.num_chunks != 1 else column.chunk(0))
    values = encoded.dictionary.to_pylist()
    if clean is not None:
        values = [clean(v) for v in values]
    if categories is None:
        categories = sorted({v for v in values if v is not None})
    position = {c: i for i, c in enumerate(categories)}
    remap = np.array([position.get(v, -1) for v in values] + [-1], dtype="int64")
    indices = encoded.indices.fill_null(len(values)).to_numpy(zero_copy_only=False)
    return pd.Series(pd.Categorical.from_codes(remap[indices], categories=pd.Index(categories, dtype="str")))


def _domains(addresses: pd.Series) -> pd.Series:
    """The domain of each address, computed once per distinct address (a categorical)."""
    categories = addresses.cat.categories
    domains = pd.Series([c.rpartition("@")[2].lower() for c in categories], index=categories, dtype="str")
    return addresses.map(domains).astype("category")


# -- filters ---------------------------------------------------------------------------------------
def _moment(value) -> str:
    """A filter bound as the journal's ISO text (naive means UTC; a date is its midnight)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat()


def _one_or_many(value) -> list:
    return [value] if isinstance(value, str) or not isinstance(value, Iterable) else list(value)


def _where(
    time_column: str | None,
    *,
    since=None,
    until=None,
    account=None,
    direction=None,
    status=None,
    record=None,
    prefix: str = "m",
    record_columns: tuple[str, str] = ("record_type", "record_number"),
) -> tuple[str, list]:
    """A WHERE clause and its parameters; values always bound, never pasted into the SQL."""
    clauses: list[str] = []
    params: list = []
    if since is not None:
        clauses.append(f"{time_column} >= ?")
        params.append(_moment(since))
    if until is not None:
        clauses.append(f"{time_column} < ?")
        params.append(_moment(until))
    for column, value in (("account", account), ("direction", direction), ("status", status)):
        if value is None:
            continue
        values = _one_or_many(value)
        if column == "direction" and not set(values) <= {"in", "out"}:
            raise ValueError(f"direction {value!r}: use 'in' or 'out'")
        clauses.append(f"{prefix}.{column} IN ({','.join('?' * len(values))})")
        params += values
    if record is not None:
        kind, number = (record, None) if isinstance(record, str) else record
        clauses.append(f"{prefix}.{record_columns[0]} = ?")
        params.append(kind)
        if number is not None:
            clauses.append(f"{prefix}.{record_columns[1]} = ?")
            params.append(str(number))
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


# -- the frames ------------------------------------------------------------------------------------
def messages(
    journal: Journal,
    *,
    since=None,
    until=None,
    account=None,
    direction=None,
    status=None,
    record=None,
    columns: Iterable[str] | None = None,
) -> pd.DataFrame:
    """One row per message; ``columns`` picks a subset of :data:`MESSAGE_COLUMNS` (fewer load faster).

    ``correspondent`` is the other party (sender of inbound mail, first To of outbound mail) and
    ``domain`` its domain; ``spf`` / ``dkim`` / ``dmarc`` come from the first
    Authentication-Results header (NULL without one); ``parse_errors`` counts defects.
    """
    wanted = _columns(MESSAGE_COLUMNS, columns)
    loaded = [c for c in wanted if c != "domain"]
    if "domain" in wanted and "correspondent" not in loaded:
        loaded.append("correspondent")
    where, params = _where("m.date_utc", since=since, until=until, account=account, direction=direction,
                           status=status, record=record)  # fmt: skip
    select = ", ".join(f"{MESSAGE_COLUMNS[c][0]} AS {c}" for c in loaded) or "m.id"
    sql = f"SELECT {select} FROM messages m{where}"
    table = _read(journal, sql, params, split=("messages", "m.id"), tail=" ORDER BY m.id")
    frame = _frame(table, {c: MESSAGE_COLUMNS[c][1] for c in loaded})
    if "domain" in wanted:
        frame["domain"] = _domains(frame["correspondent"])
    return frame[wanted]


def recipients(journal: Journal, **filters) -> pd.DataFrame:
    """One row per To and Cc address of each message: ``id``, ``field`` (to / cc), ``address``, ``domain``."""
    where, params = _where("m.date_utc", **filters)
    sql = (
        "SELECT m.id AS id, 'to' AS field, j.value AS address, CAST(j.key AS INTEGER) AS position "
        f"FROM messages m, json_each(m.to_addrs) j{where} UNION ALL "
        f"SELECT m.id, 'cc', j.value, CAST(j.key AS INTEGER) FROM messages m, json_each(m.cc_addrs) j{where} "
        "ORDER BY 1, 2 DESC, 4"
    )
    frame = _frame(_read(journal, sql, params * 2), {"id": "id", "field": "cat", "address": "cat"})
    frame["domain"] = _domains(frame["address"])
    return frame


def references(journal: Journal, **filters) -> pd.DataFrame:
    """One row per Message-ID a message refers to (References, in order): ``id``, ``position``, ``ref``."""
    where, params = _where("m.date_utc", **filters)
    sql = (
        f"SELECT m.id AS id, CAST(j.key AS INTEGER) AS position, j.value AS ref FROM messages m, json_each(m.refs) j"
        f"{where} ORDER BY m.id, position"
    )
    return _frame(_read(journal, sql, params), {"id": "id", "position": "int", "ref": "str"})


#: attachments: column -> (SQL expression, kind); date, account and direction are the message's
ATTACHMENT_COLUMNS: dict[str, tuple[str, str]] = {
    "id": ("a.id", "id"),
    "message": ("a.message_id", "id"),
    "date": ("m.date_utc", "time"),
    "account": ("m.account", "cat"),
    "direction": ("m.direction", "cat"),
    "name": ("a.name", "str"),
    "mime_type": ("a.mime_type", "cat"),
    "size": ("a.size", "int"),
    "sha256": ("a.sha256", "str"),
}


def _columns(known: dict[str, tuple[str, str]], columns: Iterable[str] | None) -> list[str]:
    wanted = list(known) if columns is None else list(dict.fromkeys(columns))
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise ValueError(f"unknown column(s) {', '.join(unknown)}; known: {', '.join(known)}")
    return wanted


def attachments(journal: Journal, *, columns: Iterable[str] | None = None, **filters) -> pd.DataFrame:
    """One row per attachment with its message's date, account and direction (the message filters apply)."""
    wanted = _columns(ATTACHMENT_COLUMNS, columns)
    where, params = _where("m.date_utc", **filters)
    select = ", ".join(f"{ATTACHMENT_COLUMNS[c][0]} AS {c}" for c in wanted) or "a.id"
    sql = f"SELECT {select} FROM attachments a JOIN messages m ON m.id = a.message_id{where} ORDER BY a.id"
    return _frame(_read(journal, sql, params), {c: ATTACHMENT_COLUMNS[c][1] for c in wanted})


def runs(journal: Journal, *, since=None, until=None, account=None, status=None) -> pd.DataFrame:
    """One row per import run, with ``duration`` (NaT while running) and the worker (host, pid) that ran it."""
    where, params = _where("r.started_at", since=since, until=until, account=account, status=status, prefix="r")
    counts = ("new", "known", "rebound", "flags_changed", "gone", "quarantined", "errors", "bytes")
    sql = (
        "SELECT r.id AS id, r.account AS account, r.folder AS folder, r.kind AS kind, r.started_at AS started_at, "
        "r.finished_at AS finished_at, r.status AS status, r.dry_run AS dry_run, "
        + ", ".join(f"r.{c} AS {c}" for c in counts)
        + ", r.error_text AS error_text, r.worker_host AS worker_host, r.worker_pid AS worker_pid "
        f"FROM runs r{where} ORDER BY r.id"
    )
    kinds = {"id": "id", "account": "cat", "folder": "cat", "kind": "cat", "started_at": "time",
             "finished_at": "time", "status": "cat", "dry_run": "bool", **dict.fromkeys(counts, "int"),
             "error_text": "str", "worker_host": "cat", "worker_pid": "int"}  # fmt: skip
    frame = _frame(_read(journal, sql, params), kinds)
    frame.insert(6, "duration", frame["finished_at"] - frame["started_at"])
    return frame


_SEND_REFUSED = "CASE WHEN s.refused IS NULL THEN 0 ELSE (SELECT count(*) FROM json_each(s.refused)) END"
#: sends: column -> (SQL expression, kind); ``recipients`` and ``refused`` are counts
SEND_COLUMNS: dict[str, tuple[str, str]] = {
    "id": ("s.id", "id"), "account": ("s.account", "cat"), "batch": ("s.batch", "cat"),
    "batch_key": ("s.batch_key", "str"), "message_id": ("s.message_id", "str"),
    "message_row": ("s.message_row", "int"), "document_type": ("s.document_type", "cat"),
    "record_number": ("s.record_number", "str"), "user": ("s.user", "cat"), "sender": ("s.sender", "cat"),
    "recipients": ("json_array_length(s.recipients)", "int"), "refused": (_SEND_REFUSED, "int"),
    "subject": ("s.subject", "str"), "transport": ("s.transport", "cat"), "created_at": ("s.created_at", "time"),
    "sent_at": ("s.sent_at", "time"), "status": ("s.status", "cat"), "smtp_code": ("s.smtp_code", "int"),
    "smtp_reply": ("s.smtp_reply", "str"), "copy_status": ("s.copy_status", "cat"),
    "copy_folder": ("s.copy_folder", "cat"), "copy_error": ("s.copy_error", "str"),
}  # fmt: skip


def sends(
    journal: Journal,
    *,
    since=None,
    until=None,
    account=None,
    status=None,
    record=None,
    columns: Iterable[str] | None = None,
) -> pd.DataFrame:
    """One row per send attempt; ``recipients`` and ``refused`` count envelope recipients and refusals."""
    wanted = _columns(SEND_COLUMNS, columns)
    where, params = _where("s.created_at", since=since, until=until, account=account, status=status,
                           record=record, prefix="s", record_columns=("document_type", "record_number"))  # fmt: skip
    select = ", ".join(f"{SEND_COLUMNS[c][0]} AS {c}" for c in wanted) or "s.id"
    sql = f"SELECT {select} FROM sends s{where} ORDER BY s.id"
    return _frame(_read(journal, sql, params), {c: SEND_COLUMNS[c][1] for c in wanted})


def send_recipients(
    journal: Journal, *, since=None, until=None, account=None, status=None, record=None, failed_only: bool = False
) -> pd.DataFrame:
    """One row per recipient of each send, with its own outcome: what failure analysis counts.

    ``outcome`` is ``accepted``, ``refused`` (the server refused this recipient, the mail went to
    others), ``failed`` (the whole send failed: its code and reply) or ``pending``; ``failed_only``: refused, failed.
    """
    where, params = _where("s.created_at", since=since, until=until, account=account, status=status,
                           record=record, prefix="s", record_columns=("document_type", "record_number"))  # fmt: skip
    if failed_only:  # the sends with a refusal or a failure first, then their recipients
        where += (" AND " if where else " WHERE ") + "(s.refused IS NOT NULL OR s.status = 'failed')"
        where += " AND (f.key IS NOT NULL OR s.status = 'failed')"
    sql = f"""
        SELECT s.id AS send, s.account AS account, s.created_at AS created_at, r.value AS recipient,
               CASE WHEN f.key IS NOT NULL THEN 'refused' WHEN s.status = 'sent' THEN 'accepted'
                    ELSE s.status END AS outcome,
               CASE WHEN f.key IS NOT NULL THEN CAST(json_extract(f.value, '$[0]') AS INTEGER)
                    WHEN s.status = 'failed' THEN s.smtp_code END AS smtp_code,
               CASE WHEN f.key IS NOT NULL THEN json_extract(f.value, '$[1]')
                    WHEN s.status = 'failed' THEN s.smtp_reply END AS smtp_reply
        FROM sends s CROSS JOIN {journal.backend.json_items("s.recipients", "r")}
             LEFT JOIN {journal.backend.json_members("s.refused", "f")} ON f.key = r.value{where}
        ORDER BY s.id, CAST(r.key AS INTEGER)"""
    kinds = {"send": "id", "account": "cat", "created_at": "time", "recipient": "cat", "outcome": "cat",
             "smtp_code": "int", "smtp_reply": "str"}  # fmt: skip
    frame = _frame(_read(journal, sql, params), kinds)
    frame.insert(4, "domain", _domains(frame["recipient"]))
    return frame


def quarantine(journal: Journal, *, since=None, until=None, account=None) -> pd.DataFrame:
    """One row per quarantined message (its bytes stay in the journal): where, why, how big."""
    where, params = _where("q.created_at", since=since, until=until, account=account, prefix="q")
    sql = (
        "SELECT q.id AS id, q.account AS account, q.folder AS folder, q.uidvalidity AS uidvalidity, q.uid AS uid, "
        f"q.reason AS reason, q.size AS size, q.created_at AS created_at FROM quarantine q{where} ORDER BY q.id"
    )
    kinds = {"id": "id", "account": "cat", "folder": "cat", "uidvalidity": "int", "uid": "int", "reason": "cat",
             "size": "int", "created_at": "time"}  # fmt: skip
    return _frame(_read(journal, sql, params), kinds)


# -- export ----------------------------------------------------------------------------------------
#: what :func:`export` writes: file name -> frame
EXPORTED = {
    "messages": messages,
    "recipients": recipients,
    "references": references,
    "attachments": attachments,
    "sends": sends,
    "send_recipients": send_recipients,
    "runs": runs,
    "quarantine": quarantine,
}
EXPORT_FORMATS = ("parquet", "csv")


def export(
    journal: Journal, out: Path | str, format: str = "parquet", *, since=None, until=None, account=None
) -> dict[Path, int]:
    """Write every frame to ``out`` as Parquet or CSV, for DuckDB, Spark or Excel; returns the files and rows.

    Durations become seconds (``duration_s``): neither CSV nor every Parquet reader has a type for them.
    Nothing secret is in these frames, and no mail content (raw bytes, attachment content) leaves.
    """
    if format not in EXPORT_FORMATS:
        raise ValueError(f"format {format!r}: use parquet or csv")
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    window = {"since": since, "until": until, "account": account}
    written: dict[Path, int] = {}
    for name, load in EXPORTED.items():
        frame = load(journal, **window)
        for column in frame.columns[frame.dtypes.map(pd.api.types.is_timedelta64_dtype)]:
            frame[f"{column}_s"] = frame.pop(column) / pd.Timedelta(seconds=1)
        path = folder / f"{name}.{format}"
        if format == "parquet":
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False)
        written[path] = len(frame)
    return written
