"""Document mails into RFC 5322 messages: pure, no I/O.

A :class:`DocumentMail` is what an ERP hands over — document type, record number, recipients,
subject, text and HTML, attachments. :func:`compose` makes the message: a Message-ID in the
sender's domain, a Date, UTF-8 headers encoded as RFC 2047 words, and no header injection
(a line break in any header value is refused, since it would let the value add headers).
Bcc recipients never appear in the message; they are envelope recipients only.
"""

from __future__ import annotations

__all__ = ["Attachment", "Composed", "DocumentMail", "compose"]

import email.policy
import email.utils
import mimetypes
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path

from ..errors import ComposeError

# 7bit: non-ASCII bodies travel quoted-printable or base64, so no relay rewrites them (and DKIM holds)
_POLICY = email.policy.SMTP.clone(max_line_length=78, cte_type="7bit")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes = field(repr=False)
    mime_type: str = ""

    @classmethod
    def from_path(cls, path: Path | str) -> Attachment:
        path = Path(path)
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise ComposeError(f"attachment {path} cannot be read: {exc.strerror}") from None
        return cls(path.name, content, mimetypes.guess_type(path.name)[0] or "application/octet-stream")


@dataclass
class DocumentMail:
    document_type: str
    to: list[str]
    subject: str
    text: str
    html: str | None = None
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    record_number: str | None = None
    reply_to: str | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    extra_headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Composed:
    """The bytes to send, and the envelope that goes with them."""

    message_id: str
    sender: str
    recipients: tuple[str, ...]  # To, Cc and Bcc: the envelope
    data: bytes = field(repr=False)
    smime_signed: bool = False
    smime_encrypted_for: tuple[str, ...] = ()
    smime_cipher: str | None = None  # aes256_gcm | aes256_cbc when encrypted


def _no_line_breaks(name: str, value: str) -> str:
    if "\r" in value or "\n" in value:
        raise ComposeError(f"the {name} contains a line break, which could inject headers; remove it")
    return value


def _address(value: str, role: str) -> Address:
    _no_line_breaks(role, value)
    name, addr = email.utils.parseaddr(value)
    if "@" not in addr or addr.startswith("@") or addr.endswith("@"):
        raise ComposeError(f"{role} {value!r} is not an e-mail address")
    local, _, domain = addr.rpartition("@")
    try:
        return Address(display_name=name, username=local, domain=domain)
    except (ValueError, IndexError) as exc:
        raise ComposeError(f"{role} {value!r} cannot be used: {exc}") from None


def compose(
    mail: DocumentMail,
    *,
    sender: str,
    sender_name: str = "",
    extra_cc: list[str] = (),
    extra_bcc: list[str] = (),
    now=None,
) -> Composed:
    """Build the message; ``extra_cc``/``extra_bcc`` come from policy (the clerk, the archive copy)."""
    if not mail.to:
        raise ComposeError("the mail has no To recipient")
    from_address = _address(f"{sender_name} <{sender}>" if sender_name else sender, "sender")
    message = EmailMessage(policy=_POLICY)
    message["From"] = from_address
    message["To"] = [_address(a, "To recipient") for a in mail.to]
    cc = [*mail.cc, *(c for c in extra_cc if c not in mail.cc and c not in mail.to)]
    if cc:
        message["Cc"] = [_address(a, "Cc recipient") for a in cc]
    bcc = [*mail.bcc, *(b for b in extra_bcc if b not in mail.bcc)]
    for address in bcc:
        _address(address, "Bcc recipient")
    if mail.reply_to:
        message["Reply-To"] = _address(mail.reply_to, "Reply-To")
    message["Subject"] = _no_line_breaks("subject", mail.subject)
    message["Date"] = email.utils.format_datetime(now or email.utils.localtime())
    message_id = email.utils.make_msgid(domain=from_address.domain)
    message["Message-ID"] = message_id
    if mail.in_reply_to:
        message["In-Reply-To"] = _no_line_breaks("In-Reply-To", mail.in_reply_to)
    if mail.references:
        message["References"] = _no_line_breaks("References", " ".join(mail.references))
    for name, value in mail.extra_headers.items():
        message[_no_line_breaks("header name", name)] = _no_line_breaks(f"header {name}", value)
    message.set_content(mail.text)
    if mail.html:
        message.add_alternative(mail.html, subtype="html")
    for attachment in mail.attachments:
        _no_line_breaks("attachment name", attachment.filename)
        maintype, _, subtype = (attachment.mime_type or "application/octet-stream").partition("/")
        message.add_attachment(attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename)
    recipients = tuple(dict.fromkeys(a.addr_spec for a in [*message["To"].addresses, *_cc(message)]))
    recipients += tuple(b for b in (_address(x, "Bcc").addr_spec for x in bcc) if b not in recipients)
    return Composed(message_id.strip("<>"), from_address.addr_spec, recipients, message.as_bytes())


def _cc(message: EmailMessage):
    return message["Cc"].addresses if message["Cc"] else ()
