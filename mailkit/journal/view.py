"""The email journal view (kivitendo's E-Mail-Journal): list and filter the mails, open one.

:func:`list_messages` is one filtered, paged query; :func:`show_message` everything the journal
knows of one mail — header fields, the text body, attachments (and where they were filed), where
it sits on the server, its record and ticket, the sends, bounces and auto-replies that belong to it. Mail
that cannot be decoded is shown as far as it can be, with what failed named in ``problems``.
"""

from __future__ import annotations

__all__ = ["ListFilter", "attachment_content", "list_messages", "show_message"]

import datetime as dt
import email
import email.policy
import html
import json
import re
from dataclasses import dataclass, fields

from ..errors import SyncError
from .store import Journal

_LIST_COLUMNS = (
    "id",
    "date_utc",
    "direction",
    "account",
    "from_addr",
    "to_addrs",
    "subject",
    "size",
    "record_type",
    "record_number",
    "ticket_number",
    "queue",
    "attachments",
)


@dataclass(frozen=True)
class ListFilter:
    """What ``journal list`` narrows to; empty fields do not filter. Texts match case-insensitively, in part."""

    account: str = ""
    folder: str = ""
    direction: str = ""  # in | out
    since: dt.date | None = None
    until: dt.date | None = None  # exclusive
    sender: str = ""
    recipient: str = ""
    subject: str = ""
    record: str = ""  # NUMBER or TYPE:NUMBER
    ticket: str = ""
    has_attachment: bool | None = None
    auth: str = ""  # a part of an Authentication-Results value, e.g. dmarc=fail

    def where(self) -> tuple[str, list]:
        clauses, args = [], []

        def like(column: str, value: str) -> None:
            clauses.append(f"lower(COALESCE({column}, '')) LIKE ?")
            args.append(f"%{value.lower()}%")

        if self.account:
            clauses.append("m.account = ?")
            args.append(self.account)
        if self.folder:
            clauses.append("EXISTS (SELECT 1 FROM locations l WHERE l.message_id = m.id AND l.folder = ?)")
            args.append(self.folder)
        if self.direction:
            clauses.append("m.direction = ?")
            args.append(self.direction)
        if self.since:
            clauses.append("COALESCE(m.date_utc, m.first_seen) >= ?")
            args.append(self.since.isoformat())
        if self.until:
            clauses.append("COALESCE(m.date_utc, m.first_seen) < ?")
            args.append(self.until.isoformat())
        if self.sender:
            like("m.from_addr || ' ' || COALESCE(m.from_name, '')", self.sender)
        if self.recipient:
            like("m.to_addrs || ' ' || m.cc_addrs", self.recipient)
        if self.subject:
            like("m.subject", self.subject)
        if self.record:
            kind, sep, number = self.record.rpartition(":")
            clauses.append("m.record_number = ?" + (" AND m.record_type = ?" if sep else ""))
            args += [number, kind] if sep else [number]
        if self.ticket:
            clauses.append("m.ticket_number = ?")
            args.append(self.ticket)
        if self.has_attachment is not None:
            exists = "EXISTS (SELECT 1 FROM attachments a WHERE a.message_id = m.id)"
            clauses.append(exists if self.has_attachment else f"NOT {exists}")
        if self.auth:
            like("m.auth_results", self.auth)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", args

    def describe(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) not in ("", None)}


def list_messages(journal: Journal, where: ListFilter = ListFilter(), *, limit: int = 50, offset: int = 0) -> dict:
    """One page of the journal's mails, newest first: ``{"total", "offset", "limit", "rows"}``."""
    if limit < 1 or offset < 0:
        raise SyncError("paging needs a limit of at least 1 and an offset of 0 or more")
    clause, args = where.where()
    total = journal.db.execute(f"SELECT count(*) FROM messages m{clause}", args).fetchone()[0]
    # the page's ids first, along the (date, id) index; then only those rows with their attachment counts
    ids = [
        i
        for (i,) in journal.db.execute(
            f"SELECT m.id FROM messages m{clause} ORDER BY COALESCE(m.date_utc, m.first_seen) DESC, m.id DESC "
            "LIMIT ? OFFSET ?",
            [*args, limit, offset],
        )
    ]
    marks = ",".join("?" * len(ids)) or "NULL"
    cursor = journal.db.execute(
        f"""SELECT m.id, m.date_utc, m.direction, m.account, m.from_addr, m.to_addrs, m.subject, m.size,
                   m.record_type, m.record_number, m.ticket_number, m.queue,
                   (SELECT count(*) FROM attachments a WHERE a.message_id = m.id)
            FROM messages m WHERE m.id IN ({marks})
            ORDER BY COALESCE(m.date_utc, m.first_seen) DESC, m.id DESC""",
        ids,
    )
    rows = []
    for values in cursor:
        row = dict(zip(_LIST_COLUMNS, values, strict=True))
        row["to_addrs"] = json.loads(row["to_addrs"] or "[]")
        rows.append(row)
    return {"total": total, "offset": offset, "limit": limit, "rows": rows}


def _one(journal: Journal, query: str, args: tuple) -> list[dict]:
    cursor = journal.db.execute(query, args)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def _text_body(raw: bytes, problems: list[str]) -> str:
    """The readable text: the plain part, else the HTML part without its tags."""
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        part = message.get_body(preferencelist=("plain", "html"))
        if part is None:
            return ""
        text = part.get_content()
        if part.get_content_type() == "text/html":
            text = re.sub(r"(?is)<(script|style)\b.*?</\1>", "", text)
            text = html.unescape(re.sub(r"(?s)<[^>]+>", "", re.sub(r"(?i)<br\s*/?>|</p>", "\n", text)))
        return text.strip()
    except Exception as exc:  # a broken part must not hide the rest of the mail
        problems.append(f"text body: {type(exc).__name__}: {exc}")
        return ""


def _headers(raw: bytes, problems: list[str]) -> list[tuple[str, str]]:
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        return [(name, str(value)) for name, value in message.items()]
    except Exception as exc:
        problems.append(f"header fields: {type(exc).__name__}: {exc}")
        head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
        return [("(raw)", head.decode("utf-8", "replace"))]


def show_message(journal: Journal, row: int) -> dict:
    """Everything the journal knows of one mail (see the module docstring)."""
    try:
        message = journal.message_row(row)
    except SyncError:
        raise SyncError(f"no mail {row} in the journal: `mailkit journal list` shows the ids") from None
    problems: list[str] = []
    try:
        raw = journal.raw(row)
    except SyncError as exc:
        raw, problems = b"", [str(exc)]
    return {
        "message": message,
        "headers": _headers(raw, problems) if raw else [],
        "text": _text_body(raw, problems) if raw else "",
        "attachments": _one(
            journal,
            "SELECT id, name, mime_type, size, sha256, content IS NOT NULL AS stored FROM attachments "
            "WHERE message_id = ? ORDER BY id",
            (row,),
        ),
        "documents": journal.documents_of(row),
        "locations": _one(
            journal,
            "SELECT account, folder, uidvalidity, uid, flags, present, seen_at, gone_at FROM locations "
            "WHERE message_id = ? ORDER BY id",
            (row,),
        ),
        "sends": _one(
            journal,
            "SELECT id, sender, recipients, subject, status, smtp_code, smtp_reply, sent_at, copy_status "
            "FROM sends WHERE message_row = ? ORDER BY id",
            (row,),
        ),
        # bounces of this mail's sends (a bounce links to the send it reports), and what a bounce mail reports
        "bounces": _one(
            journal,
            """SELECT r.recipient, r.action, r.status, r.kind, r.reason, r.diagnostic, b.message_row AS bounce_mail
               FROM bounce_recipients r JOIN bounces b ON b.id = r.bounce
               WHERE r.send_id IN (SELECT id FROM sends WHERE message_row = ?1) OR b.message_row = ?1
               ORDER BY r.id""",
            (row,),
        ),
        "autoreply": journal.autoreply_of(row),
        "pending_actions": _one(
            journal,
            "SELECT folder, uid, action, attempts, last_error, done_at, outcome FROM pending_actions "
            "WHERE message_id = ? ORDER BY id",
            (row,),
        ),
        "size": len(raw),
        "problems": problems,
    }


def attachment_content(journal: Journal, row: int, index: int) -> tuple[str, str, bytes]:
    """An attachment's (name, MIME type, bytes), from the stored content or else from the raw mail."""
    from .parse import QuarantineReason, parse_message

    listed = _one(journal, "SELECT name, mime_type, content FROM attachments WHERE message_id=? ORDER BY id", (row,))
    if not 0 <= index < len(listed):
        raise SyncError(f"mail {row} has no attachment {index + 1} (it has {len(listed)})")
    item = listed[index]
    if item["content"] is not None:
        return item["name"], item["mime_type"], item["content"]
    try:
        parsed = parse_message(journal.raw(row), True)
    except QuarantineReason as reason:
        raise SyncError(f"mail {row} cannot be read again: {reason}") from None
    same = [a for a in parsed.attachments if a.name == item["name"]] or parsed.attachments[index : index + 1]
    if not same or same[0].content is None:
        raise SyncError(f"attachment {index + 1} of mail {row} is not in the raw mail")
    return item["name"], item["mime_type"], same[0].content
