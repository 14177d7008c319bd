"""Reports and bounces into the journal (SQLite, no server): idempotence, quarantine, linking to sends."""

from __future__ import annotations

import datetime as dt
import email.utils
import gzip
import random

from mailkit.deliverability.ingest import FILE_ACCOUNT, ingest_paths, scan_journal
from mailkit.journal.parse import parse_message
from mailkit.journal.store import Journal
from mailkit.sandbox.bounces import labelled_bounces
from mailkit.sandbox.reports import aggregate_report, pack, report_mail, reports_mailbox

DAY = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def _rows(journal, sql):
    return journal.db.execute(sql).fetchall()


def test_same_report_as_xml_gz_zip_and_twice_counts_once(tmp_path):
    name, xml = aggregate_report(random.Random(5), "kunde.example", DAY, reporter=1)
    for packing in ("xml", "gz", "zip"):
        filename, data, _ = pack(name, xml, packing)
        (tmp_path / f"{packing}-{filename}").write_bytes(data)
    with Journal(tmp_path / "j.sqlite") as journal:
        first = ingest_paths(journal, [tmp_path])
        again = ingest_paths(journal, [tmp_path])
        assert (first.dmarc_new, first.dmarc_known, again.dmarc_new, again.dmarc_known) == (1, 2, 0, 3)
        records = _rows(journal, "SELECT source_ip, count, dkim, spf FROM dmarc_records ORDER BY id")
        assert len(records) == xml.count(b"<record>")
        assert (
            _rows(journal, "SELECT sum(count) FROM dmarc_records")[0][0]
            == _rows(journal, "SELECT messages FROM dmarc_reports")[0][0]
        )


def test_bad_files_are_quarantined_once_with_their_reason(tmp_path):
    (tmp_path / "broken.xml").write_bytes(b"<feedback><report_metadata>")
    (tmp_path / "bomb.xml.gz").write_bytes(gzip.compress(b" " * (64 * 2**20), 9))
    (tmp_path / "schema.xml").write_bytes(b"<feedback><policy_published/></feedback>")
    with Journal(tmp_path / "j.sqlite") as journal:
        result = ingest_paths(journal, [tmp_path])
        ingest_paths(journal, [tmp_path])
        rows = journal.quarantined(FILE_ACCOUNT)
    assert result.quarantined == 3 and len(rows) == 3
    reasons = {row["folder"].rpartition("/")[2]: row["reason"] for row in rows}
    assert "invalid XML" in reasons["broken.xml"]
    assert "zip bomb" in reasons["bomb.xml.gz"]
    assert "wrong schema" in reasons["schema.xml"]


def _send(journal, message_id, recipient):
    send = journal.start_send(account="firma", message_id=message_id, sender="rechnung@mailkit.example",
                              recipients=[recipient], subject="Rechnung", transport="smtp")  # fmt: skip
    journal.finish_send(send, status="sent", smtp_code=250)
    return send


def test_bounces_link_to_their_send_by_message_id_or_by_recipient_and_time(tmp_path):
    bounce = labelled_bounces(1, seed=3)[0]
    plain = (
        f"From: MAILER-DAEMON@mx.mailkit.example\r\nTo: rechnung@mailkit.example\r\nSubject: failure notice\r\n"
        f"Date: {email.utils.format_datetime(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5))}\r\n"
        "Message-ID: <q1@mx.mailkit.example>\r\n\r\nHi. This is the qmail-send program at mx.mailkit.example.\r\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\r\n\r\n"
        "<weg@kunde.example>:\r\nSorry, no mailbox here by that name. (#5.1.1)\r\n"
    ).encode()
    (tmp_path / "a.eml").write_bytes(bounce.data)
    (tmp_path / "b.eml").write_bytes(plain)
    with Journal(tmp_path / "j.sqlite") as journal:
        by_id = _send(journal, bounce.original_message_id.strip("<>"), bounce.recipient)
        by_time = _send(journal, "other@mailkit.example", "weg@kunde.example")
        _send(journal, "unrelated@mailkit.example", "jemand@kunde.example")
        result = ingest_paths(journal, [tmp_path])
        assert (result.bounces_new, result.linked) == (2, 2)
        frame = journal_frame(journal)
    linked = dict(zip(frame["recipient"], frame["send"], strict=True))
    assert linked == {bounce.recipient: by_id, "weg@kunde.example": by_time}
    assert set(frame["reason"]) >= {"unknown_user"} and set(frame["send_status"]) == {"sent"}


def journal_frame(journal):
    from mailkit.deliverability.frames import bounced_sends

    return bounced_sends(journal)


def test_scan_journal_finds_reports_and_bounces_once_and_quarantines_bad_ones(tmp_path):
    mails = reports_mailbox("kunde.example", "dmarc@kunde.example", days=1)
    mails.append(labelled_bounces(2, seed=9)[1].data)
    mails.append(b"From: jo@kunde.example\r\nSubject: Hallo\r\nMessage-ID: <h@k.example>\r\n\r\nkein Bericht\r\n")
    mails.append(report_mail("r.xml.gz", b"\x1f\x8b garbage", "application/gzip", org="x", contact="x@x.example",
                             to="dmarc@kunde.example", domain="kunde.example", report_id="9", when=DAY))  # fmt: skip
    with Journal(tmp_path / "j.sqlite") as journal:
        with journal.transaction():
            for raw in mails:
                journal.add_message(parse_message(raw), raw, account="reports", direction="in")
        first = scan_journal(journal)
        second = scan_journal(journal)
        assert (first.dmarc_new, first.tls_new, first.bounces_new, first.quarantined) == (4, 2, 1, 1)
        assert first.not_reports == 1
        assert second.to_dict() == type(second)().to_dict()  # nothing looked at twice
        quarantined = journal.quarantined("reports")
    assert len(quarantined) == 1 and "gzip" in quarantined[0]["reason"]


def test_a_file_larger_than_any_report_is_quarantined_unread(tmp_path, monkeypatch):
    import mailkit.deliverability.ingest as ingest

    monkeypatch.setattr(ingest, "MAX_PACKED", 1024)
    (tmp_path / "huge.xml").write_bytes(b"<feedback>" + b" " * 4096 + b"</feedback>")
    with Journal(tmp_path / "j.sqlite") as journal:
        result = ingest_paths(journal, [tmp_path / "huge.xml"])
        rows = journal.quarantined(FILE_ACCOUNT)
    assert result.quarantined == 1 and "larger than a report can be" in rows[0]["reason"]
    assert rows[0]["size"] == 1024  # what is kept is bounded too


def test_the_cli_lists_bounced_sends_and_the_deliverability_view(tmp_path, capsys):
    import json

    from mailkit.cli import main

    journal_file = tmp_path / "j.sqlite"
    for index, mail in enumerate(reports_mailbox("kunde.example", "dmarc@kunde.example", days=2)):
        (tmp_path / f"r{index}.eml").write_bytes(mail)
    bounce = labelled_bounces(1, seed=5)[0]
    (tmp_path / "b.eml").write_bytes(bounce.data)

    def mailkit(*args) -> tuple[int, str]:
        code = main(["journal", *args, "--journal", str(journal_file)])
        return code, capsys.readouterr().out

    assert mailkit("ingest-reports", str(tmp_path))[0] == 0
    code, out = mailkit("deliverability", "--no-dns", "--json")
    data = json.loads(out)["data"]
    assert code == 0 and data["readiness"][0]["domain"] == "kunde.example" and data["readiness"][0]["verdict"]
    assert sum(row["bounces"] for row in data["bounces"]) == 1
    code, out = mailkit("bounces")
    assert code == 0 and bounce.recipient in out and bounce.reason in out
