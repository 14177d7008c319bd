"""Journal analysis on a journal filled by a real IMAP sync and real sends through the sandbox."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from mailkit import analysis
from mailkit.errors import SendError
from mailkit.journal import Journal, frames
from mailkit.net.connect import imap_login
from mailkit.send import Attachment, DocumentMail, send_mail
from mailkit.sync import SyncOptions, import_imap

AR_PASS = "mx.mailkit.test; spf=pass smtp.mailfrom=kunde.test; dkim=pass header.d=kunde.test; dmarc=pass"
AR_FAIL = "mx.mailkit.test; spf=fail (not permitted) smtp.mailfrom=kunde.test; dkim=none; dmarc=fail"
AR_SOFT = "mx.mailkit.test;\r\n\tspf=softfail smtp.mailfrom=lieferant.test;\r\n\tdkim=pass; dmarc=pass"


def raw(mid: str, sender: str, to: str, date: str, subject: str, headers: str = "") -> bytes:
    return (
        f"Message-ID: <{mid}>\r\nFrom: {sender}\r\nTo: {to}\r\nDate: {date}\r\nSubject: {subject}\r\n{headers}"
        "\r\nText\r\n"
    ).encode()


def append(account, workspace, folder: str, raws: list[bytes]) -> None:
    with imap_login(account, workspace) as client:
        if not client.folder_exists(folder):
            client.create_folder(folder)
        for message in raws:
            client.append(folder, message)


def mailkit(workspace, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mailkit", "-w", str(workspace.path), *args], capture_output=True, text=True, timeout=120
    )


def test_every_report_export_and_the_cli_on_a_synced_journal(fresh_sandbox, tmp_path):
    ws = fresh_sandbox.workspace
    account = ws.get("info")
    customer, supplier = "Einkauf <einkauf@kunde.test>", "service@lieferant.test"
    append(account, ws, "INBOX", [
        raw("q1@kunde.test", customer, "info@mailkit.test", "Mon, 02 Nov 2026 09:00:00 +0100", "Anfrage Zahnräder",
            f"Authentication-Results: {AR_PASS}\r\n"),
        raw("q2@kunde.test", customer, "info@mailkit.test", "Tue, 03 Nov 2026 10:00:00 +0100", "Reklamation",
            f"Authentication-Results: {AR_FAIL}\r\n"),
        raw("q3@lieferant.test", supplier, "info@mailkit.test", "Wed, 04 Nov 2026 14:00:00 +0100", "Lieferung",
            f"Authentication-Results: {AR_SOFT}\r\n"),
    ])  # fmt: skip
    append(account, ws, "Sent", [
        raw("r1@mailkit.test", "info@mailkit.test", "einkauf@kunde.test", "Mon, 02 Nov 2026 09:45:00 +0100",
            "AW: Anfrage Zahnräder", "In-Reply-To: <q1@kunde.test>\r\nReferences: <q1@kunde.test>\r\n"),
        raw("r3@mailkit.test", "info@mailkit.test", supplier, "Thu, 05 Nov 2026 09:00:00 +0100", "AW: Lieferung",
            "References: <q3@lieferant.test>\r\n"),
        raw("x2@mailkit.test", "info@mailkit.test", "einkauf@kunde.test", "Tue, 03 Nov 2026 11:00:00 +0100",
            "AW: Reklamation"),  # the same subject, but no reply: threads follow headers
    ])  # fmt: skip
    with Journal(ws.journal_file) as journal:
        # real sends: one reaches one of two recipients, one is refused as a relay attempt
        pdf = Attachment("Angebot 1.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
        partly = DocumentMail(document_type="quote", to=["einkauf@kunde.test", "niemand@mailkit.test"],
                              subject="Angebot 1", text="anbei", attachments=[pdf], record_number="1")  # fmt: skip
        assert send_mail(account, ws, journal, partly).refused
        with pytest.raises(SendError):
            send_mail(account, ws, journal, DocumentMail(document_type="invoice", to=["wer@anderswo.test"],
                                                         subject="Rechnung 2", text="anbei"))  # fmt: skip
        synced = import_imap(account, ws, journal, SyncOptions(folders=["INBOX", "Sent"]))
        assert synced.ok and synced.totals["new"] == 6  # the Sent copy of the quote is known already

        messages = journal.messages()
        assert len(messages) == 7 and messages["direction"].value_counts().to_dict() == {"out": 4, "in": 3}
        times = analysis.response_times(messages, frames.references(journal))
        by_id = dict(zip(messages.set_index("id").loc[times["id"], "message_id"], times["delay"], strict=True))
        assert by_id == {
            "q1@kunde.test": pd.Timedelta(minutes=45),
            "q2@kunde.test": pd.NaT,
            "q3@lieferant.test": pd.Timedelta(hours=19),
        }
        stats = analysis.response_stats(times, "account")
        assert stats.loc["info", "median"] == pd.Timedelta(hours=9, minutes=52, seconds=30)

        auth = analysis.authentication(messages)
        assert auth.loc["kunde.test", ("dmarc", "pass")] == 1 and auth.loc["kunde.test", ("dmarc", "fail")] == 1
        assert auth.loc["lieferant.test", ("spf", "softfail")] == 1

        recipients = frames.send_recipients(journal)
        reasons = analysis.failures_by_reason(recipients)
        assert reasons[["smtp_code", "enhanced", "failures"]].values.tolist() == [[550, "5.1.1", 1], [550, "5.7.1", 1]]
        assert reasons["meaning"].tolist() == [
            "recipient address does not exist",
            "refused: relaying denied, sender blocked or spam",
        ]
        domains = analysis.failures_by_domain(recipients)
        assert sorted(domains.index) == ["anderswo.test", "mailkit.test"] and domains["rate"].tolist() == [1.0, 1.0]

        health = analysis.run_health(journal.runs(), frames.quarantine(journal))
        assert health["ok"].tolist() == [1, 1] and health.index.get_level_values("folder").tolist() == ["INBOX", "Sent"]
        assert analysis.attachment_types(journal.attachments_frame()).index.tolist() == ["application/pdf"]
        assert analysis.records(messages).index.tolist() == [("quote", "1")]
        assert analysis.correspondents(messages).loc["kunde.test", "total"] == 5
        assert analysis.volume(messages, "day", by="direction").loc["2026-11-02"].tolist() == [1, 1]
        figure = analysis.plot_failures(reasons, "de")
        assert figure.axes[0].get_title() == "Zustellfehler nach Ursache"

        summary = analysis.summary(journal).to_dict()
        assert summary["messages"]["total"] == 7 and summary["sends"]["failed"] == 1
        assert summary["response"]["answered"] == 2 and summary["authentication"]["checked"] == 3

    out = mailkit(ws, "journal", "report", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["data"] == summary
    german = mailkit(ws, "journal", "report", "--lang", "de", "--since", "2026-11-03", "--until", "2026-11-05")
    assert german.returncode == 0 and "Nachrichten        3 (2 ein, 1 aus)" in german.stdout, german.stdout
    for fmt, reader in (("parquet", pd.read_parquet), ("csv", pd.read_csv)):
        out = mailkit(ws, "journal", "export", "--format", fmt, "--out", str(tmp_path / fmt), "--json")
        assert out.returncode == 0, out.stderr
        files = {f["path"].rpartition("/")[2]: f["rows"] for f in json.loads(out.stdout)["data"]["files"]}
        assert files[f"messages.{fmt}"] == 7 and files[f"send_recipients.{fmt}"] == 3
        assert reader(tmp_path / fmt / f"runs.{fmt}")["status"].tolist() == ["ok", "ok"]
