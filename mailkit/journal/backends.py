"""Where a journal lives: an SQLite file or a PostgreSQL database, named by one URL.

:class:`~mailkit.journal.store.Journal` holds all the SQL, written once in the dialect both
databases speak (``?`` parameters, ``ON CONFLICT``, ``RETURNING``). A backend is the little that
differs: how to connect, where the schema version is kept, the column types in a migration, how
a frame is read into Arrow and how an account is locked. On PostgreSQL the connection is wrapped
so that the same SQL runs there: parameters become ``%s``, the column ``user`` is quoted, and a
few SQLite functions the journal's SQL uses (``instr``, ``datetime`` with a modifier, ``group_concat``,
``json_extract``, ``json_each``, ``json_array_length`` over JSON text) exist as SQL functions made
with the schema. psycopg loads only when a PostgreSQL journal opens, so the SQLite journal's
commands start without it; each backend names the errors its database raises (``errors``, and
``data_refusals`` for one row's data as opposed to a full disk or a lock).

The journal's URL::

    sqlite:///ABSOLUTE/PATH  or a plain path     the embedded default
    postgresql://USER@HOST:PORT/DB?sslmode=...   the shared journal; the password is a secret reference

A PostgreSQL URL must not carry a password (it would end up in ``mailkit.toml``). A host other
than loopback or a Unix socket gets ``sslmode=verify-full`` unless the URL names an sslmode itself:
mail never crosses a network in the clear by default.
"""

from __future__ import annotations

__all__ = ["JournalURL", "PostgresBackend", "SQLiteBackend", "parse_url"]

import contextlib
import fcntl
import functools
import ipaddress
import os
import re
import sqlite3
import threading
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ..errors import ConfigError, SyncError
from .checkpoint import WAL_LIMIT, Checkpointer

_SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


@dataclass(frozen=True)
class JournalURL:
    """A parsed journal URL: ``kind`` is ``sqlite`` (with ``path``) or ``postgresql`` (with ``url``)."""

    kind: str
    path: Path | None = None
    url: str = ""

    def __str__(self) -> str:
        return f"sqlite:///{self.path}" if self.kind == "sqlite" else self.url


def parse_url(text: str | Path) -> JournalURL:
    """Read a journal URL (a plain path means an SQLite file).

    >>> parse_url("sqlite:///srv/mail/journal.sqlite")
    JournalURL(kind='sqlite', path=PosixPath('/srv/mail/journal.sqlite'), url='')
    >>> parse_url("postgresql://mailkit@127.0.0.1:5432/journal").url
    'postgresql://mailkit@127.0.0.1:5432/journal'
    >>> parse_url("postgresql://mailkit@db.example.com/journal").url
    'postgresql://mailkit@db.example.com/journal?sslmode=verify-full'
    >>> parse_url("postgresql://mailkit@db.example.com/journal?sslmode=disable").url  # said explicitly
    'postgresql://mailkit@db.example.com/journal?sslmode=disable'
    >>> parse_url("postgresql://mailkit:hunter2@db.example.com/journal")
    Traceback (most recent call last):
    mailkit.errors.ConfigError: the journal URL carries a password: put it in a secret reference ([journal] password)
    """
    if isinstance(text, Path):
        return JournalURL("sqlite", text)
    if text.startswith("sqlite:"):
        path = text.removeprefix("sqlite:").removeprefix("//")
        if not path.startswith("/"):
            raise ConfigError(f"journal URL {text!r}: write sqlite:///ABSOLUTE/PATH (three slashes)")
        return JournalURL("sqlite", Path(urllib.parse.unquote(path)))
    if not re.match(r"postgres(ql)?://", text):
        if "://" in text:
            raise ConfigError(f"journal URL {text!r}: mailkit knows sqlite:/// and postgresql:// journals")
        return JournalURL("sqlite", Path(text))
    parts = urllib.parse.urlsplit(text)
    if parts.password is not None:
        raise ConfigError("the journal URL carries a password: put it in a secret reference ([journal] password)")
    if not parts.path.strip("/"):
        raise ConfigError(f"journal URL {text!r} names no database: postgresql://USER@HOST:PORT/DATABASE")
    query = urllib.parse.parse_qs(parts.query)
    sslmode = query.get("sslmode", [None])[0]
    if sslmode is not None and sslmode not in _SSLMODES:
        raise ConfigError(f"journal URL: sslmode {sslmode!r} is not one of {', '.join(_SSLMODES)}")
    host = urllib.parse.unquote(parts.hostname or "") or query.get("host", [""])[0]
    if sslmode is None and not _local(host):
        separator = "&" if parts.query else ""
        parts = parts._replace(query=f"{parts.query}{separator}sslmode=verify-full")
    return JournalURL("postgresql", url=urllib.parse.urlunsplit(parts))


def _local(host: str) -> bool:
    """A Unix socket (a path, or no host at all: libpq's default socket) or a loopback address."""
    if not host or host.startswith("/") or host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _Readers:
    """A pool of ADBC readers, one per thread at a time; one that failed is not reused.

    Opening one costs on both databases: PostgreSQL's reads the server's type catalogue, and on
    SQLite a reader that is its library's only connection to the file takes itself for the first
    one and rebuilds the WAL index (the driver brings a SQLite of its own, whose file locks do not
    see Python's ``sqlite3``), under the journal's own connection. So they are opened once and kept.
    """

    def __init__(self) -> None:
        self._readers: list = []
        self._readers_lock = threading.Lock()

    def _connect_reader(self):
        raise NotImplementedError

    @contextlib.contextmanager
    def arrow_connection(self):
        with self._readers_lock:
            connection = self._readers.pop() if self._readers else None
        if connection is None:
            connection = self._connect_reader()
        try:
            yield connection
        except BaseException:
            connection.close()
            raise
        with self._readers_lock:
            self._readers.append(connection)

    def close(self) -> None:
        with self._readers_lock:
            readers, self._readers = self._readers, []
        for connection in readers:
            connection.close()


# -- SQLite ----------------------------------------------------------------------------------------
class SQLiteBackend(_Readers):
    name = "sqlite"
    begin = "BEGIN IMMEDIATE"
    errors: tuple[type[Exception], ...] = (sqlite3.Error,)
    data_refusals: tuple[type[Exception], ...] = (sqlite3.IntegrityError, sqlite3.DataError, sqlite3.InterfaceError)

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.where = str(path)
        self._locks: dict[str, IO[str]] = {}
        self._checkpointer = Checkpointer(path)  # the journal tells it of each write and commit
        self.before_write, self.committed = self._checkpointer.before_write, self._checkpointer.committed

    def connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA wal_autocheckpoint=0")  # the checkpointer's thread does it (mailkit.journal.checkpoint)
        db.execute(f"PRAGMA journal_size_limit={WAL_LIMIT}")
        return db

    def close(self) -> None:
        self._checkpointer.close()
        super().close()

    def schema_version(self, db) -> int:
        return db.execute("PRAGMA user_version").fetchone()[0]

    def set_schema_version(self, db, number: int) -> None:
        db.execute(f"PRAGMA user_version = {int(number)}")

    def prepare_schema(self, db) -> None:
        """Nothing: SQLite has what the journal's SQL uses."""

    def ddl(self, script: str) -> str:
        return script

    def lock_tables(self, db, names: tuple[str, ...]) -> None:
        """Nothing: a write transaction (``BEGIN IMMEDIATE``) holds the whole file already."""

    def lock_threads(self, db) -> None:
        """Nothing: one writer at a time already (:mod:`mailkit.journal.threads`)."""

    def analyze(self, db, tables: tuple[str, ...]) -> None:
        """Nothing: SQLite takes an index for a lookup without statistics."""

    def insert_rows(self, db, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        """New rows into a table, many at once."""
        marks = ",".join("?" * len(columns))
        db.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def try_account_lock(self, db, account: str) -> bool:
        """A lock file per account beside the journal (0600), held with flock while the import runs."""
        path = self.path.with_name(f"{self.path.name}.{account}.lock")
        handle = os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._locks[account] = handle
        return True

    def account_unlock(self, db, account: str) -> None:
        handle = self._locks.pop(account)
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()

    def _connect_reader(self):
        """A reader of its own: it sees what is committed (autocommit: no snapshot kept between reads)."""
        import adbc_driver_sqlite.dbapi as adbc

        uri = "file:" + urllib.parse.quote(str(self.path.resolve())) + "?mode=ro"
        connection = adbc.connect(uri, autocommit=True)
        with connection.cursor() as cursor:  # readers opening together may meet a WAL recovery: wait for it
            cursor.execute("PRAGMA busy_timeout = 30000")
        return connection

    def arrow_sql(self, sql: str) -> str:
        return sql

    def json_items(self, column: str, alias: str) -> str:
        """A FROM item of the elements of a JSON text array or the members of an object: ``key``, ``value``."""
        return f"json_each({column}) {alias}"

    json_members = json_items

    def median(self, expression: str) -> str | None:
        """None: SQLite has no ordered-set aggregate (the caller counts per value and takes the median itself)."""
        return None

    def quantile(self, expression: str, q: float) -> str | None:
        """None: no ordered-set aggregate (the caller reads the values and takes the quantile itself)."""
        return None

    def local_field(self, expression: str, field: str) -> str | None:
        """None: no time zones (the caller converts the times itself)."""
        return None

    def arrow_options(self, cursor) -> None:
        # one batch for the whole result: the driver infers each column's type from its first batch
        cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(10**9)})


# -- PostgreSQL ------------------------------------------------------------------------------------
#: the SQLite functions the journal's SQL uses, over the same JSON text columns
_COMPAT_FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION instr(haystack text, needle text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT strpos(haystack, needle) $$;
CREATE OR REPLACE FUNCTION json_array_length(doc text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT json_array_length(doc::json) $$;
CREATE OR REPLACE FUNCTION json_extract(doc text, path text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT doc::json #>> regexp_split_to_array(
        trim(BOTH '.' FROM regexp_replace(substr(path, 2), '\[(\d+)\]', '.\1', 'g')), '\.')
$$;
CREATE OR REPLACE FUNCTION datetime(moment text, modifier text) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT to_char((moment::timestamptz AT TIME ZONE 'UTC') + modifier::interval, 'YYYY-MM-DD HH24:MI:SS')
$$;
CREATE OR REPLACE FUNCTION group_concat_step(state text, value text, separator text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT state || separator || value $$;
CREATE OR REPLACE AGGREGATE group_concat(text, text) (SFUNC = group_concat_step, STYPE = text);
CREATE OR REPLACE FUNCTION json_each(doc text) RETURNS TABLE (key text, value text)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (e.ord - 1)::text, e.item
        FROM json_array_elements_text(CASE WHEN json_typeof(doc::json) = 'array' THEN doc::json ELSE '[]' END)
             WITH ORDINALITY AS e(item, ord)
    UNION ALL
    SELECT o.k, o.v FROM json_each_text(CASE WHEN json_typeof(doc::json) = 'object' THEN doc::json ELSE '{}' END)
             AS o(k, v)
$$;
"""
_MIGRATION_LOCK = 0x6D61696C  # "mail": the advisory lock key under which one process migrates
_ACCOUNT_LOCKS = 0x6D616363  # "macc": the first half of each account's advisory lock key
_READER_WORK_MEM = "256MB"  # per sort of an analysis query (the default, 4 MB, sorts the delays on disk)
_THREAD_LOCK = 0x6D746872  # "mthr": the advisory lock of the writer that threads (mailkit.journal.threads)


class PostgresBackend(_Readers):
    name = "postgresql"
    begin = "BEGIN"

    def __init__(self, url: str, password: str | None = None) -> None:
        import psycopg

        self.errors: tuple[type[Exception], ...] = (psycopg.Error,)
        self.data_refusals: tuple[type[Exception], ...] = (psycopg.IntegrityError, psycopg.DataError)
        self.url = url
        self.where = url
        self._password = password
        super().__init__()

    def connect(self) -> _PostgresConnection:
        import psycopg

        try:
            connection = psycopg.connect(self.url, password=self._password, autocommit=True, connect_timeout=15)
        except psycopg.OperationalError as exc:
            reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            raise SyncError(f"cannot open the journal at {self.url}: {reason}") from None
        return _PostgresConnection(connection)

    def schema_version(self, db) -> int:
        db.execute("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)")
        row = db.execute("SELECT max(version) FROM schema_version").fetchone()
        return row[0] or 0

    def set_schema_version(self, db, number: int) -> None:
        db.execute("DELETE FROM schema_version")
        db.execute("INSERT INTO schema_version (version) VALUES (?)", (number,))

    def prepare_schema(self, db) -> None:
        """Inside the migrating transaction: one process at a time, and the functions the SQL needs."""
        db.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
        db.execute(_COMPAT_FUNCTIONS, prepared=False)

    def ddl(self, script: str) -> str:
        """SQLite's column types in PostgreSQL's words: 64-bit integers (UIDs are unsigned 32-bit), bytea."""
        script = re.sub(r"\bINTEGER PRIMARY KEY\b", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", script)
        script = re.sub(r"\bINTEGER\b", "BIGINT", script)
        return re.sub(r"\bBLOB\b", "BYTEA", script)

    def before_write(self) -> None:
        """Nothing, as :meth:`committed`: the server checkpoints by itself (SQLite: :mod:`.checkpoint`)."""

    committed = before_write

    def lock_tables(self, db, names: tuple[str, ...]) -> None:
        """Until the transaction ends, no other writes to these tables (readers go on)."""
        db.execute(f"LOCK TABLE {', '.join(names)} IN EXCLUSIVE MODE")

    def lock_threads(self, db) -> None:
        """Until the transaction ends, this writer alone threads (two workers' mail of one thread must meet)."""
        db.execute("SELECT pg_advisory_xact_lock(?::integer, 0)", (_THREAD_LOCK,))

    def analyze(self, db, tables: tuple[str, ...]) -> None:
        """Statistics for tables a bulk write grows: the planner would scan a table it thinks empty."""
        db.execute(f"ANALYZE {', '.join(tables)}")

    def insert_rows(self, db, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        """New rows into a table by COPY (ten million rows in minutes, not hours as by INSERTs)."""
        names = ", ".join(f'"{c}"' for c in columns)
        with db.raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def try_account_lock(self, db, account: str) -> bool:
        """A session advisory lock: the server drops it with the connection, so a killed worker leaves none."""
        return db.execute("SELECT pg_try_advisory_lock(?::integer, hashtext(?))", (_ACCOUNT_LOCKS, account)).fetchone()[
            0
        ]

    def account_unlock(self, db, account: str) -> None:
        db.execute("SELECT pg_advisory_unlock(?::integer, hashtext(?))", (_ACCOUNT_LOCKS, account))

    def _connect_reader(self):
        import adbc_driver_postgresql.dbapi as adbc

        parts = urllib.parse.urlsplit(self.url)
        if self._password:
            user = urllib.parse.quote(parts.username or "", safe="")
            secret = urllib.parse.quote(self._password, safe="")
            host = parts.netloc.rpartition("@")[2]
            parts = parts._replace(netloc=f"{user}:{secret}@{host}")
        try:
            connection = adbc.connect(urllib.parse.urlunsplit(parts), autocommit=True)
        except Exception as exc:
            reason = str(exc).replace(self._password or "\0", "***").splitlines()[0]
            raise SyncError(f"cannot read the journal at {self.url}: {reason}") from None
        with connection.cursor() as cursor:  # the server's memory: five million delays sorted there, not on disk
            cursor.execute(f"SET work_mem = '{_READER_WORK_MEM}'")
        return connection

    def arrow_sql(self, sql: str) -> str:
        return _numbered(sql)

    def json_items(self, column: str, alias: str) -> str:
        """The elements of a JSON array, ``key`` their order (PostgreSQL's own function: twice the shim's speed)."""
        return f"json_array_elements_text({column}::json) WITH ORDINALITY AS {alias}(value, key)"

    def json_members(self, column: str, alias: str) -> str:
        """The members (``key``, ``value``) of a JSON object."""
        return f"json_each_text({column}::json) AS {alias}(key, value)"

    def median(self, expression: str) -> str | None:
        """The median as pandas takes it (the mean of the middle two of an even count)."""
        return self.quantile(expression, 0.5)

    def quantile(self, expression: str, q: float) -> str | None:
        """The ``q`` quantile as pandas takes it by default (linear between the two nearest values)."""
        return f"percentile_cont({float(q)!r}) WITHIN GROUP (ORDER BY {expression})"

    def local_field(self, expression: str, field: str) -> str | None:
        """The local ``weekday`` (0 = Monday) or ``hour`` of an ISO time text, in the zone bound as a parameter."""
        part = {"weekday": "isodow", "hour": "hour"}[field]
        shift = " - 1" if field == "weekday" else ""
        return f"CAST(extract({part} FROM CAST({expression} AS timestamptz) AT TIME ZONE ?) AS INTEGER){shift}"

    def arrow_options(self, cursor) -> None:
        """Nothing: the driver reads a result with COPY, typed by the server."""


class _PostgresConnection:
    """A psycopg connection that takes the journal's SQL as written for SQLite."""

    def __init__(self, connection) -> None:
        from psycopg.pq import TransactionStatus

        self.raw = connection
        self._idle = TransactionStatus.IDLE

    def execute(self, sql: str, params=(), *, prepared: bool | None = None):
        if not params:
            return self.raw.execute(_quoted(sql), None, prepare=prepared)
        query, order = _translated(sql)
        return self.raw.execute(query, _ordered(params, order), prepare=prepared)

    def executemany(self, sql: str, rows):
        query, order = _translated(sql)
        rows = [_ordered(row, order) for row in rows]
        cursor = self.raw.cursor()
        if rows:
            cursor.executemany(query, rows)
        return cursor

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != self._idle

    def close(self) -> None:
        self.raw.close()


# outside string literals and quoted names: the parts of SQL the translation may touch
_TOKENS = re.compile(r"('(?:[^']|'')*'|\"[^\"]*\"|\$\$.*?\$\$)|(\?\d*)|(%)|\b(user)\b", re.DOTALL | re.IGNORECASE)


@functools.lru_cache(maxsize=512)
def _translated(sql: str) -> tuple[str, tuple[int, ...] | None]:
    """``?`` to ``%s``, a literal ``%`` doubled, the column ``user`` quoted (a reserved word there).

    SQLite's numbered ``?N`` become ``%s`` too; the second item then says which parameter each one
    takes (a bare ``?`` takes the one after the highest used so far, as in SQLite).

    >>> _translated("SELECT '?%', user FROM sends WHERE id = ? AND subject LIKE '%x'")
    ('SELECT \\'?%\\', "user" FROM sends WHERE id = %s AND subject LIKE \\'%x\\'', None)
    >>> _translated("SELECT 1 WHERE a = ?1 OR b = ?1 OR c = ?")
    ('SELECT 1 WHERE a = %s OR b = %s OR c = %s', (0, 0, 1))
    """
    order: list[int] = []
    numbered = False

    def replace(match: re.Match) -> str:
        nonlocal numbered
        if match[2]:
            numbered = numbered or len(match[2]) > 1
            order.append(int(match[2][1:]) - 1 if len(match[2]) > 1 else max(order, default=-1) + 1)
            return "%s"
        return match[1] or ("%%" if match[3] else '"user"')

    return _TOKENS.sub(replace, sql), (tuple(order) if numbered else None)


def _ordered(params, order: tuple[int, ...] | None):
    return params if order is None else tuple(params[i] for i in order)


@functools.lru_cache(maxsize=512)
def _quoted(sql: str) -> str:
    """Without parameters nothing is a placeholder: only ``user`` is quoted."""
    return _TOKENS.sub(lambda m: m[1] or m[2] or m[3] or '"user"', sql)


def _numbered(sql: str) -> str:
    """``?`` to ``$1``, ``$2``, … (the ADBC driver's placeholders), ``user`` quoted.

    >>> _numbered("SELECT s.user FROM sends s WHERE a = ? AND b = '?' AND c = ?")
    'SELECT s."user" FROM sends s WHERE a = $1 AND b = \\'?\\' AND c = $2'
    """
    count = 0

    def replace(match: re.Match) -> str:
        nonlocal count
        if match[2]:
            count += 1
            return f"${count}"
        return match[1] or match[3] or '"user"'

    return _TOKENS.sub(replace, sql)
