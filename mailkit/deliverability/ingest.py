"""Reports and bounces into the journal: from files, and from the mail a sync imported.

Idempotent by construction: a DMARC or TLS report is one row per (organisation, report id), a
bounce one row per journal message (or per mail file, by the same identity the sync uses), so
a report re-sent, re-synced or ingested again from a file counts once. What cannot be read
goes to the journal's quarantine with the reason, and the run goes on.
"""

from __future__ import annotations

__all__ = ["IngestResult", "ingest_file", "ingest_paths", "link_bounces", "scan_journal", "store"]

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import SyncError
from ..journal.parse import QuarantineReason, parse_message
from ..journal.store import Journal
from .archive import MAX_PACKED, ReportError
from .dmarc import AggregateReport
from .dsn import _BOUNCE_SENDERS, _BOUNCE_SUBJECTS, Bounce
from .recognise import _DMARC_SUBJECT, Found, recognise, recognise_file
from .tlsrpt import TlsReport

FILE_ACCOUNT = "ingest-reports"  # the quarantine's account for files that were not mail of an account
SCAN_FOLDER = "deliverability"  # the quarantine's folder for bad reports found in synced mail
LINK_WINDOW_DAYS = 14  # a bounce without the original's Message-ID matches a send to that recipient this recent
_REPORT_FILES = re.compile(r"\.(?:xml|zip|gz|json|eml)$", re.IGNORECASE)


@dataclass
class IngestResult:
    dmarc_new: int = 0
    dmarc_known: int = 0
    tls_new: int = 0
    tls_known: int = 0
    bounces_new: int = 0
    bounces_known: int = 0
    linked: int = 0  # bounced recipients linked to the send they bounce
    quarantined: int = 0
    not_reports: int = 0
    problems: list[str] = field(default_factory=list)  # one line per quarantined item

    def add(self, other: IngestResult) -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        return (
            f"{self.dmarc_new} DMARC reports new, {self.dmarc_known} known; {self.tls_new} TLS reports new, "
            f"{self.tls_known} known; {self.bounces_new} bounces new, {self.bounces_known} known, "
            f"{self.linked} recipients linked to their send; {self.quarantined} quarantined; "
            f"{self.not_reports} not reports"
        )


def _iso(when: dt.datetime | None) -> str | None:
    return when.isoformat() if when else None


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _store_aggregate(journal: Journal, report: AggregateReport, source: str, message_row: int | None) -> bool:
    policy = report.policy
    cursor = journal.db.execute(
        """INSERT INTO dmarc_reports (org_name, report_id, email, extra_contact_info, version, domain, begin_utc,
               end_utc, adkim, aspf, p, sp, np, pct, fo, errors, messages, source, message_row, ingested_at)
           VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (org_name, report_id) DO NOTHING""",
        (
            report.org_name, report.report_id, report.email, report.extra_contact_info, report.version,
            policy.domain, _iso(report.begin), _iso(report.end), policy.adkim, policy.aspf, policy.p, policy.sp,
            policy.np, policy.pct, policy.fo, json.dumps(list(report.errors)), report.messages, source,
            message_row, _now(),
        ),
    )  # fmt: skip
    if cursor.rowcount == 0:
        return False
    report_row = cursor.lastrowid
    journal.db.executemany(
        """INSERT INTO dmarc_records (report, source_ip, count, disposition, dkim, spf, header_from, envelope_from,
               envelope_to, reasons, dkim_results, spf_results) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)""",
        [
            (
                report_row, r.source_ip, r.count, r.disposition, r.dkim, r.spf, r.header_from, r.envelope_from,
                r.envelope_to, json.dumps(r.reasons),
                json.dumps([[a.domain, a.selector, a.result] for a in r.auth_results if a.method == "dkim"]),
                json.dumps([[a.domain, a.scope, a.result] for a in r.auth_results if a.method == "spf"]),
            )
            for r in report.records
        ],
    )  # fmt: skip
    return True


def _store_tls(journal: Journal, report: TlsReport, source: str, message_row: int | None) -> bool:
    cursor = journal.db.execute(
        """INSERT INTO tls_reports (org_name, report_id, begin_utc, end_utc, contact, source, message_row, ingested_at)
           VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (org_name, report_id) DO NOTHING""",
        (report.org_name, report.report_id, _iso(report.begin), _iso(report.end), report.contact, source,
         message_row, _now()),
    )  # fmt: skip
    if cursor.rowcount == 0:
        return False
    for policy in report.policies:
        policy_row = journal.db.execute(
            "INSERT INTO tls_policies (report, policy_type, policy_domain, mx_hosts, succeeded, failed) "
            "VALUES (?,?,?,?,?,?)",
            (cursor.lastrowid, policy.policy_type, policy.policy_domain, json.dumps(list(policy.mx_hosts)),
             policy.succeeded, policy.failed),
        ).lastrowid  # fmt: skip
        journal.db.executemany(
            """INSERT INTO tls_failures (policy, result_type, count, sending_mta_ip, receiving_mx_hostname,
                   receiving_ip, additional_information, failure_reason_code) VALUES (?,?,?,?,?,?,?,?)""",
            [
                (policy_row, f.result_type, f.count, f.sending_mta_ip, f.receiving_mx_hostname, f.receiving_ip,
                 f.additional_information, f.failure_reason_code)
                for f in policy.failures
            ],
        )  # fmt: skip
    return True


def _store_bounce(journal: Journal, bounce: Bounce, key: str, source: str, message_row: int | None) -> bool:
    cursor = journal.db.execute(
        """INSERT INTO bounces (bounce_key, message_row, mta, original_message_id, original_subject, reporting_mta,
               arrival_utc, date_utc, source, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?)
           ON CONFLICT (bounce_key) DO NOTHING""",
        (key, message_row, bounce.mta, bounce.original_message_id, bounce.original_subject, bounce.reporting_mta,
         _iso(bounce.arrival_date), _iso(bounce.date), source, _now()),
    )  # fmt: skip
    if cursor.rowcount == 0:
        return False
    journal.db.executemany(
        """INSERT INTO bounce_recipients (bounce, recipient, action, status, diagnostic, remote_mta, kind, reason)
           VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (bounce, recipient) DO NOTHING""",
        [
            (cursor.lastrowid, r.address, r.action, r.status, r.diagnostic, r.remote_mta, r.kind, r.reason)
            for r in bounce.recipients
        ],
    )
    return True


def store(journal: Journal, found: Found, *, source: str, key: str, message_row: int | None = None) -> IngestResult:
    """Write what one mail or file held; ``key`` identifies a bounce (the mail's identity key)."""
    result = IngestResult()
    with journal.transaction():
        for report in found.aggregate:
            if _store_aggregate(journal, report, source, message_row):
                result.dmarc_new += 1
            else:
                result.dmarc_known += 1
        for tls_report in found.tls:
            if _store_tls(journal, tls_report, source, message_row):
                result.tls_new += 1
            else:
                result.tls_known += 1
        if found.bounce is not None:
            if _store_bounce(journal, found.bounce, key, source, message_row):
                result.bounces_new += 1
            else:
                result.bounces_known += 1
    return result


def _file_key(data: bytes) -> str:
    try:
        return parse_message(data).key
    except QuarantineReason:
        return "sha256:" + hashlib.sha256(data).hexdigest()


def _quarantine_file(journal: Journal, name: str, reason: str, data: bytes) -> bool:
    known = journal.db.execute(
        "SELECT 1 FROM quarantine WHERE account=? AND folder=? AND size=? AND reason=?",
        (FILE_ACCOUNT, name, len(data), reason),
    ).fetchone()
    if known:
        return False
    with journal.transaction():
        journal.quarantine(FILE_ACCOUNT, name, reason, data)
    return True


def ingest_file(journal: Journal, path: Path | str) -> IngestResult:
    """One report file or saved mail; a bad one is quarantined (once) with the reason."""
    path = Path(path)
    result = IngestResult()
    if path.stat().st_size > MAX_PACKED:
        reason = f"{path.name}: {path.stat().st_size // 2**20} MiB is larger than a report can be"
        _quarantine_file(journal, str(path), reason, path.read_bytes()[:MAX_PACKED])
        result.quarantined, result.problems = 1, [reason]
        return result
    data = path.read_bytes()
    try:
        found = recognise_file(data, path.name)
    except ReportError as exc:
        _quarantine_file(journal, str(path), str(exc), data)
        result.quarantined, result.problems = 1, [str(exc)]
        return result
    if found is None:
        result.not_reports = 1
        return result
    result = store(journal, found, source=str(path), key=_file_key(data) if found.bounce else "")
    return result


def _files(paths: Iterable[Path | str]) -> list[Path]:
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and _REPORT_FILES.search(p.name)))
        else:
            files.append(path)
    return files


def ingest_paths(
    journal: Journal, paths: Iterable[Path | str], progress: Callable[[int, int], None] | None = None
) -> IngestResult:
    """Files and folders (searched for ``.xml``, ``.zip``, ``.gz``, ``.json``, ``.eml``), then bounces linked."""
    files = _files(paths)
    total = IngestResult()
    for done, path in enumerate(files, start=1):
        total.add(ingest_file(journal, path))
        if progress:
            progress(done, len(files))
    total.linked += link_bounces(journal)
    return total


def _candidate(from_addr: str | None, subject: str | None, attachment_names: str | None) -> bool:
    """Cheap test on journal columns before any raw message is read: only report-like mail is parsed."""
    from_addr, subject = from_addr or "", subject or ""
    return bool(
        _DMARC_SUBJECT.search(subject)
        or _BOUNCE_SENDERS.search(from_addr)
        or _BOUNCE_SUBJECTS.search(subject)
        or re.search(r"\.(?:xml|zip|gz)\b", attachment_names or "", re.IGNORECASE)
    )


def _examine(journal: Journal, row: int, key: str, owner: str, subject: str | None, total: IngestResult) -> str:
    """Parse one report-like journal mail into the tables (or the quarantine); returns what it was."""
    try:
        raw = journal.raw(row)
    except SyncError:  # a journal without the bytes (a synthetic one): nothing to read
        total.not_reports += 1
        return "no raw message"
    try:
        found = recognise(raw)
    except Exception as exc:  # a bad report (or a parser's bug) never stops the sync: it is quarantined
        detail = str(exc) if isinstance(exc, ReportError) else f"unreadable ({type(exc).__name__}: {exc})"
        reason = f"report in journal message {row} ({subject or 'no subject'}): {detail}"
        with journal.transaction():
            journal.quarantine(owner, SCAN_FOLDER, reason, raw)
        total.quarantined += 1
        total.problems.append(reason)
        return "quarantined"
    if found is None:
        total.not_reports += 1
        return "none"
    total.add(store(journal, found, source=f"{owner} (journal message {row})", key=key, message_row=row))
    return found.kind


def _mark_scanned(journal: Journal, scanned: list[tuple[int, str, str]]) -> None:
    with journal.transaction():
        journal.db.executemany(
            "INSERT INTO report_scans (message_row, found, scanned_at) VALUES (?,?,?) ON CONFLICT DO NOTHING", scanned
        )
    scanned.clear()


def scan_journal(journal: Journal, *, account: str | None = None, cancel=None) -> IngestResult:
    """Look at incoming journal mail not yet looked at: reports and bounces into their tables.

    Only report-like mail (by sender, subject, attachment names) is read and parsed; what was looked
    at is remembered in batches, so a first scan of a large journal costs one commit per 1,000 mails.
    """
    query = """SELECT m.id, m.message_key, m.account, m.from_addr, m.subject,
                      (SELECT group_concat(a.name, ' ') FROM attachments a WHERE a.message_id = m.id)
               FROM messages m LEFT JOIN report_scans r ON r.message_row = m.id
               WHERE r.message_row IS NULL AND m.direction = 'in'"""
    rows = journal.db.execute(query + (" AND m.account = ?" if account else "") + " ORDER BY m.id",
                              (account,) if account else ()).fetchall()  # fmt: skip
    total = IngestResult()
    scanned: list[tuple[int, str, str]] = []
    for row, key, owner, from_addr, subject, names in rows:
        if cancel is not None and cancel.is_set():
            break
        if _candidate(from_addr, subject, names):
            found_kind = _examine(journal, row, key, owner, subject, total)
        else:
            total.not_reports += 1
            found_kind = "none"
        scanned.append((row, found_kind, _now()))
        if len(scanned) >= 1000:
            _mark_scanned(journal, scanned)
    _mark_scanned(journal, scanned)
    total.linked += link_bounces(journal)
    return total


def link_bounces(journal: Journal) -> int:
    """Link bounced recipients to the send they bounce: by the original Message-ID, else recipient and time."""
    linked = "SELECT count(*) FROM bounce_recipients WHERE send_id IS NOT NULL"
    with journal.transaction():
        before = journal.db.execute(linked).fetchone()[0]
        journal.db.execute(
            """UPDATE bounce_recipients SET send_id = (
                   SELECT s.id FROM sends s, bounces b
                   WHERE b.id = bounce_recipients.bounce AND b.original_message_id IS NOT NULL
                     AND lower(s.message_id) = lower(trim(b.original_message_id, '<> '))
                   ORDER BY s.id DESC LIMIT 1)
               WHERE send_id IS NULL AND EXISTS (
                   SELECT 1 FROM sends s, bounces b
                   WHERE b.id = bounce_recipients.bounce AND b.original_message_id IS NOT NULL
                     AND lower(s.message_id) = lower(trim(b.original_message_id, '<> ')))"""
        )
        journal.db.execute(
            f"""UPDATE bounce_recipients SET send_id = (
                   SELECT s.id FROM sends s, json_each(s.recipients) r, bounces b
                   WHERE b.id = bounce_recipients.bounce AND lower(r.value) = bounce_recipients.recipient
                     AND s.status = 'sent'
                     AND s.created_at <= coalesce(b.date_utc, b.ingested_at)
                     AND s.created_at >= datetime(coalesce(b.date_utc, b.ingested_at), '-{LINK_WINDOW_DAYS} days')
                   ORDER BY s.created_at DESC LIMIT 1)
               WHERE send_id IS NULL AND bounce IN (SELECT id FROM bounces WHERE original_message_id IS NULL
                   OR NOT EXISTS (SELECT 1 FROM sends s WHERE
                       lower(s.message_id) = lower(trim(bounces.original_message_id, '<> '))))"""
        )
        return journal.db.execute(linked).fetchone()[0] - before
