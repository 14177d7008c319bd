"""A realistic synthetic mail journal for demos and benchmarks, seeded and reproducible.

A real journal holds customers' mail and cannot be shown in a demo or shipped with a benchmark.
This module invents one with the shape analysts meet: threads of inquiries and replies (with
In-Reply-To and References), document mails from the ERP (quotes, orders, invoices, dunning
letters) linked to their records and logged in ``sends``, delivery failures with real SMTP
codes, Authentication-Results headers per sending domain, attachments, sync runs and a little
quarantine. Replies follow business hours (Mon–Fri 08:00–17:00 Europe/Berlin) with log-normal
delays per account, so response-time reports have something true to find.

Rows go straight into the schema with ``executemany`` in large transactions — the per-message API
would parse and compress mail that does not exist — so a million messages take about a minute.
There are no raw messages: :meth:`Journal.raw` has nothing to give for synthetic rows.

>>> import tempfile, pathlib
>>> with tempfile.TemporaryDirectory() as folder:
...     made = generate(pathlib.Path(folder) / "demo.sqlite", 500, seed=1)
...     again = generate(pathlib.Path(folder) / "again.sqlite", 500, seed=1)
>>> made.messages, made == again
(500, True)
"""

from __future__ import annotations

__all__ = ["SMTP_FAILURES", "Generated", "generate", "synthetic_batches"]

import datetime as dt
import json
import math
import random
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from ..errors import SyncError
from . import rollup, sendcounts, threads
from .codec import compress
from .store import Journal

_LOCAL = ZoneInfo("Europe/Berlin")
_EPOCH = dt.datetime(1970, 1, 1)
_WORK_START, _WORK_END = 8 * 60, 17 * 60  # minutes of the local day

#: (weight, SMTP code, reply text with {rcpt}) of failed deliveries, as real servers word them
SMTP_FAILURES: tuple[tuple[int, int | None, str], ...] = (
    (34, 550, "5.1.1 <{rcpt}>: Recipient address rejected: User unknown in virtual mailbox table"),
    (8, 550, "5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient {rcpt} not found by SMTP address lookup"),
    (9, 552, "5.2.2 <{rcpt}>: Mailbox full, quota exceeded"),
    (6, 452, "4.2.2 <{rcpt}>: Mailbox full, try again later"),
    (7, 554, "5.7.1 Service unavailable; Client host [192.0.2.25] blocked using zen.spamhaus.org"),
    (6, 550, "5.7.1 <{rcpt}>: Relay access denied"),
    (5, 550, "5.7.26 Unauthenticated email from mailkit.test is not accepted due to domain's DMARC policy"),
    (8, 451, "4.7.1 <{rcpt}>: Recipient address rejected: Greylisted, please try again in 300 seconds"),
    (5, 421, "4.7.0 Too many connections from your host, closing transmission channel"),
    (4, 553, "5.1.3 <{rcpt}>: Recipient address rejected: bad address syntax"),
    (3, 535, "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant"),
    (2, 552, "5.3.4 Message size exceeds fixed maximum message size"),
    (3, None, "smtp.mailkit.test:587: the connection failed during sending (timed out)"),
)

# fmt: off
_FIRST = (
    "Anna", "Andreas", "Birgit", "Bernd", "Claudia", "Christian", "Doris", "Dieter", "Eva", "Erik", "Frank", "Gabi",
    "Heike", "Holger", "Ines", "Jan", "Jana", "Jürgen", "Katrin", "Klaus", "Laura", "Lars", "Maria", "Markus",
    "Nadine", "Norbert", "Petra", "Peter", "Sabine", "Stefan", "Tanja", "Thomas", "Ute", "Uwe", "Vera", "Wolfgang",
    "Yvonne", "Zoe",
)
_LAST = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Koch",
    "Richter", "Klein", "Wolf", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange",
    "Werner", "Krause", "Lehmann", "Köhler",
)
_FIRMS = (
    "mueller", "schmidt", "weber", "becker", "hoffmann", "wagner", "krause", "lehmann", "koehler", "hartmann",
    "brandt", "vogel", "jung", "keller", "lorenz", "seidel", "ziegler", "kuhn", "engel", "pohl",
)
_TRADES = (
    "maschinenbau", "logistik", "elektro", "bau", "metall", "handel", "technik", "druck", "holz", "kunststoff",
    "medizintechnik",
)
_PRODUCTS = (
    "Zahnräder", "Kugellager", "Hydraulikpumpe", "Förderband", "Ersatzteile", "Schaltschrank", "Edelstahlrohre",
    "Dichtungen", "Wartungsvertrag", "Montage", "Schulung", "Lieferung",
)
_CITIES = (
    "berlin", "hamburg", "muenchen", "koeln", "frankfurt", "stuttgart", "leipzig", "dresden", "hannover", "nuernberg",
    "bremen", "essen", "dortmund", "bonn", "kiel", "ulm", "augsburg", "mainz", "erfurt", "rostock", "freiburg",
)
# fmt: on
_UMLAUT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
#: mime type, name pattern, median size in bytes, weight (inbound attachments)
_ATTACHMENTS = (
    ("application/pdf", "Scan_{n}.pdf", 180_000, 45),
    ("image/jpeg", "IMG_{n}.jpg", 1_400_000, 18),
    ("image/png", "Bildschirmfoto_{n}.png", 250_000, 8),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Bestellung_{n}.xlsx", 40_000, 9),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Anschreiben_{n}.docx", 60_000, 7),
    ("application/zip", "Zeichnungen_{n}.zip", 3_000_000, 4),
    ("text/calendar", "einladung_{n}.ics", 2_000, 4),
    ("message/rfc822", "Weitergeleitet_{n}.eml", 30_000, 5),
)
#: record type, subject pattern, account, mail's document type
_DOCUMENTS = (
    ("quote", "Angebot {n}", "vertrieb", 30),
    ("order", "Auftragsbestätigung {n}", "vertrieb", 20),
    ("invoice", "Rechnung {n}", "buchhaltung", 40),
    ("dunning", "Zahlungserinnerung zu Rechnung {n}", "buchhaltung", 10),
)
_DOCUMENT_NAMES = {"quote": "Angebot", "order": "Auftragsbestaetigung", "invoice": "Rechnung", "dunning": "Mahnung"}
_INQUIRIES = ("Anfrage {p}", "Frage zu Lieferung {n}", "Reklamation Auftrag {n}", "Termin Montage {p}", "Preise {p}")
_NOTIFIERS = (
    ("versand@paketdienst.test", "Ihre Sendung {n} wurde zugestellt", True),
    ("noreply@bank.test", "Zahlungseingang {n}", True),
    ("news@messe.test", "Newsletter: Neuigkeiten zur Fachmesse", True),
    ("service@paypa1-sicherheit.test", "Ihr Konto wurde eingeschränkt", False),  # phishing: fails DMARC
    ("rechnung@telefon-anbieter.test", "Ihre Rechnung {n}", True),
)
_RUN_ERRORS = (
    "IMAP login at imap.mailkit.test:993 refused for '{account}@mailkit.test' (AUTHENTICATIONFAILED): "
    "check the password",
    "TLS handshake with imap.mailkit.test:993 timed out after 30 s; check the network",
    "connect to imap.mailkit.test:993 failed: connection refused; check host and port (is the server running?)",
)


@dataclass(frozen=True)
class Generated:
    """What a run of :func:`generate` wrote (equal for equal arguments and seed)."""

    messages: int
    attachments: int
    sends: int
    failed_sends: int
    runs: int
    quarantined: int
    first: str
    last: str


@dataclass
class _Domain:
    name: str
    contacts: list[tuple[str, str]]  # (address, display name)
    spf: str  # pass | softfail | fail | none
    dkim: bool
    dmarc: str  # reject | quarantine | none | "" (no record)


@dataclass
class _Batch:
    messages: list[tuple] = field(default_factory=list)
    locations: list[tuple] = field(default_factory=list)
    attachments: list[tuple] = field(default_factory=list)
    sends: list[tuple] = field(default_factory=list)


def _add_work_minutes(minute: int, work: float) -> int:
    """The local minute ``work`` working minutes after ``minute`` (Mon–Fri, 08:00–17:00)."""
    day, of_day = divmod(minute, 1440)
    while True:
        if (day + 3) % 7 < 5:  # 1970-01-01 was a Thursday
            start = max(of_day, _WORK_START)
            if start < _WORK_END:
                room = _WORK_END - start
                if work <= room:
                    return day * 1440 + start + int(work)
                work -= room
        day, of_day = day + 1, 0


class _Clock:
    """Local seconds (Europe/Berlin, naive) to UTC ISO text, with the UTC offset cached per day."""

    def __init__(self) -> None:
        self.offsets: dict[int, int] = {}
        self.days: dict[int, str] = {}

    def utc(self, local_second: int) -> int:
        day = local_second // 86400
        offset = self.offsets.get(day)
        if offset is None:
            noon = (_EPOCH + dt.timedelta(days=day, hours=12)).replace(tzinfo=_LOCAL)
            offset = self.offsets[day] = int(noon.utcoffset().total_seconds())
        return local_second - offset

    def iso(self, utc_second: int, millis: int | None = None) -> str:
        day, second = divmod(utc_second, 86400)
        text = self.days.get(day)
        if text is None:
            text = self.days[day] = (_EPOCH + dt.timedelta(days=day)).strftime("%Y-%m-%d")
        hour, rest = divmod(second, 3600)
        fraction = "" if millis is None else f".{millis:03d}"
        return f"{text}T{hour:02d}:{rest // 60:02d}:{rest % 60:02d}{fraction}+00:00"


class _World:
    """The company, its customers and the random draws that shape their mail."""

    def __init__(self, rng: random.Random, domain: str, customers: int) -> None:
        self.rng = rng
        self.domain = domain
        self.domains: list[_Domain] = []
        names: set[str] = set()
        while len(self.domains) < customers:
            name = f"{rng.choice(_FIRMS)}-{rng.choice(_TRADES)}.test"
            if name in names:
                name = name.replace(".test", f"-{rng.choice(_CITIES)}.test")
            if name in names:
                name = name.replace(".test", f"{len(names)}.test")
            names.add(name)
            people = rng.sample(range(len(_FIRST) * len(_LAST)), rng.randint(1, 6))
            contacts = []
            for person in people:
                first, last = _FIRST[person % len(_FIRST)], _LAST[person // len(_FIRST)]
                local = f"{first}.{last}".lower().translate(_UMLAUT)
                contacts.append((f"{local}@{name}", f"{first} {last}"))
            self.domains.append(
                _Domain(
                    name,
                    contacts,
                    spf=rng.choices(("pass", "softfail", "fail", "none"), (86, 8, 2, 4))[0],
                    dkim=rng.random() < 0.72,
                    dmarc=rng.choices(("reject", "quarantine", "none", ""), (20, 15, 45, 20))[0],
                )
            )
        # a few big customers write most of the mail (Zipf-like)
        self.domain_weights = [1 / (rank + 1) ** 0.8 for rank in range(customers)]
        self.cumulative = list(_accumulate(self.domain_weights))
        self.notifier_domains = {
            address: _Domain(
                address.partition("@")[2],
                [(address, "")],
                spf="pass" if honest else "fail",
                dkim=honest,
                dmarc="reject" if not honest else "none",
            )
            for address, _, honest in _NOTIFIERS
        }

    def customer(self) -> _Domain:
        return self.rng.choices(self.domains, cum_weights=self.cumulative)[0]

    def auth_header(self, sender: _Domain) -> str:
        """An Authentication-Results header as a receiving MX (Postfix with OpenDKIM/OpenDMARC) writes it."""
        rng = self.rng
        name = sender.name
        spf = sender.spf if rng.random() < 0.97 else "softfail"
        dkim = ("pass" if rng.random() < 0.985 else "fail") if sender.dkim else "none"
        aligned = spf == "pass" or dkim == "pass"
        dmarc = "none" if not sender.dmarc else "pass" if aligned else "fail"
        ip = f"198.51.100.{rng.randrange(1, 255)}"
        parts = [f"mx.{self.domain}", f"spf={spf} (sender IP is {ip}) smtp.mailfrom={name} smtp.helo=mail.{name}"]
        if dkim == "none":
            parts.append("dkim=none (no signatures found)")
        else:
            parts.append(
                f"dkim={dkim} (2048-bit key) header.d={name} header.s=mail header.b={rng.getrandbits(48):012x}"
            )
        policy = f" (p={sender.dmarc} dis={'none' if dmarc == 'pass' else sender.dmarc})" if sender.dmarc else ""
        parts.append(f"dmarc={dmarc}{policy} header.from={name}")
        return ";\r\n\t".join(parts)


def _accumulate(values):
    total = 0.0
    for value in values:
        total += value
        yield total


class _Generator:
    """Thread by thread; every draw comes from one seeded ``random.Random``."""

    def __init__(self, count, seed, start: dt.date, days, domain, run_every_minutes) -> None:
        self.rng = random.Random(seed)
        self.clock = _Clock()
        self.count = count
        self.start_minute = (start - _EPOCH.date()).days * 1440
        self.end_minute = self.start_minute + days * 1440
        self.domain = domain
        self.world = _World(self.rng, domain, customers=max(20, min(2000, count // 150)))
        self.next_id = 1  # the journal is empty: ids are ours to give
        self.made = 0
        self.thread = 0
        self.numbers = {kind: 10_000 + self.rng.randrange(1000) for kind, *_ in _DOCUMENTS}
        self.uids: dict[tuple[str, str], int] = {}
        self.run_step = run_every_minutes * 60
        self.run_start = self.clock.utc(self.start_minute * 60)
        self.run_slots = (self.end_minute - self.start_minute) * 60 // self.run_step + 1
        self.found: dict[tuple[str, str], list[list[int]]] = {}  # per run: new, bytes, quarantined
        self.attachment_count = self.send_count = self.failed_count = 0
        self.first_date: str | None = None
        self.last_date: str | None = None
        self.account_names = {"info": "Mailkit Demo GmbH", "vertrieb": "Vertrieb", "buchhaltung": "Buchhaltung"}
        self.reply_median = {"info": 45, "vertrieb": 100, "buchhaltung": 260}  # working minutes

    # -- random shapes ---------------------------------------------------------------------------
    def _day_minute(self, business: bool) -> int:
        """A start time: weekdays far more often than weekends, business hours more often than night."""
        rng = self.rng
        day = rng.randrange(self.start_minute, self.end_minute) // 1440
        while (day + 3) % 7 >= 5 and (business or rng.random() < 0.85):  # little mail at weekends
            day = rng.randrange(self.start_minute, self.end_minute) // 1440
        if business or rng.random() < 0.82:
            minute = int(rng.triangular(7 * 60, 18 * 60, 10 * 60))
        else:
            minute = rng.randrange(1440)
        return day * 1440 + minute

    def _delay(self, median: float, sigma: float = 1.0) -> float:
        return min(max(self.rng.lognormvariate(math.log(median), sigma), 3), 5 * 540)

    def _number(self, kind: str) -> str:
        self.numbers[kind] += 1
        return str(self.numbers[kind])

    # -- threads ---------------------------------------------------------------------------------
    def threads(self) -> Iterator[_Batch]:
        batch = _Batch()
        while self.made < self.count:
            self.thread += 1
            roll = self.rng.random()
            if roll < 0.55:
                self._inquiry(batch)
            elif roll < 0.9:
                self._document(batch)
            else:
                self._notification(batch)
            if len(batch.messages) >= 50_000:
                yield batch
                batch = _Batch()
        if batch.messages:
            yield batch

    def _inquiry(self, batch: _Batch) -> None:
        rng = self.rng
        account = "info" if rng.random() < 0.6 else "vertrieb"
        customer = self.world.customer()
        contact = rng.choice(customer.contacts)
        subject = rng.choice(_INQUIRIES).format(p=rng.choice(_PRODUCTS), n=rng.randrange(10_000, 99_999))
        record = ("order", subject.rsplit(" ", 1)[1]) if subject.startswith(("Frage", "Reklamation")) else None
        queue = "reklamation" if subject.startswith("Reklamation") else "anfragen"
        thread: list[str] = []
        minute = self._day_minute(business=False)
        inbound = True
        for step in range(rng.choice((2, 2, 2, 4, 4, 6))):
            if not self._message(
                batch, thread, account, customer, contact, subject, minute, inbound, record, queue=queue
            ):
                return
            answer_chance = (0.9 if step == 0 else 0.8) if inbound else 0.35  # we answer; they write again
            if rng.random() > answer_chance:
                return
            median = self.reply_median[account] if inbound else 420
            minute = _add_work_minutes(minute, self._delay(median, 1.0 if inbound else 1.2))
            inbound = not inbound

    def _document(self, batch: _Batch) -> None:
        rng = self.rng
        kind, pattern, account, _ = rng.choices(_DOCUMENTS, weights=[d[3] for d in _DOCUMENTS])[0]
        number = self._number(kind)
        subject = pattern.format(n=number)
        customer = self.world.customer()
        contact = rng.choice(customer.contacts)
        minute = self._day_minute(business=True)
        batch_id = None
        if kind == "invoice" and rng.random() < 0.5:  # the monthly invoice run (Serienmail)
            batch_id = f"rechnungslauf-{self.clock.iso(minute * 60)[:7]}"
        thread: list[str] = []
        if rng.random() < 0.05:
            retry = self._failed_send(batch, account, kind, number, contact[0], subject, minute, batch_id)
            if retry is None:
                return
            minute, batch_id = retry, None  # sent again by hand, outside the batch
        if not self._message(
            batch, thread, account, customer, contact, subject, minute, False, (kind, number), document=(kind, batch_id)
        ):
            return
        if rng.random() < 0.3:
            minute = _add_work_minutes(minute, self._delay(600, 1.1))
            if not self._message(batch, thread, account, customer, contact, subject, minute, True, (kind, number)):
                return
            if rng.random() < 0.9:
                minute = _add_work_minutes(minute, self._delay(self.reply_median[account]))
                self._message(batch, thread, account, customer, contact, subject, minute, False, (kind, number))

    def _notification(self, batch: _Batch) -> None:
        rng = self.rng
        address, pattern, _ = rng.choice(_NOTIFIERS)
        sender = self.world.notifier_domains[address]
        account = "buchhaltung" if "bank" in address or "rechnung" in address else "info"
        subject = pattern.format(n=rng.randrange(100_000, 999_999))
        self._message(batch, [], account, sender, (address, ""), subject, self._day_minute(False), True, None)

    def _failed_send(self, batch, account, kind, number, recipient, subject, minute, batch_id) -> int | None:
        """A refused document mail; returns the minute of the successful retry, or None (given up)."""
        rng = self.rng
        _, code, reply = rng.choices(SMTP_FAILURES, weights=[f[0] for f in SMTP_FAILURES])[0]
        second = self.clock.utc(minute * 60 + rng.randrange(60))
        created = self.clock.iso(second, rng.randrange(1000))
        batch.sends.append(
            (account, batch_id, number if batch_id else None, f"{rng.getrandbits(64):016x}@{self.domain}", None,
             kind, number, "eva", f"{account}@{self.domain}", json.dumps([recipient]), subject, "smtp", created,
             None, "failed", code, reply.format(rcpt=recipient), None, "none", None, None, None, None)
        )  # fmt: skip
        self.send_count += 1
        self.failed_count += 1
        transient = code is None or code < 500 or code == 535
        if transient or rng.random() < 0.5:  # retried later, or sent again to a corrected address
            return _add_work_minutes(minute, self._delay(40 if transient else 120))
        return None

    # -- one message ----------------------------------------------------------------------------
    def _message(self, batch, thread, account, sender_domain, contact, subject, minute, inbound, record,
                 queue=None, document=None) -> bool:  # fmt: skip
        """Append one message (and its location, attachments, send row); False when the period is over."""
        if self.made >= self.count or minute >= self.end_minute:
            return False
        rng = self.rng
        row = self.next_id
        self.next_id += 1
        self.made += 1
        local_second = minute * 60 + rng.randrange(60)
        second = self.clock.utc(local_second)
        date = self.clock.iso(second)
        ours = f"{account}@{self.domain}"
        host = f"mail.{sender_domain.name}" if inbound else self.domain
        message_id = f"{self.thread:x}.{len(thread)}.{rng.getrandbits(40):010x}@{host}"
        if inbound:
            from_addr, from_name, to = contact[0], contact[1], [ours]
        else:
            from_addr, from_name, to = ours, self.account_names[account], [contact[0]]
        cc = []
        if len(sender_domain.contacts) > 1 and rng.random() < 0.12:
            cc.append(rng.choice(sender_domain.contacts)[0])
        if cc == to or (inbound and cc == [from_addr]):
            cc = []
        if thread:
            subject = ("AW: " if not inbound or rng.random() < 0.6 else "Re: ") + subject
        refs = thread[-10:]
        lag = rng.randrange(30, 3600) if inbound or document is None else 0
        attachments = self._attachments(batch, row, inbound, document, record, date)
        size = int(rng.lognormvariate(math.log(9000), 0.6)) + int(attachments * 1.37)
        folder = "INBOX" if inbound else "Sent"
        errors = '["undeclared 8-bit bytes in the header"]' if rng.random() < 0.003 else "[]"
        content_hash = f"{rng.getrandbits(256):064x}"
        batch.messages.append(
            ("sha:" + content_hash, message_id, thread[-1] if thread else None, json.dumps(refs), date, from_addr,
             from_name or None, json.dumps(to), json.dumps(cc), subject, size, content_hash,
             "in" if inbound else "out", "sent" if document else "imported", account,
             record[0] if record else None, record[1] if record else None, queue if inbound else None,
             json.dumps([self.world.auth_header(sender_domain)]) if inbound else "[]", errors,
             self.clock.iso(second + lag), row)
        )  # fmt: skip
        uid = self.uids[account, folder] = self.uids.get((account, folder), 0) + 1
        flags = "\\Seen" if rng.random() < 0.97 else ""
        batch.locations.append(
            (row, account, folder, _uidvalidity(account, folder), uid, flags, date, self.clock.iso(second + lag))
        )
        self._found(account, folder, second + lag, size, 0)
        if document is not None:
            self._sent(batch, row, account, document, record, message_id, to + cc, subject, second, folder, uid)
        thread.append(message_id)
        self.first_date = min(self.first_date or date, date)
        self.last_date = max(self.last_date or date, date)
        return True

    def _attachments(self, batch, row, inbound, document, record, date) -> int:
        rng = self.rng
        found = []
        if document is not None:
            name = f"{_DOCUMENT_NAMES[record[0]]}_{record[1]}.pdf"
            found.append(("application/pdf", name, rng.lognormvariate(11, 0.4)))
        elif inbound and rng.random() < 0.28:
            for _ in range(rng.choice((1, 1, 1, 2, 3))):
                mime, name, median, _ = rng.choices(_ATTACHMENTS, weights=[a[3] for a in _ATTACHMENTS])[0]
                found.append((mime, name.format(n=date[:10]), rng.lognormvariate(math.log(median), 0.7)))
        total = 0
        for mime, name, size in found:
            size = int(size)
            total += size
            batch.attachments.append((row, name, mime, size, f"{rng.getrandbits(256):064x}"))
        self.attachment_count += len(found)
        return total

    def _sent(self, batch, row, account, document, record, message_id, recipients, subject, second, folder, uid):
        rng = self.rng
        kind, batch_id = document
        refused = None
        if len(recipients) > 1 and rng.random() < 0.08:
            gone = recipients[-1]
            refused = json.dumps({gone: [550, f"5.1.1 <{gone}>: Recipient address rejected: User unknown"]})
        millis = rng.randrange(1000)
        batch.sends.append(
            (account, batch_id, record[1] if batch_id else None, message_id, row, kind, record[1], "eva",
             f"{account}@{self.domain}", json.dumps(recipients), subject, "smtp", self.clock.iso(second - 1, millis),
             self.clock.iso(second, millis), "sent", 250, f"2.0.0 Ok: queued as {rng.getrandbits(40):010X}", refused,
             "copied", folder, _uidvalidity(account, folder), uid, None)
        )  # fmt: skip
        self.send_count += 1

    # -- runs and quarantine ---------------------------------------------------------------------
    def quarantine(self) -> list[tuple]:
        """About one message in 20,000 could not be imported: kept with its reason, as the import does."""
        rng = self.rng
        rows = []
        reasons = ("broken message structure (CloseBoundaryNotFound)", "empty message", "no header fields")
        for index in range(self.count // 20_000 + 1):
            minute = self._day_minute(False)
            second = self.clock.utc(minute * 60)
            account = rng.choice(("info", "vertrieb", "buchhaltung"))
            raw = b"From: x@kaputt.test\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n"
            uid = 4_000_000 + index
            rows.append(
                (account, "INBOX", _uidvalidity(account, "INBOX"), uid, rng.choice(reasons), len(raw),
                 compress(raw), self.clock.iso(second))
            )  # fmt: skip
            self._found(account, "INBOX", second, 0, 1)
        return rows

    def _found(self, account: str, folder: str, second: int, size: int, quarantined: int) -> None:
        """Count a message for the sync run that would have found it."""
        slots = self.found.get((account, folder))
        if slots is None:
            slots = self.found[account, folder] = [[0, 0, 0] for _ in range(self.run_slots)]
        counts = slots[min(max((second - self.run_start) // self.run_step, 0), self.run_slots - 1)]
        counts[0] += 1 - quarantined
        counts[1] += size
        counts[2] += quarantined

    def runs(self) -> list[tuple]:
        """One run per account and folder every ``run_every_minutes``, its counts from the mail it found."""
        rng = self.rng
        rows = []
        for (account, folder), slots in sorted(self.found.items()):
            for index, (new, size, quarantined) in enumerate(slots):
                began = self.run_start + index * self.run_step + rng.randrange(0, 20)
                took = rng.lognormvariate(math.log(1.2 + new * 0.05 + size / 4e6), 0.4)
                status, error = "ok", None
                roll = rng.random()
                if roll < 0.006:
                    status, error = "failed", rng.choice(_RUN_ERRORS).format(account=account)
                elif roll < 0.007:
                    status = "interrupted"
                if status != "ok":  # what it would have found, the next run finds
                    new = size = quarantined = 0
                rows.append(
                    (account, folder, "imap", self.clock.iso(began), self.clock.iso(began + int(took)), status, new,
                     int(status == "failed"), quarantined, size, error)
                )  # fmt: skip
        return rows


def _uidvalidity(account: str, folder: str) -> int:
    return 1_700_000_000 + zlib.crc32(f"{account}/{folder}".encode()) % 1_000_000


_MESSAGE_COLUMNS = (
    "message_key",
    "message_id",
    "in_reply_to",
    "refs",
    "date_utc",
    "from_addr",
    "from_name",
    "to_addrs",
    "cc_addrs",
    "subject",
    "size",
    "content_hash",
    "direction",
    "status",
    "account",
    "record_type",
    "record_number",
    "queue",
    "auth_results",
    "parse_errors",
    "first_seen",
    "id",
    "header_hash",
)
_ID = _MESSAGE_COLUMNS.index("id")
_LOCATION_COLUMNS = ("message_id", "account", "folder", "uidvalidity", "uid", "flags", "internaldate", "seen_at")
_SEND_COLUMNS = (
    "account", "batch", "batch_key", "message_id", "message_row", "document_type", "record_number", "user", "sender",
    "recipients", "subject", "transport", "created_at", "sent_at", "status", "smtp_code", "smtp_reply", "refused",
    "copy_status", "copy_folder", "copy_uidvalidity", "copy_uid", "copy_error",
)  # fmt: skip


_RECIPIENTS = _SEND_COLUMNS.index("recipients")


def _insert(store: Journal, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    store.backend.insert_rows(store.db, table, columns, rows)


def synthetic_batches(
    count: int,
    *,
    seed: int = 0,
    start: dt.date = dt.date(2025, 1, 1),
    days: int = 365,
    domain: str = "mailkit.test",
    run_every_minutes: int = 60,
) -> tuple[_Generator, Iterator[_Batch]]:
    """The generator and its batches of rows (no I/O): what :func:`generate` writes."""
    if count < 1 or days < 1 or run_every_minutes < 1:
        raise SyncError("a synthetic journal needs at least one message, one day and runs at least a minute apart")
    generator = _Generator(count, seed, start, days, domain, run_every_minutes)
    return generator, generator.threads()


def generate(
    journal: Journal | Path | str,
    messages: int = 10_000,
    *,
    seed: int = 0,
    start: dt.date = dt.date(2025, 1, 1),
    days: int = 365,
    domain: str = "mailkit.test",
    run_every_minutes: int = 60,
    progress: Callable[[int, int], None] | None = None,
) -> Generated:
    """Fill an empty journal with ``messages`` synthetic messages over ``days`` days from ``start``.

    Refuses a journal that holds mail: invented rows must never mix with a customer's real ones.
    """
    own = not isinstance(journal, Journal)
    store = Journal(journal) if own else journal
    try:
        if store.count() or store.count("sends") or store.count("runs"):
            raise SyncError(f"{store.path} is not empty: synthetic mail goes into a journal of its own")
        generator, batches = synthetic_batches(
            messages, seed=seed, start=start, days=days, domain=domain, run_every_minutes=run_every_minutes
        )
        db = store.db
        sqlite = store.backend.name == "sqlite"
        if sqlite:
            db.execute("PRAGMA synchronous=OFF")  # a new file: a crash just means generating it again
        for batch in batches:
            with store.transaction():
                # header_hash '': invented mail is never rebound to a server's, and the store need not fill it
                _insert(store, "messages", _MESSAGE_COLUMNS, [(*row, "") for row in batch.messages])
                if batch.messages:  # ids in order, ours alone (the journal was empty)
                    rollup.count_range(store, batch.messages[0][_ID] - 1, batch.messages[-1][_ID])
                    threads.thread_range(store, batch.messages[0][_ID] - 1, batch.messages[-1][_ID])
                _insert(store, "locations", _LOCATION_COLUMNS, batch.locations)
                _insert(store, "attachments", ("message_id", "name", "mime_type", "size", "sha256"), batch.attachments)
                counted = db.execute("SELECT COALESCE(max(id), 0) FROM sends").fetchone()[0]
                _insert(store, "sends", (*_SEND_COLUMNS, "recipient_count"),
                        [(*row, len(json.loads(row[_RECIPIENTS]))) for row in batch.sends])  # fmt: skip
                sendcounts.count_sends(store, "s.id > ?", (counted,))
            if progress:
                progress(generator.made, messages)
        quarantine = generator.quarantine()
        runs = generator.runs()
        with store.transaction():
            db.executemany(
                """INSERT INTO quarantine (account, folder, uidvalidity, uid, reason, size, data, created_at)
                   VALUES (?,?,?,?,?,?,?,?)""",
                quarantine,
            )
            db.executemany(
                """INSERT INTO runs (account, folder, kind, started_at, finished_at, status, new, errors,
                       quarantined, bytes, error_text) VALUES (?,?,?,?,?,?,?,?,?,?,?)""",
                runs,
            )
            for (account, folder), uid in sorted(generator.uids.items()):
                store.set_folder_state(
                    account, folder, uidvalidity=_uidvalidity(account, folder), uidnext=uid + 1,
                    highestmodseq=None, messages=uid,
                )  # fmt: skip
        if sqlite:
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA optimize")
        else:  # the rows came with their ids: the identity goes on after them
            db.execute("SELECT setval(pg_get_serial_sequence('messages', 'id'), (SELECT max(id) FROM messages))")
            db.execute("ANALYZE")
        return Generated(
            messages=generator.made,
            attachments=generator.attachment_count,
            sends=generator.send_count,
            failed_sends=generator.failed_count,
            runs=len(runs),
            quarantined=len(quarantine),
            first=generator.first_date or "",
            last=generator.last_date or "",
        )
    finally:
        if own:
            store.close()
