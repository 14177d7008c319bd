"""A seeded corpus of hostile mail: what real mailboxes hold and importers choke on.

Pure: the same seed gives the same bytes. Each mail carries its category; the categories follow
the defects reference parsers' test mails and bug trackers document (raw 8-bit and unknown
charsets in headers, broken RFC 2047/2231 words, impossible dates, missing, duplicate and huge
headers, bare CR/LF, NUL bytes, broken base64/QP, unclosed, mismatched and deeply nested
multiparts, thousands of parts, nested message/rfc822, hostile attachment names, empty and
huge messages, mail without or with an empty Message-ID, different mails sharing a Message-ID).
The parser must read every one of them or quarantine it with a reason, and never raise.
"""

from __future__ import annotations

__all__ = ["HostileMail", "hostile_corpus"]

import base64
import datetime as dt
import email.utils
import random
from collections.abc import Callable
from dataclasses import dataclass, field

_START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
_NAMES_UTF8 = ("Jürgen Müller", "Grüße aus Köln", "Frösche & Söhne", "Straße 5", "Prüfbericht", "€ 1.000,–")
_CHARSETS = ("x-unknown", "foo-8", "unknown-8bit", "utf-7", "iso-8859-8-i", "ks_c_5601-1987", "cp-850", "")
_DATES = (
    "Fri, 31 Dec 9999 23:59:59 -0800",
    "Mon, 99999999999999999999 Jan 2026 10:00:00 +0100",
    "Tue, 31 Feb 2026 10:00:00 +0100",
    "Wed, 1 Foo 2026 10:00:00 +0100",
    "Thu, 1 Jan 0000 00:00:00 +0000",
    "Fri, 2 Jan 2026 25:61:61 +0100",
    "Sat, 3 Jan 2026 10:00:00 +9999",
    "gestern Nachmittag",
    "",
    "1 Jan 1601 00:00:00 -2359",
    "Sun, 4 Jan 2026 10:00:00 +0100 (CET) (CET) (((",
    "Mon, 5 Jan 26 10:00 GMT",
)
_HOSTILE_NAMES = (
    "../../../etc/passwd",
    "..\\..\\Windows\\System32\\drivers\\etc\\hosts",
    "/tmp/x.sh",
    "C:\\Users\\Public\\evil.exe",
    "Rechnung\u202efdp.exe",
    "a\x00b.pdf",
    "..",
    ".",
    "",
    "CON",
    "x" * 5000 + ".pdf",
    "~/.ssh/authorized_keys",
    "name\r\nX-Injected: yes",
    "%2e%2e%2fpasswd",
)


@dataclass(frozen=True)
class HostileMail:
    category: str
    raw: bytes = field(repr=False)


def _date(rng: random.Random) -> str:
    return email.utils.format_datetime(_START + dt.timedelta(minutes=rng.randrange(500_000)))


def _head(rng, n, *, subject=None, extra=b"", mid=True) -> bytes:
    lines = [
        f"From: Kunde {n} <kunde{n}@kunde.test>",
        "To: info@mailkit.test",
        f"Date: {_date(rng)}",
        f"Subject: {subject or f'Hostile {n}'}",
    ]
    if mid:
        lines.append(f"Message-ID: <hostile.{n}.{rng.randrange(10**9)}@kunde.test>")
    return ("\r\n".join(lines) + "\r\n").encode() + extra


def _b64(data: bytes) -> bytes:
    encoded = base64.b64encode(data)
    return b"\r\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))


# -- categories: each makes one mail from (rng, n) ----------------------------------------------
def raw_utf8_headers(rng, n):
    name = rng.choice(_NAMES_UTF8)
    return (
        f"From: {name} <k{n}@kunde.test>\r\nTo: {name} <info@mailkit.test>\r\nDate: {_date(rng)}\r\n"
        f"Subject: {name} {n}\r\nMessage-ID: <u8.{n}@kunde.test>\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/mixed; boundary="b{n}"\r\n\r\n'
        f"--b{n}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{name}\r\n"
        f'--b{n}\r\nContent-Type: application/pdf; name="{name}.pdf"\r\n'
        f'Content-Disposition: attachment; filename="{name}.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        "JVBERi0xLjQKJSVFT0YK\r\n"
        f"--b{n}--\r\n"
    ).encode()


def raw_legacy_headers(rng, n):
    name = rng.choice(_NAMES_UTF8).replace("€", "EUR").replace("–", "-")
    charset = rng.choice(("cp1252", "latin-1", "iso-8859-15"))
    return (
        f"From: {name} <k{n}@kunde.test>\r\nTo: info@mailkit.test\r\nDate: {_date(rng)}\r\n"
        f"Subject: {name} {n}\r\nMessage-ID: <l1.{n}@kunde.test>\r\n"
        f'Content-Type: text/plain; charset="{charset}"\r\nContent-Disposition: inline; filename="{name}.txt"\r\n'
        f"\r\n{name}\r\n"
    ).encode(charset, "replace")


def unknown_charsets(rng, n):
    charset = rng.choice(_CHARSETS)
    word = base64.b64encode("Grüße".encode()).decode()
    declared = charset or '""'
    return _head(rng, n, subject=f"=?{charset}?B?{word}?= {n}") + (
        f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset={declared}\r\n\r\nGr\xfc\xdfe\r\n"
    ).encode("latin-1")


def broken_rfc2047(rng, n):
    subject = rng.choice(
        (
            "=?utf-8?B?w7w?=",  # padding missing
            "=?utf-8?B?####?=",
            "=?utf-8?Q?Gr=C3=BC=XX=?=",
            "=?utf-8?Q?unterminated",
            "=?utf-8?X?unknown-encoding?=",
            "=??Q?no-charset?=",
            "=?utf-8?B?" + "QUFB" * 3000 + "?=",
            "=?utf-8?Q?=C3?= =?utf-8?Q?=BC?=",  # one character split over two words
            "=?utf-8*de?Q?Sprache?=",
        )
    )
    sender = rng.choice(("=?utf-8?B?####?= <k@kunde.test>", '"=?utf-8?Q?M=C3=BCller,_J?=" <mj@kunde.test>'))
    return (
        f"From: {sender}\r\nTo: info@mailkit.test\r\nDate: {_date(rng)}\r\nSubject: {subject} {n}\r\n"
        f"Message-ID: <r2047.{n}@kunde.test>\r\n\r\nText\r\n"
    ).encode()


def rfc2231_names(rng, n):
    disposition = rng.choice(
        (
            "attachment; filename*=utf-8''Pr%C3%BCfbericht%20{n}.pdf",
            "attachment; filename*=iso-8859-1'de'Pr%FCfbericht{n}.pdf",
            "attachment; filename*0*=utf-8''Pr%C3%BC; filename*1=fbericht{n}.pdf",
            "attachment; filename*=x-unknown''%FF%FE{n}.pdf",
            "attachment; filename*=utf-8''%ZZ%{n}.pdf",
            "attachment; filename*0=a; filename*2=c{n}.pdf",
            'attachment; filename="=?utf-8?Q?Pr=C3=BCfbericht_{n}.pdf?="',
            "attachment; filename=",
            'attachment; filename="unterminated{n}.pdf',
            "attachment; ;;; filename",
        )
    ).format(n=n)
    return (
        _head(rng, n)
        + (
            f'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="x{n}"\r\n\r\n'
            f"--x{n}\r\nContent-Type: text/plain\r\n\r\nanbei\r\n--x{n}\r\nContent-Type: application/pdf\r\n"
            f"Content-Disposition: {disposition}\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            f"JVBERi0xLjQK\r\n--x{n}--\r\n"
        ).encode()
    )


def impossible_dates(rng, n):
    return (
        f"From: k{n}@kunde.test\r\nTo: info@mailkit.test\r\nDate: {rng.choice(_DATES)}\r\n"
        f"Subject: Datum {n}\r\nMessage-ID: <date.{n}@kunde.test>\r\n\r\nText\r\n"
    ).encode()


def missing_headers(rng, n):
    variants = (
        f"To: info@mailkit.test\r\nSubject: ohne Absender {n}\r\n\r\nText\r\n",
        f"From: k{n}@kunde.test\r\nSubject: ohne Datum {n}\r\n\r\nText\r\n",
        f"From: k{n}@kunde.test\r\nDate: {_date(rng)}\r\nSubject: ohne Kennung {n}\r\n\r\nText\r\n",
        f"Message-ID: <>\r\nFrom: k{n}@kunde.test\r\nSubject: leere Kennung {n}\r\n\r\nText\r\n",
        f"Message-ID:\r\nFrom: k{n}@kunde.test\r\nSubject: leere Kennung {n}\r\n\r\nText\r\n",
        f"Message-ID: <dup.{n}@kunde.test>\r\nMessage-ID: <dup2.{n}@kunde.test>\r\nFrom: a@b.test\r\n"
        f"From: c{n}@d.test\r\nSubject: doppelt\r\nSubject: doppelt {n}\r\n\r\nText\r\n",
        f"X-Only: {n}\r\n\r\n",
        f"Subject: nur Kopf {n}\r\n",
        f"From: <>\r\nTo: undisclosed-recipients:;\r\nSubject: Bounce {n}\r\n\r\nText\r\n",
        f"From: \r\nTo: ,,,@,<>\r\nCc: <@>\r\nSubject: leer {n}\r\n\r\nText\r\n",
    )
    return variants[n % len(variants)].encode()


def huge_headers(rng, n):
    kind = n % 4
    if kind == 0:
        return _head(rng, n, subject="Betreff " * 20000 + str(n)) + b"\r\nText\r\n"
    if kind == 1:
        to = ", ".join(f"Empf {i} <e{i}@kunde.test>" for i in range(5000))
        return _head(rng, n) + f"Cc: {to}\r\n\r\nText\r\n".encode()
    if kind == 2:
        return _head(rng, n) + b"".join(b"X-Trace-%d: %s\r\n" % (i, b"y" * 50) for i in range(10000)) + b"\r\nT\r\n"
    return _head(rng, n) + b"X-Long: " + b"z" * 200_000 + b"\r\n\r\nText\r\n"


def line_endings(rng, n):
    base = _head(rng, n) + b"MIME-Version: 1.0\r\n\r\nZeile eins\r\nZeile zwei\r\n"
    kind = n % 4
    if kind == 0:
        return base.replace(b"\r\n", b"\n")
    if kind == 1:
        return base.replace(b"\r\n", b"\r")
    if kind == 2:
        return base.replace(b"\r\n", rng.choice((b"\r\n", b"\n", b"\r")), 3)
    return base.replace(b"Subject:", b"X-A: a\rb\r\nSubject:")


def nul_bytes(rng, n):
    raw = _head(rng, n, subject=f"Nul\x00{n}") + b"X-Nul: \x00\x00\r\n\r\nText\x00mit\x00Nullen\r\n"
    return raw if n % 2 else raw.replace(b"To:", b"\x00To:")


def broken_transfer_encodings(rng, n):
    body = rng.choice(
        (
            (b"base64", b"JVBERi0xLjQK!!!@@@###\r\nnot base64 at all\r\n==="),
            (b"base64", b"JVBERi0xLjQKJSVFT0YK" * 3 + b"A"),  # a length no base64 has
            (b"quoted-printable", b"Gr=FC=DF=\r\ne =ZZ =\r\n=3"),
            (b"x-uuencode", b"begin 644 x.pdf\r\nM9F]O\r\n"),
            (b"8bit; garbage", b"\xff\xfe\x00\x01"),
            (b"", b"Text"),
        )
    )
    return _head(rng, n) + (
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="q"\r\n\r\n--q\r\n'
        b'Content-Type: application/pdf\r\nContent-Disposition: attachment; filename="kaputt.pdf"\r\n'
        b"Content-Transfer-Encoding: " + body[0] + b"\r\n\r\n" + body[1] + b"\r\n--q--\r\n"
    )


def broken_multiparts(rng, n):
    variants = (
        b'Content-Type: multipart/mixed; boundary="A"\r\n\r\n--A\r\nContent-Type: text/plain\r\n\r\nnie zu\r\n',
        b'Content-Type: multipart/mixed; boundary="A"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nx\r\n--B--\r\n',
        b"Content-Type: multipart/mixed\r\n\r\n--A\r\n\r\nohne boundary\r\n--A--\r\n",
        b'Content-Type: multipart/mixed; boundary=""\r\n\r\n--\r\n\r\nleer\r\n----\r\n',
        b'Content-Type: multipart/alternative; boundary="A"\r\n\r\nnur Praeambel\r\n',
        b'Content-Type: multipart/mixed; boundary="A"\r\n\r\n--A--\r\n--A\r\n\r\nnach dem Ende\r\n',
        b'Content-Type: multipart/mixed; boundary="A"\r\n\r\n--A\r\nContent-Type: multipart/related; '
        b'boundary="A"\r\n\r\n--A\r\n\r\nselbe Grenze\r\n--A--\r\n',
        b"Content-Type: text/plain; boundary=A\r\n\r\n--A\r\nContent-Type: text/html\r\n\r\n<p>\r\n--A--\r\n",
        b'Content-Type: multipart/mixed; boundary="' + b"B" * 2000 + b'"\r\n\r\n--' + b"B" * 2000 + b"\r\n\r\nx\r\n",
        b"Content-Type: multipart/\r\n\r\nText\r\n",
    )
    return _head(rng, n) + b"MIME-Version: 1.0\r\n" + variants[n % len(variants)]


def deep_nesting(rng, n):
    depth = (5, 60, 400, 1500, 3000)[n % 5]
    level = b'--n%d\r\nContent-Type: multipart/mixed; boundary="n%d"\r\n\r\n'
    opening = b"".join(level % (i, i + 1) for i in range(depth))
    closing = b"".join(b"--n%d--\r\n" % i for i in reversed(range(depth + 1)))
    return (
        _head(rng, n)
        + b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="n0"\r\n\r\n'
        + opening
        + b'--n%d\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename="tief.txt"\r\n\r\nx\r\n'
        % depth
        + (closing if n % 2 else b"")
    )


def many_parts(rng, n):
    count = (500, 1500, 3000)[n % 3]
    parts = b"".join(
        b'--p\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename="bild%d.png"\r\n\r\nx\r\n' % i
        for i in range(count)
    )
    top = b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="p"\r\n\r\n'
    return _head(rng, n) + top + parts + b"--p--\r\n"


def nested_rfc822(rng, n):
    inner = _head(rng, n + 100000, subject="innen") + b"\r\nInnen\r\n"
    for depth in range(1 + n % 6):
        if depth == 3:
            inner = b"kaputt: ohne\r\n" + inner[: len(inner) // 2]  # a truncated forward
        inner = (
            _head(rng, n * 10 + depth, subject=f"WG: Ebene {depth}", mid=depth == n % 6)
            + f'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="f{depth}"\r\n\r\n'.encode()
            + f"--f{depth}\r\nContent-Type: message/rfc822\r\n\r\n".encode()
            + inner
            + f"\r\n--f{depth}--\r\n".encode()
        )
    return inner


def hostile_names(rng, n):
    name = rng.choice(_HOSTILE_NAMES)
    quoted = name.replace('"', "")
    return _head(rng, n) + (
        f'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="h"\r\n\r\n--h\r\n'
        f'Content-Type: application/octet-stream; name="{quoted}"\r\n'
        f'Content-Disposition: attachment; filename="{quoted}"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        f"{_b64(b'MZ' + bytes(rng.randrange(256) for _ in range(200))).decode()}\r\n--h--\r\n"
    ).encode("utf-8", "surrogateescape")


def broken_header_lines(rng, n):
    variants = (
        b"From: a@x.test\r\nthis line has no colon\r\nTo: info@mailkit.test\r\nSubject: Doppelpunkt %d\r\n\r\nT\r\n",
        b" continuation first\r\nFrom: a@x.test\r\nSubject: Fortsetzung %d\r\n\r\nT\r\n",
        b"From sender@x.test Mon Jan  5 10:00:00 2026\r\nFrom: a@x.test\r\nSubject: mbox %d\r\n\r\nT\r\n",
        b"From: a@x.test\r\nSubject: kein Leerzeile %d\r\nHier beginnt der Text ohne Leerzeile\r\nmehr Text\r\n",
        b"Fr\xc3\xb6m: a@x.test\r\nSubject : Leerzeichen %d\r\n\r\nT\r\n",
        b"\xff\xfe\x00\x00binary junk %d \x00\x01\x02\r\n",
        b"::::\r\n:\r\n: %d\r\n\r\n",
        b"From: a@x.test\r\nSubject: Tab\t%d\r\n\tfolded\r\n \r\n\r\nT\r\n",
    )
    return variants[n % len(variants)] % n


def shared_message_ids(rng, n):
    """Pairs (n and n + 1) alike in their headers: one Message-ID, an empty one, none; or the very same bytes."""
    pair, variant = n // 2, n // 2 % 4
    head = (f"Message-ID: <shared.{pair}@kunde.test>\r\n", "Message-ID: <>\r\n", "", "Message-ID: <twice@x.test>\r\n")
    body = f"Version {n}: Korrektur der Rechnung\r\n" if variant != 3 else f"Dieselbe Mail {pair}\r\n"
    return (
        f"{head[variant]}From: buchhaltung@kunde.test\r\nTo: info@mailkit.test\r\n"
        f"Date: Mon, 2 Mar 2026 09:00:00 +0100\r\nSubject: Rechnung {pair}\r\n\r\n{body}"
    ).encode()


def empty_messages(rng, n):
    return (b"", b"\r\n", b"\r\n\r\n", b" \t \r\n", b"\n\n\n")[n % 5]


CATEGORIES: dict[str, Callable[[random.Random, int], bytes]] = {
    f.__name__: f
    for f in (
        raw_utf8_headers,
        raw_legacy_headers,
        unknown_charsets,
        broken_rfc2047,
        rfc2231_names,
        impossible_dates,
        missing_headers,
        huge_headers,
        line_endings,
        nul_bytes,
        broken_transfer_encodings,
        broken_multiparts,
        deep_nesting,
        many_parts,
        nested_rfc822,
        hostile_names,
        broken_header_lines,
        shared_message_ids,
        empty_messages,
    )
}


def _huge(rng, n, size=20 * 1024 * 1024) -> bytes:
    data = rng.randbytes(size * 3 // 4)
    return _head(rng, n, subject="Scan 20 MB") + (
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="big"\r\n\r\n--big\r\n'
        b'Content-Type: image/tiff\r\nContent-Disposition: attachment; filename="scan.tif"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + _b64(data) + b"\r\n--big--\r\n"
    )


def hostile_corpus(per_category: int = 18, *, seed: int = 0, huge: bool = False) -> list[HostileMail]:
    """``per_category`` mails of each category (19 categories: 342 by default), plus one 20 MB mail if ``huge``."""
    rng = random.Random(seed)
    mails = [
        HostileMail(name, make(rng, number * 10080 + index))  # n % k cycles through k variants (k <= 10)
        for number, (name, make) in enumerate(CATEGORIES.items())
        for index in range(per_category)
    ]
    if huge:
        mails.append(HostileMail("huge_message", _huge(rng, 999_999)))
    return mails
