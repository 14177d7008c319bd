"""The journal as DataFrames: types, filters in SQL, the fast authentication path, export, synthetic journals."""

import datetime as dt
import json
import sqlite3
import subprocess
import sys

import pandas as pd
import pytest

from mailkit import analysis
from mailkit.analysis import parse_authentication_results
from mailkit.errors import SyncError
from mailkit.journal import Journal, frames, parse_message
from mailkit.journal.synthetic import SMTP_FAILURES, generate

UTC_US = pd.DatetimeTZDtype(unit="us", tz="UTC")


def mail(mid, sender, to, date, subject="Hallo", *, reply_to=None, refs=(), auth=(), cc=(), pdf=False) -> bytes:
    """A small RFC 822 message with just the headers the journal reads."""
    lines = [f"Message-ID: <{mid}>", f"From: {sender}", f"To: {', '.join(to)}", f"Date: {date}", f"Subject: {subject}"]
    lines += [f"Cc: {', '.join(cc)}"] if cc else []
    lines += [f"In-Reply-To: <{reply_to}>"] if reply_to else []
    lines += [f"References: {' '.join(f'<{r}>' for r in refs)}"] if refs else []
    lines += [f"Authentication-Results: {a}" for a in auth]
    if not pdf:
        return ("\r\n".join(lines) + "\r\n\r\nText\r\n").encode()
    lines += ["MIME-Version: 1.0", 'Content-Type: multipart/mixed; boundary="B"']
    body = (
        "--B\r\nContent-Type: text/plain\r\n\r\nanbei\r\n--B\r\nContent-Type: application/pdf\r\n"
        'Content-Disposition: attachment; filename="Rechnung 7.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        "JVBERi0xLjQKJSVFT0YK\r\n--B--\r\n"
    )
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def add(journal, raw, account="info", direction="in", status="imported") -> int:
    with journal.transaction():
        return journal.add_message(parse_message(raw), raw, account=account, direction=direction, status=status)[0]


@pytest.fixture
def journal(tmp_path):
    with Journal(tmp_path / "journal.sqlite") as j:
        inbound = add(
            j,
            mail(
                "a1@kunde.test", "Jo <jo@Kunde.test>", ["info@firma.test"], "Mon, 02 Nov 2026 09:00:00 +0100",
                "Anfrage", auth=["mx.firma.test; spf=pass smtp.mailfrom=kunde.test; dkim=none; dmarc=pass"],
            ),
        )  # fmt: skip
        reply = add(
            j,
            mail("b1@firma.test", "info@firma.test", ["jo@kunde.test"], "Mon, 02 Nov 2026 10:30:00 +0100",
                 "AW: Anfrage", reply_to="a1@kunde.test", refs=["a1@kunde.test"], cc=["chef@kunde.test"], pdf=True),
            direction="out",
        )  # fmt: skip
        add(j, mail("c1@shop.test", "shop@shop.test", ["vertrieb@firma.test"], "Tue, 03 Nov 2026 23:30:00 +0000"),
            account="vertrieb")  # fmt: skip
        j.link_record(reply, "quote", "4711")
        j.link_record(inbound, "quote", "4711")
        with j.transaction():
            ok = j.start_send(account="info", message_id="b1@firma.test", sender="info@firma.test",
                              recipients=["jo@kunde.test", "chef@kunde.test"], transport="smtp",
                              document_type="quote", record_number="4711")  # fmt: skip
            j.finish_send(ok, status="sent", smtp_code=250, smtp_reply="2.0.0 OK", message_row=reply,
                          refused={"chef@kunde.test": (550, "5.1.1 <chef@kunde.test>: unknown")})  # fmt: skip
            bad = j.start_send(account="info", message_id="x@firma.test", sender="info@firma.test",
                               recipients=["nie@nirgends.test"], transport="smtp")  # fmt: skip
            j.finish_send(bad, status="failed", smtp_code=550, smtp_reply="5.7.1 relay access denied")
            run = j.start_run("info", "INBOX", "imap")
            j.finish_run(run, "ok", {"new": 2, "bytes": 900})
            j.quarantine("info", "INBOX", "empty message", b"\r\n", 7, 3)
        yield j


def test_messages_have_typed_columns_and_the_values_of_the_journal(journal):
    m = journal.messages()
    assert list(m.columns) == list(frames.MESSAGE_COLUMNS)
    assert m["id"].dtype == "int64" and m["date"].dtype == UTC_US and m["first_seen"].dtype == UTC_US
    for column in ("account", "direction", "status", "from_addr", "correspondent", "domain", "record_type", "spf"):
        assert isinstance(m[column].dtype, pd.CategoricalDtype), column
    assert list(m["direction"].cat.categories) == ["in", "out"]
    assert m["size"].dtype == "Int64" and m["parse_errors"].dtype == "Int64"
    assert m["date"].tolist() == [
        pd.Timestamp("2026-11-02 08:00", tz="UTC"),
        pd.Timestamp("2026-11-02 09:30", tz="UTC"),
        pd.Timestamp("2026-11-03 23:30", tz="UTC"),
    ]
    # the other party: the sender of inbound mail, the first To of outbound mail
    assert m["correspondent"].tolist() == ["jo@kunde.test", "jo@kunde.test", "shop@shop.test"]
    assert m["domain"].tolist() == ["kunde.test", "kunde.test", "shop.test"]
    assert m[["spf", "dkim", "dmarc"]].iloc[0].tolist() == ["pass", "none", "pass"]
    assert m[["spf", "dkim", "dmarc"]].iloc[1:].isna().all().all()  # no header: nothing was checked
    assert m["record_number"].tolist()[:2] == ["4711", "4711"] and pd.isna(m["record_number"].iloc[2])


def test_filters_are_applied_in_sql(journal):
    assert journal.messages(direction="out")["id"].tolist() == [2]
    assert journal.messages(account=["vertrieb"])["subject"].tolist() == ["Hallo"]
    assert len(journal.messages(since=dt.date(2026, 11, 3))) == 1
    assert len(journal.messages(until="2026-11-02T09:30:00+00:00")) == 1  # until is exclusive
    assert len(journal.messages(since=dt.datetime(2026, 11, 2, 9, 30))) == 2  # naive means UTC
    assert journal.messages(record=("quote", 4711))["id"].tolist() == [1, 2]
    assert journal.messages(record="quote", direction="in")["id"].tolist() == [1]
    assert journal.messages(status="sent").empty
    assert journal.sends(status="failed")["smtp_code"].tolist() == [550]
    assert journal.sends(record=("quote", "4711"))["recipients"].tolist() == [2]
    with pytest.raises(ValueError, match="direction"):
        journal.messages(direction="sideways")
    with pytest.raises(ValueError, match="unknown column"):
        journal.messages(columns=["id", "nope"])


def test_a_column_subset_loads_only_what_was_asked(journal):
    m = journal.messages(columns=["domain", "id"])
    assert list(m.columns) == ["domain", "id"] and m["domain"].tolist()[0] == "kunde.test"
    assert journal.sends(columns=["status"])["status"].tolist() == ["sent", "failed"]
    assert list(journal.attachments_frame(columns=["size", "mime_type"]).columns) == ["size", "mime_type"]


def test_long_frames_for_recipients_references_and_attachments(journal):
    r = frames.recipients(journal)
    assert r[["id", "field", "address"]].astype(str).values.tolist() == [
        ["1", "to", "info@firma.test"],
        ["2", "to", "jo@kunde.test"],
        ["2", "cc", "chef@kunde.test"],
        ["3", "to", "vertrieb@firma.test"],
    ]
    refs = frames.references(journal)
    assert refs[["id", "position", "ref"]].values.tolist() == [[2, 0, "a1@kunde.test"]]
    a = journal.attachments_frame()
    assert a[["message", "name", "mime_type", "size"]].values.tolist() == [[2, "Rechnung 7.pdf", "application/pdf", 15]]
    assert a["date"].dtype == UTC_US and a["size"].dtype == "Int64"
    assert journal.attachments_frame(direction="in").empty


def test_sends_and_their_recipients_with_each_outcome(journal):
    s = journal.sends()
    assert s[["status", "smtp_code", "recipients", "refused"]].astype(str).values.tolist() == [
        ["sent", "250", "2", "1"],
        ["failed", "550", "1", "0"],
    ]
    assert s["created_at"].dtype == UTC_US and s["smtp_code"].dtype == "Int64" and pd.isna(s["sent_at"].iloc[1])
    r = frames.send_recipients(journal)
    assert r[["send", "recipient", "domain", "outcome"]].astype(str).values.tolist() == [
        ["1", "jo@kunde.test", "kunde.test", "accepted"],
        ["1", "chef@kunde.test", "kunde.test", "refused"],
        ["2", "nie@nirgends.test", "nirgends.test", "failed"],
    ]
    assert r["smtp_code"].tolist()[1:] == [550, 550] and pd.isna(r["smtp_code"].iloc[0])
    assert r["smtp_reply"].tolist()[1:] == ["5.1.1 <chef@kunde.test>: unknown", "5.7.1 relay access denied"]


def test_runs_and_quarantine(journal):
    journal.db.execute(
        "UPDATE runs SET started_at='2026-11-02T08:00:00+00:00', finished_at='2026-11-02T08:00:07+00:00'"
    )
    r = journal.runs()
    assert r[["account", "folder", "status", "new", "bytes"]].astype(str).values.tolist() == [
        ["info", "INBOX", "ok", "2", "900"]
    ]
    assert r["duration"].tolist() == [pd.Timedelta(seconds=7)] and r["dry_run"].dtype == bool
    assert journal.runs(status="failed").empty and journal.runs(account="info").shape[0] == 1
    q = frames.quarantine(journal)
    assert q[["account", "reason", "size", "uid"]].values.tolist() == [["info", "empty message", 2, 3]]


def test_an_empty_journal_gives_empty_frames_of_the_same_types(tmp_path):
    with Journal(tmp_path / "empty.sqlite") as j:
        m = j.messages()
        assert m.empty and m["date"].dtype == UTC_US and isinstance(m["account"].dtype, pd.CategoricalDtype)
        assert j.runs().empty and j.sends()["smtp_code"].dtype == "Int64" and frames.send_recipients(j).empty
        summary = analysis.summary(j).to_dict()
        assert summary["messages"]["total"] == 0 and summary["response"]["median_hours"] is None


AUTH_HEADERS = [
    "mx.firma.test; spf=pass smtp.mailfrom=a.test; dkim=pass header.d=a.test; dmarc=pass header.from=a.test",
    "mx.firma.test;\r\n\tspf=softfail (sender IP is 192.0.2.1) smtp.mailfrom=b.test;\r\n\tdkim=none (no signatures)"
    ";\r\n\tdmarc=fail (p=reject dis=reject) header.from=b.test",
    'mx.firma.test; dkim=fail reason="bad signature" header.d=c.test; dkim=pass header.d=esp.test; spf=neutral',
    "mx.firma.test 1; none",
    "mx.firma.test; spf=temperror smtp.mailfrom=d.test; dmarc=permerror header.from=d.test",
    "mx.firma.test; dmarc=none (p=none) header.from=e.test; spf=fail smtp.mailfrom=e.test; dkim=policy",
]


def test_the_sql_path_for_authentication_agrees_with_the_rfc_8601_parser(tmp_path):
    with Journal(tmp_path / "auth.sqlite") as j:
        for number, header in enumerate(AUTH_HEADERS):
            add(j, mail(f"m{number}@x.test", "x@x.test", ["info@firma.test"], "Mon, 02 Nov 2026 09:00:00 +0000",
                        auth=[header]))  # fmt: skip
        found = j.messages(columns=["spf", "dkim", "dmarc"]).astype(str).values.tolist()
    expected = [[parse_authentication_results(h).result(m) for m in ("spf", "dkim", "dmarc")] for h in AUTH_HEADERS]
    assert found == expected
    assert expected[2] == ["neutral", "pass", "none"] and expected[1] == ["softfail", "none", "fail"]


def test_large_tables_read_over_id_ranges_in_parallel_give_the_same_frame(journal, monkeypatch):
    whole = journal.messages()
    monkeypatch.setattr(frames, "_PARALLEL_ROWS", 1)
    monkeypatch.setattr(frames.os, "cpu_count", lambda: 3)
    pd.testing.assert_frame_equal(journal.messages(), whole)
    inbound = whole[whole["direction"] == "in"].reset_index(drop=True)
    pd.testing.assert_frame_equal(journal.messages(direction="in").astype(object), inbound.astype(object))


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_writes_every_frame_for_other_tools(journal, tmp_path, fmt):
    journal.db.execute(
        "UPDATE runs SET started_at='2026-11-02T08:00:00+00:00', finished_at='2026-11-02T08:00:07+00:00'"
    )
    written = frames.export(journal, tmp_path / "out", fmt)
    assert {p.name: n for p, n in written.items()} == {
        f"{name}.{fmt}": rows
        for name, rows in [("messages", 3), ("recipients", 4), ("references", 1), ("attachments", 1), ("sends", 2),
                           ("send_recipients", 3), ("runs", 1), ("quarantine", 1)]
    }  # fmt: skip
    read = pd.read_parquet if fmt == "parquet" else pd.read_csv
    runs = read(tmp_path / "out" / f"runs.{fmt}")
    assert runs["duration_s"].tolist() == [7.0] and "duration" not in runs
    messages = read(tmp_path / "out" / f"messages.{fmt}")
    assert messages["subject"].tolist() == ["Anfrage", "AW: Anfrage", "Hallo"]
    with pytest.raises(ValueError, match="format"):
        frames.export(journal, tmp_path / "x", "xlsx")


def test_opening_a_journal_does_not_import_pandas(tmp_path):
    code = (
        "import sys; from mailkit.journal import Journal; "
        f"Journal({str(tmp_path / 'j.sqlite')!r}).close(); print('pandas' in sys.modules, 'pyarrow' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.split() == [
        "False",
        "False",
    ]


# -- the synthetic journal ------------------------------------------------------------------------
def test_synthetic_journals_are_reproducible_and_realistic(tmp_path):
    made = generate(tmp_path / "a.sqlite", 3000, seed=4, days=60)
    again = generate(tmp_path / "b.sqlite", 3000, seed=4, days=60)
    other = generate(tmp_path / "c.sqlite", 3000, seed=5, days=60)
    dump = {}
    for name in ("a", "b", "c"):
        with sqlite3.connect(tmp_path / f"{name}.sqlite") as db:
            dump[name] = db.execute("SELECT * FROM messages ORDER BY id").fetchall()
    assert made == again and dump["a"] == dump["b"] and dump["a"] != dump["c"] and made != other
    assert made.messages == 3000 and made.sends > made.failed_sends > 0 and made.runs == 2 * 3 * (60 * 24 + 1)
    with Journal(tmp_path / "a.sqlite") as j:
        m = j.messages()
        assert len(m) == 3000 and m["date"].min() >= pd.Timestamp("2024-12-31 23:00", tz="UTC")
        assert m["date"].max() < pd.Timestamp("2025-03-02", tz="UTC")
        # every reply points at a message of the journal, written before it
        known = m.set_index("message_id")["date"]
        replies = m[m["in_reply_to"].notna()]
        assert len(replies) > 500 and replies["in_reply_to"].isin(known.index).all()
        assert (replies["date"].to_numpy() > known[replies["in_reply_to"]].to_numpy()).all()
        # inbound mail carries an Authentication-Results header; outbound mail none
        assert (
            m.loc[m["direction"] == "in", "dmarc"].notna().all()
            and m.loc[m["direction"] == "out", "dmarc"].isna().all()
        )
        failed = j.sends(status="failed")
        assert set(failed["smtp_code"].dropna()) <= {code for _, code, _ in SMTP_FAILURES}
        assert (j.sends(status="sent")["message_row"].notna()).all()
        assert len(j.attachments_frame()) == made.attachments and len(frames.quarantine(j)) == made.quarantined
        # business hours: most of our replies are written on weekdays between 8 and 17 (Berlin)
        ours = m[(m["direction"] == "out") & m["in_reply_to"].notna()]["date"].dt.tz_convert("Europe/Berlin")
        assert ((ours.dt.day_of_week < 5) & ours.dt.hour.between(8, 16)).mean() > 0.95


def test_synthetic_data_never_mixes_with_real_mail(journal):
    with pytest.raises(SyncError, match="not empty"):
        generate(journal, 10)
    assert json.loads(journal.db.execute("SELECT to_addrs FROM messages WHERE id=1").fetchone()[0]) == [
        "info@firma.test"
    ]
