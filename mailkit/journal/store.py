"""The journal's store: versioned schema with migrations, one class to talk to it.

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
from .backends import PostgresBackend, SQLiteBackend, parse_url
from .codec import compress, decompress, decompress_head
from .parse import ParsedMessage, header_identity

#: kivitendo's journal levels: no attachment rows, rows without content, rows with content
ATTACHMENT_LEVELS = ("none", "metadata", "content")

MIGRATIONS: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE messages (
        id            INTEGER PRIMARY KEY,
        message_key   TEXT NOT NULL UNIQUE,
        message_id    TEXT,
        in_reply_to   TEXT,
        refs          TEXT,             -- JSON list of Message-IDs
        date_utc      TEXT,             -- ISO 8601, UTC
        from_addr     TEXT,
        from_name     TEXT,
        to_addrs      TEXT,             -- JSON list
        cc_addrs      TEXT,             -- JSON list
        subject       TEXT,
        size          INTEGER NOT NULL,
        content_hash  TEXT NOT NULL,
        direction     TEXT NOT NULL CHECK (direction IN ('in', 'out')),
        status        TEXT NOT NULL,
        account       TEXT NOT NULL,    -- the account it was first seen in
        record_type   TEXT,
        record_number TEXT,
        queue         TEXT,             -- ticket queue assigned by a processing route
        auth_results  TEXT,             -- JSON list of Authentication-Results values
        parse_errors  TEXT,             -- JSON list
        first_seen    TEXT NOT NULL
    );
    CREATE INDEX messages_date ON messages(date_utc);
    CREATE INDEX messages_message_id ON messages(message_id);
    CREATE INDEX messages_record ON messages(record_type, record_number);
    CREATE TABLE raw_messages (
        message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
        data       BLOB NOT NULL        -- compressed RFC 822 bytes, exactly as fetched (codec.py)
    );
    CREATE TABLE attachments (
        id         INTEGER PRIMARY KEY,
        message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        name       TEXT NOT NULL,
        mime_type  TEXT NOT NULL,
        size       INTEGER NOT NULL,
        sha256     TEXT NOT NULL,
        content    BLOB
    );
    CREATE INDEX attachments_message ON attachments(message_id);
    CREATE TABLE locations (
        id           INTEGER PRIMARY KEY,
        message_id   INTEGER REFERENCES messages(id) ON DELETE CASCADE,
        account      TEXT NOT NULL,
        folder       TEXT NOT NULL,
        uidvalidity  INTEGER NOT NULL CHECK (uidvalidity BETWEEN 1 AND 4294967295),
        uid          INTEGER NOT NULL CHECK (uid BETWEEN 1 AND 4294967295),
        flags        TEXT NOT NULL DEFAULT '',
        internaldate TEXT,
        present      INTEGER NOT NULL DEFAULT 1,
        seen_at      TEXT NOT NULL,
        gone_at      TEXT,
        UNIQUE (account, folder, uidvalidity, uid)
    );
    CREATE INDEX locations_message ON locations(message_id);
    CREATE INDEX locations_folder ON locations(account, folder, present);
    CREATE TABLE folder_state (
        account       TEXT NOT NULL,
        folder        TEXT NOT NULL,
        uidvalidity   INTEGER NOT NULL,
        uidnext       INTEGER NOT NULL,
        highestmodseq INTEGER,
        messages      INTEGER,
        synced_at     TEXT NOT NULL,
        PRIMARY KEY (account, folder)
    );
    CREATE TABLE pop3_state (
        account    TEXT NOT NULL,
        uidl       TEXT NOT NULL,
        message_id INTEGER REFERENCES messages(id) ON DELETE SET NULL,
        seen_at    TEXT NOT NULL,
        deleted    INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (account, uidl)
    );
    CREATE TABLE runs (
        id            INTEGER PRIMARY KEY,
        account       TEXT NOT NULL,
        folder        TEXT,
        kind          TEXT NOT NULL,    -- imap | pop3
        started_at    TEXT NOT NULL,
        finished_at   TEXT,
        status        TEXT NOT NULL,    -- running | ok | failed | cancelled
        dry_run       INTEGER NOT NULL DEFAULT 0,
        new           INTEGER NOT NULL DEFAULT 0,
        known         INTEGER NOT NULL DEFAULT 0,
        rebound       INTEGER NOT NULL DEFAULT 0,
        flags_changed INTEGER NOT NULL DEFAULT 0,
        gone          INTEGER NOT NULL DEFAULT 0,
        quarantined   INTEGER NOT NULL DEFAULT 0,
        errors        INTEGER NOT NULL DEFAULT 0,
        bytes         INTEGER NOT NULL DEFAULT 0,
        error_text    TEXT
    );
    CREATE TABLE sends (
        id               INTEGER PRIMARY KEY,
        account          TEXT NOT NULL,
        batch            TEXT,              -- a batch run's id: a re-run skips what it already sent
        batch_key        TEXT,              -- the row's key within the batch
        message_id       TEXT NOT NULL,     -- the Message-ID of the composed mail
        message_row      INTEGER REFERENCES messages(id) ON DELETE SET NULL,
        document_type    TEXT,
        record_number    TEXT,
        user             TEXT,
        sender           TEXT NOT NULL,
        recipients       TEXT NOT NULL,     -- JSON list (To, Cc and Bcc)
        subject          TEXT,
        transport        TEXT NOT NULL,     -- smtp | sendmail
        created_at       TEXT NOT NULL,     -- written before the attempt
        sent_at          TEXT,              -- written after it
        status           TEXT NOT NULL,     -- pending | sent | failed
        smtp_code        INTEGER,
        smtp_reply       TEXT,
        refused          TEXT,              -- JSON: recipient -> [code, reply]
        copy_status      TEXT NOT NULL DEFAULT 'none',  -- none | pending | copied | failed
        copy_folder      TEXT,
        copy_uidvalidity INTEGER,
        copy_uid         INTEGER,
        copy_error       TEXT,
        UNIQUE (batch, batch_key)
    );
    CREATE INDEX sends_status ON sends(status, created_at);
    CREATE TABLE record_folders (
        account       TEXT NOT NULL,
        folder        TEXT NOT NULL,
        record_type   TEXT NOT NULL,
        record_number TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        closed_at     TEXT,
        deleted_at    TEXT,
        PRIMARY KEY (account, folder)
    );
    CREATE TABLE quarantine (
        id          INTEGER PRIMARY KEY,
        account     TEXT NOT NULL,
        folder      TEXT NOT NULL,
        uidvalidity INTEGER,
        uid         INTEGER,
        reason      TEXT NOT NULL,
        size        INTEGER NOT NULL,
        data        BLOB NOT NULL,      -- compressed raw bytes (codec.py): nothing is lost
        created_at  TEXT NOT NULL,
        UNIQUE (account, folder, uidvalidity, uid)
    );
    """,
    # 2: deliverability (issue 16): DMARC aggregate reports, TLS reports and bounces, each with its own fields;
    # a report counts once by its organisation and id, a bounce once per journal message or file content
    """
    CREATE TABLE dmarc_reports (
        id          INTEGER PRIMARY KEY,
        org_name    TEXT NOT NULL,
        report_id   TEXT NOT NULL,
        email       TEXT,
        extra_contact_info TEXT,
        version     TEXT,
        domain      TEXT NOT NULL,
        begin_utc   TEXT,
        end_utc     TEXT,
        adkim       TEXT,
        aspf        TEXT,
        p           TEXT,
        sp          TEXT,
        np          TEXT,
        pct         INTEGER,
        fo          TEXT,
        errors      TEXT,             -- JSON list of the report's own <error>s
        messages    INTEGER NOT NULL, -- sum of the records' counts
        source      TEXT NOT NULL,    -- account/folder or the file it came from
        message_row INTEGER REFERENCES messages(id) ON DELETE SET NULL,
        ingested_at TEXT NOT NULL,
        UNIQUE (org_name, report_id)
    );
    CREATE INDEX dmarc_reports_domain ON dmarc_reports(domain, begin_utc);
    CREATE TABLE dmarc_records (
        id            INTEGER PRIMARY KEY,
        report        INTEGER NOT NULL REFERENCES dmarc_reports(id) ON DELETE CASCADE,
        source_ip     TEXT NOT NULL,
        count         INTEGER NOT NULL,
        disposition   TEXT,
        dkim          TEXT,             -- policy-evaluated (aligned) results
        spf           TEXT,
        header_from   TEXT,
        envelope_from TEXT,
        envelope_to   TEXT,
        reasons       TEXT,             -- JSON list of [type, comment]
        dkim_results  TEXT,             -- JSON list of [domain, selector, result]
        spf_results   TEXT              -- JSON list of [domain, scope, result]
    );
    CREATE INDEX dmarc_records_report ON dmarc_records(report);
    CREATE TABLE tls_reports (
        id          INTEGER PRIMARY KEY,
        org_name    TEXT NOT NULL,
        report_id   TEXT NOT NULL,
        begin_utc   TEXT,
        end_utc     TEXT,
        contact     TEXT,
        source      TEXT NOT NULL,
        message_row INTEGER REFERENCES messages(id) ON DELETE SET NULL,
        ingested_at TEXT NOT NULL,
        UNIQUE (org_name, report_id)
    );
    CREATE TABLE tls_policies (
        id            INTEGER PRIMARY KEY,
        report        INTEGER NOT NULL REFERENCES tls_reports(id) ON DELETE CASCADE,
        policy_type   TEXT NOT NULL,
        policy_domain TEXT NOT NULL,
        mx_hosts      TEXT,             -- JSON list
        succeeded     INTEGER NOT NULL,
        failed        INTEGER NOT NULL
    );
    CREATE INDEX tls_policies_report ON tls_policies(report);
    CREATE TABLE tls_failures (
        id                     INTEGER PRIMARY KEY,
        policy                 INTEGER NOT NULL REFERENCES tls_policies(id) ON DELETE CASCADE,
        result_type            TEXT NOT NULL,
        count                  INTEGER NOT NULL,
        sending_mta_ip         TEXT,
        receiving_mx_hostname  TEXT,
        receiving_ip           TEXT,
        additional_information TEXT,
        failure_reason_code    TEXT
    );
    CREATE INDEX tls_failures_policy ON tls_failures(policy);
    CREATE TABLE bounces (
        id                  INTEGER PRIMARY KEY,
        bounce_key          TEXT NOT NULL UNIQUE,  -- the journal message's key, or a hash of the file
        message_row         INTEGER REFERENCES messages(id) ON DELETE SET NULL,
        mta                 TEXT NOT NULL,
        original_message_id TEXT,
        original_subject    TEXT,
        reporting_mta       TEXT,
        arrival_utc         TEXT,
        date_utc            TEXT,
        source              TEXT NOT NULL,
        ingested_at         TEXT NOT NULL
    );
    CREATE INDEX bounces_original ON bounces(original_message_id);
    CREATE TABLE bounce_recipients (
        id         INTEGER PRIMARY KEY,
        bounce     INTEGER NOT NULL REFERENCES bounces(id) ON DELETE CASCADE,
        recipient  TEXT NOT NULL,
        action     TEXT NOT NULL,       -- failed | delayed
        status     TEXT,                -- RFC 3463 enhanced status code
        diagnostic TEXT,
        remote_mta TEXT,
        kind       TEXT NOT NULL,       -- hard | soft
        reason     TEXT NOT NULL,
        send_id    INTEGER REFERENCES sends(id) ON DELETE SET NULL,  -- the send it bounces, once linked
        UNIQUE (bounce, recipient)
    );
    CREATE INDEX bounce_recipients_send ON bounce_recipients(send_id);
    CREATE TABLE report_scans (         -- journal messages the deliverability hook has looked at
        message_row INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
        found       TEXT NOT NULL,      -- dmarc | tlsrpt | bounce | none | quarantined
        scanned_at  TEXT NOT NULL
    );
    """,
    # 3: identity by content (issue 13). A mail is the hash of its bytes, so two different mails
    # are never one row; rows sharing a Message-ID are linked; header_hash lets a scan rebind a
    # known mail without its body (filled in for older rows when the journal is opened)
    """
    ALTER TABLE messages ADD COLUMN header_hash TEXT;
    ALTER TABLE messages ADD COLUMN same_id_as INTEGER REFERENCES messages(id) ON DELETE SET NULL;
    UPDATE messages SET message_key = 'sha:' || content_hash;
    CREATE INDEX messages_rebind ON messages(header_hash, size)
    """,
    # 4: the seed systems' intake (issue 17): after-import actions until done, tickets, auto-replies, filed documents
    """
    CREATE TABLE pending_actions (
        id          INTEGER PRIMARY KEY,
        account     TEXT NOT NULL,
        folder      TEXT NOT NULL,
        uidvalidity INTEGER NOT NULL,
        uid         INTEGER NOT NULL,
        message_id  INTEGER REFERENCES messages(id) ON DELETE CASCADE,
        action      TEXT NOT NULL,      -- seen | delete | move:FOLDER
        attempts    INTEGER NOT NULL DEFAULT 0,
        last_error  TEXT,
        created_at  TEXT NOT NULL,
        done_at     TEXT,
        outcome     TEXT,               -- done | gone (the mail left the folder before)
        UNIQUE (account, folder, uidvalidity, uid)
    );
    CREATE INDEX pending_actions_open ON pending_actions(account, folder, done_at);
    ALTER TABLE messages ADD COLUMN ticket_number TEXT;
    ALTER TABLE messages ADD COLUMN ticket_status TEXT;   -- open | closed
    ALTER TABLE messages ADD COLUMN project TEXT;
    CREATE INDEX messages_ticket ON messages(ticket_number);
    CREATE INDEX messages_when ON messages(COALESCE(date_utc, first_seen), id);
    CREATE TABLE ticket_sequences (
        account TEXT NOT NULL,
        day     TEXT NOT NULL,          -- YYYYMMDD in the account's time zone
        last    INTEGER NOT NULL,
        PRIMARY KEY (account, day)
    );
    CREATE TABLE autoreplies (
        id          INTEGER PRIMARY KEY,
        account     TEXT NOT NULL,
        message_id  INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        recipient   TEXT,
        day         TEXT,               -- the calendar day (account's time zone) a reply counts for
        send_id     INTEGER REFERENCES sends(id) ON DELETE SET NULL,
        decision    TEXT NOT NULL,      -- sent | skipped | failed
        reason      TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        UNIQUE (message_id)
    );
    CREATE INDEX autoreplies_day ON autoreplies(account, recipient, day);
    CREATE TABLE documents (
        id            INTEGER PRIMARY KEY,
        message_id    INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        attachment    TEXT NOT NULL,    -- the name the mail gave it, as it was
        file          TEXT,             -- the path below the workspace it was filed as, NULL: handed to a hook
        sha256        TEXT NOT NULL,
        size          INTEGER NOT NULL,
        target        TEXT NOT NULL,    -- documents/<record or ticket> | hook MODULE:FUNCTION
        created_at    TEXT NOT NULL
    );
    CREATE INDEX documents_message ON documents(message_id);
    CREATE TABLE intake_state (
        message_id   INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
        account      TEXT NOT NULL,
        done_at      TEXT,              -- tickets, auto-reply and documents handled
        error        TEXT
    );
    """,
    # 5: how far an account's intake has looked (issue 17), so mail a killed run imported is not skipped
    """
    CREATE TABLE intake_marks (
        account  TEXT PRIMARY KEY,
        last_row INTEGER NOT NULL       -- messages up to this row id have been seen by the intake
    );
    """,
    # 6: S/MIME: each message's signature status (NULL: not checked), what was signed and for whom encrypted
    """
    ALTER TABLE messages ADD COLUMN smime_status TEXT;      -- valid | invalid | untrusted | expired | none
    ALTER TABLE messages ADD COLUMN smime_encrypted INTEGER;  -- 1: application/pkcs7-mime enveloped-data
    ALTER TABLE messages ADD COLUMN smime_detail TEXT;      -- JSON: signer, fingerprint, signing time, reason
    ALTER TABLE sends ADD COLUMN smime_signed INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sends ADD COLUMN smime_encrypted_for TEXT;  -- JSON list of addresses, NULL when not encrypted
    """,
    # 7: the shared journal (issue 14): which worker (host, process) made each run
    """
    ALTER TABLE runs ADD COLUMN worker_host TEXT;
    ALTER TABLE runs ADD COLUMN worker_pid INTEGER
    """,
]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _now_ms() -> str:  # sends: batch pauses are observed in milliseconds
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


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


class Journal:
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
        self._migrate()
        if self.db.execute("SELECT 1 FROM messages WHERE header_hash IS NULL LIMIT 1").fetchone():
            self._fill_header_hashes()
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
        self.db.execute(self.backend.begin)
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

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
                _now(),
                parsed.header_hash,
                parsed.message_id,
            ),
        )
        inserted = cursor.fetchone()
        if inserted is None:
            return self.ids_for_keys([parsed.key])[parsed.key], False
        row = inserted[0]
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
        self.db.execute(
            "UPDATE messages SET record_type = ?, record_number = ? WHERE id = ?",
            (record_type, record_number, message_row),
        )

    def set_smime(self, message_row: int, status: str, encrypted: bool, detail: dict) -> None:
        self.db.execute(
            "UPDATE messages SET smime_status = ?, smime_encrypted = ?, smime_detail = ? WHERE id = ?",
            (status, int(encrypted), json.dumps(detail, ensure_ascii=False, default=str), message_row),
        )

    def set_queue(self, message_row: int, queue: str) -> None:
        self.db.execute("UPDATE messages SET queue = ? WHERE id = ?", (queue, message_row))

    def count(self, table: str = "messages") -> int:
        if table not in {"messages", "locations", "quarantine", "runs", "attachments", "pop3_state", "sends"}:
            raise ValueError(table)
        return self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    # -- locations ---------------------------------------------------------------------------
    def add_locations(self, rows: Iterable[tuple[int, Location]]) -> int:
        """Record where messages sit; a location seen before is kept (and marked present again)."""
        now = _now()
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
            [(_now(), account, folder, uidvalidity, uid) for uid in uids],
        )
        return cursor.rowcount

    def mark_folder_gone(self, account: str, folder: str, except_uidvalidity: int | None = None) -> int:
        """Every location of a folder gone (a deleted folder), or all but those of the current UIDVALIDITY."""
        query = "UPDATE locations SET present=0, gone_at=? WHERE account=? AND folder=? AND present=1"
        args: tuple = (_now(), account, folder)
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
            (account, folder, uidvalidity, uidnext, highestmodseq, messages, _now()),
        )

    # -- sends -------------------------------------------------------------------------------
    def start_send(self, **fields) -> int:
        """The row written before an attempt, so a crash between attempt and result stays visible."""
        fields = {**fields, "recipients": json.dumps(list(fields["recipients"])), "created_at": _now_ms()}
        fields.setdefault("status", "pending")
        names = ", ".join(fields)
        marks = ", ".join("?" * len(fields))
        if fields.get("batch") is not None:  # a retry of a batch row reuses it
            updates = ", ".join(f"{k}=excluded.{k}" for k in fields if k not in ("batch", "batch_key"))
            cursor = self.db.execute(
                f"INSERT INTO sends ({names}) VALUES ({marks}) ON CONFLICT (batch, batch_key) DO UPDATE SET {updates} "
                "RETURNING id",
                tuple(fields.values()),
            )
            return cursor.fetchone()[0]
        return self.db.execute(
            f"INSERT INTO sends ({names}) VALUES ({marks}) RETURNING id", tuple(fields.values())
        ).fetchone()[0]

    def finish_send(self, send_id: int, **fields) -> None:
        if "refused" in fields:
            fields["refused"] = json.dumps(fields["refused"]) if fields["refused"] else None
        if fields.get("status") == "sent":
            fields["sent_at"] = _now_ms()
        assignments = ", ".join(f"{k}=?" for k in fields)
        self.db.execute(f"UPDATE sends SET {assignments} WHERE id=?", (*fields.values(), send_id))

    def send_row(self, send_id: int) -> dict:
        cursor = self.db.execute("SELECT * FROM sends WHERE id=?", (send_id,))
        names = [d[0] for d in cursor.description]
        row = cursor.fetchone()
        if row is None:
            raise SyncError(f"no send {send_id} in {self.where}")
        return dict(zip(names, row, strict=True))

    def batch_status(self, batch: str) -> dict[str, str]:
        """Each key of a batch run and its status (sent / failed / pending)."""
        return dict(self.db.execute("SELECT batch_key, status FROM sends WHERE batch=?", (batch,)))

    def sends_needing_copy(self, account: str) -> list[int]:
        rows = self.db.execute(
            "SELECT id FROM sends WHERE account=? AND status='sent' AND copy_status IN ('pending', 'failed') "
            "ORDER BY id",
            (account,),
        )
        return [send_id for (send_id,) in rows]

    def last_autoreply(self, account: str, recipient: str) -> dt.datetime | None:
        row = self.db.execute(
            """SELECT max(s.created_at) FROM sends s, json_each(s.recipients) r
               WHERE s.account=? AND s.document_type='autoreply' AND s.status='sent' AND lower(r.value)=?""",
            (account, recipient.lower()),
        ).fetchone()
        return dt.datetime.fromisoformat(row[0]) if row and row[0] else None

    # -- record folders ----------------------------------------------------------------------
    def add_record_folder(self, account: str, folder: str, record_type: str, record_number: str) -> None:
        self.db.execute(
            """INSERT INTO record_folders (account, folder, record_type, record_number, created_at)
               VALUES (?,?,?,?,?) ON CONFLICT (account, folder) DO UPDATE SET deleted_at = NULL, closed_at = NULL""",
            (account, folder, record_type, record_number, _now()),
        )

    def record_folders(self, account: str, *, record: tuple[str, str] | None = None) -> list[dict]:
        """Folders mailkit created for records (never one made by hand), not yet deleted."""
        query = (
            "SELECT folder, record_type, record_number, created_at, closed_at FROM record_folders "
            "WHERE account=? AND deleted_at IS NULL"
        )
        args: tuple = (account,)
        if record:
            query += " AND record_type=? AND record_number=?"
            args += record
        names = ("folder", "record_type", "record_number", "created_at", "closed_at")
        return [dict(zip(names, row, strict=True)) for row in self.db.execute(query + " ORDER BY folder", args)]

    def close_record(self, account: str, record_type: str, record_number: str) -> int:
        cursor = self.db.execute(
            "UPDATE record_folders SET closed_at=? WHERE account=? AND record_type=? AND record_number=? "
            "AND closed_at IS NULL",
            (_now(), account, record_type, record_number),
        )
        return cursor.rowcount

    def record_folder_deleted(self, account: str, folder: str) -> None:
        with self.transaction():
            self.db.execute(
                "UPDATE record_folders SET deleted_at=? WHERE account=? AND folder=?", (_now(), account, folder)
            )
            self.mark_folder_gone(account, folder)

    def link_folder(self, account: str, folder: str, record_type: str, record_number: str) -> int:
        """Link every message present in a folder to a record (the record's own folder)."""
        cursor = self.db.execute(
            """UPDATE messages SET record_type=?, record_number=? WHERE id IN
               (SELECT message_id FROM locations WHERE account=? AND folder=? AND present=1)""",
            (record_type, record_number, account, folder),
        )
        return cursor.rowcount

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
                _now(),
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
            (account, uidl, message_row, _now(), int(deleted)),
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
                (_now(), "the process ended before the run finished (killed or crashed)", account),
            )
            yield
        finally:
            self.backend.account_unlock(self.db, account)

    # -- runs --------------------------------------------------------------------------------
    def start_run(self, account: str, folder: str | None, kind: str, dry_run: bool = False) -> int:
        cursor = self.db.execute(
            "INSERT INTO runs (account, folder, kind, started_at, status, dry_run, worker_host, worker_pid) "
            "VALUES (?,?,?,?,?,?,?,?) RETURNING id",
            (account, folder, kind, _now(), "running", int(dry_run), socket.gethostname(), os.getpid()),
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
            (_now(), status, error_text, *(counts.get(c, 0) for c in columns), run_id),
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
            cursor = self.db.execute(f"DELETE FROM messages WHERE {where}", args)
        return cursor.rowcount

    # -- after-import actions until done -----------------------------------------------------
    def add_pending_actions(
        self, account: str, folder: str, uidvalidity: int, uids: Iterable[int], action: str
    ) -> None:
        """Actions to take on the server for these UIDs (their mail found by location); one open action per UID."""
        self.db.executemany(
            """INSERT INTO pending_actions (account, folder, uidvalidity, uid, message_id, action, created_at)
               VALUES (?,?,?,?,(SELECT message_id FROM locations WHERE account=?1 AND folder=?2 AND uidvalidity=?3
                                AND uid=?4),?,?)
               ON CONFLICT (account, folder, uidvalidity, uid) DO UPDATE SET action = excluded.action,
                   done_at = NULL, outcome = NULL WHERE pending_actions.done_at IS NULL""",
            [(account, folder, uidvalidity, uid, action, _now()) for uid in uids],
        )

    def pending_actions(self, account: str, folder: str | None = None) -> list[dict]:
        """The actions not yet done, oldest first."""
        query = (
            "SELECT id, folder, uidvalidity, uid, message_id, action, attempts, last_error, created_at "
            "FROM pending_actions WHERE account=? AND done_at IS NULL"
        )
        args: tuple = (account,)
        if folder is not None:
            query += " AND folder=?"
            args += (folder,)
        cursor = self.db.execute(query + " ORDER BY id", args)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def replace_pending_action(self, account: str, folder: str, action: str) -> int:
        """The latest instruction wins: open actions of a folder become ``action``."""
        cursor = self.db.execute(
            "UPDATE pending_actions SET action=?, last_error=NULL WHERE account=? AND folder=? AND done_at IS NULL "
            "AND action != ?",
            (action, account, folder, action),
        )
        return cursor.rowcount

    def finish_pending_actions(self, ids: Iterable[int], outcome: str) -> None:
        self.db.executemany(
            "UPDATE pending_actions SET done_at=?, outcome=?, attempts=attempts+1 WHERE id=?",
            [(_now(), outcome, i) for i in ids],
        )

    def fail_pending_actions(self, ids: Iterable[int], error: str) -> None:
        self.db.executemany(
            "UPDATE pending_actions SET attempts=attempts+1, last_error=? WHERE id=?", [(error, i) for i in ids]
        )

    # -- tickets, auto-replies, documents ----------------------------------------------------
    def next_ticket_number(self, account: str, day: str, prefix: str = "") -> str:
        """The account's next ticket number for a day: ``<prefix><YYYYMMDD>-<NNNN>``."""
        last = self.db.execute(
            """INSERT INTO ticket_sequences (account, day, last) VALUES (?,?,1)
               ON CONFLICT (account, day) DO UPDATE SET last = last + 1 RETURNING last""",
            (account, day),
        ).fetchone()[0]
        return f"{prefix}{day}-{last:04d}"

    def set_ticket(self, message_row: int, number: str, *, queue: str | None, project: str | None, status: str) -> None:
        self.db.execute(
            "UPDATE messages SET ticket_number=?, queue=COALESCE(queue, ?), project=COALESCE(project, ?), "
            "ticket_status=? WHERE id=?",
            (number, queue or None, project or None, status, message_row),
        )

    def ticket_of(self, account: str, *, message_ids: Iterable[str] = (), numbers: Iterable[str] = ()) -> str | None:
        """The ticket a reply belongs to: one of the messages it answers, or a ticket number its subject names."""
        ids, numbers = [m for m in message_ids if m], [n for n in numbers if n]
        for column, values in (("message_id", ids), ("ticket_number", numbers)):
            if values:
                marks = ",".join("?" * len(values))
                row = self.db.execute(
                    f"SELECT ticket_number FROM messages WHERE account=? AND ticket_number IS NOT NULL "
                    f"AND {column} IN ({marks}) ORDER BY id LIMIT 1",
                    (account, *values),
                ).fetchone()
                if row:
                    return row[0]
        return None

    def last_message_row(self) -> int:
        return self.db.execute("SELECT COALESCE(max(id), 0) FROM messages").fetchone()[0]

    def new_incoming(self, account: str, after_row: int) -> list[int]:
        """The incoming mail an account's run added (rows after ``after_row``)."""
        rows = self.db.execute(
            "SELECT id FROM messages WHERE account=? AND id>? AND direction='in' ORDER BY id", (account, after_row)
        )
        return [row for (row,) in rows]

    def message_row(self, message_row: int) -> dict:
        cursor = self.db.execute("SELECT * FROM messages WHERE id=?", (message_row,))
        found = cursor.fetchone()
        if found is None:
            raise SyncError(f"no mail {message_row} in {self.where}")
        row = dict(zip([d[0] for d in cursor.description], found, strict=True))
        for column in ("refs", "to_addrs", "cc_addrs", "auth_results", "parse_errors"):
            row[column] = json.loads(row[column] or "[]")
        return row

    def intake_mark(self, account: str) -> int | None:
        """The last message row the account's intake has looked at; None before its first run."""
        row = self.db.execute("SELECT last_row FROM intake_marks WHERE account=?", (account,)).fetchone()
        return row[0] if row else None

    def set_intake_mark(self, account: str, last_row: int) -> None:
        self.db.execute(
            "INSERT INTO intake_marks (account, last_row) VALUES (?, ?) "
            "ON CONFLICT (account) DO UPDATE SET last_row = CASE WHEN excluded.last_row > intake_marks.last_row "
            "THEN excluded.last_row ELSE intake_marks.last_row END",
            (account, last_row),
        )

    def add_intake(self, account: str, message_row: int) -> None:
        """A new incoming mail that tickets, the autoresponder and document intake still have to see."""
        self.db.execute(
            "INSERT INTO intake_state (message_id, account) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (message_row, account),
        )

    def open_intake(self, account: str) -> list[int]:
        rows = self.db.execute(
            "SELECT message_id FROM intake_state WHERE account=? AND done_at IS NULL ORDER BY message_id", (account,)
        )
        return [row for (row,) in rows]

    def finish_intake(self, message_row: int, error: str | None = None) -> None:
        self.db.execute(
            "UPDATE intake_state SET done_at=?, error=? WHERE message_id=?",
            (None if error else _now(), error, message_row),
        )

    def autoreply_of(self, message_row: int) -> dict | None:
        cursor = self.db.execute("SELECT * FROM autoreplies WHERE message_id=?", (message_row,))
        row = cursor.fetchone()
        return None if row is None else dict(zip([d[0] for d in cursor.description], row, strict=True))

    def record_autoreply(
        self,
        account: str,
        message_row: int,
        *,
        recipient: str | None,
        day: str,
        decision: str,
        reason: str,
        send_id: int | None = None,
    ) -> None:
        self.db.execute(
            """INSERT INTO autoreplies (account, message_id, recipient, day, send_id, decision, reason, created_at)
               VALUES (?,?,?,?,?,?,?,?)
               ON CONFLICT (message_id) DO UPDATE SET recipient=excluded.recipient, day=excluded.day,
                   send_id=excluded.send_id, decision=excluded.decision, reason=excluded.reason""",
            (account, message_row, recipient, day, send_id, decision, reason, _now()),
        )

    def add_document(
        self, message_row: int, *, attachment: str, file: str | None, sha256: str, size: int, target: str
    ) -> None:
        self.db.execute(
            "INSERT INTO documents (message_id, attachment, file, sha256, size, target, created_at) "
            "VALUES (?,?,?,?,?,?,?)",
            (message_row, attachment, file, sha256, size, target, _now()),
        )

    def documents_of(self, message_row: int) -> list[dict]:
        cursor = self.db.execute(
            "SELECT attachment, file, sha256, size, target, created_at FROM documents WHERE message_id=? ORDER BY id",
            (message_row,),
        )
        return [dict(zip([d[0] for d in cursor.description], row, strict=True)) for row in cursor]

    def filed_document(self, target: str, sha256: str) -> str | None:
        """The file a document with this content was filed as under ``target`` before (duplicates by hash)."""
        row = self.db.execute(
            "SELECT file FROM documents WHERE target=? AND sha256=? AND file IS NOT NULL LIMIT 1", (target, sha256)
        ).fetchone()
        return row[0] if row else None

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
