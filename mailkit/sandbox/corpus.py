"""A seeded, realistic demo mailbox of German business mail, and bulk corpora for benchmarks.

Pure: everything derives from the seed (never from the clock), so the same arguments give the
same bytes. The demo mailbox has threads (replies with In-Reply-To/References and realistic
delays), quotes and invoices with PDF attachments, newsletters, an auto-reply, sent mail, and a
few malformed messages — each marked ``X-Mailkit-Defect`` — that an importer must survive.
"""

from __future__ import annotations

__all__ = ["DEMO_MALFORMED_COUNT", "CorpusMail", "bulk", "demo_mailbox"]

import datetime as dt
import email.utils
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP

_POLICY = SMTP.clone(cte_type="7bit")
_START = dt.datetime(2025, 11, 1, 8, 0, tzinfo=dt.UTC)
_SPAN = dt.timedelta(days=364)
CUSTOMERS = (
    ("Jürgen Müller", "einkauf@mueller-maschinenbau.test"),
    ("Sabine Schmidt", "s.schmidt@schmidt-handel.test"),
    ("Büro Hoffmann", "info@lieferant-hoffmann.test"),
    ("Einkauf Kunde AG", "einkauf@kunde.test"),
    ("Petra Weiß", "weiss@weiss-werkzeuge.test"),
)
PRODUCTS = ("Zahnräder Modul 2", "Kugellager 6204", "Antriebswellen", "Getriebemotoren", "Dichtungssätze")
KINDS = ("Anfrage", "Angebot", "Auftragsbestätigung", "Lieferschein", "Rechnung", "Mahnung")
_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
DEMO_MALFORMED_COUNT = 4


@dataclass(frozen=True)
class CorpusMail:
    folder: str
    raw: bytes = field(repr=False)
    flags: tuple[str, ...]
    received: dt.datetime


def _message(rng, sender, to, subject, text, when, msgid, *, reply_to_ids=(), pdf=None, html=False, extra=()):
    msg = EmailMessage(policy=_POLICY)
    msg["From"] = email.utils.formataddr(sender)
    msg["To"] = email.utils.formataddr(to)
    msg["Subject"] = subject
    msg["Date"] = email.utils.format_datetime(when.astimezone(dt.timezone(dt.timedelta(hours=1))))
    msg["Message-ID"] = msgid
    if reply_to_ids:
        msg["In-Reply-To"] = reply_to_ids[-1]
        msg["References"] = " ".join(reply_to_ids)
    for name, value in extra:
        msg[name] = value
    msg.set_content(text)
    if html:
        msg.add_alternative(f"<html><body><p>{text.replace(chr(10), '<br>')}</p></body></html>", subtype="html")
    if pdf:
        msg.add_attachment(_PDF, maintype="application", subtype="pdf", filename=pdf)
    for depth, part in enumerate(p for p in msg.walk() if p.is_multipart()):
        part.set_boundary(f"=_mailkit_{depth}_{rng.randrange(16**12):012x}")  # reproducible, unlike email's
    return msg.as_bytes()


def _malformed(user: str, when: dt.datetime) -> list[bytes]:
    date = email.utils.format_datetime(when)
    return [
        (
            f"X-Mailkit-Defect: no Message-ID\r\nFrom: kunde@kunde.test\r\nTo: {user}\r\nDate: {date}\r\n"
            "Subject: Rueckfrage ohne Kennung\r\n\r\nBitte um Rueckruf.\r\n"
        ).encode(),
        (
            f"X-Mailkit-Defect: unparseable Date\r\nFrom: kunde@kunde.test\r\nTo: {user}\r\n"
            "Date: gestern Nachmittag\r\n"
            "Message-ID: <baddate.1@kunde.test>\r\nSubject: Termin\r\n\r\nPasst Dienstag?\r\n"
        ).encode(),
        (
            f"X-Mailkit-Defect: missing closing MIME boundary\r\nFrom: scanner@kunde.test\r\nTo: {user}\r\n"
            f"Date: {date}\r\nMessage-ID: <noclose.1@kunde.test>\r\nSubject: Scan\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/mixed; boundary="XYZ"\r\n\r\n'
            "--XYZ\r\nContent-Type: text/plain\r\n\r\nScan anbei\r\n"
        ).encode(),
        b"X-Mailkit-Defect: header line without colon\r\nFrom: alt@kunde.test\r\nthis line has no colon\r\n"
        + f"To: {user}\r\nMessage-ID: <nocolon.1@kunde.test>\r\nSubject: Alt\r\n\r\n".encode()
        + "Grüße\r\n".encode("latin-1"),
    ]


def demo_mailbox(
    user_address: str, *, colleagues: Sequence[str] = (), count: int = 300, seed: int = 0
) -> list[CorpusMail]:
    """About ``count`` mails (exactly) for ``user_address``: threads, documents, newsletters, malformed ones."""
    rng = random.Random(seed)
    domain = user_address.rpartition("@")[2]
    me = ("Mailkit Demo GmbH", user_address)
    mails: list[CorpusMail] = []
    number = 0
    while len(mails) < count - DEMO_MALFORMED_COUNT:
        number += 1
        customer = rng.choice(CUSTOMERS)
        product = rng.choice(PRODUCTS)
        when = _START + dt.timedelta(seconds=rng.randrange(int(_SPAN.total_seconds())))
        roll = rng.random()
        msgid = f"<{seed}.{number}.{rng.randrange(10**9)}@{customer[1].rpartition('@')[2]}>"
        if roll < 0.1:  # a newsletter
            raw = _message(
                rng,
                ("Newsletter Fachhandel", "news@fachhandel.test"),
                me,
                f"Neuheiten im Sortiment: {product}",
                "Unsere Angebote des Monats.",
                when,
                msgid,
                html=True,
                extra=(("List-Id", "<news.fachhandel.test>"), ("Precedence", "bulk")),
            )
            mails.append(CorpusMail("INBOX", raw, ("\\Seen",) if rng.random() < 0.7 else (), when))
            continue
        kind = rng.choice(KINDS)
        record = f"2026-{rng.randrange(1, 9999):04d}"
        auth = "mx.{}; spf={}; dkim={}; dmarc={}".format(
            domain,
            *rng.choice(
                [("pass",) * 3] * 6 + [("fail", "fail", "fail"), ("none", "none", "none"), ("pass", "fail", "pass")]
            ),
        )
        folder = (
            "INBOX/Anfragen"
            if kind == "Anfrage" and rng.random() < 0.4
            else ("Archiv/2025" if when.year == 2025 and rng.random() < 0.3 else "INBOX")
        )
        text = (
            f"Sehr geehrte Damen und Herren,\n\nbezüglich {kind} {record} ({product}) melden wir uns.\n\n"
            f"Mit freundlichen Grüßen\n{customer[0]}\n"
        )
        first = _message(
            rng,
            customer,
            me,
            f"{kind} {record}: {product}",
            text,
            when,
            msgid,
            pdf=f"{kind} {record}.pdf" if kind in ("Angebot", "Rechnung") else None,
            html=rng.random() < 0.3,
            extra=(("Authentication-Results", auth),),
        )
        answered = rng.random() < 0.5
        flags = tuple(
            f
            for f, on in (("\\Seen", rng.random() < 0.8), ("\\Answered", answered), ("\\Flagged", rng.random() < 0.05))
            if on
        )
        mails.append(CorpusMail(folder, first, flags, when))
        if answered and len(mails) < count - DEMO_MALFORMED_COUNT:
            delay = dt.timedelta(minutes=rng.choice([12, 45, 90, 240, 1440, 2880]))
            sender = (me[0], rng.choice([user_address, *colleagues]))
            reply_id = f"<{seed}.{number}.r@{domain}>"
            reply = _message(
                rng,
                sender,
                customer,
                f"AW: {kind} {record}: {product}",
                f"Guten Tag,\n\nvielen Dank, wir kümmern uns um {kind} {record}.\n",
                when + delay,
                reply_id,
                reply_to_ids=(msgid,),
            )
            mails.append(CorpusMail("Sent", reply, ("\\Seen",), when + delay))
    for raw in _malformed(user_address, _START + dt.timedelta(days=rng.randrange(360))):
        mails.append(CorpusMail("INBOX", raw, (), _START + dt.timedelta(days=rng.randrange(360))))
    return mails


def bulk(count: int, *, user_address: str, seed: int = 0, folder: str = "INBOX") -> Iterator[CorpusMail]:
    """A lazy stream of plausible business mails (2–20 KB, unique Message-IDs) for benchmarks."""
    rng = random.Random(seed)
    paragraph = "Sehr geehrte Damen und Herren, anbei erhalten Sie die Unterlagen zu Ihrer Bestellung. " * 8
    for i in range(count):
        customer = CUSTOMERS[i % len(CUSTOMERS)]
        when = _START + dt.timedelta(seconds=rng.randrange(int(_SPAN.total_seconds())))
        body = (paragraph + "\r\n") * rng.randint(3, 28)
        raw = (
            f"Message-ID: <bulk.{seed}.{i}@{customer[1].rpartition('@')[2]}>\r\n"
            f"From: {customer[0].encode('ascii', 'replace').decode()} <{customer[1]}>\r\nTo: {user_address}\r\n"
            f"Date: {email.utils.format_datetime(when)}\r\n"
            f"Subject: Bestellung {seed}-{i}: {PRODUCTS[i % len(PRODUCTS)]}\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        ).encode() + body.encode()
        yield CorpusMail(folder, raw, ("\\Seen",) if rng.random() < 0.6 else (), when)
