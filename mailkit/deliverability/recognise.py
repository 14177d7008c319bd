"""Which mail is a report: DMARC aggregate, TLS-RPT or bounce — and its parsed content.

A mail *looks like* a report by what reporters put on it (RFC 7489's subject ``Report Domain: …
Report-ID: …`` and ``org!domain!begin!end`` file names, RFC 8460's ``report-type=tlsrpt`` and
``application/tlsrpt+gzip``). A mail that looks like one but cannot be read raises
:class:`ReportError` (the sync quarantines it with the reason); a zip in ordinary mail is left alone.
"""

from __future__ import annotations

__all__ = ["Found", "recognise", "recognise_file"]

import email.parser
import re
from dataclasses import dataclass
from email.message import Message
from email.policy import compat32

from .archive import ReportError, unpack
from .dmarc import AggregateReport, parse_aggregate
from .dsn import Bounce, parse_bounce
from .tlsrpt import TlsReport, parse_tlsrpt

_DMARC_SUBJECT = re.compile(r"report[ -]?domain:|report-id:|dmarc (?:aggregate )?report", re.IGNORECASE)
_DMARC_NAME = re.compile(r"^[^!]+![^!]+![0-9]+![0-9]+(?:![^.]*)?\.(?:xml|zip|xml\.gz|gz)$", re.IGNORECASE)
_TLS_NAME = re.compile(r"![0-9]+![0-9]+!?.*\.json(?:\.gz)?$|\.json\.gz$", re.IGNORECASE)
_PACKED_TYPES = {
    "application/gzip",
    "application/x-gzip",
    "application/zip",
    "application/x-zip-compressed",
    "application/x-zip",
    "application/xml",
    "text/xml",
    "application/octet-stream",
}


@dataclass(frozen=True)
class Found:
    """What a mail or file held: exactly one of the three is set."""

    aggregate: tuple[AggregateReport, ...] = ()
    tls: tuple[TlsReport, ...] = ()
    bounce: Bounce | None = None

    @property
    def kind(self) -> str:
        return "dmarc" if self.aggregate else "tlsrpt" if self.tls else "bounce"


def _payload(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def recognise(raw: bytes | Message) -> Found | None:
    """The reports in one mail, or None when it carries none (then it is ordinary mail)."""
    msg = raw if isinstance(raw, Message) else email.parser.BytesParser(policy=compat32).parsebytes(raw)
    subject = str(msg.get("Subject") or "")
    report_type = (msg.get_param("report-type") or "") if msg.get_content_type() == "multipart/report" else ""
    aggregates: list[AggregateReport] = []
    tls: list[TlsReport] = []
    for part in msg.walk():
        if part.is_multipart() or part.get_content_maintype() == "message":
            continue
        ctype = part.get_content_type()
        name = part.get_filename() or ""
        if ctype.startswith("application/tlsrpt") or (report_type == "tlsrpt" and ctype != "text/plain"):
            tls.append(parse_tlsrpt(_payload(part), name or "TLS report"))
            continue
        dmarc_named = bool(_DMARC_NAME.match(name))
        if not (dmarc_named or (ctype in _PACKED_TYPES and (name or _DMARC_SUBJECT.search(subject)))):
            continue
        if _TLS_NAME.search(name):
            tls.append(parse_tlsrpt(_payload(part), name))
            continue
        looks_like_dmarc = dmarc_named or bool(_DMARC_SUBJECT.search(subject))
        try:
            aggregates.append(parse_aggregate(_payload(part), name or "DMARC report"))
        except ReportError:
            if looks_like_dmarc:
                raise
    if aggregates:
        return Found(aggregate=tuple(aggregates))
    if tls:
        return Found(tls=tuple(tls))
    if _DMARC_SUBJECT.search(subject) and re.search(r"report-id:", subject, re.IGNORECASE):
        raise ReportError(f"mail {subject[:80]!r} announces a DMARC report but carries no readable one")
    bounce = parse_bounce(msg)
    return Found(bounce=bounce) if bounce else None


def recognise_file(data: bytes, name: str) -> Found | None:
    """A report file (``.xml``, ``.xml.gz``, ``.zip``, ``.json``, ``.json.gz``) or a saved mail (``.eml``)."""
    lowered = name.lower()
    if lowered.endswith((".eml", ".msg", ".txt")) or (b"\n\n" in data[:65536] and re.match(rb"[\w-]+:", data)):
        return recognise(data)
    content = unpack(data, name)
    if content.lstrip()[:1] == b"{":
        return Found(tls=(parse_tlsrpt(content, name),))
    return Found(aggregate=(parse_aggregate(content, name),))
