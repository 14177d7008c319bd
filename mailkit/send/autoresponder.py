"""The autoresponder (OpenXE) made safe against mail loops, per RFC 3834: pure decisions.

No reply to mail that is itself automatic (``Auto-Submitted`` other than ``no``), to bulk, list
or junk precedence, to list mail (``List-Id``), to a null or no-reply sender, or to ourselves;
at most one reply per sender per calendar day in the account's time zone (OpenXE's "once a day":
a mail at 23:50 and one at 00:10 are two days). Replies carry ``Auto-Submitted: auto-replied`` and
thread with In-Reply-To and References.
"""

from __future__ import annotations

__all__ = ["AutoReply", "render_reply", "reply_decision"]

import datetime as dt
import email.header
import email.parser
import email.utils
import re
import zoneinfo
from dataclasses import dataclass
from email.policy import compat32

from ..journal.parse import normalise_message_id
from .compose import DocumentMail

_NO_REPLY = re.compile(r"^(no-?reply|do-?not-?reply|mailer-daemon|postmaster|bounce[s]?)([+-].*)?@", re.I)
DEFAULT_TIMEZONE = "Europe/Berlin"


@dataclass(frozen=True)
class AutoReply:
    subject: str  # template with {TICKET} and {BETREFF}
    text: str


def reply_decision(
    raw: bytes,
    *,
    own_addresses: set[str],
    last_reply_to_sender: dt.datetime | None,
    now: dt.datetime,
    timezone: str = DEFAULT_TIMEZONE,
) -> tuple[bool, str]:
    """Whether to answer this mail automatically, and why (not); ``timezone`` says where a day begins.

    >>> reply_decision(b"From: kunde@x.test\\r\\nPrecedence: bulk\\r\\n\\r\\n", own_addresses=set(),
    ...                last_reply_to_sender=None, now=dt.datetime.now(dt.UTC))
    (False, 'Precedence: bulk')
    """
    headers = email.parser.BytesHeaderParser(policy=compat32).parsebytes(raw)
    auto = (headers.get("Auto-Submitted") or "no").strip().lower()
    if auto != "no":
        return False, f"Auto-Submitted: {auto}"
    precedence = (headers.get("Precedence") or "").strip().lower()
    if precedence in ("bulk", "list", "junk"):
        return False, f"Precedence: {precedence}"
    if headers.get("List-Id") or headers.get("List-Unsubscribe"):
        return False, "mailing-list mail"
    if any(headers.get(h) for h in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress")):
        return False, "marked as an automatic message"
    sender = email.utils.parseaddr(headers.get("Return-Path") or headers.get("From") or "")[1].lower()
    if not sender or sender == "<>":
        return False, "null sender"
    if _NO_REPLY.match(sender):
        return False, f"no-reply sender {sender}"
    if sender in {a.lower() for a in own_addresses}:
        return False, "sent by this account"
    if last_reply_to_sender is not None:
        zone = zoneinfo.ZoneInfo(timezone)
        day = now.astimezone(zone).date()
        if last_reply_to_sender.astimezone(zone).date() >= day:
            return False, f"{sender} got an automatic reply today ({day.isoformat()}, {timezone})"
    return True, f"reply to {sender}"


def render_reply(raw: bytes, template: AutoReply, *, ticket: str) -> DocumentMail:
    """The reply mail: {TICKET} and {BETREFF} filled, threaded, marked auto-replied."""
    headers = email.parser.BytesHeaderParser(policy=compat32).parsebytes(raw)
    original_subject = str(email.header.make_header(email.header.decode_header(headers.get("Subject") or "")))
    original_subject = " ".join(original_subject.split())
    values = {"TICKET": ticket, "BETREFF": original_subject}

    def fill(text: str) -> str:
        return re.sub(r"\{(TICKET|BETREFF)\}", lambda m: values[m.group(1)], text)

    message_id = normalise_message_id(headers.get("Message-ID"))
    references = re.findall(r"<[^<>\s]+>", headers.get("References") or "")
    if message_id:
        references.append(f"<{message_id}>")
    sender = email.utils.parseaddr(headers.get("Reply-To") or headers.get("From") or "")[1]
    return DocumentMail(
        document_type="autoreply",
        to=[sender],
        subject=fill(template.subject),
        text=fill(template.text),
        in_reply_to=f"<{message_id}>" if message_id else None,
        references=references,
        extra_headers={"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"},
    )
