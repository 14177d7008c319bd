"""What the sender and the intake keep in the journal: sends, record folders, actions, tickets, documents.

:class:`WorkflowTables` is a part of :class:`~mailkit.journal.store.Journal` (a base class of it),
apart only so that each module stays readable in one sitting: the store keeps the mail, its
locations and runs; these methods keep what is done with the mail afterwards.
"""

from __future__ import annotations

__all__ = ["WorkflowTables", "utc_now"]

import datetime as dt
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..errors import SyncError
from . import rollup, sendcounts


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _now_ms() -> str:  # sends: batch pauses are observed in milliseconds
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


class WorkflowTables:
    """The journal's methods for sends, record folders, after-import actions and the intake."""

    db: Any
    where: str
    if TYPE_CHECKING:  # the store's, used here

        def transaction(self) -> Any: ...

        def mark_folder_gone(self, account: str, folder: str, except_uidvalidity: int | None = None) -> int: ...

        def linked_records(self, where: str, params: tuple) -> list[tuple[str, str]]: ...

    # -- sends -------------------------------------------------------------------------------
    def start_send(self, **fields) -> int:
        """The row written before an attempt, so a crash between attempt and result stays visible."""
        recipients = list(fields["recipients"])
        fields = {**fields, "recipients": json.dumps(recipients), "recipient_count": len(recipients),
                  "created_at": _now_ms()}  # fmt: skip
        fields.setdefault("status", "pending")
        names = ", ".join(fields)
        marks = ", ".join("?" * len(fields))
        sql = f"INSERT INTO sends ({names}) VALUES ({marks})"
        retry = fields.get("batch") is not None  # a retry of a batch row reuses it
        if retry:
            updates = ", ".join(f"{k}=excluded.{k}" for k in fields if k not in ("batch", "batch_key"))
            sql += f" ON CONFLICT (batch, batch_key) DO UPDATE SET {updates}"
        with self.transaction():
            if not retry:
                send_id = self.db.execute(sql + " RETURNING id", tuple(fields.values())).fetchone()[0]
                sendcounts.count_sends(self, "s.id = ?", (send_id,))  # type: ignore[arg-type]
                return send_id
            same = ("s.batch = ? AND s.batch_key = ?", (fields["batch"], fields["batch_key"]))
            with sendcounts.recounted(self, *same):  # type: ignore[arg-type]
                return self.db.execute(sql + " RETURNING id", tuple(fields.values())).fetchone()[0]

    def finish_send(self, send_id: int, **fields) -> None:
        if "refused" in fields:
            fields["refused"] = json.dumps(fields["refused"]) if fields["refused"] else None
        if fields.get("status") == "sent":
            fields["sent_at"] = _now_ms()
        assignments = ", ".join(f"{k}=?" for k in fields)
        with sendcounts.recounted(self, "s.id = ?", (send_id,)):  # type: ignore[arg-type]
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
            (account, folder, record_type, record_number, utc_now()),
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
            (utc_now(), account, record_type, record_number),
        )
        return cursor.rowcount

    def record_folder_deleted(self, account: str, folder: str) -> None:
        with self.transaction():
            self.db.execute(
                "UPDATE record_folders SET deleted_at=? WHERE account=? AND folder=?", (utc_now(), account, folder)
            )
            self.mark_folder_gone(account, folder)

    def link_folder(self, account: str, folder: str, record_type: str, record_number: str) -> int:
        """Link every message present in a folder to a record (the record's own folder)."""
        present = "id IN (SELECT message_id FROM locations WHERE account=? AND folder=? AND present=1)"
        with self.transaction():
            before = self.linked_records(present, (account, folder))
            cursor = self.db.execute(
                f"UPDATE messages SET record_type=?, record_number=? WHERE {present}",
                (record_type, record_number, account, folder),
            )
            rollup.recount_pairs(self, [*before, (record_type, record_number)])  # type: ignore[arg-type]
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
            [(account, folder, uidvalidity, uid, action, utc_now()) for uid in uids],
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
            [(utc_now(), outcome, i) for i in ids],
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
            (None if error else utc_now(), error, message_row),
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
            (account, message_row, recipient, day, send_id, decision, reason, utc_now()),
        )

    def add_document(
        self, message_row: int, *, attachment: str, file: str | None, sha256: str, size: int, target: str
    ) -> None:
        self.db.execute(
            "INSERT INTO documents (message_id, attachment, file, sha256, size, target, created_at) "
            "VALUES (?,?,?,?,?,?,?)",
            (message_row, attachment, file, sha256, size, target, utc_now()),
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
