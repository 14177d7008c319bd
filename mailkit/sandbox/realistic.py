"""A seeded benchmark corpus shaped like a German business mailbox, not like tidy test mail.

Pure and lazy: mail ``i`` of seed ``s`` is always the same bytes, made one at a time. Sizes
follow a log-normal with a long tail (2 KB to 10 MB, median ≈ 20 KB, mean ≈ 30 KB), and the
bytes are what real mail carries: plain text and multipart/alternative with HTML, 1–5
attachments (PDF, XLSX, JPEG, PNG with their real magic numbers and incompressible content),
inline images in multipart/related, forwards (message/rfc822), delivery reports
(multipart/report), replies with References, Latin-1 and Windows-1252 text in quoted-printable,
base64 everywhere a mail program puts it.
"""

from __future__ import annotations

__all__ = ["realistic"]

import base64
import datetime as dt
import email.header
import email.utils
import math
import quopri
import random
from collections.abc import Iterator

from .corpus import CUSTOMERS, KINDS, PRODUCTS, CorpusMail

_START = dt.datetime(2025, 11, 1, 8, 0, tzinfo=dt.UTC)
_MEDIAN, _SIGMA = 18_000, 0.9  # with the mails whose parts round up: median ≈ 20 KB, mean ≈ 30 KB
_MIN, _MAX = 2_000, 10 * 1024 * 1024
_ATTACHMENTS = (  # (mime type, suffix, magic bytes at the start)
    ("application/pdf", "pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", b"PK\x03\x04\x14\x00\x06\x00"),
    ("image/jpeg", "jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01"),
    ("image/png", "png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
)
_TEXT = (
    "Sehr geehrte Damen und Herren,\n\nanbei erhalten Sie die Unterlagen zu {kind} {record} über {product}. "
    "Bitte prüfen Sie die Positionen und geben Sie uns bis Freitag Bescheid, ob die Liefertermine passen. "
    "Für Rückfragen stehen wir Ihnen gern zur Verfügung.\n\nMit freundlichen Grüßen\n{name}\n"
)


def _b64(data: bytes) -> bytes:
    encoded = base64.b64encode(data)
    return b"\r\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def _text_part(rng: random.Random, text: str, html: bool) -> bytes:
    charset = rng.choice(("utf-8", "utf-8", "iso-8859-1", "windows-1252"))
    body = quopri.encodestring(_crlf(text).encode(charset, "replace"))
    plain = f"Content-Type: text/plain; charset={charset}\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
    if not html:
        return plain.encode() + body
    markup = "".join(f"<p>{line}</p>" for line in text.split("\n") if line)
    page = f"<html><head><style>p{{font-family:Arial}}</style></head><body>{markup}</body></html>"
    boundary = f"alt_{rng.randrange(16**12):012x}"
    return (
        f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n--{boundary}\r\n{plain}'.encode()
        + body
        + f"\r\n--{boundary}\r\nContent-Type: text/html; charset=utf-8\r\n".encode()
        + b"Content-Transfer-Encoding: base64\r\n\r\n"
        + _b64(page.encode())
        + f"\r\n--{boundary}--\r\n".encode()
    )


def _attachment(rng: random.Random, size: int, name: str, inline: bool = False) -> bytes:
    mime, suffix, magic = rng.choice(_ATTACHMENTS[2:] if inline else _ATTACHMENTS)
    data = magic + rng.randbytes(max(0, size - len(magic)))  # compressed formats: incompressible, as in real mail
    disposition = "inline" if inline else "attachment"
    cid = f"Content-ID: <img{rng.randrange(10**9)}@mail>\r\n" if inline else ""
    return (
        f'Content-Type: {mime}; name="{name}.{suffix}"\r\nContent-Transfer-Encoding: base64\r\n{cid}'
        f'Content-Disposition: {disposition}; filename="{name}.{suffix}"\r\n\r\n'
    ).encode() + _b64(data)


def _mixed(rng: random.Random, parts: list[bytes], subtype: str = "mixed") -> bytes:
    boundary = f"{subtype}_{rng.randrange(16**12):012x}"
    inner = b"".join(f"--{boundary}\r\n".encode() + part + b"\r\n" for part in parts)
    return (
        f'Content-Type: multipart/{subtype}; boundary="{boundary}"\r\n\r\n'.encode()
        + inner
        + f"--{boundary}--\r\n".encode()
    )


def _headers(rng, i, seed, sender, to, subject, when, extra="") -> bytes:
    return (
        f"Return-Path: <{sender[1]}>\r\nReceived: from mx.{sender[1].rpartition('@')[2]} by mail.mailkit.test "
        f"with ESMTPS id {rng.randrange(16**10):010x}; {email.utils.format_datetime(when)}\r\n"
        f"Message-ID: <real.{seed}.{i}.{rng.randrange(10**8)}@{sender[1].rpartition('@')[2]}>\r\n"
        f"Date: {email.utils.format_datetime(when)}\r\n"
        f"From: {email.utils.formataddr(sender)}\r\nTo: {to}\r\nSubject: {subject}\r\n{extra}MIME-Version: 1.0\r\n"
    ).encode()


def _mail(rng: random.Random, i: int, seed: int, user_address: str) -> bytes:
    size = min(_MAX, max(_MIN, int(rng.lognormvariate(math.log(_MEDIAN), _SIGMA))))
    customer = rng.choice(CUSTOMERS)
    kind, product = rng.choice(KINDS), rng.choice(PRODUCTS)
    record = f"2026-{rng.randrange(1, 9999):04d}"
    when = _START + dt.timedelta(seconds=rng.randrange(364 * 86400))
    text = _TEXT.format(kind=kind, record=record, product=product, name=customer[0])
    reply = rng.random() < 0.35
    subject = ("AW: " if reply else "") + f"{kind} {record}: {product}"
    if not subject.isascii() and rng.random() < 0.95:  # RFC 2047; a few programs send raw UTF-8
        subject = email.header.Header(subject, "utf-8").encode()
    extra = (
        f"In-Reply-To: <orig.{record}@mailkit.test>\r\nReferences: <orig.{record}@mailkit.test>\r\n" if reply else ""
    )
    head = _headers(rng, i, seed, customer, user_address, subject, when, extra)
    roll = rng.random()
    if roll >= 0.12 and rng.random() < 0.3:  # text only: a long thread quoted below the reply
        quoted = "".join(f"> {line}\n" for line in text.splitlines())
        text += "\n" + quoted * max(0, (size - len(head) - len(text)) // max(1, len(quoted)))
        return head + _text_part(rng, text, html=rng.random() < 0.6)
    body_part = _text_part(rng, text * (1 + rng.randrange(3)), html=rng.random() < 0.6)
    room = max(0, size - len(head) - len(body_part) - 400) * 3 // 4  # base64 grows by a third
    if roll < 0.05:  # a delivery report for one of our mails
        report = (
            b"Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.kunde.test\r\n\r\n"
            b"Final-Recipient: rfc822; " + customer[1].encode() + b"\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        )
        original = b"Content-Type: message/rfc822\r\n\r\n" + _headers(rng, i, seed, customer, user_address, "x", when)
        return head + _mixed(
            rng, [body_part, report, original + b"\r\nText\r\n"], "report; report-type=delivery-status"
        )
    if roll < 0.12:  # a forward with the original mail attached
        inner = _headers(rng, i + 10**7, seed, rng.choice(CUSTOMERS), user_address, f"{kind} {record}", when)
        inner += _mixed(rng, [_text_part(rng, text, False), _attachment(rng, room, f"{kind}_{record}")])
        return head + _mixed(rng, [body_part, b"Content-Type: message/rfc822\r\n\r\n" + inner])
    if room < 1000:
        return head + body_part
    if roll < 0.4:  # HTML with inline images (a signature logo, a screenshot)
        images = [_attachment(rng, room // 2, f"image{n:03d}", inline=True) for n in range(2)]
        return head + _mixed(rng, [body_part, *images], "related")
    count = min(5, 1 + int(rng.expovariate(1.2)))
    shares = [rng.random() + 0.1 for _ in range(count)]
    parts = [
        _attachment(rng, int(room * share / sum(shares)), f"{kind}_{record}_{n + 1}") for n, share in enumerate(shares)
    ]
    return head + _mixed(rng, [body_part, *parts])


def realistic(count: int, *, user_address: str, seed: int = 0, folder: str = "INBOX") -> Iterator[CorpusMail]:
    """``count`` business mails as described in the module docstring, one at a time."""
    for i in range(count):
        rng = random.Random(f"{seed}:{i}")  # each mail on its own: mail i is the same whatever count is
        raw = _mail(rng, i, seed, user_address)
        received = _START + dt.timedelta(seconds=rng.randrange(364 * 86400))
        yield CorpusMail(folder, raw, ("\\Seen",) if rng.random() < 0.7 else (), received)
