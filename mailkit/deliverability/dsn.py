"""Bounces: RFC 3464 delivery status notifications and the free-text bounces of common MTAs.

A DSN (``multipart/report; report-type=delivery-status``) carries one block per recipient with
``Final-Recipient``, ``Action``, ``Status`` and usually ``Diagnostic-Code``. Many servers still
bounce in prose — Exim, qmail, older Sendmail and Exchange, Gmail's "Address not found" — so
for those the recipients and the server's words are taken from the text. Either way each
recipient is classified (:func:`~mailkit.deliverability.classify.classify`) and the bounced
mail is identified by its Message-ID when the bounce quotes it.

Pure: bytes in, a :class:`Bounce` (or None for mail that is not a bounce) out; never raises for
a malformed message.
"""

from __future__ import annotations

__all__ = ["Bounce", "BouncedRecipient", "parse_bounce"]

import datetime as dt
import email.parser
import email.utils
import html
import re
from dataclasses import dataclass
from email.message import Message
from email.policy import compat32

from .classify import classify, status_from_text


@dataclass(frozen=True)
class BouncedRecipient:
    address: str
    action: str  # failed | delayed (free text: from the words)
    status: str | None  # enhanced status code
    diagnostic: str | None
    remote_mta: str | None
    kind: str  # hard | soft
    reason: str


@dataclass(frozen=True)
class Bounce:
    mta: str  # dsn | postfix | exim | exchange | gmail | qmail | sendmail | other
    recipients: tuple[BouncedRecipient, ...]
    original_message_id: str | None
    original_subject: str | None = None
    reporting_mta: str | None = None
    arrival_date: dt.datetime | None = None
    date: dt.datetime | None = None


_ADDRESS = r"[^\s<>()\"',;:\[\]]+@[A-Za-z0-9][A-Za-z0-9.-]*[A-Za-z0-9]"
_ADDRESS_RE = re.compile(_ADDRESS)
_MSGID_HEADER = re.compile(r"^Message-I[Dd]:[ \t]*(?:\r?\n[ \t]+)?(<[^<>\s]+>)", re.MULTILINE | re.IGNORECASE)
_SUBJECT_HEADER = re.compile(r"^Subject:[ \t]*(.*)$", re.MULTILINE | re.IGNORECASE)
_BOUNCE_SENDERS = re.compile(r"mailer-daemon|postmaster|mail delivery|mail-daemon|mdaemon|bounce", re.IGNORECASE)
_BOUNCE_SUBJECTS = re.compile(
    r"undeliver|undelivered mail|delivery (?:status notification|failure|has failed|failed|problem)|"
    r"mail delivery (?:failed|failure|system|subsystem)|returned mail|failure notice|non[- ]?delivery|"
    r"could not be delivered|delivery notification|warning: could not send|returning message to sender|"
    r"address not found|delayed mail|message .{0,40} delayed|nicht zustellbar|unzustellbar",
    re.IGNORECASE,
)
# where a free-text bounce's quoted original starts: nothing below it is about the recipients
_ORIGINAL_MARKERS = re.compile(
    r"^[ \t]*(?:-{2,}.*(?:copy of the message|original message|unsent message|message follows|returned message|"
    r"below this line|message headers follow).*|Original message headers:|"
    r"-+ ?Original message ?-+|.*Below this line is a copy.*)$",
    re.IGNORECASE | re.MULTILINE,
)


def _date(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when.astimezone(dt.UTC) if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _unfold(value: str | None) -> str | None:
    return re.sub(r"\s*\r?\n\s*", " ", value).strip() if value else value


def _typed(value: str | None) -> str | None:
    """``rfc822; jo@example.test`` → ``jo@example.test`` (and ``dns; mx.example.test`` → the host)."""
    if not value:
        return None
    value = _unfold(value)
    _, sep, rest = value.partition(";")
    return (rest if sep else value).strip().strip("<>").strip() or None


def _text_of(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        payload = str(part.get_payload()).encode("utf-8", "replace")
    charset = part.get_content_charset() or "utf-8"
    try:
        text = payload.decode(charset, "replace")
    except LookupError:
        text = payload.decode("utf-8", "replace")
    if part.get_content_type() == "text/html":
        text = html.unescape(re.sub(r"<br\s*/?>|</p>|</div>|</tr>", "\n", text, flags=re.IGNORECASE))
        text = re.sub(r"<[^>]+>", "", text)
    return text.replace("\r\n", "\n")


def _dsn_blocks(part: Message) -> list[Message]:
    """The field blocks of a message/delivery-status part (compat32 parses them as messages)."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    text = _text_of(part)  # message/global-delivery-status, or a DSN sent as text/plain
    parser = email.parser.HeaderParser(policy=compat32)
    return [parser.parsestr(block.strip() + "\n") for block in re.split(r"\n[ \t]*\n", text) if block.strip()]


def _original(msg: Message, text: str) -> tuple[str | None, str | None]:
    """The bounced mail's Message-ID and Subject: an attached message or headers, else quoted in the text."""
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype in ("message/rfc822", "message/global"):
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else inner
            if isinstance(inner, Message) and inner.get("Message-ID"):
                return _msgid(inner.get("Message-ID")), _unfold(inner.get("Subject"))
        if ctype in ("text/rfc822-headers", "message/global-headers", "message/rfc822-headers"):
            headers = _text_of(part)
            found = _MSGID_HEADER.search(headers)
            if found:
                subject = _SUBJECT_HEADER.search(headers)
                return found.group(1), subject.group(1).strip() if subject else None
    if not text:
        return None, None
    marker = _ORIGINAL_MARKERS.search(text)
    quoted = text[marker.end() :] if marker else text
    found = _MSGID_HEADER.search(quoted)
    subject = _SUBJECT_HEADER.search(quoted)
    return (found.group(1) if found else None), (subject.group(1).strip() if subject and found else None)


def _msgid(value: str | None) -> str | None:
    found = re.search(r"<[^<>\s]+>", value or "")
    return found.group(0) if found else (value.strip() or None if value else None)


def _recipient(address, action, status, diagnostic, remote_mta) -> BouncedRecipient:
    diagnostic = _unfold(diagnostic)
    status = status if status and re.fullmatch(r"[245]\.\d{1,3}\.\d{1,3}", status) else None
    if status and status.startswith("2"):  # "delivered" noise or a bogus 2.0.0 on a failure
        status = status_from_text(diagnostic or "") if action == "failed" else status
    verdict = classify(status, diagnostic, action=action)
    return BouncedRecipient(
        address=address.lower(),
        action=action,
        status=status or status_from_text(diagnostic or ""),
        diagnostic=diagnostic,
        remote_mta=remote_mta,
        kind=verdict.kind,
        reason=verdict.reason,
    )


def _human_text(msg: Message) -> str:
    """The readable part of a bounce: its text/plain parts (text/html if there is none), not the original."""
    plain, rich = [], []
    for part in msg.walk():
        if part.get_content_maintype() == "message" or part.get_content_type() == "text/rfc822-headers":
            continue
        if part.is_multipart():
            continue
        if part.get_content_type() == "text/plain":
            plain.append(_text_of(part))
        elif part.get_content_type() == "text/html":
            rich.append(_text_of(part))
    return "\n".join(plain or rich)


def _parse_dsn(msg: Message, status_part: Message, text: str) -> list[BouncedRecipient]:
    blocks = _dsn_blocks(status_part)
    per_message = blocks[0] if blocks and not blocks[0].get("Final-Recipient") else None
    recipients = []
    for block in blocks:
        address = _typed(block.get("Final-Recipient")) or _typed(block.get("Original-Recipient"))
        if not address or "@" not in address:
            continue
        action = (block.get("Action") or "failed").strip().lower()
        if action in ("delivered", "relayed", "expanded"):
            continue
        diagnostic = _typed(block.get("Diagnostic-Code")) if block.get("Diagnostic-Code") else None
        if not diagnostic:  # some servers leave it out: the paragraph naming the recipient says why
            diagnostic = _paragraph_for(text, address)
        remote = _typed(block.get("Remote-MTA")) or (
            _typed(per_message.get("Reporting-MTA")) if per_message is not None else None
        )
        status = (block.get("Status") or "").strip().split(" ")[0] or None
        recipients.append(_recipient(address, action, status, diagnostic, remote))
    return recipients


def _paragraph_for(text: str, address: str) -> str | None:
    for paragraph in re.split(r"\n[ \t]*\n", text):
        if address.lower() in paragraph.lower() and status_from_text(paragraph):
            return paragraph.strip()
    return None


# -- free-text bounces -----------------------------------------------------------------------------
def _mta_of(msg: Message, text: str) -> str:
    received = " ".join(msg.get_all("Received") or ())
    sender = (msg.get("From") or "").lower()
    if "qmail-send program" in text or ("qmail" in received.lower() and "#5." in text):
        return "qmail"
    if "This message was created automatically by mail delivery software" in text or "Exim" in received:
        return "exim"
    if re.search(
        r"Microsoft Exchange|Office ?365|outlook\.com|Remote Server returned|"
        r"Delivery has failed to these recipients|couldn't be delivered|Generating server",
        text,
    ):
        return "exchange"
    if (
        "google" in sender
        or "gmail" in sender
        or re.search(
            r"Google tried to deliver|wasn't delivered to|"
            r"Delivery to the following recipient",
            text,
        )
    ):
        return "gmail"
    if "This is the mail system at host" in text or "Postfix" in received:
        return "postfix"
    if "Transcript of session follows" in text or "The following addresses had" in text or "Sendmail" in received:
        return "sendmail"
    return "other"


def _free_text_recipients(msg: Message, text: str) -> list[tuple[str, str]]:
    """(address, the server's words about it) pairs, from the part of the text above the quoted original."""
    marker = _ORIGINAL_MARKERS.search(text)
    head = text[: marker.start()] if marker else text
    own = {a.lower() for a in _ADDRESS_RE.findall(" ".join(str(msg.get(h) or "") for h in ("From", "To")))}
    failed = [a.strip().lower() for a in re.split(r"[,\s]+", str(msg.get("X-Failed-Recipients") or "")) if "@" in a]
    paragraphs = [p for p in re.split(r"\n[ \t]*\n", head) if p.strip()]
    found: dict[str, str] = {}
    order: list[str] = []
    for index, paragraph in enumerate(paragraphs):
        for address in _ADDRESS_RE.findall(paragraph):
            address = address.strip(".").lower()
            if address in own or address.startswith(("mailer-daemon@", "postmaster@")) or address in found:
                continue
            words = paragraph
            # the explanation may follow in the next paragraphs (Exchange, Gmail, Sendmail transcripts)
            for following in paragraphs[index + 1 : index + 4]:
                if status_from_text(words) and re.search(r"\d{3}[ -]", words):
                    break
                words += "\n" + following
            found[address] = words
            order.append(address)
    if failed:
        order = [a for a in failed if a in found] + [a for a in failed if a not in found]
        for address in failed:
            found.setdefault(address, head)
    else:
        order = order[:50]
    return [(address, found[address]) for address in order]


def _delayed(text: str) -> bool:
    return bool(
        re.search(
            r"has been delayed|delivery (?:is )?delayed|not yet been delivered|will (?:keep trying|retry|try again)|"
            r"could not be delivered for .* hours|Warning: could not send|still trying|retry timeout not exceeded",
            text,
            re.IGNORECASE,
        )
    )


def _looks_like_bounce(msg: Message) -> bool:
    sender = str(msg.get("From") or "")
    return bool(
        msg.get("X-Failed-Recipients")
        or (_BOUNCE_SENDERS.search(sender) and _BOUNCE_SUBJECTS.search(str(msg.get("Subject") or "")))
        or (
            str(msg.get("Return-Path") or "").strip() == "<>" and _BOUNCE_SUBJECTS.search(str(msg.get("Subject") or ""))
        )
    )


def parse_bounce(raw: bytes | Message) -> Bounce | None:
    """The bounce in a mail, or None if the mail is no bounce (a DSN of success is none either)."""
    msg = raw if isinstance(raw, Message) else email.parser.BytesParser(policy=compat32).parsebytes(raw)
    status_part = None
    for part in msg.walk():
        if part.get_content_type() in ("message/delivery-status", "message/global-delivery-status"):
            status_part = part
            break
    text = _human_text(msg)
    if status_part is not None:
        recipients = _parse_dsn(msg, status_part, text)
        mta = "dsn"
        blocks = _dsn_blocks(status_part)
        reporting = _typed(blocks[0].get("Reporting-MTA")) if blocks else None
        arrival = _date(blocks[0].get("Arrival-Date")) if blocks else None
        if not recipients and not _looks_like_bounce(msg):
            return None
    elif _looks_like_bounce(msg):
        mta = _mta_of(msg, text)
        delayed = _delayed(text)
        recipients = [
            _recipient(address, "delayed" if delayed else "failed", None, _diagnostic(words), None)
            for address, words in _free_text_recipients(msg, text)
        ]
        reporting = arrival = None
    else:
        return None
    if not recipients:
        return None
    if status_part is not None:
        mta = _mta_of(msg, text) if _mta_of(msg, text) != "other" else "dsn"
    original_id, original_subject = _original(msg, text if status_part is None else "")
    if original_id is None:
        original_id = _msgid(msg.get("In-Reply-To")) if msg.get("In-Reply-To") else None
    return Bounce(
        mta=mta,
        recipients=tuple(recipients),
        original_message_id=original_id,
        original_subject=original_subject,
        reporting_mta=reporting,
        arrival_date=arrival,
        date=_date(msg.get("Date")),
    )


_SAID = re.compile(r"(?:^|\s)(?:[45]\d\d[ -]|\(?#?[45]\.\d{1,3}\.\d{1,3}\b)")


def _diagnostic(words: str) -> str:
    """The server's words: from the first line with a reply or status code on, else all of them."""
    lines = [line.strip() for line in words.splitlines() if line.strip()]
    for index, line in enumerate(lines):
        if _SAID.search(line):
            lines = lines[index:]
            break
    return " ".join(lines)[:2000]
