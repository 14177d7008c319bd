"""From raw RFC 822 bytes to what the journal keeps: pure, no I/O.

Parsing uses the ``compat32`` policy (several times faster than the default one) and decodes the
few headers the journal needs by hand. A message is *quarantined* when its structure cannot be
trusted (a broken header block or MIME boundaries); every other defect is recorded in
``parse_errors`` and the message is imported.

Identity: a message is known by its normalised Message-ID; mail without one gets a fallback key
from Date, From, Subject and a few more headers — never the size, which differs between servers.

>>> parsed = parse_message(b"Message-ID: <A1@Example.TEST>\\r\\nFrom: Jo <jo@x.test>\\r\\n"
...                        b"Subject: Hi\\r\\n\\r\\nbody\\r\\n")
>>> parsed.key, parsed.from_addr, parsed.subject
('mid:A1@example.test', 'jo@x.test', 'Hi')
"""

from __future__ import annotations

__all__ = [
    "Attachment",
    "ParsedMessage",
    "QuarantineReason",
    "fallback_key",
    "key_from_headers",
    "normalise_message_id",
    "parse_message",
]

import datetime as dt
import email.errors
import email.header
import email.parser
import email.utils
import hashlib
import re
from dataclasses import dataclass, field
from email.message import Message
from email.policy import compat32

_MSGID = re.compile(r"<([^<>\s]+)>")
_FALLBACK_HEADERS = ("date", "from", "subject", "to", "cc", "in-reply-to")
_STRUCTURAL_DEFECTS = (
    email.errors.MissingHeaderBodySeparatorDefect,
    email.errors.StartBoundaryNotFoundDefect,
    email.errors.CloseBoundaryNotFoundDefect,
    email.errors.NoBoundaryInMultipartDefect,
    email.errors.MultipartInvariantViolationDefect,
    email.errors.FirstHeaderLineIsContinuationDefect,
)


class QuarantineReason(Exception):
    """Why a message cannot be imported as a normal journal entry."""


@dataclass(frozen=True)
class Attachment:
    name: str
    mime_type: str
    size: int
    sha256: str
    content: bytes | None = field(default=None, repr=False)


@dataclass
class ParsedMessage:
    key: str
    message_id: str | None
    in_reply_to: str | None
    references: list[str]
    date: dt.datetime | None
    from_addr: str | None
    from_name: str | None
    to_addrs: list[str]
    cc_addrs: list[str]
    subject: str
    size: int
    content_hash: str
    attachments: list[Attachment]
    auth_results: list[str]
    parse_errors: list[str]


def normalise_message_id(value: str | None) -> str | None:
    """The id inside angle brackets, with the domain part lower-cased (RFC 5322: it is case-insensitive).

    >>> normalise_message_id("  <Abc.123@MAIL.Example.COM> (comment)")
    'Abc.123@mail.example.com'
    >>> normalise_message_id("no-brackets@x.test"), normalise_message_id("")
    ('no-brackets@x.test', None)
    """
    if not value:
        return None
    found = _MSGID.search(value)
    text = found.group(1) if found else value.strip().split()[0] if value.strip() else ""
    if not text:
        return None
    local, at, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}" if at else text


def _ids(value: str | None) -> list[str]:
    return [normalise_message_id(f"<{m}>") for m in _MSGID.findall(value or "")]


def fallback_key(headers: dict[str, str]) -> str:
    """The key of a message without Message-ID: a hash of selected, whitespace-normalised headers.

    >>> a = fallback_key({"from": "a@x.test", "subject": " Hi  there"})
    >>> a == fallback_key({"subject": "Hi there", "from": "a@x.test"}), a.startswith("fb:")
    (True, True)
    """
    digest = hashlib.sha256()
    for name in _FALLBACK_HEADERS:
        digest.update(name.encode() + b":" + " ".join((headers.get(name) or "").split()).encode("utf-8", "replace"))
        digest.update(b"\n")
    return "fb:" + digest.hexdigest()[:40]


def key_from_headers(header_bytes: bytes) -> str:
    """The identity key from a header block alone (what a header-only scan fetches)."""
    message = email.parser.BytesHeaderParser(policy=compat32).parsebytes(header_bytes)
    message_id = normalise_message_id(_text(message.get("message-id")))
    if message_id:
        return "mid:" + message_id
    return fallback_key({name: _text(message.get(name)) for name in _FALLBACK_HEADERS})


#: the header fields a header-only scan must fetch to compute :func:`key_from_headers`
KEY_HEADERS = ("MESSAGE-ID", *(h.upper() for h in _FALLBACK_HEADERS))


def _text(value) -> str:
    """A header as text: RFC 2047 words decoded, undeclared 8-bit bytes kept as replacement characters."""
    if value is None:
        return ""
    if isinstance(value, email.header.Header):
        value = str(value)
    try:
        return str(email.header.make_header(email.header.decode_header(value)))
    except (email.errors.HeaderParseError, LookupError, UnicodeError, ValueError):
        return str(value)


def _addresses(message: Message, name: str) -> list[str]:
    values = [_text(v) for v in message.get_all(name, [])]
    return [addr.lower() for _, addr in email.utils.getaddresses(values) if addr]


def _date(message: Message, errors: list[str]) -> dt.datetime | None:
    raw = message.get("date")
    if raw is None:
        errors.append("no Date header")
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(_text(raw))
    except (TypeError, ValueError, IndexError):
        errors.append(f"unparseable Date header {_text(raw)[:60]!r}")
        return None
    if parsed.tzinfo is None:  # RFC 5322 -0000: no zone information; take it as UTC
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def _attachments(message: Message, keep_content: bool) -> list[Attachment]:
    found = []
    for part in message.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename()
        disposition = (part.get("content-disposition") or "").split(";")[0].strip().lower()
        if not filename and disposition != "attachment":
            continue
        payload = part.get_payload(decode=True) or b""
        found.append(
            Attachment(
                name=_text(filename) or "(unnamed)",
                mime_type=part.get_content_type(),
                size=len(payload),
                sha256=hashlib.sha256(payload).hexdigest(),
                content=payload if keep_content else None,
            )
        )
    return found


def parse_message(raw: bytes, keep_attachment_content: bool = False) -> ParsedMessage:
    """Parse one message; raise :class:`QuarantineReason` when its structure cannot be trusted."""
    if not raw.strip():
        raise QuarantineReason("empty message")
    message = email.parser.BytesParser(policy=compat32).parsebytes(raw)
    structural = [d for part in message.walk() for d in part.defects if isinstance(d, _STRUCTURAL_DEFECTS)]
    if structural:
        names = ", ".join(sorted({type(d).__name__.removesuffix("Defect") for d in structural}))
        raise QuarantineReason(f"broken message structure ({names})")
    if not message.keys():
        raise QuarantineReason("no header fields")
    errors: list[str] = []
    message_id = normalise_message_id(_text(message.get("message-id")))
    if not message_id:
        errors.append("no Message-ID")
    senders = email.utils.getaddresses([_text(v) for v in message.get_all("from", [])])
    from_name, from_addr = senders[0] if senders else ("", "")
    if not from_addr:
        errors.append("no From address")
    if any(b > 0x7F for b in raw.partition(b"\r\n\r\n")[0]):
        errors.append("undeclared 8-bit bytes in the header")
    key = (
        "mid:" + message_id
        if message_id
        else fallback_key({name: _text(message.get(name)) for name in _FALLBACK_HEADERS})
    )
    return ParsedMessage(
        key=key,
        message_id=message_id,
        in_reply_to=(_ids(message.get("in-reply-to")) or [None])[0],
        references=_ids(_text(message.get("references"))),
        date=_date(message, errors),
        from_addr=from_addr.lower() or None,
        from_name=from_name or None,
        to_addrs=_addresses(message, "to"),
        cc_addrs=_addresses(message, "cc"),
        subject=" ".join(_text(message.get("subject")).split()),
        size=len(raw),
        content_hash=hashlib.sha256(raw).hexdigest(),
        attachments=_attachments(message, keep_attachment_content),
        auth_results=[_text(v) for v in message.get_all("authentication-results", [])],
        parse_errors=errors,
    )
