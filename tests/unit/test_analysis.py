"""Reports on a small hand-built journal whose every number is known."""

import io
import sys

import pandas as pd
import pytest
from test_frames import add, mail

from mailkit import analysis
from mailkit.analysis import (
    enhanced_code,
    failures_by_domain,
    failures_by_reason,
    parse_authentication_results,
    response_stats,
    response_times,
    smtp_meaning,
)
from mailkit.journal import Journal, frames

H = pd.Timedelta(hours=1)
PASS = "mx.firma.test; spf=pass smtp.mailfrom={d}; dkim=pass header.d={d}; dmarc=pass header.from={d}"


def day(n: int, time: str) -> str:
    """A Date header on Monday 2 November 2026 + n days, Berlin winter time."""
    return f"{['Mon', 'Tue', 'Wed', 'Thu', 'Fri'][n]}, {2 + n:02d} Nov 2026 {time}:00 +0100"


@pytest.fixture
def journal(tmp_path):
    """Five threads with known reply delays, a subject-only "reply", sends with known failures, runs."""
    with Journal(tmp_path / "j.sqlite") as j:
        jo, info = "jo@kunde.test", ["info@firma.test"]
        a1 = add(j, mail("a1@kunde.test", jo, info, day(0, "09:00"), "Anfrage", auth=[PASS.format(d="kunde.test")]))
        b1 = add(
            j,
            mail(
                "b1@firma.test",
                "info@firma.test",
                [jo],
                day(0, "10:30"),
                "AW: Anfrage",
                pdf=True,
                reply_to="a1@kunde.test",
                refs=["a1@kunde.test"],
            ),
            direction="out",
        )  # 1.5 h
        a2 = add(
            j,
            mail(
                "a2@kunde.test",
                jo,
                info,
                day(0, "11:00"),
                "AW: Anfrage",
                reply_to="b1@firma.test",
                refs=["a1@kunde.test", "b1@firma.test"],
                auth=[PASS.format(d="kunde.test")],
            ),
        )
        b2 = add(
            j,
            mail(
                "b2@firma.test",
                "info@firma.test",
                [jo],
                day(0, "15:00"),
                "AW: Anfrage",
                reply_to="a2@kunde.test",
                refs=["a1@kunde.test", "b1@firma.test", "a2@kunde.test"],
            ),
            direction="out",
        )  # 4 h
        add(
            j,
            mail(
                "c1@lieferant.test",
                "eva@lieferant.test",
                info,
                day(1, "08:00"),
                "Lieferung",
                auth=["mx.firma.test; spf=softfail smtp.mailfrom=lieferant.test; dkim=none; dmarc=fail"],
            ),
        )
        add(
            j,
            mail(
                "d1@firma.test",
                "info@firma.test",
                ["eva@lieferant.test"],
                day(1, "10:00"),
                "AW: Lieferung",
                refs=["c1@lieferant.test"],
                pdf=True,
            ),
            direction="out",
        )  # 2 h, by References alone
        e1 = add(j, mail("e1@kunde.test", jo, info, day(2, "09:00"), "Frage", auth=["mx.firma.test 1; none"]))
        add(j, mail("e2@firma.test", "info@firma.test", [jo], day(2, "10:00"), "AW: Frage"), direction="out")
        add(
            j,
            mail("late@shop.test", "news@shop.test", ["vertrieb@firma.test"], "Tue, 03 Nov 2026 23:30:00 +0000"),
            account="vertrieb",
        )  # Wednesday 00:30 in Berlin; never answered
        add(
            j,
            mail(
                "f1@kunde.test",
                "max@kunde.test",
                ["vertrieb@firma.test"],
                day(3, "12:00"),
                "Preise",
                auth=["mx.firma.test; spf=pass; dkim=fail; dkim=pass; dmarc=pass"],
            ),
            account="vertrieb",
        )
        add(
            j,
            mail(
                "g1@firma.test",
                "vertrieb@firma.test",
                ["max@kunde.test"],
                day(3, "12:00"),
                "AW: Preise",
                reply_to="f1@kunde.test",
            ),
            account="vertrieb",
            direction="out",
        )  # same second: not after it
        add(
            j,
            mail(
                "g2@firma.test",
                "vertrieb@firma.test",
                ["max@kunde.test"],
                day(3, "18:00"),
                "AW: Preise",
                reply_to="f1@kunde.test",
            ),
            account="vertrieb",
            direction="out",
        )  # 6 h
        add(
            j,
            mail(
                "h1@kunde.test",
                "anna@kunde.test",
                ["vertrieb@firma.test"],
                day(4, "09:00"),
                "Termin",
                auth=["mx.firma.test; spf=fail; dkim=fail; dmarc=fail"],
            ),
            account="vertrieb",
        )
        add(
            j,
            mail(
                "h2@firma.test",
                "info@firma.test",
                ["anna@kunde.test"],
                day(4, "09:30"),
                "AW: Termin",
                reply_to="h1@kunde.test",
            ),
            direction="out",
        )  # 0.5 h, a colleague of another account
        for row in (a1, b1, a2, b2):
            j.link_record(row, "quote", "4711")
        j.link_record(e1, "order", "99")
        sends = [
            (["jo@kunde.test"], "sent", 250, "2.0.0 OK", None),
            (["jo@kunde.test", "alt@kunde.test"], "sent", 250, "2.0.0 OK",
             {"alt@kunde.test": (550, "5.1.1 <alt@kunde.test>: User unknown")}),
            (["x@gone.test"], "failed", 550, "5.1.1 <x@gone.test>: User unknown", None),
            (["y@voll.test"], "failed", 552, "5.2.2 <y@voll.test>: Mailbox full", None),
            (["z@gone.test"], "failed", None, "smtp.firma.test:587: the connection failed during sending", None),
            (["g@grau.test", "h@grau.test"], "failed", 451, "4.7.1 Greylisted, try again later", None),
            (["p@kunde.test"], "pending", None, None, None),
        ]  # fmt: skip
        with j.transaction():
            for number, (recipients, status, code, reply, refused) in enumerate(sends):
                send = j.start_send(account="info", message_id=f"s{number}@firma.test", sender="info@firma.test",
                                    recipients=recipients, transport="smtp")  # fmt: skip
                if status != "pending":
                    j.finish_send(send, status=status, smtp_code=code, smtp_reply=reply, refused=refused)
            for account, start, seconds, status, new, error in [
                ("info", "2026-11-02T08:00:00", 7, "ok", 5, None),
                ("info", "2026-11-02T09:00:00", 3, "failed", 0, "IMAP login refused"),
                ("vertrieb", "2026-11-02T08:00:00", 2, "ok", 1, None),
            ]:
                run = j.start_run(account, "INBOX", "imap")
                j.finish_run(run, status, {"new": new, "errors": int(status == "failed")}, error)
                finished = pd.Timestamp(start, tz="UTC") + pd.Timedelta(seconds=seconds)
                j.db.execute("UPDATE runs SET started_at=?, finished_at=? WHERE id=?",
                             (f"{start}+00:00", finished.isoformat(), run))  # fmt: skip
            j.quarantine("info", "INBOX", "empty message", b"\r\n", 7, 3)
        yield j


@pytest.fixture
def messages(journal):
    return journal.messages()


def test_reply_delays_follow_threads_not_subjects(journal, messages):
    times = response_times(messages, frames.references(journal))
    delays = dict(zip(messages.set_index("id").loc[times["id"], "message_id"], times["delay"], strict=True))
    assert delays == {
        "a1@kunde.test": 1.5 * H,
        "a2@kunde.test": 4 * H,
        "c1@lieferant.test": 2 * H,  # References without In-Reply-To
        "e1@kunde.test": pd.NaT,  # answered only by a mail with the same subject: no reply
        "late@shop.test": pd.NaT,
        "f1@kunde.test": 6 * H,  # the reply of the same second does not count
        "h1@kunde.test": 0.5 * H,  # answered from another account
    }
    assert times["reply"].dtype == "Int64" and times["delay"].dtype == "timedelta64[us]"
    threads = times.set_index("id")["thread"]
    assert threads.iloc[0] == threads.iloc[1] and threads.nunique() == 6


def test_response_stats_per_account_weekday_and_overall(journal, messages):
    times = response_times(messages, frames.references(journal))
    per_account = response_stats(times, "account")
    assert per_account["inbound"].tolist() == [4, 3] and per_account["answered"].tolist() == [3, 2]
    assert per_account["median"].tolist() == [2 * H, 3.25 * H]
    assert per_account.loc["info", "p90"] == pd.Timedelta(hours=3, minutes=36)  # 2 h + 0.8 × (4 h − 2 h)
    weekday = response_stats(times, "weekday", tz="Europe/Berlin")
    assert weekday.index.tolist() == [0, 1, 2, 3, 4]
    assert weekday["inbound"].tolist() == [2, 1, 2, 1, 1]  # 23:30 UTC on Tuesday is Wednesday in Berlin
    assert weekday.loc[0, "median"] == 2.75 * H and pd.isna(weekday.loc[2, "median"])
    overall = response_stats(times, None)
    assert overall.loc["all", "median"] == 2 * H and overall.loc["all", "answered_share"] == pytest.approx(5 / 7)


def test_volume_per_day_hour_and_week_in_local_time(messages):
    per_day = analysis.volume(messages, "day", by="direction", tz="Europe/Berlin")
    assert per_day.index.tolist() == list(pd.date_range("2026-11-02", "2026-11-06"))
    assert per_day["in"].tolist() == [2, 1, 2, 1, 1] and per_day["out"].tolist() == [2, 1, 1, 2, 1]
    per_hour = analysis.volume(messages, "hour", by=(), tz="Europe/Berlin")
    assert per_hour.shape == (24, 1) and per_hour["messages"].sum() == 14
    assert per_hour.loc[[0, 9, 10], "messages"].tolist() == [1, 4, 3]
    utc_hours = analysis.volume(messages, "hour", by=(), tz="UTC")
    assert utc_hours.loc[23, "messages"] == 1
    per_week = analysis.volume(messages, "week", by=("account", "direction"))
    assert per_week.index.tolist() == [pd.Timestamp("2026-11-02")]
    assert per_week.loc[:, ("info", "out")].tolist() == [5] and per_week.loc[:, ("vertrieb", "in")].tolist() == [3]
    with pytest.raises(ValueError, match="per"):
        analysis.volume(messages, "year")


def test_correspondents_and_domains(messages):
    domains = analysis.correspondents(messages, by="domain")
    assert domains[["in", "out", "total"]].astype(int).values.tolist() == [[5, 6, 11], [1, 1, 2], [1, 0, 1]]
    assert domains.index.tolist() == ["kunde.test", "lieferant.test", "shop.test"]
    people = analysis.correspondents(messages, by="correspondent", top=1)
    assert people.index.tolist() == ["jo@kunde.test"] and people["total"].tolist() == [6]


def test_failures_by_reason_with_meanings(journal):
    recipients = frames.send_recipients(journal)
    table = failures_by_reason(recipients)
    shown = table[["smtp_code", "enhanced", "failures", "domains"]].astype(object)
    assert shown.where(shown.notna(), None).values.tolist() == [
        [451, "4.7.1", 2, 1],
        [550, "5.1.1", 2, 2],
        [552, "5.2.2", 1, 1],
        [None, None, 1, 1],
    ]  # fmt: skip
    assert table["class"].tolist() == ["temporary", "permanent", "permanent", "no reply"]
    assert table["meaning"].tolist()[1:] == [
        "recipient address does not exist",
        "recipient mailbox full",
        "no reply: connection failed or timed out",
    ]
    assert table["share"].tolist() == pytest.approx([2 / 6, 2 / 6, 1 / 6, 1 / 6])
    assert failures_by_reason(recipients, lang="de")["meaning"].iloc[1] == "Empfängeradresse existiert nicht"


def test_failures_by_recipient_domain(journal):
    table = failures_by_domain(frames.send_recipients(journal))
    assert table.index.tolist() == ["gone.test", "grau.test", "voll.test", "kunde.test"]
    assert table["recipients"].tolist() == [2, 2, 1, 3] and table["failed"].tolist() == [2, 2, 1, 1]
    assert table["rate"].tolist() == pytest.approx([1, 1, 1, 1 / 3])
    assert table.loc["kunde.test", "top_reason"] == "recipient address does not exist"


def test_authentication_per_sending_domain(messages):
    table = analysis.authentication(messages)
    assert table.index.tolist() == ["kunde.test", "lieferant.test"]  # shop.test sent no header: not checked
    kunde = table.loc["kunde.test"]
    assert [kunde[("spf", r)] for r in ("pass", "fail", "none")] == [3, 1, 1]
    assert [kunde[("dkim", r)] for r in ("pass", "fail", "none")] == [3, 1, 1]  # fail then pass: a pass
    assert kunde[("dmarc", "pass_share")] == pytest.approx(0.6)
    assert table.loc["lieferant.test", ("spf", "softfail")] == 1
    overall = analysis.authentication(messages, by=None)
    assert overall.loc["all", ("dmarc", "fail")] == 2


def test_attachments_runs_and_records(journal, messages):
    types = analysis.attachment_types(journal.attachments_frame())
    assert types.loc["application/pdf"].tolist() == [2, 30, 15.0, 15, 1.0]
    health = analysis.run_health(journal.runs(), frames.quarantine(journal))
    info = health.loc[("info", "INBOX")]
    assert (info["runs"], info["ok"], info["failed"], info["new"], info["errors"]) == (2, 1, 1, 5, 1)
    assert info["median_duration"] == pd.Timedelta(seconds=5) and info["max_duration"] == pd.Timedelta(seconds=7)
    assert (info["last_status"], info["last_error"], info["held_in_quarantine"]) == ("failed", "IMAP login refused", 1)
    assert health.loc[("vertrieb", "INBOX"), "held_in_quarantine"] == 0
    table = analysis.records(messages)
    assert table.index.tolist() == [("order", "99"), ("quote", "4711")]
    assert table.loc[("quote", "4711")][["messages", "in", "out", "correspondents"]].tolist() == [4, 2, 2, 1]
    assert table["awaiting_reply"].tolist() == [True, False]


def test_summary_numbers_text_and_html(journal):
    result = analysis.summary(journal)
    data = result.to_dict()
    assert data["messages"] == {
        "total": 14,
        "in": 7,
        "out": 7,
        "accounts": {"info": {"in": 4, "out": 5}, "vertrieb": {"in": 3, "out": 2}},
    }
    assert data["response"] == {"inbound": 7, "answered": 5, "answered_share": 0.7143, "median_hours": 2.0,
                                "p90_hours": 5.2}  # fmt: skip
    assert data["sends"] == {"attempts": 7, "sent": 2, "failed": 4, "pending": 1, "refused_recipients": 1,
                             "failure_rate": 0.75}  # fmt: skip
    assert [f["enhanced"] for f in data["top_failures"]] == ["4.7.1", "5.1.1", "5.2.2"]
    assert data["authentication"] == {"checked": 6, "dmarc_pass_share": 0.5, "spf_fail": 2, "dkim_fail": 1,
                                      "dmarc_fail": 2}  # fmt: skip
    assert data["attachments"]["count"] == 2 and data["runs"]["failed"] == 1 and data["runs"]["quarantined"] == 1
    assert data["records"] == {"records": 2, "messages": 5, "awaiting_reply": 1}
    text = str(result).splitlines()
    assert len(text) <= 14 and text[1].split() == ["messages", "14", "(7", "in,", "7", "out)"]
    assert "<table>" in result._repr_html_() and "IMAP login refused" in result._repr_html_()
    german = str(analysis.summary(journal, lang="de", account="vertrieb"))
    assert "Nachrichten        5 (3 ein, 2 aus)" in german
    assert analysis.summary(journal, since="2026-11-05").to_dict()["messages"]["total"] == 5
    with pytest.raises(ValueError, match="lang"):
        analysis.summary(journal, lang="fr")


def test_smtp_codes_in_plain_words():
    assert enhanced_code("550-5.7.26 Unauthenticated email") == "5.7.26"
    assert smtp_meaning(535, enhanced_code("5.7.139 Authentication unsuccessful")) == (
        "SMTP AUTH disabled or blocked (Microsoft 365)"
    )
    assert smtp_meaning(421, None, "de") == "Dienst nicht verfügbar, später erneut versuchen"
    assert smtp_meaning(599) == "SMTP 599"
    assert all(code[0] in "45" for code in analysis.ENHANCED_CODES)


def test_authentication_results_parser_handles_comments_quotes_and_versions():
    header = (
        'mx.firma.test 1; dkim/1=pass (good (nested) comment) header.d=a.test header.s="sel;1";\r\n'
        '\tspf=fail reason="IP 192.0.2.1 not; allowed" smtp.mailfrom=user@b.test; iprev=pass policy.iprev=192.0.2.1'
    )
    result = parse_authentication_results(header)
    assert (result.authserv_id, result.version) == ("mx.firma.test", 1)
    dkim, spf, iprev = result.results
    assert (dkim.method, dkim.version, dkim.result, dkim.properties) == (
        "dkim", 1, "pass", {"header.d": "a.test", "header.s": "sel;1"}
    )  # fmt: skip
    assert (spf.result, spf.reason, spf.properties) == (
        "fail",
        "IP 192.0.2.1 not; allowed",
        {"smtp.mailfrom": "user@b.test"},
    )
    assert iprev.properties == {"policy.iprev": "192.0.2.1"} and result.result("DMARC") == "none"
    assert parse_authentication_results("").results == ()


@pytest.mark.parametrize("lang", ["en", "de"])
def test_plots_are_titled_labelled_figures_without_pyplot(journal, messages, lang):
    times = response_times(messages, frames.references(journal))
    figures = [
        analysis.plot_volume(analysis.volume(messages, "day"), lang),
        analysis.plot_volume(analysis.volume(messages, "weekday", by="direction"), lang),
        analysis.plot_response_times(response_stats(times, "weekday"), lang),
        analysis.plot_failures(failures_by_reason(frames.send_recipients(journal), lang), lang),
        analysis.plot_authentication(analysis.authentication(messages, by=None), lang),
        analysis.plot_attachments(analysis.attachment_types(journal.attachments_frame()), lang),
        analysis.plot_runs(journal.runs(), lang),
    ]
    titles = [f.axes[0].get_title() or f.get_suptitle() for f in figures]
    expected = {
        "en": ["Mail volume per day", "Mail volume per weekday", "Response times per weekday",
               "Delivery failures by reason", "Authentication of inbound mail", "Attachments by type", "Sync runs"],
        "de": ["Mailaufkommen pro Tag", "Mailaufkommen pro Wochentag", "Antwortzeiten pro Wochentag",
               "Zustellfehler nach Ursache", "Authentifizierung eingehender Mail", "Anhänge nach Typ",
               "Synchronisationsläufe"],
    }  # fmt: skip
    assert titles == expected[lang]
    assert figures[2].axes[0].get_ylabel() == (
        "hours until the first reply" if lang == "en" else "Stunden bis zur ersten Antwort"
    )
    assert [t.get_text() for t in figures[1].axes[0].get_xticklabels()][:2] == (
        ["Mon", "Tue"] if lang == "en" else ["Mo", "Di"]
    )
    for figure in figures:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        assert buffer.getvalue().startswith(b"\x89PNG")
    assert "matplotlib.pyplot" not in sys.modules
