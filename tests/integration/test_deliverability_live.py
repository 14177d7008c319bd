"""Deliverability against the sandbox: a real DSN for an unknown recipient, reports synced from a mailbox."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import random
import subprocess
import sys
import zipfile

from mailkit.deliverability.frames import bounced_sends
from mailkit.journal import Journal
from mailkit.net.connect import imap_login
from mailkit.sandbox.reports import aggregate_report, pack, report_mail
from mailkit.send import DocumentMail, send_mail
from mailkit.sync import SyncOptions
from mailkit.sync.watch import sync_account

DAY = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def test_mail_to_an_unknown_recipient_bounces_and_the_send_shows_it(fresh_sandbox, tmp_path):
    ws = fresh_sandbox.workspace
    account = ws.get("info")
    with Journal(tmp_path / "journal.sqlite") as journal:
        known = send_mail(account, ws, journal, DocumentMail("invoice", ["einkauf@partner.test"], "Rechnung 1", "x"))
        gone = send_mail(account, ws, journal, DocumentMail("invoice", ["weg@partner.test"], "Rechnung 2", "anbei"))
        assert known.status == gone.status == "sent"  # accepted: the bounce comes later, as from a real MTA
        result = sync_account(account, ws, journal, SyncOptions(folders=["INBOX"]))
        assert result.ok and result.reports["bounces_new"] == 1 and result.reports["linked"] == 1
        frame = bounced_sends(journal)
        again = sync_account(account, ws, journal, SyncOptions(folders=["INBOX"]))
        assert again.reports["bounces_new"] == 0 and len(bounced_sends(journal)) == 1
    row = frame.iloc[0]
    assert (row["recipient"], row["kind"], row["reason"], row["status"]) == (
        "weg@partner.test",
        "hard",
        "unknown_user",
        "5.1.1",
    )
    assert row["send"] == gone.send_id and row["send_status"] == "sent" and row["subject"] == "Rechnung 2"


def _bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("google.com!kunde.test!1772323200!1772409599.xml", b" " * (300 * 2**20))
    return buffer.getvalue()


def _google_mail(filename: str, data: bytes, mime: str, report_id: str, message_id: str | None = None) -> bytes:
    return report_mail(filename, data, mime, org="google.com", contact="noreply-dmarc-support@google.com",
                       to="info@mailkit.test", domain="mailkit.test", report_id=report_id, when=DAY,
                       message_id=message_id)  # fmt: skip


def test_reports_synced_from_a_mailbox_count_once_and_bad_ones_are_quarantined(fresh_sandbox, tmp_path):
    ws = fresh_sandbox.workspace
    account = ws.get("info")
    name, xml = aggregate_report(random.Random(4), "mailkit.test", DAY)
    report_id = xml.split(b"<report_id>")[1].split(b"<")[0].decode()
    # the same report, re-sent in each packing (a re-sent report is a new mail), then two bad ones
    mails = [
        _google_mail(*pack(name, xml, packing), report_id, f"<{packing}.{report_id}@google.com>")
        for packing in ("xml", "gz", "zip")
    ]
    mails.append(_google_mail("bad.xml", b"<feedback><report_metadata>", "text/xml", "bad0"))
    mails.append(_google_mail("google.com!mailkit.test!1!2.zip", _bomb(), "application/zip", "bad1"))
    with imap_login(account, ws) as client:
        client.create_folder("DMARC")
        for mail in mails:
            client.append("DMARC", mail)
    journal_file = tmp_path / "journal.sqlite"
    with Journal(journal_file) as journal:
        result = sync_account(account, ws, journal, SyncOptions(folders=["DMARC"]))
        assert result.ok and result.totals["new"] == 5  # every mail is in the journal, reports or not
        assert (result.reports["dmarc_new"], result.reports["dmarc_known"], result.reports["quarantined"]) == (1, 2, 2)
        records = journal.db.execute("SELECT count(*), sum(count) FROM dmarc_records").fetchone()
        reasons = [row["reason"] for row in journal.quarantined("info")]
    assert records == (xml.count(b"<record>"), sum(int(c) for c in _counts(xml)))
    assert any("invalid XML" in r for r in reasons) and any("zip bomb" in r for r in reasons)
    # the same reports from files: known already, by organisation and report id
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "r.xml.gz").write_bytes(gzip.compress(xml))
    cli = subprocess.run([sys.executable, "-m", "mailkit", "journal", "ingest-reports", str(tmp_path / "in"),
                          "--journal", str(journal_file)], capture_output=True, text=True, timeout=120)  # fmt: skip
    assert cli.returncode == 0 and "0 DMARC reports new, 1 known" in cli.stdout, cli.stderr


def _counts(xml: bytes) -> list[bytes]:
    return [part.split(b"</count>")[0] for part in xml.split(b"<count>")[1:]]
