"""The journal's store: one class to talk to it (its schema: :mod:`mailkit.journal.schema`).

Everything the sync engine, the sender and the analysis need goes through :class:`Journal`, on
an SQLite file (WAL; the embedded default) or a PostgreSQL database (the shared journal of many
workers and machines): :mod:`mailkit.journal.backends` holds the little that differs, the SQL
here is written once for both. Writes happen inside :meth:`Journal.transaction`, one per batch,
so a crash leaves either all of a batch or none.
"""

from __future__ import annotations

__all__ = ["ATTACHMENT_LEVELS", "Journal", "Location"]

import contextlib
import datetime as dt
import json
import os
import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import AccountBusyError, SyncError
from ..secrets import Secret
from . import rollup, threads
from .backends import PostgresBackend, SQLiteBackend, parse_url
from .codec import compress, decompress, decompress_head
from .parse import ParsedMessage, header_identity
from .schema import MIGRATIONS
from .workflow import WorkflowTables, utc_now

#: kivitendo's journal levels: no attachment rows, rows without content, rows with content
ATTACHMENT_LEVELS = ("none", "metadata", "content")


def _create_private(path: Path) -> None:
    """The journal holds customers' mail: its folder 0700 and the file 0600 when mailkit makes them."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True)
        path.parent.chmod(0o700)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _tighten(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError, PermissionError):
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)


@dataclass(frozen=True)
class Location:
    """Where a message sits on a server."""

    account: str
    folder: str
    uidvalidity: int
    uid: int
    flags: tuple[str, ...] = ()
    internaldate: dt.datetime | None = None


class Journal(WorkflowTables):
    """The mail journal: an SQLite file (a path or ``sqlite:///…``) or a PostgreSQL database (``postgresql://…``).

    ``password`` is the PostgreSQL password, resolved from its secret reference by the caller
    (:meth:`mailkit.workspace.Workspace.open_journal` does that); it is never part of the URL.
    """

    def __init__(
        self, where: Path | str, attachments: str = "metadata", *, password: Secret | str | None = None
    ) -> None:
        if attachments not in ATTACHMENT_LEVELS:
            raise SyncError(f"attachment level {attachments!r} is not one of {', '.join(ATTACHMENT_LEVELS)}")
        location = parse_url(where)
        self.attachments = attachments
        self.url = str(location)
        if location.kind == "sqlite":
            self.path: Path | None = location.path
            _create_private(location.path)
            self.backend: SQLiteBackend | PostgresBackend = SQLiteBackend(location.path)
        else:
            self.path = None
            secret = password.reveal() if isinstance(password, Secret) else password
            self.backend = PostgresBackend(location.url, secret)
        self.where = self.backend.where  # for messages: the file, or the URL (never with a password)
        self.db = self.backend.connect()
        self._uncounted: set[int] = set()  # rows this transaction inserted: counted when it commits (rollup)
        self._migrate()
        if self.db.execute("SELECT 1 FROM messages WHERE header_hash IS NULL LIMIT 1").fetchone():
            self._fill_header_hashes()
        if self.db.execute("SELECT 1 FROM thread_backfill").fetchone():
            threads.thread_backfill(self)  # a journal from before migration 12
        if self.path is not None:
            for sibling in ("-wal", "-shm"):  # SQLite copies the journal's mode; older files are made private too
                _tighten(self.path.with_name(self.path.name + sibling))

    def __repr__(self) -> str:
        return f"Journal({self.where!r})"

    def close(self) -> None:
        self.backend.close()
        self.db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- schema ------------------------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        return self.backend.schema_version(self.db)

    def _migrate(self) -> None:
        if self._check_version() == len(MIGRATIONS):
            return
        with self.transaction():  # all of them or none; on PostgreSQL one process at a time
            self.backend.prepare_schema(self.db)
            version = self._check_version()
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in script.split(";"):
                    if statement.strip():
                        self.db.execute(self.backend.ddl(statement))
                self.backend.set_schema_version(self.db, number)

    def _check_version(self) -> int:
        version = self.schema_version
        if version > len(MIGRATIONS):
            raise SyncError(
                f"{self.where} has journal schema {version}, newer than this mailkit knows ({len(MIGRATIONS)}): "
                "upgrade mailkit"
            )
        return version

    def _fill_header_hashes(self) -> None:
        """Rows from before migration 3 get the hash a header-only rebind needs, from their stored bytes."""
        hashes = []
        query = "SELECT m.id, r.data FROM messages m LEFT JOIN raw_messages r ON r.message_id = m.id "
        for row, data in self.db.execute(query + "WHERE m.header_hash IS NULL"):
            head = decompress_head(data, 1 << 20) if data is not None else None
            hashes.append(("" if head is None else header_identity(head).header_hash, row))
        with self.transaction():
            self.db.executemany("UPDATE messages SET header_hash=? WHERE id=?", hashes)

    @contextlib.contextmanager
    def transaction(self) -> Iterator:
        """One atomic unit: everything inside commits together or not at all."""
        if self.db.in_transaction:  # nested: part of the outer one
            yield self.db
            return
        self.backend.before_write()
        self.db.execute(self.backend.begin)
        try:
            yield self.db
            self._count_new()
        except BaseException:
            self._uncounted.clear()
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")
        self.backend.committed()

    def _count_new(self) -> None:
        """The messages this transaction inserted: counted (:mod:`.rollup`) and threaded (:mod:`.threads`)."""
        if self._uncounted:
            rows, self._uncounted = self._uncounted, set()
            rollup.count_rows(self, rows)
            threads.thread_rows(self, rows)

    def _count_later(self, rows: Iterable[int]) -> None:
        """New message rows: counted when the transaction commits, at once outside one."""
        self._uncounted.update(rows)
        if not self.db.in_transaction:
            self._count_new()

    @contextlib.contextmanager
    def savepoint(self) -> Iterator[None]:
        """Inside a transaction, a part that can fail alone: on error only it is undone."""
        self.db.execute("SAVEPOINT part")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK TO part")
            self.db.execute("RELEASE part")
            raise
        self.db.execute("RELEASE part")

    # -- messages ----------------------------------------------------------------------------
    def ids_for_keys(self, keys: Iterable[str]) -> dict[str, int]:
        """Which of these identity keys (:func:`~mailkit.journal.parse.content_key`) the journal knows: row ids."""
        keys = list(set(keys))
        found: dict[str, int] = {}
        for start in range(0, len(keys), 900):  # SQLite's limit on bound parameters
            chunk = keys[start : start + 900]
            marks = ",".join("?" * len(chunk))
            found.update(self.db.execute(f"SELECT message_key, id FROM messages WHERE message_key IN ({marks})", chunk))
        return found

    def add_message(
        self,
        parsed: ParsedMessage,
        raw: bytes,
        *,
        account: str,
        direction: str,
        status: str = "imported",
        stored: bytes | None = None,
    ) -> tuple[int, bool]:
        """Insert a message (once: its key is unique); returns (row id, whether it was new).

        Its S/MIME status starts as ``none``: the sync asks :func:`mailkit.smime.record` for the
        mails whose parse says they are S/MIME, and that overwrites it. ``stored``: the raw bytes
        compressed already (:func:`~mailkit.journal.codec.compress`), as the sync's worker does.
        """
        cursor = self.db.execute(
            """INSERT INTO messages (message_key, message_id, in_reply_to, refs, date_utc, from_addr, from_name,
                   to_addrs, cc_addrs, subject, size, content_hash, direction, status, account, auth_results,
                   parse_errors, first_seen, header_hash, smime_status, smime_encrypted, same_id_as)
               VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'none',0,
                       (SELECT min(id) FROM messages WHERE message_id = ?))
               ON CONFLICT (message_key) DO NOTHING RETURNING id""",
            (
                parsed.key,
                parsed.message_id,
                parsed.in_reply_to,
                json.dumps(parsed.references),
                parsed.date.isoformat() if parsed.date else None,
                parsed.from_addr,
                parsed.from_name,
                json.dumps(parsed.to_addrs),
                json.dumps(parsed.cc_addrs),
                parsed.subject,
                parsed.size,
                parsed.content_hash,
                direction,
                status,
                account,
                json.dumps(parsed.auth_results, ensure_ascii=False),
                json.dumps(parsed.parse_errors, ensure_ascii=False),
                utc_now(),
                parsed.header_hash,
                parsed.message_id,
            ),
        )
        inserted = cursor.fetchone()
        if inserted is None:
            return self.ids_for_keys([parsed.key])[parsed.key], False
        row = inserted[0]
        self._count_later([row])
        data = stored if stored is not None else compress(raw)
        self.db.execute("INSERT INTO raw_messages (message_id, data) VALUES (?, ?)", (row, data))
        if self.attachments != "none":
            self.db.executemany(
                "INSERT INTO attachments (message_id, name, mime_type, size, sha256, content) VALUES (?,?,?,?,?,?)",
                [
                    (row, a.name, a.mime_type, a.size, a.sha256, a.content if self.attachments == "content" else None)
                    for a in parsed.attachments
                ],
            )
        return row, True

    def raw(self, message_row: int) -> bytes:
        """The exact bytes of a message as it was fetched."""
        found = self.db.execute("SELECT data FROM raw_messages WHERE message_id = ?", (message_row,)).fetchone()
        if found is None:
            raise SyncError(f"no raw message {message_row} in {self.where}")
        return decompress(found[0])

    def link_record(self, message_row: int, record_type: str, record_number: str) -> None:
        with self.transaction():
            before = self.linked_records("id = ?", (message_row,))
            self.db.execute(
                "UPDATE messages SET record_type = ?, record_number = ? WHERE id = ?",
                (record_type, record_number, message_row),
            )
            rollup.recount_pairs(self, [*before, (record_type, record_number)])

    def linked_records(self, where: str, params: tuple) -> list[tuple[str, str]]:
        """The (type, number) records the messages matching ``where`` are linked to: what a change recounts."""
        query = "SELECT DISTINCT record_type, record_number FROM messages WHERE record_type IS NOT NULL "
        return self.db.execute(query + f"AND record_number IS NOT NULL AND {where}", params).fetchall()

    def set_smime(self, message_row: int, status: str, encrypted: bool, detail: dict) -> None:
        counted = message_row not in self._uncounted  # a row not yet counted is counted as it is at the commit
        with self.transaction():
            if counted:
                rollup.uncount_hourly(self, message_row)
            self.db.execute(
                "UPDATE messages SET smime_status = ?, smime_encrypted = ?, smime_detail = ? WHERE id = ?",
                (status, int(encrypted), json.dumps(detail, ensure_ascii=False, default=str), message_row),
            )
            if counted:
                rollup.count_rows(self, [message_row], (rollup.HOURLY,))

    def set_queue(self, message_row: int, queue: str) -> None:
        self.db.execute("UPDATE messages SET queue = ? WHERE id = ?", (queue, message_row))

    def count(self, table: str = "messages") -> int:
        if table not in {"messages", "locations", "quarantine", "runs", "attachments", "pop3_state", "sends"}:
            raise ValueError(table)
        return self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    # -- locations ---------------------------------------------------------------------------
    def add_locations(self, rows: Iterable[tuple[int, Location]]) -> int:
        """Record where messages sit; a location seen before is kept (and marked present again)."""
        now = utc_now()
        cursor = self.db.executemany(
            """INSERT INTO locations (message_id, account, folder, uidvalidity, uid, flags, internaldate, seen_at)
               VALUES (?,?,?,?,?,?,?,?)
               ON CONFLICT (account, folder, uidvalidity, uid)
               DO UPDATE SET present = 1, gone_at = NULL, message_id = excluded.message_id""",
            [
                (
                    message_row,
                    loc.account,
                    loc.folder,
                    loc.uidvalidity,
                    loc.uid,
                    " ".join(loc.flags),
                    loc.internaldate.isoformat() if loc.internaldate else None,
                    now,
                )
                for message_row, loc in rows
            ],
        )
        return cursor.rowcount

    def present_uids(self, account: str, folder: str, uidvalidity: int) -> set[int]:
        rows = self.db.execute(
            "SELECT uid FROM locations WHERE account=? AND folder=? AND uidvalidity=? AND present=1",
            (account, folder, uidvalidity),
        )
        return {uid for (uid,) in rows}

    def present_rows(self, account: str, folder: str) -> set[int]:
        """Message rows the journal believes are in this folder now (any UIDVALIDITY)."""
        rows = self.db.execute(
            "SELECT message_id FROM locations WHERE account=? AND folder=? AND present=1", (account, folder)
        )
        return {row for (row,) in rows}

    def rows_for_headers(self, identities: Iterable[tuple[str, int]]) -> dict[tuple[str, int], list[int]]:
        """The rows matching each (header hash, size): what a header-only scan can recognise."""
        wanted = set(identities)
        hashes = list({header_hash for header_hash, _ in wanted})
        found: dict[tuple[str, int], list[int]] = {}
        for start in range(0, len(hashes), 900):
            chunk = hashes[start : start + 900]
            query = f"SELECT header_hash, size, id FROM messages WHERE header_hash IN ({','.join('?' * len(chunk))})"
            for header_hash, size, row in self.db.execute(query, chunk):
                if (header_hash, size) in wanted:
                    found.setdefault((header_hash, size), []).append(row)
        return found

    def mark_gone(self, account: str, folder: str, uidvalidity: int, uids: Iterable[int]) -> int:
        """Messages no longer on the server: marked gone, never deleted from the journal."""
        cursor = self.db.executemany(
            "UPDATE locations SET present=0, gone_at=? WHERE account=? AND folder=? AND uidvalidity=? AND uid=? "
            "AND present=1",
            [(utc_now(), account, folder, uidvalidity, uid) for uid in uids],
        )
        return cursor.rowcount

    def mark_folder_gone(self, account: str, folder: str, except_uidvalidity: int | None = None) -> int:
        """Every location of a folder gone (a deleted folder), or all but those of the current UIDVALIDITY."""
        query = "UPDATE locations SET present=0, gone_at=? WHERE account=? AND folder=? AND present=1"
        args: tuple = (utc_now(), account, folder)
        if except_uidvalidity is not None:
            query += " AND uidvalidity != ?"
            args += (except_uidvalidity,)
        return self.db.execute(query, args).rowcount

    def set_flags(self, account: str, folder: str, uidvalidity: int, flags: dict[int, tuple[str, ...]]) -> int:
        """Update flags; returns how many locations actually changed."""
        cursor = self.db.executemany(
            "UPDATE locations SET flags=? WHERE account=? AND folder=? AND uidvalidity=? AND uid=? AND flags != ?",
            [(" ".join(f), account, folder, uidvalidity, uid, " ".join(f)) for uid, f in flags.items()],
        )
        return cursor.rowcount

    # -- folder state ------------------------------------------------------------------------
    def folder_state(self, account: str, folder: str) -> dict | None:
        row = self.db.execute(
            "SELECT uidvalidity, uidnext, highestmodseq, messages FROM folder_state WHERE account=? AND folder=?",
            (account, folder),
        ).fetchone()
        if row is None:
            return None
        return dict(zip(("uidvalidity", "uidnext", "highestmodseq", "messages"), row, strict=True))

    def set_folder_state(
        self, account: str, folder: str, *, uidvalidity: int, uidnext: int, highestmodseq: int | None, messages: int
    ) -> None:
        self.db.execute(
            """INSERT INTO folder_state (account, folder, uidvalidity, uidnext, highestmodseq, messages, synced_at)
               VALUES (?,?,?,?,?,?,?)
               ON CONFLICT (account, folder) DO UPDATE SET uidvalidity=excluded.uidvalidity,
                   uidnext=excluded.uidnext, highestmodseq=excluded.highestmodseq, messages=excluded.messages,
                   synced_at=excluded.synced_at""",
            (account, folder, uidvalidity, uidnext, highestmodseq, messages, utc_now()),
        )

    # -- quarantine --------------------------------------------------------------------------
    def quarantine(
        self,
        account: str,
        folder: str,
        reason: str,
        raw: bytes,
        uidvalidity: int | None = None,
        uid: int | None = None,
        stored: bytes | None = None,
    ) -> bool:
        """Keep a message that cannot be imported, with the reason (POP3 mail has no UID: None).

        ``stored``: the raw bytes compressed already, as for :meth:`add_message`.
        """
        cursor = self.db.execute(
            """INSERT INTO quarantine (account, folder, uidvalidity, uid, reason, size, data, created_at)
               VALUES (?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING""",
            (
                account,
                folder,
                uidvalidity,
                uid,
                reason,
                len(raw),
                stored if stored is not None else compress(raw),
                utc_now(),
            ),
        )
        return cursor.rowcount == 1

    def quarantined(self, account: str | None = None) -> list[dict]:
        query = "SELECT id, account, folder, uidvalidity, uid, reason, size, created_at FROM quarantine"
        rows = self.db.execute(
            query + (" WHERE account=?" if account else "") + " ORDER BY id", (account,) if account else ()
        )
        names = ("id", "account", "folder", "uidvalidity", "uid", "reason", "size", "created_at")
        return [dict(zip(names, row, strict=True)) for row in rows]

    def quarantined_uids(self, account: str, folder: str, uidvalidity: int) -> set[int]:
        rows = self.db.execute(
            "SELECT uid FROM quarantine WHERE account=? AND folder=? AND uidvalidity=?", (account, folder, uidvalidity)
        )
        return {uid for (uid,) in rows}

    # -- POP3 --------------------------------------------------------------------------------
    def pop3_seen(self, account: str) -> set[str]:
        return {uidl for (uidl,) in self.db.execute("SELECT uidl FROM pop3_state WHERE account=?", (account,))}

    def pop3_pending_deletes(self, account: str) -> set[str]:
        rows = self.db.execute("SELECT uidl FROM pop3_state WHERE account=? AND deleted=1", (account,))
        return {uidl for (uidl,) in rows}

    def pop3_mark(self, account: str, uidl: str, message_row: int | None, deleted: bool = False) -> None:
        self.db.execute(
            """INSERT INTO pop3_state (account, uidl, message_id, seen_at, deleted) VALUES (?,?,?,?,?)
               ON CONFLICT (account, uidl) DO UPDATE SET deleted = excluded.deleted""",
            (account, uidl, message_row, utc_now(), int(deleted)),
        )

    @contextlib.contextmanager
    def account_lock(self, account: str) -> Iterator[None]:
        """Only one import of an account at a time; runs a killed process left "running" become "interrupted".

        SQLite: a lock file beside the journal; PostgreSQL: an advisory lock of this connection,
        which the server releases when the holder's connection ends, also when it was killed.
        """
        if not self.backend.try_account_lock(self.db, account):
            raise AccountBusyError(f"another import of account {account!r} is running; wait for it or stop it")
        try:
            self.db.execute(
                "UPDATE runs SET status='interrupted', finished_at=?, error_text=? "
                "WHERE account=? AND status='running'",
                (utc_now(), "the process ended before the run finished (killed or crashed)", account),
            )
            yield
        finally:
            self.backend.account_unlock(self.db, account)

    # -- runs --------------------------------------------------------------------------------
    def start_run(self, account: str, folder: str | None, kind: str, dry_run: bool = False) -> int:
        cursor = self.db.execute(
            "INSERT INTO runs (account, folder, kind, started_at, status, dry_run, worker_host, worker_pid) "
            "VALUES (?,?,?,?,?,?,?,?) RETURNING id",
            (account, folder, kind, utc_now(), "running", int(dry_run), socket.gethostname(), os.getpid()),
        )
        return cursor.fetchone()[0]

    def finished_since(self, account: str, since: str) -> bool:
        """Whether an import of the account ran to its end (ok) since the ISO time ``since``: done by some worker."""
        row = self.db.execute(
            "SELECT count(*) FROM runs WHERE account=? AND status='ok' AND started_at >= ?", (account, since)
        ).fetchone()
        return row[0] > 0

    def finish_run(self, run_id: int, status: str, counts: dict[str, int], error_text: str | None = None) -> None:
        columns = ("new", "known", "rebound", "flags_changed", "gone", "quarantined", "errors", "bytes")
        self.db.execute(
            f"UPDATE runs SET finished_at=?, status=?, error_text=?, {', '.join(f'{c}=?' for c in columns)} WHERE id=?",
            (utc_now(), status, error_text, *(counts.get(c, 0) for c in columns), run_id),
        )

    # -- retention ---------------------------------------------------------------------------
    def purge(self, older_than_days: int, *, account: str | None = None, dry_run: bool = False) -> int:
        """Delete journal entries (never server mail) older than N days, of one account or all; returns how many.

        With ``dry_run`` nothing is deleted: the count is what would go.
        """
        if older_than_days < 1:
            raise SyncError("purge needs at least 1 day")
        cutoff = (dt.datetime.now(dt.UTC) - dt.timedelta(days=older_than_days)).isoformat()
        where = "COALESCE(date_utc, first_seen) < ?" + (" AND account = ?" if account else "")
        args = (cutoff, account) if account else (cutoff,)
        if dry_run:
            return self.db.execute(f"SELECT count(*) FROM messages WHERE {where}", args).fetchone()[0]
        with self.transaction():
            self._count_new()  # the recount below must not meet rows counted again at the commit
            records = self.linked_records(where, args)
            touched = threads.threads_of(self, where, args)
            cursor = self.db.execute(f"DELETE FROM messages WHERE {where}", args)
            rollup.recount_through(self, cutoff, account)
            rollup.recount_pairs(self, records)
            threads.rethread(self, touched)
        return cursor.rowcount

    # -- DataFrames (pandas is imported only when one is asked for; reports over them: mailkit.analysis) --
    def messages(self, **filters):
        """The messages as a DataFrame; filters and columns as :func:`mailkit.journal.frames.messages` takes them."""
        from .frames import messages

        return messages(self, **filters)

    def attachments_frame(self, **filters):
        """The attachments as a DataFrame (``attachments`` is the attachment level); see ``frames.attachments``."""
        from .frames import attachments

        return attachments(self, **filters)

    def runs(self, **filters):
        """The import runs as a DataFrame; see :func:`mailkit.journal.frames.runs`."""
        from .frames import runs

        return runs(self, **filters)

    def sends(self, **filters):
        """The send attempts as a DataFrame; see :func:`mailkit.journal.frames.sends`."""
        from .frames import sends

        return sends(self, **filters)
