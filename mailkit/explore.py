"""One question to the journal at a time: a view (volume, failures, …) over a time range, accounts, a direction.

The :class:`~mailkit.widgets.JournalExplorer` widget and ``mailkit journal explore`` both ask
:func:`explore`, so a consultant clicking and an admin scripting see the same tables. This module
only picks what to load and filters it; every number comes from :mod:`mailkit.analysis`. The
database does the counting (:mod:`mailkit.journal.aggregates`: messages per UTC hour, per
correspondent, per verdict, per record), so ten million messages come back as thousands of rows;
only the response times thread every message in pandas.

What each filter means per view: the time range applies to every view (a message's Date, a send's
creation, a run's start); ``direction`` to the message views (sends are outbound, so ``in`` leaves
failures empty, and authentication is checked on inbound mail only); ``domain`` (a part of the
correspondent's domain, any case) to everything with a correspondent — runs have none. Response
times thread all mail from ``since`` on, so a reply after ``until`` or from another account counts,
then keep the inbound mail the filters select.
"""

from __future__ import annotations

__all__ = ["VIEWS", "Query", "View", "explore", "journal_accounts", "journal_span"]

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from . import analysis
from .errors import ConfigError, FieldProblem
from .journal import aggregates, frames
from .journal.views import VIEWS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .journal.store import Journal

_PERIODS = ("day", "week", "month", "hour", "weekday")
_RESPONSE_GROUPS = ("account", "weekday", "hour")


@dataclass(frozen=True)
class Query:
    """What to look at; ``accounts`` empty means all, ``direction`` None both, ``domain`` "" any."""

    view: str = "volume"
    since: dt.date | None = None
    until: dt.date | None = None
    accounts: tuple[str, ...] = ()
    direction: str | None = None
    domain: str = ""
    per: str = "week"  # volume: day, week, month, hour or weekday
    group: str = "account"  # response times: account, weekday or hour
    top: int = 20
    lang: str = "en"
    tz: str = analysis.DEFAULT_TZ

    def __post_init__(self) -> None:
        checks = [
            ("view", self.view in VIEWS, f"{self.view!r}: use one of {', '.join(VIEWS)}"),
            ("direction", self.direction in (None, "in", "out"), f"{self.direction!r}: use 'in', 'out' or None"),
            ("per", self.per in _PERIODS, f"{self.per!r}: use one of {', '.join(_PERIODS)}"),
            ("group", self.group in _RESPONSE_GROUPS, f"{self.group!r}: use one of {', '.join(_RESPONSE_GROUPS)}"),
            ("until", not (self.since and self.until and self.since >= self.until),
             f"{self.until} is not after since {self.since}: widen the time range"),
            ("top", self.top >= 1, f"{self.top}: show at least one row"),
        ]  # fmt: skip
        problems = [FieldProblem(name, message) for name, ok, message in checks if not ok]
        if problems:
            raise ConfigError("the journal query cannot be answered", problems)


@dataclass
class View:
    """The answer: a table, a figure when the table has rows worth drawing, and a one-line caption."""

    query: Query
    table: pd.DataFrame
    figure: Figure | None
    caption: str


def journal_accounts(journal: Journal) -> list[str]:
    """Every account the journal knows from mail, sends or runs: the explorer's choices.

    >>> import tempfile, pathlib
    >>> from mailkit.journal import Journal
    >>> with tempfile.TemporaryDirectory() as folder, Journal(pathlib.Path(folder) / "j.sqlite") as journal:
    ...     journal.finish_run(journal.start_run("info", "INBOX", "imap"), "ok", {})
    ...     journal_accounts(journal)
    ['info']
    """
    rows = journal.db.execute(
        "SELECT account FROM messages UNION SELECT account FROM sends UNION SELECT account FROM runs ORDER BY 1"
    )
    return [account for (account,) in rows if account]


def journal_span(journal: Journal) -> tuple[dt.date, dt.date] | None:
    """The first and last day (UTC) with dated mail, or None for an empty journal: the default time range."""
    span = aggregates.period(journal).iloc[0]
    if pd.isna(span["first"]):
        return None
    return span["first"].date(), span["last"].date()


def _matching(frame: pd.DataFrame, column: str, text: str) -> pd.DataFrame:
    if not text:
        return frame
    found = frame[column].astype("object").str.contains(text, case=False, regex=False)
    return frame[found.fillna(False).astype(bool)]


def explore(journal: Journal, query: Query) -> View:
    """Load what ``query.view`` needs with the query's filters and compute its table (and figure)."""
    window = {"since": query.since, "until": query.until, "account": list(query.accounts) or None}
    lang = query.lang
    figure = None
    counted = {"direction": query.direction, "domain": query.domain, **window}  # the database counts for us
    if query.view == "volume":
        mail = aggregates.message_counts(journal, ("account", "direction"), time=analysis.utc_bucket(query.tz),
                                         **counted)  # fmt: skip
        table = analysis.volume(mail, query.per, tz=query.tz)
        if len(table) and table.to_numpy().sum():
            figure = analysis.plot_volume(table, lang)
        caption = f"{int(table.to_numpy().sum()):,} messages per {query.per}"
    elif query.view == "correspondents":
        mail = aggregates.message_counts(journal, ("direction", "domain"), dates=True, **counted)
        table = analysis.correspondents(mail, "domain", query.top)
        caption = f"{mail['domain'].nunique():,} domains, top {len(table)} shown"
    elif query.view == "failures":
        # without a domain, the database counts the recipients tried and hands over only the failed ones
        tried = _matching(frames.send_recipients(journal, failed_only=not query.domain, **window), "domain",
                          query.domain)  # fmt: skip
        if query.direction == "in":
            tried = tried.iloc[:0]
        table = analysis.failures_by_reason(tried, lang)
        if len(table):
            figure = analysis.plot_failures(table, lang)
        if query.domain or query.direction == "in":
            tried_count = int((tried["outcome"] != "pending").sum())
        else:
            outcomes = aggregates.send_outcomes(journal, **window)
            tried_count = int(outcomes.sum() - outcomes.get("pending", 0))
        caption = f"{int(table['failures'].sum()):,} failed of {tried_count:,} recipients"
        table = table.head(query.top)
    elif query.view == "response_times":
        # the inbound mail the filters select, answered by the first reply of its thread whenever it came
        # (after ``until``, from a colleague's account): the threads and replies the journal keeps
        if query.domain:
            selected = frames.messages(journal, columns=("id", "domain"), direction="in", **window)
            times = aggregates.replies(journal, **window)
            times = times[times["id"].isin(_matching(selected, "domain", query.domain)["id"])]
            table = analysis.response_stats(times, query.group, tz=query.tz)
        else:
            table = analysis.journal_response_stats(journal, query.group, query.tz, **window)
        if len(table) and table["answered"].sum():
            figure = analysis.plot_response_times(table, lang)
        caption = f"{int(table['answered'].sum()):,} of {int(table['inbound'].sum()):,} inbound messages answered"
    elif query.view == "authentication":
        # authentication is checked on inbound mail: outbound is not even counted
        mail = aggregates.message_counts(journal, ("direction", "domain", "spf", "dkim", "dmarc"),
                                         **{**counted, "direction": query.direction or "in"})  # fmt: skip
        table = analysis.authentication(mail, "domain")
        checked = int(table["dmarc"].drop(columns="pass_share").to_numpy().sum())
        if len(table):
            figure = analysis.plot_authentication(table, lang)
        table = table.head(query.top)
        caption = f"{checked:,} inbound messages checked, top {len(table)} domains shown"
    elif query.view == "attachments":
        table = analysis.attachment_types(aggregates.attachment_types(journal, **counted))
        if len(table):
            figure = analysis.plot_attachments(table, lang, query.top)
        caption = f"{int(table['count'].sum()):,} attachments, {int(table['total_bytes'].sum()) / 1e6:,.1f} MB"
        table = table.head(query.top)
    elif query.view == "runs":
        runs = frames.runs(journal, **window)
        table = analysis.run_health(runs, frames.quarantine(journal, **window))
        if len(runs):
            figure = analysis.plot_runs(runs, lang)
        caption = f"{len(runs):,} runs, {int((runs['status'] == 'failed').sum()):,} failed"
    elif query.view == "smime":
        mail = aggregates.message_counts(journal, ("direction", "smime_status", "smime_encrypted"), **counted)
        table = analysis.smime_shares(mail, "direction")
        checked = int(table["messages"].sum() - table["unchecked"].sum())
        signed = checked - int(table["none"].sum())
        if len(table):
            figure = analysis.plot_smime(table, lang)
        caption = f"{checked:,} messages checked, {signed:,} signed, {int(table['encrypted'].sum()):,} encrypted"
    else:  # records
        table = analysis.records(aggregates.record_counts(journal, correspondents=True, top=query.top, **counted))
        totals = aggregates.record_totals(journal, **counted)
        caption = f"{totals['records']:,} records, {totals['awaiting_reply']:,} awaiting a reply"
    return View(query, table, figure, caption)
