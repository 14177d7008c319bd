"""Analysis pushed down into SQL: the explorer's tables and the summary equal the pandas path over row frames.

The reference is the per-row path (``frames`` + :mod:`mailkit.analysis` without counts), as the
explorer computed every table before the database did the counting; the journal is synthetic
(threads, sends, failures, attachments, runs) plus real mails the generator does not make: no
Date, no Message-ID, a Unicode and an upper-case address, S/MIME verdicts, a record without mail.
"""

import datetime as dt
import itertools
import threading
from decimal import Decimal

import pandas as pd
import pytest

from mailkit import analysis
from mailkit.explore import Query, _matching, explore
from mailkit.journal import Journal, Location, aggregates, frames, parse_message, rollup, sendcounts
from mailkit.journal.synthetic import generate

WINDOWS = [
    {},
    {"since": dt.date(2025, 3, 1), "until": dt.date(2025, 5, 1), "direction": "in"},
    {"accounts": ("vertrieb",), "direction": "out", "domain": "LOGISTIK"},
    {"domain": "kunde", "since": dt.date(2025, 2, 1)},
    # edges that cut hours and months: whole buckets from the counts kept at ingest, the edges from the rows
    {"since": dt.datetime(2025, 1, 20, 9, 30), "until": dt.datetime(2025, 4, 20, 17, 45), "accounts": ("info",)},
    {"since": dt.datetime(2025, 3, 4, 23, 10), "until": dt.datetime(2025, 3, 4, 23, 59, 59, 500000)},  # in one hour
]


def _add(journal, raw: bytes, direction="in", **fields) -> int:
    with journal.transaction():
        row = journal.add_message(parse_message(raw), raw, account="info", direction=direction, status="imported")[0]
        for column, value in fields.items():
            journal.db.execute(f"UPDATE messages SET {column} = ? WHERE id = ?", (value, row))
    return row


@pytest.fixture(scope="module")
def synthetic_rows():
    return 2500


@pytest.fixture
def journal(journal_where, synthetic_rows):
    with Journal(journal_where) as j:
        generate(j, synthetic_rows, seed=11, start=dt.date(2025, 1, 1), days=150)
        _add(j, b"From: ohne@datum.test\r\nTo: info@firma.test\r\nSubject: kein Datum\r\n\r\nx\r\n")
        _add(j, b"From: Jo <JO@Kunde.TEST>\r\nDate: Mon, 03 Mar 2025 09:00:00 +0100\r\n\r\nohne Message-ID\r\n",
             smime_status="valid", smime_encrypted=1)  # fmt: skip
        _add(j, "From: müller@bäcker.test\r\nMessage-ID: <u@b.test>\r\nDate: Tue, 04 Mar 2025 23:59:59 +0000\r\n"
             "\r\nx\r\n".encode(), smime_status="none", record_type="order", record_number="1")  # fmt: skip
        _add(j, b"To: kunde@kunde.test\r\nFrom: info@firma.test\r\nDate: Wed, 05 Mar 2025 10:00:00 +0100\r\n\r\nx\r\n",
             direction="out", smime_status="untrusted", record_type="order", record_number="1")  # fmt: skip
        yield j


def _row_path(journal: Journal, query: Query) -> pd.DataFrame:
    """The table as the explorer computed it before: row frames, then pandas."""
    window = {"since": query.since, "until": query.until, "account": list(query.accounts) or None}
    messages = lambda columns: _matching(  # noqa: E731
        frames.messages(journal, columns=columns, direction=query.direction, **window), "domain", query.domain
    )
    if query.view == "volume":
        return analysis.volume(messages(("date", "account", "direction", "domain")), query.per, tz=query.tz)
    if query.view == "correspondents":
        return analysis.correspondents(messages(("date", "direction", "correspondent", "domain")), "domain", query.top)
    if query.view == "failures":
        tried = _matching(frames.send_recipients(journal, **window), "domain", query.domain)
        tried = tried.iloc[:0] if query.direction == "in" else tried
        return analysis.failures_by_reason(tried, query.lang).head(query.top)
    if query.view == "response_times":
        columns = ("id", "message_id", "in_reply_to", "date", "account", "direction")
        # the threads of the whole journal: a reply after ``until`` answers, a mail before ``since`` links
        times = analysis.response_times(frames.messages(journal, columns=columns), frames.references(journal))
        selected = frames.messages(journal, columns=("id", "domain"), direction="in", **window)
        times = times[times["id"].isin(_matching(selected, "domain", query.domain)["id"])]
        return analysis.response_stats(times, query.group, tz=query.tz)
    if query.view == "authentication":
        return analysis.authentication(messages(("direction", "domain", "spf", "dkim", "dmarc")), "domain").head(
            query.top
        )
    if query.view == "attachments":
        found = frames.attachments(journal, columns=("message", "mime_type", "size"), direction=query.direction,
                                   **window)  # fmt: skip
        if query.domain:
            found = found[found["message"].isin(messages(("id", "domain"))["id"])]
        return analysis.attachment_types(found).head(query.top)
    if query.view == "smime":
        return analysis.smime_shares(messages(("direction", "domain", "smime_status", "smime_encrypted")))
    assert query.view == "records"
    columns = ("id", "date", "direction", "record_type", "record_number", "correspondent", "domain")
    return analysis.records(messages(columns)).head(query.top)


def _shown_categories(table: pd.DataFrame) -> pd.DataFrame:
    return table.set_axis(_shown(table.index), axis=0).set_axis(_shown(table.columns), axis=1)


def _shown(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.CategoricalIndex):
        return index.remove_unused_categories()
    if isinstance(index, pd.MultiIndex):
        index = index.remove_unused_levels()
        return index.set_levels([_shown(level) for level in index.levels])
    return index


PUSHED_DOWN = ("volume", "correspondents", "failures", "response_times", "authentication", "attachments", "smime",
               "records")  # fmt: skip


def test_every_view_and_the_summary_counted_by_the_database_equal_the_pandas_path(journal, monkeypatch):
    monkeypatch.setattr(frames, "_PARALLEL_ROWS", 500)  # SQLite counts over id ranges in parallel: groups repeat
    monkeypatch.setattr(frames.os, "cpu_count", lambda: 3)
    for window, view in itertools.product(WINDOWS, PUSHED_DOWN):
        query = Query(view=view, top=500, **window)
        pushed, rows = explore(journal, query).table, _row_path(journal, query)
        # the row path kept the categories of the domains it filtered out, authentication's those of domains
        # only written to (it loaded both directions, the database counts inbound mail), records' those of
        # records past the top (the database sends the top only), response times' those of accounts without
        # inbound mail in the window (the database reads the replies of inbound mail): no row shows them
        if query.domain or (view == "authentication" and not query.direction) or view in ("records", "response_times"):
            pushed, rows = _shown_categories(pushed), _shown_categories(rows)
        pd.testing.assert_frame_equal(pushed, rows, check_index_type=True, obj=f"{view} {window}")
        if view in ("volume", "correspondents", "records", "response_times") and not window:
            assert len(rows) > 2, f"{view}: the corpus gives too little to compare"
    # local buckets from UTC hours (or minutes, where the zone's offset is not whole hours)
    for tz, per in itertools.product(["Europe/Berlin", "Asia/Kolkata"], ["hour", "weekday", "day", "week", "month"]):
        query = Query(view="volume", per=per, tz=tz)
        pd.testing.assert_frame_equal(explore(journal, query).table, _row_path(journal, query), obj=f"{tz} {per}")
    for window in [{}, {"account": "vertrieb", "since": "2025-02-01"}]:
        pushed = analysis.summary(journal, **window).to_dict()
        frame = frames.messages(journal, columns=analysis.SUMMARY_COLUMNS, **window)
        assert pushed == analysis.summary(journal, messages=frame, **window).to_dict()
        assert pushed["messages"]["total"] > 100 and pushed["sends"]["failed"] > 0


def test_an_empty_journal_gives_the_same_empty_tables(journal_where):
    with Journal(journal_where) as j:
        for view in PUSHED_DOWN:
            query = Query(view=view)
            pd.testing.assert_frame_equal(explore(j, query).table, _row_path(j, query), obj=view)
        assert (
            analysis.summary(j).to_dict()
            == analysis.summary(j, messages=frames.messages(j, columns=analysis.SUMMARY_COLUMNS)).to_dict()
        )


def test_two_senders_at_once_keep_the_send_counts_exact(journal_where):
    """Two writers' sends in the same hour and account: every group row they share ends as a recount says."""
    with Journal(journal_where) as first, Journal(journal_where) as second:
        failed = []

        def send(journal: Journal, name: str) -> None:
            try:
                for round_ in range(25):
                    _send_live(journal, f"{name}-{round_}")
            except Exception as exc:
                failed.append(exc)

        writers = [threading.Thread(target=send, args=(j, name)) for j, name in ((first, "a"), (second, "b"))]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join()
        assert not failed, failed
        assert _kept_sends(first) == _recounted_sends(first)
        assert aggregates.send_statuses(first).to_dict() == {"pending": 50, "sent": 100}


def _send_live(journal: Journal, batch: str = "run-1") -> None:
    """Sends as the sender writes them: one refused in part, a batch row failed and retried, one left pending."""
    fields = {"account": "info", "message_id": "x@firma.test", "sender": "info@firma.test", "transport": "smtp"}
    send = journal.start_send(recipients=["a@kunde.test", "b@kunde.test", "c@kunde.test"], **fields)
    journal.finish_send(send, status="sent", refused={"b@kunde.test": [550, "5.1.1 unknown"]}, smtp_code=250)
    batch = {"batch": batch, "batch_key": "R-1"}
    send = journal.start_send(recipients=["d@kunde.test"], **batch, **fields)
    journal.finish_send(send, status="failed", smtp_code=451, smtp_reply="4.7.1 try later")
    assert journal.start_send(recipients=["d@kunde.test", "e@kunde.test"], **batch, **fields) == send  # the retry
    journal.finish_send(send, status="sent", smtp_code=250)
    journal.start_send(recipients=["f@kunde.test"], **fields)


def _kept_sends(journal: Journal) -> list[tuple]:
    return sorted(tuple(row) for row in journal.db.execute(f"SELECT * FROM {sendcounts.SENDS} WHERE sends > 0"))


def _recounted_sends(journal: Journal) -> list[tuple]:
    return sorted(tuple(int(v) if isinstance(v, Decimal) else v for v in row)
                  for row in journal.db.execute(sendcounts._select(journal, "1 = 1")))  # fmt: skip


def _kept(journal: Journal, table: str) -> list[tuple]:
    """A counts table as the writers kept it (a group a change emptied shows no row)."""
    return sorted(tuple(row) for row in journal.db.execute(f"SELECT * FROM {table} WHERE messages > 0"))


def _recounted(journal: Journal, table: str) -> list[tuple]:
    """The same table counted afresh from the messages there now."""
    sql = rollup._select(table, "1 = 1") if table in (rollup.HOURLY, rollup.MONTHLY) else rollup._record_select("1 = 1")
    return sorted(tuple(row) for row in journal.db.execute(sql))


def assert_counts_exact(journal: Journal) -> None:
    for table in (rollup.HOURLY, rollup.MONTHLY, rollup.RECORDS):
        assert _kept(journal, table) == _recounted(journal, table), table


def test_the_counts_kept_at_ingest_stay_exact_through_every_writer_and_the_views_with_them(journal):
    assert_counts_exact(journal)
    raw = b"From: neu@kunde.test\r\nTo: info@firma.test\r\nDate: Thu, 06 Mar 2025 08:00:00 +0000\r\n\r\nx\r\n"
    with journal.transaction():  # a part that fails is not counted; an S/MIME verdict in the same transaction is
        with pytest.raises(RuntimeError), journal.savepoint():
            journal.add_message(parse_message(raw + b"a"), raw + b"a", account="info", direction="in")
            raise RuntimeError
        row = journal.add_message(parse_message(raw), raw, account="info", direction="in")[0]
        journal.set_smime(row, "valid", True, {})
    journal.set_smime(row, "revoked", False, {})  # a counted message changes its group
    journal.set_smime(1, "invalid", False, {})
    linked = journal.db.execute("SELECT min(id) FROM messages WHERE record_type IS NOT NULL").fetchone()[0]
    journal.link_record(linked, "order", "1")  # from one record to another
    journal.link_record(row, "order", "1")
    journal.add_locations([(row, Location("info", "Aufträge/1", 1, 1)), (3, Location("info", "Aufträge/1", 1, 2))])
    assert journal.link_folder("info", "Aufträge/1", "ticket", "T-1") == 2
    assert_counts_exact(journal)
    _send_live(journal)
    assert _kept_sends(journal) == _recounted_sends(journal)
    for window in WINDOWS:  # whole hours from the counts, the edges (and a window inside an hour) from the sends
        window = {"account": list(window.get("accounts", ())) or None, "since": window.get("since"),
                  "until": window.get("until")}  # fmt: skip
        outcomes = aggregates.send_outcomes(journal, **window)
        assert outcomes.to_dict() == frames.send_recipients(journal, **window)["outcome"].value_counts().to_dict()
        statuses = aggregates.send_statuses(journal, **window)
        assert statuses.to_dict() == frames.sends(journal, columns=("status",), **window)["status"].value_counts(
        ).to_dict()  # fmt: skip
    outcomes = aggregates.send_outcomes(journal)
    assert outcomes["refused"] > 0 and outcomes["failed"] > 0 and outcomes["pending"] > 0
    first = frames.messages(journal, columns=("date",))["date"].min()
    days = (dt.datetime.now(dt.UTC) - (first + dt.timedelta(days=40, hours=5, minutes=17))).days
    assert journal.purge(days, account="vertrieb") > 0  # a cutoff inside an hour and a month, of one account
    assert_counts_exact(journal)
    assert journal.purge(days + 10) > 0
    assert_counts_exact(journal)
    for window, view in itertools.product(WINDOWS[:2] + WINDOWS[4:5], ("volume", "correspondents", "smime", "records")):
        query = Query(view=view, top=500, **window)
        pushed, rows = explore(journal, query).table, _row_path(journal, query)
        if view == "records":
            pushed, rows = _shown_categories(pushed), _shown_categories(rows)
        pd.testing.assert_frame_equal(pushed, rows, obj=f"{view} {window}")
    pushed = analysis.summary(journal).to_dict()
    assert (
        pushed
        == analysis.summary(journal, messages=frames.messages(journal, columns=analysis.SUMMARY_COLUMNS)).to_dict()
    )
