"""Threads and first replies kept at ingest equal threading the whole journal in pandas, through every writer.

The reference is :func:`mailkit.analysis.response_times` over the row frames of the whole journal
(what the explorer computed before the journal kept threads); both backends.
"""

import datetime as dt
import random
import sqlite3
import threading
from pathlib import Path

import pandas as pd
import pytest

from mailkit import analysis
from mailkit.analysis.threads import _threads
from mailkit.journal import Journal, aggregates, frames, parse_message, threads
from mailkit.journal.schema import MIGRATIONS
from mailkit.journal.synthetic import generate

_THREAD_COLUMNS = ("id", "message_id", "in_reply_to", "date", "account", "direction")


def assert_threads_exact(journal: Journal) -> pd.DataFrame:
    mail = frames.messages(journal, columns=_THREAD_COLUMNS)
    references = frames.references(journal)
    pure = analysis.response_times(mail, references).drop(columns="thread")
    kept = aggregates.replies(journal)
    pd.testing.assert_frame_equal(kept, pure, check_categorical=False)
    stored = dict(journal.db.execute("SELECT message_id, thread FROM message_threads"))
    assert set(stored) == set(mail["id"])
    by_label: dict[int, set[int]] = {}
    for row, label in zip(mail["id"], _threads(mail, references), strict=True):
        by_label.setdefault(int(label), set()).add(int(row))
    kept_threads: dict[int, set[int]] = {}
    for row, thread in stored.items():
        kept_threads.setdefault(thread, set()).add(row)
    assert sorted(map(sorted, by_label.values())) == sorted(map(sorted, kept_threads.values()))
    return kept


def _mail(message_id: str | None, date: str, sender: str, *, in_reply_to=None, references=(), body="x") -> bytes:
    head = [f"From: {sender}", "To: other@kunde.test", f"Date: {date}", f"Subject: {body}"]
    if message_id:
        head.append(f"Message-ID: <{message_id}>")
    if in_reply_to:
        head.append(f"In-Reply-To: <{in_reply_to}>")
    if references:
        head.append("References: " + " ".join(f"<{r}>" for r in references))
    return ("\r\n".join(head) + f"\r\n\r\n{body}\r\n").encode()


def _add(journal: Journal, raw: bytes, direction: str, account: str = "info") -> int:
    with journal.transaction():
        return journal.add_message(parse_message(raw), raw, account=account, direction=direction)[0]


@pytest.mark.parametrize("by_index", [False, True], ids=["threads read whole", "grown threads by index"])
def test_threads_and_replies_kept_through_every_writer_equal_threading_the_journal(
    journal_where, monkeypatch, by_index
):
    if by_index:  # every thread that only grew takes the path of long threads
        monkeypatch.setattr(threads, "_LARGE", 0)
    with Journal(journal_where) as journal:
        generate(journal, 1500, seed=5, start=dt.date(2025, 1, 1), days=60)  # threads batch by batch
        before = assert_threads_exact(journal)
        assert before["reply"].notna().sum() > 100 and before["reply"].isna().sum() > 10
        # a reply that comes before its question (the sync reads Sent first), then the question
        _add(
            journal,
            _mail("r1@firma.test", "Mon, 03 Mar 2025 12:00:00 +0000", "info@firma.test", in_reply_to="q1@kunde.test"),
            "out",
        )
        _add(journal, _mail("q1@kunde.test", "Mon, 03 Mar 2025 09:00:00 +0000", "a@kunde.test"), "in")
        # two threads of their own, then a mail whose References join them: the replies are worked out again
        _add(journal, _mail("q2@kunde.test", "Tue, 04 Mar 2025 09:00:00 +0000", "b@kunde.test"), "in")
        _add(
            journal,
            _mail(
                "r3@firma.test", "Tue, 04 Mar 2025 10:00:00 +0000", "vertrieb@firma.test", references=["x3@kunde.test"]
            ),
            "out",
            "vertrieb",
        )
        _add(
            journal,
            _mail(
                "j@kunde.test",
                "Tue, 04 Mar 2025 11:00:00 +0000",
                "b@kunde.test",
                references=["q2@kunde.test", "x3@kunde.test"],
            ),
            "in",
        )
        # a tie: two replies of the same moment (the lower id answers), one of the moment of the question (not after)
        _add(journal, _mail("q4@kunde.test", "Wed, 05 Mar 2025 09:00:00 +0000", "c@kunde.test"), "in")
        for n in (1, 2):
            _add(
                journal,
                _mail(
                    f"t{n}@firma.test",
                    "Wed, 05 Mar 2025 09:30:00 +0000",
                    "info@firma.test",
                    in_reply_to="q4@kunde.test",
                    body=str(n),
                ),
                "out",
            )
        _add(
            journal,
            _mail("s@firma.test", "Wed, 05 Mar 2025 09:00:00 +0000", "info@firma.test", in_reply_to="q4@kunde.test"),
            "out",
        )
        # no Message-ID, no Date, the same Message-ID with other content (two rows, one thread)
        _add(journal, _mail(None, "Thu, 06 Mar 2025 09:00:00 +0000", "d@kunde.test"), "in")
        _add(
            journal,
            b"From: e@kunde.test\r\nMessage-ID: <q5@kunde.test>\r\nIn-Reply-To: <q1@kunde.test>\r\n\r\nx\r\n",
            "in",
        )
        _add(journal, _mail("q1@kunde.test", "Mon, 03 Mar 2025 09:05:00 +0000", "a@kunde.test", body="again"), "in")
        kept = assert_threads_exact(journal)
        rows = dict(
            journal.db.execute("SELECT message_id, min(id) FROM messages WHERE message_id IS NOT NULL GROUP BY 1")
        )
        answers = kept.set_index("id")["reply"]
        assert answers[rows["q1@kunde.test"]] == rows["r1@firma.test"]
        assert answers[rows["j@kunde.test"]] is pd.NA and answers[rows["q2@kunde.test"]] == rows["r3@firma.test"]
        assert answers[rows["q4@kunde.test"]] == rows["t1@firma.test"]

        first = frames.messages(journal, columns=("date",))["date"].min()
        days = (dt.datetime.now(dt.UTC) - (first + dt.timedelta(days=20))).days
        assert journal.purge(days) > 0  # mail in the middle of threads goes: what is left is threaded again
        assert_threads_exact(journal)

        # a journal from before migration 12: its messages are threaded when it is opened
        with journal.transaction():
            for table in ("message_threads", "thread_keys", "replies"):
                journal.db.execute(f"DELETE FROM {table}")
            journal.db.execute("INSERT INTO thread_backfill SELECT min(id), max(id) FROM messages")
    monkeypatch.setattr(threads, "_BATCH", 700)  # in batches: threads across two of them
    with Journal(journal_where) as journal:
        assert_threads_exact(journal)


def test_a_long_thread_grown_batch_by_batch_out_of_order_equals_threading_it_whole(journal_where, monkeypatch):
    """One root named by every mail, dates shuffled (the sync reads folders in any order), ties included."""
    monkeypatch.setattr(threads, "_LARGE", 60)  # read whole while short, by index once long
    rng = random.Random(8)
    minutes = [rng.randrange(600) for _ in range(400)]  # 400 mails within ten hours: many share a minute
    with Journal(journal_where) as journal:
        for start in range(0, 400, 40):
            with journal.transaction():
                for n in range(start, start + 40):
                    hour, minute = divmod(minutes[n], 60)
                    date = f"Mon, 03 Mar 2025 {8 + hour:02d}:{minute:02d}:00 +0000"
                    raw = _mail(f"m{n}@x.test", date, "a@kunde.test", references=["root@x.test"], body=str(n))
                    direction = "out" if rng.random() < 0.3 else "in"
                    journal.add_message(parse_message(raw), raw, account="info", direction=direction)
        kept = assert_threads_exact(journal)
        assert len(kept) > 200 and kept["reply"].notna().sum() > 150 and kept["reply"].isna().sum() > 0


def test_two_writers_of_one_thread_at_once_meet(journal_where):
    """PostgreSQL: two workers' transactions insert a question and its reply, then commit at the same moment."""
    if isinstance(journal_where, Path):
        pytest.skip("SQLite has one writer at a time")
    with Journal(journal_where) as first, Journal(journal_where) as second:
        both_inserted = threading.Barrier(2, timeout=30)
        failed = []

        def write(journal: Journal, raw: bytes, direction: str) -> None:
            try:
                with journal.transaction():  # threaded as the transaction commits
                    journal.add_message(parse_message(raw), raw, account="info", direction=direction)
                    both_inserted.wait()
            except Exception as exc:
                failed.append(exc)

        question = _mail("q@kunde.test", "Mon, 03 Mar 2025 09:00:00 +0000", "a@kunde.test", references=["o@kunde.test"])
        reply = _mail("r@firma.test", "Mon, 03 Mar 2025 10:00:00 +0000", "info@firma.test", references=["o@kunde.test"])
        writers = [
            threading.Thread(target=write, args=(first, question, "in")),
            threading.Thread(target=write, args=(second, reply, "out")),
        ]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join()
        assert not failed, failed
        kept = assert_threads_exact(first)
        assert kept["reply"].notna().all() and len(kept) == 1


def test_a_journal_from_before_migration_12_is_threaded_and_its_sends_counted_when_opened(tmp_path):
    made = tmp_path / "made.sqlite"
    generate(made, 800, seed=3, start=dt.date(2025, 1, 1), days=30)
    old = tmp_path / "old.sqlite"
    db = sqlite3.connect(old)
    for script in MIGRATIONS[:11]:  # the journal as mailkit wrote it before, with the same mail
        db.executescript(script)
    db.execute("PRAGMA user_version = 11")
    db.execute("ATTACH DATABASE ? AS made", (str(made),))
    for table in ("messages", "sends"):
        names = ", ".join(row[1] for row in db.execute(f"PRAGMA main.table_info({table})"))
        db.execute(f"INSERT INTO main.{table} ({names}) SELECT {names} FROM made.{table}")
    db.commit()
    db.close()
    with Journal(old) as journal:
        assert journal.schema_version == len(MIGRATIONS)
        assert len(assert_threads_exact(journal)) > 100
        counts = journal.db.execute("SELECT recipient_count, json_array_length(recipients) FROM sends").fetchall()
        assert counts and all(kept == recounted > 0 for kept, recounted in counts)
        outcomes = aggregates.send_outcomes(journal)  # migration 14 counted the sends
        assert outcomes.to_dict() == frames.send_recipients(journal)["outcome"].value_counts().to_dict()
        assert outcomes["refused"] > 0 and outcomes["failed"] > 0
