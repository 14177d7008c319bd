"""Deliverability: DMARC aggregate reports, SMTP TLS reports and bounces, parsed without I/O.

The parsers are pure (bytes in, frozen dataclasses out); the journal hooks
(:mod:`mailkit.deliverability.ingest`) store what they find next to the mail it is about.
"""

from .archive import ReportError, unpack
from .classify import REASONS, Classification, classify
from .dmarc import AggregateReport, parse_aggregate
from .dsn import Bounce, BouncedRecipient, parse_bounce
from .recognise import Found, recognise, recognise_file
from .tlsrpt import TlsReport, parse_tlsrpt

__all__ = [
    "REASONS",
    "AggregateReport",
    "Bounce",
    "BouncedRecipient",
    "Classification",
    "Found",
    "ReportError",
    "TlsReport",
    "classify",
    "parse_aggregate",
    "parse_bounce",
    "parse_tlsrpt",
    "recognise",
    "recognise_file",
    "unpack",
]
