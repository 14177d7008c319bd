"""The journal explorer, headless: set the controls, and check the tables against the journal's own rows."""

import datetime as dt
import html
import json
import subprocess
import sys

import pandas as pd
import pytest

from mailkit import analysis
from mailkit.errors import ConfigError
from mailkit.explore import VIEWS, Query, explore, journal_accounts, journal_span
from mailkit.journal import Journal, frames
from mailkit.journal.synthetic import generate
from mailkit.widgets import JournalExplorer

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def journal(tmp_path_factory):
    """A seeded synthetic year of 3,000 messages: sends with failures, threads, runs, attachments."""
    path = tmp_path_factory.mktemp("explorer") / "journal.sqlite"
    generate(path, 3000, seed=3)
    with Journal(path) as opened:
        yield opened


def count(journal, where: str = "1", *params) -> int:
    return journal.db.execute(f"SELECT count(*) FROM messages WHERE {where}", params).fetchone()[0]


def failed_recipients(journal, domain_part: str) -> int:
    """Recipients a send did not reach, counted from the raw send rows (not through the frames)."""
    total = 0
    for status, recipients, refused in journal.db.execute("SELECT status, recipients, refused FROM sends"):
        refused = json.loads(refused) if refused else {}
        for address in json.loads(recipients):
            if (status == "failed" or address in refused) and domain_part in address.partition("@")[2]:
                total += 1
    return total


def test_the_explorer_opens_on_the_whole_journal(journal):
    explorer = JournalExplorer(journal)
    first, last = journal.db.execute("SELECT min(date_utc), max(date_utc) FROM messages").fetchone()
    assert explorer.since.value is None and explorer.until.value is None  # no limit: the whole journal
    assert explorer.span.value == f"mail from {first[:10]} to {last[:10]}"
    assert list(explorer.accounts.options) == ["buchhaltung", "info", "vertrieb"]
    assert int(explorer.shown.table.to_numpy().sum()) == count(journal) == 3000
    assert explorer.caption.value == "<b>3,000 messages per week</b>"
    assert bytes(explorer.plot.value).startswith(PNG) and explorer.plot.layout.display is None
    assert explorer.table.value.startswith("<table") and "vertrieb" in explorer.table.value


def test_time_range_account_and_direction_narrow_the_table(journal):
    explorer = JournalExplorer(journal)
    explorer.accounts.value = ("info",)
    explorer.direction.value = "in"
    explorer.since.value, explorer.until.value = dt.date(2025, 3, 1), dt.date(2025, 4, 1)
    table = explorer.shown.table
    assert list(table.columns) == [("info", "in")]
    expected = count(journal, "account = 'info' AND direction = 'in' AND date_utc >= ? AND date_utc < ?",
                     "2025-03-01", "2025-04-01")  # fmt: skip
    assert 0 < int(table.to_numpy().sum()) == expected
    assert table.index.min() >= dt.datetime(2025, 2, 24) and table.index.max() < dt.datetime(2025, 4, 1)
    explorer.per.value = "weekday"
    assert list(explorer.shown.table.index) == list(range(7)) and int(explorer.shown.table.to_numpy().sum()) == expected


def test_failures_follow_the_domain_filter(journal):
    explorer = JournalExplorer(journal, view="failures")
    everything = int(explorer.shown.table["failures"].sum())
    assert everything == failed_recipients(journal, "") > 0
    explorer.domain.value = "elektro"
    narrowed = explorer.shown
    assert 0 < int(narrowed.table["failures"].sum()) == failed_recipients(journal, "elektro") < everything
    assert narrowed.caption.startswith(f"{failed_recipients(journal, 'elektro')} failed of ")
    assert all(html.escape(meaning) in explorer.table.value for meaning in narrowed.table["meaning"])
    explorer.direction.value = "in"  # sends are outbound: nothing failed inbound
    assert explorer.shown.table.empty and explorer.plot.layout.display == "none"


def test_response_times_group_and_the_controls_that_apply(journal):
    explorer = JournalExplorer(journal, view="response_times")
    assert explorer.per.layout.display == "none" and explorer.group.layout.display is None
    by_account = explorer.shown.table
    assert int(by_account["inbound"].sum()) == count(journal, "direction = 'in'")
    assert (by_account["answered"] <= by_account["inbound"]).all() and by_account["answered"].sum() > 0
    explorer.group.value = "weekday"
    assert set(explorer.shown.table.index) <= set(range(7))
    assert int(explorer.shown.table["inbound"].sum()) == int(by_account["inbound"].sum())
    explorer.view.value = "volume"
    assert explorer.per.layout.display is None and explorer.group.layout.display == "none"


def test_a_contradictory_range_is_explained_and_the_last_answer_stays(journal):
    explorer = JournalExplorer(journal)
    explorer.since.value = dt.date(2025, 6, 1)
    before = explorer.shown
    explorer.until.value = dt.date(2025, 6, 1)
    assert "until: " in explorer.caption.value and "widen the time range" in explorer.caption.value
    assert explorer.shown is before


def test_an_empty_journal_shows_zero_and_no_plot(tmp_path):
    with Journal(tmp_path / "empty.sqlite") as empty:
        explorer = JournalExplorer(empty)
        assert explorer.span.value == "no dated mail yet" and explorer.accounts.options == ()
        assert explorer.caption.value == "<b>0 messages per week</b>" and bytes(explorer.plot.value) == b""
        assert journal_span(empty) is None and journal_accounts(empty) == []


@pytest.mark.parametrize("view", list(VIEWS))
def test_every_view_answers_with_rows(journal, view):
    shown = explore(journal, Query(view, top=5))
    assert len(shown.table) > 0 and shown.caption
    assert len(shown.table) <= 5 or view in ("volume", "response_times", "runs")
    assert (shown.figure is None) == (view in ("correspondents", "records"))


def test_a_bad_query_names_every_field(journal):
    with pytest.raises(ConfigError) as caught:
        Query("top_senders", direction="both", since=dt.date(2025, 2, 1), until=dt.date(2025, 1, 1), top=0)
    assert [p.field for p in caught.value.problems] == ["view", "direction", "until", "top"]


def mailkit(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mailkit", *args], capture_output=True, text=True, timeout=120)


def test_the_cli_gives_the_explorers_table(journal, tmp_path):
    plot = tmp_path / "failures.png"
    out = mailkit("journal", "explore", "failures", "--journal", str(journal.path), "--domain", "elektro",
                  "--json", "--plot", str(plot))  # fmt: skip
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)["data"]
    expected = explore(journal, Query("failures", domain="elektro")).table
    assert [r["failures"] for r in data["rows"]] == expected["failures"].tolist()
    assert [r["enhanced"] for r in data["rows"]] == expected["enhanced"].tolist()
    assert data["caption"].startswith(f"{failed_recipients(journal, 'elektro')} failed")
    assert plot.read_bytes().startswith(PNG)
    text = mailkit("journal", "explore", "volume", "--journal", str(journal.path), "--per", "month", "--account",
                   "info", "--direction", "out")  # fmt: skip
    outbound = count(journal, "account = 'info' AND direction = 'out'")
    assert text.returncode == 0 and text.stdout.startswith(f"{outbound:,} messages per month")
    bad = mailkit("journal", "explore", "volume", "--journal", str(journal.path), "--since", "2025-03-01",
                  "--until", "2025-02-01")  # fmt: skip
    assert bad.returncode == 2 and "widen the time range" in bad.stderr
    missing = mailkit("journal", "explore", "runs", "--journal", str(tmp_path / "none.sqlite"))
    assert missing.returncode == 2 and "no journal" in missing.stderr


def test_german_reasons_for_the_consultants_customers(journal):
    explorer = JournalExplorer(journal, view="failures", lang="de")
    english = explore(journal, Query("failures")).table
    assert (
        len(explorer.shown.table) == len(english)
        and explorer.shown.table["meaning"].tolist() != english["meaning"].tolist()
    )
    assert html.escape("Empfängeradresse existiert nicht") in explorer.table.value
    assert explorer.shown.figure.axes[0].get_title() == "Zustellfehler nach Ursache"


def test_a_reply_after_the_range_still_answers(journal):
    everything = analysis.response_times(journal.messages(), frames.references(journal))
    answered_later = everything[everything["replied_at"].dt.date > everything["date"].dt.date]
    crossing = answered_later[answered_later["account"] == "vertrieb"].iloc[0]
    until = crossing["date"].date() + dt.timedelta(days=1)  # its reply comes after the range
    selected = everything[(everything["date"] < pd.Timestamp(until, tz="UTC")) & (everything["account"] == "vertrieb")]
    table = explore(journal, Query("response_times", until=until, accounts=("vertrieb",))).table
    assert table.loc["vertrieb", ["inbound", "answered"]].tolist() == [len(selected), selected["reply"].notna().sum()]
    assert len(selected) == count(journal, "account = 'vertrieb' AND direction = 'in' AND date_utc < ?", str(until))
