"""S/MIME's MIME shapes (RFC 8551): wrapping a composed message, finding the parts of a received one. Pure.

Signing covers the exact bytes of the inner entity, so everything works on bytes with CRLF line ends:
the message's own headers stay outside, its Content-* headers and body become the signed or
encrypted entity.

>>> outer, inner = split_entity(b"From: a@x.test\\r\\nContent-Type: text/plain\\r\\n\\r\\nHi\\r\\n")
>>> outer, inner
(b'From: a@x.test\\r\\n', b'Content-Type: text/plain\\r\\n\\r\\nHi\\r\\n')
"""

from __future__ import annotations

__all__ = ["Found", "canonical", "enveloped_message", "find", "signed_entity", "split_entity"]

import base64
import email.parser
import re
import secrets
from dataclasses import dataclass
from email.message import Message
from email.policy import compat32

_SIGNED_TYPES = ("application/pkcs7-signature", "application/x-pkcs7-signature")
_MIME_TYPES = ("application/pkcs7-mime", "application/x-pkcs7-mime")


def canonical(data: bytes) -> bytes:
    r"""CRLF line ends everywhere, as signatures are made over them.

    >>> canonical(b"a\nb\r\nc")
    b'a\r\nb\r\nc'
    """
    if data.count(b"\n") == data.count(b"\r\n"):
        return data  # already canonical: the usual case for mail fetched over IMAP
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _header_block(raw: bytes) -> tuple[bytes, bytes]:
    head, sep, body = raw.partition(b"\r\n\r\n")
    return (head + b"\r\n", body) if sep else (raw, b"")


def _fields(head: bytes) -> list[bytes]:
    """Header fields, each with its continuation lines."""
    fields: list[bytes] = []
    for line in head.splitlines(keepends=True):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += line
        elif line.strip():
            fields.append(line)
    return fields


def split_entity(raw: bytes) -> tuple[bytes, bytes]:
    """(the message's own headers, the MIME entity made of its Content-* headers and body)."""
    head, body = _header_block(canonical(raw))
    outer: list[bytes] = []
    content: list[bytes] = []
    for item in _fields(head):
        (content if item.lower().startswith(b"content-") else outer).append(item)
    return b"".join(outer), b"".join(content) + b"\r\n" + body


def _base64_lines(data: bytes) -> bytes:
    text = base64.b64encode(data)
    return b"".join(text[i : i + 76] + b"\r\n" for i in range(0, len(text), 76))


def signed_entity(inner: bytes, signature: bytes, boundary: str | None = None) -> bytes:
    """multipart/signed (SHA-256) around the inner entity and its detached signature."""
    boundary = boundary or f"----=_smime_{secrets.token_hex(12)}"
    return (
        b'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256;\r\n'
        + f' boundary="{boundary}"\r\n\r\n'.encode()
        + b"This is an S/MIME signed message.\r\n\r\n"
        + f"--{boundary}\r\n".encode()
        + inner
        + f"\r\n--{boundary}\r\n".encode()
        + b'Content-Type: application/pkcs7-signature; name="smime.p7s"\r\n'
        + b"Content-Transfer-Encoding: base64\r\n"
        + b'Content-Disposition: attachment; filename="smime.p7s"\r\n\r\n'
        + _base64_lines(signature)
        + f"\r\n--{boundary}--\r\n".encode()
    )


def enveloped_message(outer: bytes, envelope: bytes, cipher: str = "aes256_cbc") -> bytes:
    """The message with its content replaced by application/pkcs7-mime: enveloped-data, or authEnveloped-data
    for an AES-GCM envelope (RFC 8551 §3.2.2)."""
    smime_type = b"authEnveloped-data" if cipher.endswith("_gcm") else b"enveloped-data"
    return (
        outer
        + b"Content-Type: application/pkcs7-mime; smime-type="
        + smime_type
        + b'; name="smime.p7m"\r\n'
        + b"Content-Transfer-Encoding: base64\r\n"
        + b'Content-Disposition: attachment; filename="smime.p7m"\r\n\r\n'
        + _base64_lines(envelope)
    )


@dataclass(frozen=True)
class Found:
    """What S/MIME a message (or entity) carries at its top: signed, opaque-signed, enveloped, or none."""

    kind: str  # none | signed | opaque | enveloped | broken
    content: bytes = b""  # signed: the exact signed entity
    der: bytes = b""  # the CMS structure
    reason: str = ""


def _boundary_parts(body: bytes, boundary: bytes) -> list[bytes]:
    """The parts of a multipart body, each exactly as between its delimiter lines (RFC 2046 §5.1.1)."""
    delimiter = re.compile(rb"(?:^|\r\n)--" + re.escape(boundary) + rb"(--)?[ \t]*(?:\r\n|$)")
    parts: list[bytes] = []
    start: int | None = None
    for match in delimiter.finditer(body):
        if start is not None:
            parts.append(body[start : match.start()])
        if match.group(1):
            return parts
        start = match.end()
    return parts


def _param(message: Message, name: str) -> str:
    value = message.get_param(name)
    return value.lower() if isinstance(value, str) else ""


def _decoded(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def find(raw: bytes) -> Found:
    """Locate the S/MIME structure at the top of a message; never raises for a malformed one."""
    raw = canonical(raw)
    message = email.parser.BytesParser(policy=compat32).parsebytes(raw, headersonly=True)
    ctype = message.get_content_type()
    if ctype == "multipart/signed" and _param(message, "protocol") in _SIGNED_TYPES:
        boundary = message.get_boundary()
        if not boundary:
            return Found("broken", reason="multipart/signed without a boundary")
        parts = _boundary_parts(_header_block(raw)[1], boundary.encode("ascii", "replace"))
        if len(parts) != 2:
            return Found("broken", reason=f"multipart/signed with {len(parts)} parts instead of 2")
        signature = email.parser.BytesParser(policy=compat32).parsebytes(parts[1])
        der = _decoded(signature)
        if signature.get_content_type() not in _SIGNED_TYPES or not der:
            return Found("broken", reason="the second part of multipart/signed is no PKCS#7 signature")
        return Found("signed", parts[0], der)
    if ctype in _MIME_TYPES or (
        ctype == "application/octet-stream" and (message.get_filename() or "").lower().endswith(".p7m")
    ):
        der = _decoded(email.parser.BytesParser(policy=compat32).parsebytes(raw))
        smime_type = _param(message, "smime-type")
        if not der:
            return Found("broken", reason="application/pkcs7-mime without content")
        if smime_type == "signed-data":
            return Found("opaque", der=der)
        if smime_type in ("enveloped-data", "authenveloped-data", ""):
            return Found("enveloped", der=der)
        return Found("none", reason=f"smime-type {smime_type} is not handled")
    return Found("none")
