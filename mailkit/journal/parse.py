"""From raw RFC 822 bytes to what the journal keeps: pure, no I/O, and it never raises for a message.

Mail in the wild is often not what the RFCs say. The parser reads what it can and records the
rest in ``parse_errors``: raw 8-bit headers are decoded as UTF-8, else as Windows-1252 (what
German mail programs send), never into replacement characters; broken RFC 2047 words stay as
they were written; a header line without a colon is skipped instead of ending the header;
missing or mismatched MIME boundaries, broken base64 and impossible dates are noted, and the
message is imported. Only a message with nothing to read — no bytes, no header field — raises
:class:`QuarantineReason`; so does a failure inside the parser itself, so that one message can
never stop an import.

Identity: a message is known by the hash of its bytes (:func:`content_key`). The same mail seen
again — in another folder, on another server — is one journal row; two different mails are never
merged, whatever their Message-ID says. :func:`header_identity` lets a scan recognise a known
mail from a few header fields and its size, without downloading it again.

One pass: the header fields come from :func:`read_header`, the MIME tree (attachment names,
sizes, hashes) from a walk that finds boundaries with ``bytes.find`` and decodes base64 and
quoted-printable with ``binascii`` — C speed, where the standard library's parser goes line by
line in Python — without recursion, so no nesting depth can make it raise.

>>> parsed = parse_message(b"Message-ID: <A1@Example.TEST>\\r\\nFrom: Jo <jo@x.test>\\r\\n"
...                        b"Subject: Fr\\xc3\\xb6sche\\r\\n\\r\\nbody\\r\\n")
>>> parsed.message_id, parsed.from_addr, parsed.subject, parsed.key[:8]
('A1@example.test', 'jo@x.test', 'Frösche', 'sha:6a61')
>>> parse_message(b"From: a@x.test\\r\\nSubject: Fr\\xf6sche\\r\\n\\r\\n").subject  # Windows-1252
'Frösche'
"""

from __future__ import annotations

__all__ = [
    "IDENTITY_HEADERS",
    "Attachment",
    "HeaderIdentity",
    "ParsedMessage",
    "QuarantineReason",
    "content_key",
    "decode_header_text",
    "header_identity",
    "normalise_message_id",
    "parse_message",
    "read_header",
    "safe_attachment_name",
]

import base64
import binascii
import codecs
import datetime as dt
import email.utils
import functools
import hashlib
import re
from dataclasses import dataclass, field
from email.message import Message

_MSGID = re.compile(r"<([^<>\s]+)>")
_LINE_END = re.compile(rb"\r\n|\n|\r")
_FIELD = re.compile(rb"([!-9;-~]+)[ \t]*:")  # a field name: printable ASCII but colon (RFC 5322 3.6.8)
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([QqBb])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"(\?=)[ \t\r\n]+(=\?)")
_QP_BYTE = re.compile(rb"=([0-9A-Fa-f]{2})")
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_PLAIN_PARAM = {
    name: re.compile(rf'(?:^|;)\s*{name}\s*=\s*(?:"((?:[^"\\]|\\.)*)"?|([^;\s]*))', re.IGNORECASE)
    for name in ("filename", "name", "boundary")
}
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
#: charset labels mail programs write that Python's codecs do not know, or know by another name
_CHARSET_ALIASES = {
    "iso-8859-8-i": "iso-8859-8",
    "ks_c_5601-1987": "cp949",
    "gb2312": "gb18030",
    "x-gbk": "gb18030",
    "windows-874": "cp874",
    "x-sjis": "shift_jis",
    "x-euc-jp": "euc_jp",
    "ansi_x3.4-1968": "ascii",
    "us-ascii": "ascii",
}
_MAX_TEXT = 4000  # a subject or name longer than this is cut (and the cut recorded)
_MAX_PARTS = 2000  # MIME parts read for attachment metadata; the rest is counted, not read
_MAX_DEPTH = 100  # MIME nesting read; real mail rarely goes beyond ten
_OLDEST, _NEWEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC), dt.datetime(2200, 1, 1, tzinfo=dt.UTC)


class QuarantineReason(Exception):
    """Why a message cannot be imported as a normal journal entry."""


@dataclass(frozen=True)
class Attachment:
    name: str  # a display name, never a path: see :func:`safe_attachment_name`
    mime_type: str
    size: int
    sha256: str
    content: bytes | None = field(default=None, repr=False)


@dataclass
class ParsedMessage:
    key: str  # the identity in the journal: see content_key
    header_hash: str  # for a header-only rebind: see header_identity
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
    smime: bool = False  # the top entity is (or claims to be) S/MIME: worth a CMS check, see _claims_smime


# -- text --------------------------------------------------------------------------------------
def _bytes_to_text(data: bytes) -> str:
    """Undeclared 8-bit bytes: UTF-8 if they are UTF-8, else Windows-1252, else Latin-1 (every byte)."""
    for charset in ("utf-8", "cp1252"):
        try:
            return data.decode(charset)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _codec(label: str) -> str | None:
    label = label.split("*", 1)[0].strip().lower()  # RFC 2231 language suffix: utf-8*de
    label = _CHARSET_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except (LookupError, ValueError):  # ValueError: a NUL in the label
        return None


def _decode_in(data: bytes, label: str, problems: list[str] | None) -> str:
    codec = _codec(label)
    if codec is None:
        if problems is not None:
            problems.append(f"unknown charset {label[:40]!r}")
        return _bytes_to_text(data)
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        if problems is not None:
            problems.append(f"text not valid in its declared charset {label[:40]!r}")
        return _bytes_to_text(data)


def _encoded_word(match: re.Match, problems: list[str] | None) -> str:
    charset, encoding, text = match.groups()
    try:
        if encoding in "Bb":
            if not _BASE64.fullmatch(text):
                raise ValueError(text)
            data = base64.b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4))
        else:
            data = _QP_BYTE.sub(lambda m: bytes([int(m.group(1), 16)]), text.replace("_", " ").encode())
    except (binascii.Error, ValueError, UnicodeEncodeError):
        if problems is not None:
            problems.append("broken RFC 2047 encoded word kept as written")
        return match.group(0)
    return _decode_in(data, charset, problems)


def decode_header_text(value: str, problems: list[str] | None = None) -> str:
    """RFC 2047 encoded words decoded (white space between two of them dropped); anything broken stays as written.

    >>> decode_header_text("=?utf-8?q?Gr=C3=BC=C3=9Fe?= =?ISO-8859-1?B?YXVz?= K=?x?q?=F6?=ln")
    'Grüßeaus Köln'
    >>> decode_header_text("=?utf-8?b?####?=")
    '=?utf-8?b?####?='
    """
    if "=?" not in value:
        return value
    value = _BETWEEN_WORDS.sub(r"\1\2", value)
    return _ENCODED_WORD.sub(lambda m: _encoded_word(m, problems), value)


def _clean(text: str, problems: list[str] | None = None, what: str = "header") -> str:
    """One line of text: control characters (NUL, bare CR…) removed, white space collapsed, length capped."""
    if _CONTROL.search(text):
        text = _CONTROL.sub(" ", text)
        if problems is not None:
            problems.append(f"control characters in the {what}")
    text = " ".join(text.split())
    if len(text) > _MAX_TEXT:
        if problems is not None:
            problems.append(f"{what} longer than {_MAX_TEXT} characters, cut")
        text = text[:_MAX_TEXT]
    return text


def safe_attachment_name(name: str) -> str:
    """An attachment's name as a display name that can never act as a path.

    Directories (``/``, ``\\``) are dropped, as are control and format characters (NUL, bidi
    overrides) and leading dots; the name is cut to 200 characters.

    >>> safe_attachment_name("../../etc/passwd"), safe_attachment_name("C:\\\\x\\\\Rechnung.pdf")
    ('passwd', 'Rechnung.pdf')
    >>> safe_attachment_name("invoice\\u202efdp.exe"), safe_attachment_name(".."), safe_attachment_name("a\\x00b")
    ('invoicefdp.exe', '(unnamed)', 'ab')
    """
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable())
    name = name.strip().lstrip(".").strip()
    return name[:200] or "(unnamed)"


# -- the header block --------------------------------------------------------------------------
@dataclass
class Header:
    """The top-level header fields (names lower-cased, values as text) and what was wrong with them."""

    fields: list[tuple[str, str]]
    body_start: int  # offset of the body in the raw bytes
    problems: list[str]

    def get(self, name: str) -> str | None:
        """The first field of that name (the one that counts when a field is repeated)."""
        return self._first.get(name)

    @functools.cached_property
    def _first(self) -> dict[str, str]:
        return dict(reversed(self.fields))

    def get_all(self, name: str) -> list[str]:
        return [value for key, value in self.fields if key == name]


def read_header(raw: bytes) -> Header:
    """Split off and unfold the header block, tolerating what real mail does wrong.

    A line that is neither a field nor a continuation is skipped when a field follows it, and
    taken as the start of the body when none does (a missing blank line).

    >>> h = read_header(b"From: a@x.test\\r\\nno colon here\\r\\nSubject: Hi\\r\\n there\\r\\n\\r\\nbody")
    >>> h.fields, h.problems, h.body_start
    ([('from', 'a@x.test'), ('subject', 'Hi there')], ['header line without a colon skipped'], 54)
    """
    return _usual_header(raw) or _tolerant_header(raw)


def _usual_header(raw: bytes) -> Header | None:
    """The header as nearly all mail has it, read with C-speed splits; None for anything else.

    Usual: CRLF line ends only, no NUL, every line a field or the continuation of one, a blank
    line after them. For those, this gives what :func:`_tolerant_header` gives (a test holds the
    two to that on the hostile corpus), in about half the time; parts' headers are read with it too.
    """
    end = raw.find(b"\r\n\r\n")
    if end <= 0:
        return None
    block = raw[:end]
    line_ends = block.count(b"\r\n")
    if block.count(b"\r") != line_ends or block.count(b"\n") != line_ends or b"\x00" in block:
        return None
    fields: list[list] = []
    for line in block.split(b"\r\n"):
        if line[:1] in (b" ", b"\t"):
            if not fields:
                return None
            fields[-1][1] += b" " + line.strip()
            continue
        found = _FIELD.match(line)
        if found is None:
            return None
        fields.append([found.group(1).decode("ascii").lower(), line[found.end() :].strip()])
    problems = [] if block.isascii() else ["undeclared 8-bit bytes in the header"]
    return Header([(name, _bytes_to_text(value)) for name, value in fields], end + 4, problems)


def _tolerant_header(raw: bytes) -> Header:
    """:func:`read_header` for every header, usual or not: line by line, each defect recorded."""
    problems: list[str] = []
    lines: list[tuple[bytes, int]] = []  # (line, offset after its line end)
    position, body_start = 0, len(raw)
    for match in _LINE_END.finditer(raw):
        line = raw[position : match.start()]
        if not line:
            body_start = match.end()
            break
        lines.append((line, match.end()))
        if match.group() == b"\r":  # the alternation prefers CRLF: this CR stands alone
            problems.append("bare CR in the header")
        position = match.end()
    else:
        if position < len(raw):
            lines.append((raw[position:], len(raw)))
        problems.append("no blank line after the header")
    if lines and lines[0][0].startswith(b"From ") and not _FIELD.match(lines[0][0]):
        lines = lines[1:]  # an mbox separator line
    fields: list[list] = []
    kept: list[bytes] = []
    for index, (line, _) in enumerate(lines):
        if line[:1] in (b" ", b"\t"):
            if fields:
                fields[-1][1] += b" " + line.strip()
                kept.append(line)
            else:
                problems.append("header starts with a continuation line")
            continue
        found = _FIELD.match(line)
        if found:
            fields.append([found.group(1).decode("ascii").lower(), line[found.end() :].strip()])
            kept.append(line)
            continue
        if any(_FIELD.match(later) for later, _ in lines[index + 1 :]):
            problems.append("header line without a colon skipped")
            continue
        problems.append("header ends without a blank line")  # the rest is body
        body_start = lines[index - 1][1] if index else 0
        break
    if b"\x00" in raw[:body_start]:
        problems.append("NUL bytes in the header")
    if not all(line.isascii() for line in kept):
        problems.append("undeclared 8-bit bytes in the header")
    return Header([(name, _bytes_to_text(value)) for name, value in fields], body_start, problems)


# -- identity ---------------------------------------------------------------------------------
def normalise_message_id(value: str | None) -> str | None:
    """The id inside angle brackets, with the domain part lower-cased (RFC 5322: it is case-insensitive).

    >>> normalise_message_id("  <Abc.123@MAIL.Example.COM> (comment)")
    'Abc.123@mail.example.com'
    >>> normalise_message_id("no-brackets@x.test"), normalise_message_id(""), normalise_message_id("<>")
    ('no-brackets@x.test', None, None)
    """
    if not value:
        return None
    found = _MSGID.search(value)
    text = found.group(1) if found else (value.strip().split() or [""])[0]
    text = text.strip("<>")
    if not any(ch.isalnum() for ch in text):
        return None
    local, at, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}" if at else text


def _ids(value: str | None) -> list[str]:
    return [i for i in (normalise_message_id(f"<{m}>") for m in _MSGID.findall(value or "")) if i]


def content_key(raw: bytes) -> str:
    """A message's identity in the journal: the hash of its bytes. Two different mails never share it."""
    return _key_of(hashlib.sha256(raw).hexdigest())


def _key_of(sha256_hex: str) -> str:
    return "sha:" + sha256_hex


def _header_hash(header: Header) -> str:
    digest = hashlib.sha256()
    for name in _IDENTITY_FIELDS:
        value = normalise_message_id(header.get(name)) if name == "message-id" else header.get(name)
        digest.update(name.encode() + b":" + " ".join((value or "").split()).encode("utf-8", "surrogatepass"))
        digest.update(b"\n")
    return digest.hexdigest()[:40]


@dataclass(frozen=True)
class HeaderIdentity:
    """What a header-only scan knows of a message: its Message-ID and the hash of its identifying headers."""

    message_id: str | None
    header_hash: str


def header_identity(header_bytes: bytes) -> HeaderIdentity:
    """The identity a header block gives (the :data:`IDENTITY_HEADERS` a scan fetches, or a whole header).

    With the size, it rebinds a known mail without downloading it again — when the Message-ID is
    there and exactly one journal row matches; otherwise the body decides (:func:`content_key`).

    >>> a = header_identity(b"Message-ID: <A@X.TEST>\\r\\nSubject: Hi  there\\r\\nX-Other: 1\\r\\n\\r\\n")
    >>> a == header_identity(b"Subject: Hi there\\r\\nMessage-ID: <A@x.test>\\r\\n\\r\\n"), a.message_id
    (True, 'A@x.test')
    """
    header = read_header(header_bytes)
    return HeaderIdentity(normalise_message_id(header.get("message-id")), _header_hash(header))


_IDENTITY_FIELDS = ("message-id", "date", "from", "subject", "to", "cc", "in-reply-to")
#: the header fields a header-only scan fetches to compute :func:`header_identity`
IDENTITY_HEADERS = tuple(name.upper() for name in _IDENTITY_FIELDS)


# -- fields ------------------------------------------------------------------------------------
_ADDR_SPEC = r"[\w!#$%&'*+/=?^`{|}~-]+(?:\.[\w!#$%&'*+/=?^`{|}~-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
_PLAIN_NAME = r"[^\x00-\x1f\x7f\"<>()\[\]:;@\\,.]*?"  # no quotes, comments, dots or specials
_PLAIN_MAILBOX = re.compile(rf"[ \t]*(?:({_PLAIN_NAME})[ \t]*<({_ADDR_SPEC})>|({_ADDR_SPEC}))[ \t]*", re.A)


def _plain_addresses(values: list[str]) -> list[tuple[str, str]] | None:
    """What ``email.utils.getaddresses`` makes of plain lists (no quotes, comments, dots in names), at regex speed.

    None for anything else. The standard library's parser, made strict in 3.11, takes 50 µs an
    address: a sixth of a message's parse.

    >>> _plain_addresses(["Hans Müller <h.mueller@firma.de>, info@kunde.de"])
    [('Hans Müller', 'h.mueller@firma.de'), ('', 'info@kunde.de')]
    >>> _plain_addresses(['"Müller, Hans" <h@firma.de>']) is None
    True
    """
    pairs = []
    for value in values:
        for mailbox in value.split(","):
            found = _PLAIN_MAILBOX.fullmatch(mailbox)
            if found is None:
                return None
            name, inside, bare = found.groups()
            pairs.append((" ".join(name.split()), inside) if bare is None else ("", bare))
    return pairs


def _addresses(values: list[str], problems: list[str]) -> list[tuple[str, str]]:
    """(display name, lower-cased address) pairs; names RFC 2047-decoded after the split, so commas in them hold."""
    if not values:
        return []
    try:
        pairs = _plain_addresses(values)
        if pairs is None:
            pairs = email.utils.getaddresses(values)
    except Exception:  # the standard library's address parser has raised on hostile input before
        problems.append("unreadable address header")
        return []
    return [(_clean(decode_header_text(name, problems)), addr.strip().lower()) for name, addr in pairs if addr]


def _date(value: str | None, problems: list[str]) -> dt.datetime | None:
    if value is None:
        problems.append("no Date header")
        return None
    shown = _clean(value)[:60]
    try:
        parts = email.utils.parsedate_tz(_clean(value))
        if parts is None:
            raise ValueError(value)
        offset = parts[9] or 0
        if abs(offset) >= 24 * 3600:
            raise ValueError(offset)
        local = dt.datetime(*parts[:6], tzinfo=dt.timezone(dt.timedelta(seconds=offset)))
        moment = local.astimezone(dt.UTC)
    except (TypeError, ValueError, IndexError, OverflowError):
        problems.append(f"unparseable Date header {shown!r}")
        return None
    if not _OLDEST <= moment < _NEWEST:
        problems.append(f"implausible Date header {shown!r} ignored")
        return None
    return moment  # RFC 5322 -0000 (no zone information) reads as UTC


# -- MIME --------------------------------------------------------------------------------------
def _param(header: str, name: str, problems: list[str]) -> str | None:
    """A parameter's value (RFC 2231 continuations and charsets, RFC 2047 words in quotes) from header text."""
    lowered = header.lower()
    if name not in lowered:
        return None
    if name + "*" not in lowered:  # the common case, without RFC 2231: no need for the standard library's parser
        found = _PLAIN_PARAM[name].search(header)
        if found is None:
            return None
        value = found.group(1) if found.group(1) is not None else found.group(2)
        return decode_header_text(re.sub(r"\\(.)", r"\1", value), problems)
    carrier = Message()
    carrier["content-disposition"] = header
    try:
        value = carrier.get_param(name, header="content-disposition")
        if value is None:
            return None
        if isinstance(value, tuple):  # RFC 2231: (charset, language, text)
            charset, _, text = value
            data = text.encode("latin-1", "surrogateescape") if isinstance(text, str) else text
            return _decode_in(data, charset or "utf-8", problems) if charset else text
        return decode_header_text(email.utils.unquote(value), problems)
    except Exception:  # the standard library's parameter parser on hostile input
        problems.append(f"unreadable {name} parameter")
        return None


# -- the message -------------------------------------------------------------------------------
def parse_message(raw: bytes, keep_attachment_content: bool = False) -> ParsedMessage:
    """Parse one message as far as it can be read; raise :class:`QuarantineReason` only when nothing can."""
    if not raw.strip():
        raise QuarantineReason("empty message")
    try:
        return _parse(raw, keep_attachment_content)
    except QuarantineReason:
        raise
    except (RecursionError, MemoryError) as exc:
        raise QuarantineReason(f"parser failure: {type(exc).__name__}") from exc
    except Exception as exc:  # a bug met by one message must not stop the import of the others
        raise QuarantineReason(f"parser failure: {type(exc).__name__}: {str(exc)[:200]}") from exc


def _delimiters(body: bytes, delimiter: bytes) -> tuple[list[int], int | None]:
    """Where the boundary lines of a multipart body start, and where its closing line starts (None: missing)."""
    starts: list[int] = []
    position = 0
    while (found := body.find(delimiter, position)) >= 0:
        position = found + len(delimiter)
        if found and body[found - 1 : found] not in (b"\n", b"\r"):
            continue  # not at the start of a line
        follows = body[position : position + 2]
        if follows == b"--":
            return starts, found
        if follows[:1] in (b"", b"\r", b"\n", b" ", b"\t"):  # else a longer boundary that starts alike
            starts.append(found)
    return starts, None


def _children(body: bytes, boundary: str, problems: list[str]) -> list[bytes]:
    """The parts of a multipart body, found with ``bytes.find`` (C speed) rather than line by line."""
    delimiter = b"--" + boundary.encode("utf-8", "surrogateescape")
    starts, close = _delimiters(body, delimiter)
    if not starts:
        problems.append("MIME defect: StartBoundaryNotFound")
        return []
    if close is None:
        problems.append("MIME defect: CloseBoundaryNotFound")
    ends = [*starts[1:], close if close is not None else len(body)]
    parts = []
    for start, end in zip(starts, ends, strict=True):
        line_end = body.find(b"\n", start)
        begin = line_end + 1 if line_end >= 0 else len(body)
        stop = end - 2 if body[end - 2 : end] == b"\r\n" else end - 1 if body[end - 1 : end] in (b"\n", b"\r") else end
        parts.append(body[begin : max(begin, stop)])
    return parts


def _payload(body: bytes, encoding: str, problems: list[str]) -> bytes:
    """A part's content with its transfer encoding undone; broken base64 yields what can be read."""
    if encoding == "base64":
        try:
            return binascii.a2b_base64(body)
        except binascii.Error:
            problems.append("MIME defect: InvalidBase64")
            clean = re.sub(rb"[^A-Za-z0-9+/]", b"", body)
            return binascii.a2b_base64(clean[: len(clean) // 4 * 4])
    if encoding == "quoted-printable":
        return binascii.a2b_qp(body)
    return body


def _mime(raw: bytes, header: Header, keep_content: bool, problems: list[str]) -> list[Attachment]:
    """The attachments: name, type, size and hash of each, from one pass over the MIME tree (no recursion)."""
    found: list[Attachment] = []
    stack: list[tuple[list[tuple[str, str]], bytes, int]] = [(header.fields, raw[header.body_start :], 0)]
    leaves = 0
    while stack:
        fields, body, depth = stack.pop()
        get = dict(reversed(fields)).get  # the first of a repeated field counts
        type_header = get("content-type") or ""
        mime_type = _clean(type_header.split(";")[0]).lower()
        mime_type = mime_type[:127] if "/" in mime_type else "text/plain"
        if mime_type.startswith(("multipart/", "message/rfc822")) and depth >= _MAX_DEPTH:
            problems.append(f"MIME structure nested deeper than {_MAX_DEPTH} levels; the rest not read")
            continue
        if mime_type.startswith("multipart/"):
            boundary = _param(type_header, "boundary", problems)
            if boundary:
                for child in reversed(_children(body, boundary, problems)):
                    part = read_header(child)
                    stack.append((part.fields, child[part.body_start :], depth + 1))
                continue
            problems.append("MIME defect: NoBoundaryInMultipart")
        elif mime_type == "message/rfc822":
            inner = read_header(body)
            stack.append((inner.fields, body[inner.body_start :], depth + 1))
            continue
        leaves += 1
        if leaves > _MAX_PARTS:
            problems.append(f"more than {_MAX_PARTS} MIME parts; the rest not read")
            break
        disposition_header = get("content-disposition") or ""
        filename = _param(disposition_header, "filename", problems) or _param(type_header, "name", problems)
        if not filename and disposition_header.split(";")[0].strip().lower() != "attachment":
            continue
        encoding = (get("content-transfer-encoding") or "").strip().lower()
        payload = _payload(body, encoding, problems)
        found.append(
            Attachment(
                name=safe_attachment_name(_clean(filename or "", problems, "attachment name")),
                mime_type=mime_type,
                size=len(payload),
                sha256=hashlib.sha256(payload).hexdigest(),
                content=payload if keep_content else None,
            )
        )
    return found


def _parse(raw: bytes, keep_attachment_content: bool) -> ParsedMessage:
    header = read_header(raw)
    if not header.fields:
        raise QuarantineReason("no header fields")
    problems = header.problems
    message_id = normalise_message_id(header.get("message-id"))
    if not message_id:
        problems.append("no Message-ID" if header.get("message-id") is None else "empty Message-ID")
    senders = _addresses(header.get_all("from"), problems)
    from_name, from_addr = senders[0] if senders else ("", "")
    if not from_addr:
        problems.append("no From address")
    digest = hashlib.sha256(raw).hexdigest()
    return ParsedMessage(
        key=_key_of(digest),  # content_key(raw), from the one hash of the bytes
        header_hash=_header_hash(header),
        message_id=message_id,
        in_reply_to=(_ids(header.get("in-reply-to")) or [None])[0],
        references=_ids(header.get("references")),
        date=_date(header.get("date"), problems),
        from_addr=from_addr or None,
        from_name=from_name or None,
        to_addrs=[addr for _, addr in _addresses(header.get_all("to"), problems)],
        cc_addrs=[addr for _, addr in _addresses(header.get_all("cc"), problems)],
        subject=_clean(decode_header_text(header.get("subject") or "", problems), problems, "Subject"),
        size=len(raw),
        content_hash=digest,
        attachments=_mime(raw, header, keep_attachment_content, problems),
        auth_results=[_clean(v) for v in header.get_all("authentication-results")],
        parse_errors=list(dict.fromkeys(problems)),  # each problem once, in the order met
        smime=_claims_smime(header),
    )


def _claims_smime(header: Header) -> bool:
    """Whether the top entity is S/MIME: multipart/signed with a PKCS#7 signature, pkcs7-mime, a .p7m file.

    Generous on purpose (any mention counts): a false yes costs one CMS check of one mail, a
    false no would leave a signed mail unverified.
    """
    fields = " ".join(header.get_all("content-type") + header.get_all("content-disposition")).lower()
    return "pkcs7" in fields or ".p7m" in fields
