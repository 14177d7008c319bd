"""One question to the journal at a time: a view (volume, failures, …) over a time range, accounts, a direction.

The :class:`~mailkit.widgets.JournalExplorer` widget and ``mailkit journal explore`` both ask
:func:`explore`, so a consultant clicking and an admin scripting see the same tables. This module
only picks frames and filters them; every number comes from :mod:`mailkit.analysis`.

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
from .journal import frames
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
    first, last = journal.db.execute("SELECT min(date_utc), max(date_utc) FROM messages").fetchone()
    if first is None:
        return None
    return dt.date.fromisoformat(first[:10]), dt.date.fromisoformat(last[:10])


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
    if query.view == "volume":
        mail = frames.messages(journal, columns=("date", "account", "direction", "domain"), direction=query.direction,
                               **window)  # fmt: skip
        table = analysis.volume(_matching(mail, "domain", query.domain), query.per, tz=query.tz)
        if len(table) and table.to_numpy().sum():
            figure = analysis.plot_volume(table, lang)
        caption = f"{int(table.to_numpy().sum()):,} messages per {query.per}"
    elif query.view == "correspondents":
        mail = frames.messages(journal, columns=("date", "direction", "correspondent", "domain"),
                               direction=query.direction, **window)  # fmt: skip
        mail = _matching(mail, "domain", query.domain)
        table = analysis.correspondents(mail, "domain", query.top)
        caption = f"{mail['domain'].nunique():,} domains, top {len(table)} shown"
    elif query.view == "failures":
        tried = frames.send_recipients(journal, **window)
        tried = _matching(tried, "domain", query.domain)
        if query.direction == "in":
            tried = tried.iloc[:0]
        table = analysis.failures_by_reason(tried, lang)
        if len(table):
            figure = analysis.plot_failures(table, lang)
        tried_count = int((tried["outcome"] != "pending").sum())
        caption = f"{int(table['failures'].sum()):,} failed of {tried_count:,} recipients"
        table = table.head(query.top)
    elif query.view == "response_times":
        # thread everything from ``since`` on (a reply after ``until`` or from a colleague's account still
        # answers), then keep the inbound mail the filters select
        columns = ("id", "message_id", "in_reply_to", "date", "account", "direction")
        mail = frames.messages(journal, columns=columns, since=query.since)
        times = analysis.response_times(mail, frames.references(journal, since=query.since))
        selected = frames.messages(journal, columns=("id", "domain"), direction="in", **window)
        times = times[times["id"].isin(_matching(selected, "domain", query.domain)["id"])]
        table = analysis.response_stats(times, query.group, tz=query.tz)
        if len(table) and table["answered"].sum():
            figure = analysis.plot_response_times(table, lang)
        caption = f"{int(table['answered'].sum()):,} of {len(times):,} inbound messages answered"
    elif query.view == "authentication":
        mail = frames.messages(journal, columns=("direction", "domain", "spf", "dkim", "dmarc"),
                               direction=query.direction, **window)  # fmt: skip
        table = analysis.authentication(_matching(mail, "domain", query.domain), "domain")
        checked = int(table["dmarc"].drop(columns="pass_share").to_numpy().sum())
        if len(table):
            figure = analysis.plot_authentication(table, lang)
        table = table.head(query.top)
        caption = f"{checked:,} inbound messages checked, top {len(table)} domains shown"
    elif query.view == "attachments":
        found = frames.attachments(journal, columns=("message", "mime_type", "size"), direction=query.direction,
                                   **window)  # fmt: skip
        if query.domain:
            mail = frames.messages(journal, columns=("id", "domain"), direction=query.direction, **window)
            found = found[found["message"].isin(_matching(mail, "domain", query.domain)["id"])]
        table = analysis.attachment_types(found)
        if len(table):
            figure = analysis.plot_attachments(table, lang, query.top)
        table = table.head(query.top)
        caption = f"{len(found):,} attachments, {int(found['size'].sum()) / 1e6:,.1f} MB"
    elif query.view == "runs":
        runs = frames.runs(journal, **window)
        table = analysis.run_health(runs, frames.quarantine(journal, **window))
        if len(runs):
            figure = analysis.plot_runs(runs, lang)
        caption = f"{len(runs):,} runs, {int((runs['status'] == 'failed').sum()):,} failed"
    elif query.view == "smime":
        columns = ("direction", "domain", "smime_status", "smime_encrypted")
        mail = frames.messages(journal, columns=columns, direction=query.direction, **window)
        table = analysis.smime_shares(_matching(mail, "domain", query.domain), "direction")
        checked = int(table["messages"].sum() - table["unchecked"].sum())
        signed = checked - int(table["none"].sum())
        if len(table):
            figure = analysis.plot_smime(table, lang)
        caption = f"{checked:,} messages checked, {signed:,} signed, {int(table['encrypted'].sum()):,} encrypted"
    else:  # records
        columns = ("id", "date", "direction", "record_type", "record_number", "correspondent", "domain")
        mail = frames.messages(journal, columns=columns, direction=query.direction, **window)
        table = analysis.records(_matching(mail, "domain", query.domain))
        caption = f"{len(table):,} records, {int(table['awaiting_reply'].sum()):,} awaiting a reply"
        table = table.head(query.top)
    return View(query, table, figure, caption)
