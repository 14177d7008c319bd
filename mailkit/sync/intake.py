"""What happens to new incoming mail after the import: tickets, the autoresponder, documents, retention.

The account's receiving settings decide (:class:`mailkit.model.Tickets`, ``Autoresponder``,
``Documents``, ``retention_days``). Each mail a run imported is queued in the journal
(``intake_state``) and done step by step — ticket, auto-reply, documents — each step idempotent, so a
mail whose reply could not be sent (the SMTP server down) is finished by the next run and never
answered twice. A reply to a ticket's mail, or one whose subject names its number, joins that ticket.
Mail older than two days is never answered automatically (a first import of an old mailbox).
"""

from __future__ import annotations

__all__ = ["run_intake"]

import dataclasses
import datetime as dt
import re
import zoneinfo

from ..errors import MailkitError
from ..journal.parse import QuarantineReason, parse_message
from ..journal.store import Journal
from ..model import Account, Autoresponder, Receiving, Tickets
from ..workspace import Workspace
from .documents import file_documents

#: mail older than this gets no automatic reply
FRESH = dt.timedelta(days=2)


def run_intake(account: Account, workspace: Workspace, journal: Journal, *, after_row: int) -> dict:
    """Queue the incoming mail imported since the intake last looked, then finish every open mail; returns counts.

    ``after_row`` (the journal's last row before this run's import) is where an account's first intake
    starts; later ones start at their mark, so mail that a killed run imported is still seen. The mark
    moves also while intake is off: turning it on later never reaches back to old mail.
    """
    receiving = account.receiving
    counts: dict = {"tickets": 0, "autoreplies": 0, "documents": 0, "open": 0, "errors": []}
    if receiving is None:
        return counts
    mark = journal.intake_mark(account.name)
    since = after_row if mark is None else mark
    with journal.transaction():
        if receiving.tickets or receiving.autoresponder or receiving.documents:
            for row in journal.new_incoming(account.name, since):
                journal.add_intake(account.name, row)
        journal.set_intake_mark(account.name, journal.last_message_row())
    if receiving.tickets or receiving.autoresponder or receiving.documents:
        for row in journal.open_intake(account.name):
            try:
                _one(account, workspace, journal, row, counts)
            except (MailkitError, OSError) as exc:  # stays open: the next run tries again
                text = f"mail {row}: {exc}"
                counts["errors"].append(text)
                with journal.transaction():
                    journal.finish_intake(row, error=text)
            else:
                with journal.transaction():
                    journal.finish_intake(row)
        counts["open"] = len(journal.open_intake(account.name))
    if receiving.retention_days:
        counts["purged"] = journal.purge(receiving.retention_days, account=account.name)
    return counts


def _zone(receiving: Receiving) -> zoneinfo.ZoneInfo:
    from ..send.autoresponder import DEFAULT_TIMEZONE  # the sending side loads only when mail needs it

    auto = receiving.autoresponder
    return zoneinfo.ZoneInfo(auto.timezone if auto else DEFAULT_TIMEZONE)


def _one(account: Account, workspace: Workspace, journal: Journal, row_id: int, counts: dict) -> None:
    receiving = account.receiving
    assert receiving is not None  # run_intake asked
    row = journal.message_row(row_id)
    raw = journal.raw(row_id)
    if receiving.tickets and not row["ticket_number"]:
        with journal.transaction():
            row["ticket_number"] = _ticket(account.name, receiving.tickets, _zone(receiving), journal, row)
        counts["tickets"] += 1
    earlier = journal.autoreply_of(row_id)
    if receiving.autoresponder and (earlier is None or earlier["decision"] == "failed"):
        counts["autoreplies"] += _autoreply(account, receiving.autoresponder, workspace, journal, row, raw)
    if receiving.documents and not journal.documents_of(row_id):
        try:
            parsed = parse_message(raw, True)
        except QuarantineReason:
            return
        with journal.transaction():
            counts["documents"] += file_documents(journal, workspace.path, receiving.documents, row, parsed.attachments)


def _ticket(account: str, settings: Tickets, zone: zoneinfo.ZoneInfo, journal: Journal, row: dict) -> str:
    named = re.findall(rf"{re.escape(settings.prefix)}\d{{8}}-\d{{4,}}", row["subject"] or "")
    answered = [row["in_reply_to"], *row["refs"]]
    number = journal.ticket_of(account, message_ids=answered, numbers=named)
    if number is None:
        day = dt.datetime.now(zone).strftime("%Y%m%d")
        number = journal.next_ticket_number(account, day, settings.prefix)
    status = "closed" if settings.mark_closed else "open"
    journal.set_ticket(row["id"], number, queue=settings.queue, project=settings.project, status=status)
    return number


def _receiving_address(account: Account, row: dict) -> str | None:
    """The account's address the mail came in on (To or Cc), if it is one the account sends as."""
    own = {a.lower(): a for a in (account.address, *account.senders.values())}
    return next((own[a.lower()] for a in [*row["to_addrs"], *row["cc_addrs"]] if a.lower() in own), None)


def _autoreply(
    account: Account, settings: Autoresponder, workspace: Workspace, journal: Journal, row: dict, raw: bytes
) -> int:
    day = dt.datetime.now(zoneinfo.ZoneInfo(settings.timezone)).date().isoformat()
    sent = row["date_utc"] and dt.datetime.fromisoformat(row["date_utc"])
    recipient = row["from_addr"]

    def record(decision: str, reason: str, send_id: int | None = None) -> None:
        with journal.transaction():
            journal.record_autoreply(
                account.name, row["id"], recipient=recipient, day=day, decision=decision, reason=reason, send_id=send_id
            )

    if sent and dt.datetime.now(dt.UTC) - sent > FRESH:
        record("skipped", f"mail of {sent.date().isoformat()}: older than two days, no automatic reply")
        return 0
    replying = account
    tickets = account.receiving.tickets if account.receiving else None
    if tickets is None or tickets.reply_from_receiving_address:
        address = _receiving_address(account, row)
        if address:
            replying = dataclasses.replace(account, senders={**account.senders, "autoreply": address})
    from ..send import autorespond  # the sending side (DKIM, S/MIME) loads only when a reply may go out
    from ..send.autoresponder import AutoReply

    template = AutoReply(settings.subject, settings.text)
    try:
        outcome, reason = autorespond(
            replying,
            workspace,
            journal,
            raw,
            template,
            ticket=row.get("ticket_number") or "",
            timezone=settings.timezone,
        )
    except MailkitError as exc:
        record("failed", str(exc))
        raise
    if outcome is None:
        record("skipped", reason)
        return 0
    record("sent", reason, outcome.send_id)
    return 1
