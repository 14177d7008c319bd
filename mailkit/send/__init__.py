"""Sending document mails: sender policy, signature, DKIM, delivery, the journal, the Sent copy.

Unlike kivitendo and OpenXE, a mail that went out is never reported "not sent" because the
copy into the Sent folder failed: sending and the copy have separate statuses, the copy is the
exact bytes that were sent, and a failed copy can be retried (:func:`retry_copies`) without
ever making a second one. Every attempt is a journal row written before and after it.
"""

from __future__ import annotations

__all__ = [
    "Attachment",
    "AutoReply",
    "DocumentMail",
    "SendOutcome",
    "autorespond",
    "retry_copies",
    "send_batch",
    "send_mail",
    "send_test",
]

import contextlib
import dataclasses
import datetime as dt
import email.parser
import email.utils
import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from email.policy import compat32

from ..errors import MailkitError, SendError
from ..journal.parse import parse_message
from ..journal.store import Journal
from ..model import Account, Smime
from ..net.connect import smtp_login
from ..net.transport import deliver_sendmail, deliver_smtp
from ..smime import protect
from ..smime import record as record_smime
from ..workspace import Workspace
from .autoresponder import DEFAULT_TIMEZONE, AutoReply, render_reply, reply_decision
from .compose import Attachment, Composed, DocumentMail, compose
from .policy import choose_sender, render_signature, signature_for
from .sentcopy import copy_target, store_copy


@dataclass
class SendOutcome:
    send_id: int
    status: str  # sent | failed | skipped
    message_id: str | None = None
    recipients: tuple[str, ...] = ()
    refused: dict[str, tuple[int, str]] = field(default_factory=dict)
    code: int | None = None
    reply: str = ""
    copy_status: str = "none"  # none | copied | failed
    copy_folder: str | None = None
    copy_error: str | None = None
    smime_signed: bool = False
    smime_encrypted_for: tuple[str, ...] = ()
    smime_cipher: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _with_signature(mail: DocumentMail, account: Account, workspace: Workspace, user: str | None, project, notes):
    text_template, html_template = signature_for(account, workspace, project)
    employee = workspace.users.get(user) if user else None
    if not (text_template or html_template):
        return mail
    text_sig, unknown = render_signature(text_template, employee)
    html_sig, unknown_html = render_signature(html_template, employee, as_html=True)
    for name in dict.fromkeys(unknown + unknown_html):
        notes.append(f"signature variable {{{name}}} is unknown and was left as it is")
    return replace(
        mail,
        text=f"{mail.text.rstrip()}\n\n-- \n{text_sig}\n" if text_sig else mail.text,
        html=(f'{mail.html}\n<div class="signature">{html_sig}</div>' if mail.html and html_sig else mail.html),
    )


def prepare(
    account: Account,
    workspace: Workspace,
    mail: DocumentMail,
    *,
    user: str | None = None,
    project: str | None = None,
    clerk: str | None = None,
    notes: list[str] | None = None,
    sign: bool | None = None,
    encrypt: str | None = None,
) -> Composed:
    """Policy, signature, composition, S/MIME and DKIM: the bytes as they will leave.

    ``sign`` and ``encrypt`` override the account's S/MIME setting for this one mail.
    """
    notes = [] if notes is None else notes
    sender = choose_sender(account, workspace, mail.document_type, user)
    mail = _with_signature(mail, account, workspace, user, project, notes)
    extra_cc = []
    if clerk and clerk != user and workspace.policy.clerk_cc and clerk in workspace.users:
        extra_cc.append(workspace.users[clerk].email)
    extra_bcc = [workspace.policy.bcc_archive] if workspace.policy.bcc_archive else []
    composed = compose(mail, sender=sender, sender_name=account.display_name, extra_cc=extra_cc, extra_bcc=extra_bcc)
    settings = account.smime or Smime()
    sign = settings.sign if sign is None else sign
    encrypt = settings.encrypt if encrypt is None else encrypt
    if sign or encrypt != "never":  # S/MIME before DKIM: DKIM signs the bytes that leave
        data, protection = protect(
            composed.data, workspace, sender=composed.sender, recipients=composed.recipients, sign=sign, encrypt=encrypt
        )
        notes.extend(protection.notes)
        composed = replace(
            composed,
            data=data,
            smime_signed=protection.signed,
            smime_encrypted_for=protection.encrypted_for,
            smime_cipher=protection.cipher,
        )
    if account.dkim_selector:
        try:
            from ..dkim import sign_message  # DKIM keys live in the workspace; signing is dkimpy's
        except ImportError:
            raise SendError(
                f"account {account.name!r} names DKIM selector {account.dkim_selector!r}, but this mailkit cannot "
                "sign yet: remove dkim_selector from the account to send unsigned"
            ) from None

        signed = sign_message(
            composed.data, workspace, domain=sender.rpartition("@")[2], selector=account.dkim_selector
        )
        composed = replace(composed, data=signed)
    return composed


@contextlib.contextmanager
def _transport(account: Account, workspace: Workspace):
    """A deliver(composed) callable: one SMTP session for many mails, or the sendmail command."""
    sending = account.sending
    if sending is None:
        raise SendError(f"account {account.name!r} has no sending side configured")
    if sending.method == "sendmail":
        yield lambda c: deliver_sendmail(
            sending.sendmail_command, c.sender, c.recipients, c.data, account.timeouts.command
        )
        return
    with smtp_login(account, workspace) as client:
        yield lambda c: deliver_smtp(client, c.sender, c.recipients, c.data)


def send_mail(
    account: Account,
    workspace: Workspace,
    journal: Journal,
    mail: DocumentMail,
    *,
    user: str | None = None,
    project: str | None = None,
    clerk: str | None = None,
    deliver: Callable | None = None,
    batch: tuple[str, str] | None = None,
    sign: bool | None = None,
    encrypt: str | None = None,
) -> SendOutcome:
    """Send one document mail; the journal records the attempt before and after, then the Sent copy."""
    notes: list[str] = []
    composed = prepare(
        account, workspace, mail, user=user, project=project, clerk=clerk, notes=notes, sign=sign, encrypt=encrypt
    )
    with journal.transaction():
        send_id = journal.start_send(
            account=account.name,
            batch=batch[0] if batch else None,
            batch_key=batch[1] if batch else None,
            message_id=composed.message_id,
            document_type=mail.document_type,
            record_number=mail.record_number,
            user=user,
            sender=composed.sender,
            recipients=composed.recipients,
            subject=mail.subject,
            transport=account.sending.method if account.sending else "none",
            smime_signed=int(composed.smime_signed),
            smime_encrypted_for=json.dumps(composed.smime_encrypted_for) if composed.smime_encrypted_for else None,
        )
    outcome = SendOutcome(
        send_id,
        "failed",
        composed.message_id,
        composed.recipients,
        smime_signed=composed.smime_signed,
        smime_encrypted_for=composed.smime_encrypted_for,
        smime_cipher=composed.smime_cipher,
        notes=notes,
    )
    try:
        if deliver is None:
            with _transport(account, workspace) as own_deliver:
                delivery = own_deliver(composed)
        else:
            delivery = deliver(composed)
    except (MailkitError, OSError) as exc:
        code = getattr(exc, "code", None)
        reply = getattr(exc, "reply", "") or str(exc)
        with journal.transaction():
            journal.finish_send(send_id, status="failed", smtp_code=code, smtp_reply=reply)
        outcome.code, outcome.reply = code, reply
        raise
    with journal.transaction():
        parsed = parse_message(composed.data)
        row, new = journal.add_message(parsed, composed.data, account=account.name, direction="out", status="sent")
        if new and (composed.smime_signed or composed.smime_encrypted_for):
            record_smime(journal, workspace, account.name, row, composed.data, composed.sender)
        if mail.record_number:
            journal.link_record(row, mail.document_type, mail.record_number)
        journal.finish_send(
            send_id,
            status="sent",
            smtp_code=delivery.code,
            smtp_reply=delivery.reply,
            refused=delivery.refused,
            message_row=row,
        )
    outcome.status, outcome.code, outcome.reply, outcome.refused = (
        "sent",
        delivery.code,
        delivery.reply,
        delivery.refused,
    )
    user_email = workspace.users[user].email if user and user in workspace.users else None
    target = copy_target(account, workspace, composed.sender, user_email)
    if target is not None:
        _copy(journal, workspace, target, send_id, composed.data, composed.message_id, outcome)
    return outcome


def _copy(journal, workspace, target, send_id, data, message_id, outcome: SendOutcome) -> None:
    with journal.transaction():
        journal.finish_send(send_id, copy_status="pending", copy_folder=target.receiving.sent_folder)
    try:
        folder, uidvalidity, uid = store_copy(target, workspace, data, message_id)
    except MailkitError as exc:
        with journal.transaction():
            journal.finish_send(send_id, copy_status="failed", copy_error=str(exc))
        outcome.copy_status, outcome.copy_error = "failed", str(exc)
        outcome.notes.append(
            f"the mail was sent; its copy into the Sent folder failed: `mailkit send-retry-copies "
            f"{target.name}` tries again"
        )
        return
    with journal.transaction():
        journal.finish_send(
            send_id,
            copy_status="copied",
            copy_folder=folder,
            copy_uidvalidity=uidvalidity,
            copy_uid=uid,
            copy_error=None,
        )
    outcome.copy_status, outcome.copy_folder = "copied", folder


def retry_copies(account: Account, workspace: Workspace, journal: Journal) -> list[SendOutcome]:
    """Copy again every sent mail of the account whose Sent copy is missing; never a second copy."""
    outcomes = []
    for send_id in journal.sends_needing_copy(account.name):
        row = journal.send_row(send_id)
        outcome = SendOutcome(send_id, row["status"], row["message_id"])
        target = copy_target(account, workspace, row["sender"], None) or account
        _copy(journal, workspace, target, send_id, journal.raw(row["message_row"]), row["message_id"], outcome)
        outcomes.append(outcome)
    return outcomes


@dataclass
class BatchResult:
    batch: str
    sent: int = 0
    failed: int = 0
    skipped: int = 0  # sent by an earlier run of the same batch
    unknown: int = 0  # an earlier run crashed during the attempt: not sent again unless asked
    pauses: int = 0
    outcomes: list[SendOutcome] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def send_batch(
    account: Account,
    workspace: Workspace,
    journal: Journal,
    mails: Iterable[tuple[str, DocumentMail]],
    *,
    batch: str,
    batch_size: int = 50,
    pause_ms: int = 1000,
    user: str | None = None,
    retry_unknown: bool = False,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,  # e.g. a mailkit.sync.Cancel
) -> BatchResult:
    """desk4's Serienmail: batches of ``batch_size`` with ``pause_ms`` between them; resumable by key."""
    if batch_size < 1 or pause_ms < 0:
        raise SendError("batch size must be at least 1 and the pause not negative")
    cancel = cancel or threading.Event()
    items = list(mails)
    done_before = journal.batch_status(batch)
    result = BatchResult(batch)
    todo = []
    for key, mail in items:
        state = done_before.get(key)
        if state == "sent":
            result.skipped += 1
        elif state == "pending" and not retry_unknown:
            result.unknown += 1
        else:
            todo.append((key, mail))
    for start in range(0, len(todo), batch_size):
        if cancel.is_set():
            break
        if start:
            result.pauses += 1
            if cancel.wait(pause_ms / 1000):
                break
        with _transport(account, workspace) as deliver:
            for key, mail in todo[start : start + batch_size]:
                try:
                    outcome = send_mail(
                        account, workspace, journal, mail, user=user, deliver=deliver, batch=(batch, key)
                    )
                except MailkitError as exc:
                    result.failed += 1
                    result.errors[key] = str(exc)
                    continue
                result.sent += 1
                result.outcomes.append(outcome)
        if progress:
            progress(min(start + batch_size, len(todo)), len(todo))
    return result


def send_test(account: Account, workspace: Workspace, journal: Journal, to: str, *, user: str | None = None):
    """desk4's "Testmail": a short mail through the account's own settings."""
    now = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
    mail = DocumentMail(
        document_type="letter",
        to=[to],
        subject=f"mailkit Testmail: {account.name}",
        text=f"Diese Testnachricht wurde am {now} über das Konto {account.name} ({account.address}) versandt.\n"
        "This test message was sent by mailkit to check the account's sending settings.\n",
    )
    return send_mail(account, workspace, journal, mail, user=user)


def autorespond(
    account: Account,
    workspace: Workspace,
    journal: Journal,
    raw: bytes,
    template: AutoReply,
    *,
    ticket: str,
    timezone: str = DEFAULT_TIMEZONE,
) -> tuple[SendOutcome | None, str]:
    """Answer an incoming mail automatically when RFC 3834 and once-a-day allow it; says why (not)."""
    sender = email.utils.parseaddr(_header(raw, "Reply-To") or _header(raw, "From"))[1]
    own = {account.address, *account.senders.values()}
    ok, reason = reply_decision(
        raw,
        own_addresses=own,
        last_reply_to_sender=journal.last_autoreply(account.name, sender) if sender else None,
        now=dt.datetime.now(dt.UTC),
        timezone=timezone,
    )
    if not ok:
        return None, reason
    return send_mail(account, workspace, journal, render_reply(raw, template, ticket=ticket)), reason


def _header(raw: bytes, name: str) -> str:
    return email.parser.BytesHeaderParser(policy=compat32).parsebytes(raw).get(name) or ""
