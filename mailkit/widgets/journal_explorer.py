"""The journal explorer: pick a view, a time range, accounts, a direction and a domain; see the table and plot.

Every change asks :func:`mailkit.explore.explore` again (the domain once typed, on Enter): a view over
200,000 messages takes about a second, so there is no button to remember to press. The figure is shown as a
PNG in an Image widget rather than through an Output widget: that works headless, in tests, and in
the saved notebook alike.
"""

from __future__ import annotations

__all__ = ["JournalExplorer"]

import html
import io

import ipywidgets as w

from ..errors import MailkitError
from ..explore import VIEWS, Query, View, explore, journal_accounts, journal_span
from ..journal.store import Journal

_BOTH = "both"


class JournalExplorer(w.VBox):
    """Controls over :class:`mailkit.explore.Query`; :attr:`shown` is the :class:`~mailkit.explore.View` on screen."""

    def __init__(self, journal: Journal, view: str = "volume", lang: str = "en", max_rows: int = 50) -> None:
        self.journal = journal
        self.lang = lang
        self.max_rows = max_rows
        span = journal_span(journal)
        self.view = w.Dropdown(options=[(f"{name.replace('_', ' ')}: {why}", name) for name, why in VIEWS.items()],
                               value=view, description="View", layout=w.Layout(width="34em"))  # fmt: skip
        # empty dates mean the whole journal: runs and sends happen after the mail's own Date
        self.since = w.DatePicker(description="From")
        self.until = w.DatePicker(description="Before")
        self.span = w.HTML(f"mail from {span[0]} to {span[1]}" if span else "no dated mail yet")
        self.accounts = w.SelectMultiple(options=journal_accounts(journal), description="Accounts", rows=4)
        self.direction = w.ToggleButtons(options=[_BOTH, "in", "out"], value=_BOTH, description="Direction")
        self.domain = w.Text(description="Domain", placeholder="part of a domain, e.g. kunde", continuous_update=False)
        self.per = w.Dropdown(options=["day", "week", "month", "hour", "weekday"], value="week", description="Per")
        self.group = w.Dropdown(options=["account", "weekday", "hour"], value="account", description="Group by")
        self.top = w.BoundedIntText(value=20, min=1, max=1000, description="Top rows")
        self.caption = w.HTML()
        self.table = w.HTML()
        self.plot = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.shown: View | None = None
        for control in self.controls:
            control.observe(lambda _: self.refresh(), names="value")
        super().__init__(
            [
                self.view,
                w.HBox([self.since, self.until, self.span]),
                w.HBox([self.accounts, w.VBox([self.direction, self.domain])]),
                w.HBox([self.per, self.group, self.top]),
                self.caption,
                self.plot,
                self.table,
            ]
        )
        self.refresh()

    @property
    def controls(self) -> list[w.ValueWidget]:
        return [self.view, self.since, self.until, self.accounts, self.direction, self.domain, self.per, self.group,
                self.top]  # fmt: skip

    def query(self) -> Query:
        """The query the controls describe (ConfigError when they contradict each other)."""
        return Query(
            view=self.view.value,
            since=self.since.value,
            until=self.until.value,
            accounts=tuple(self.accounts.value),
            direction=None if self.direction.value == _BOTH else self.direction.value,
            domain=self.domain.value.strip(),
            per=self.per.value,
            group=self.group.value,
            top=self.top.value,
            lang=self.lang,
        )

    def refresh(self) -> View | None:
        """Ask the journal again with the current controls and show the answer (or what is wrong)."""
        self.per.layout.display = None if self.view.value == "volume" else "none"
        self.group.layout.display = None if self.view.value == "response_times" else "none"
        try:
            shown = explore(self.journal, self.query())
        except MailkitError as exc:
            self.caption.value = f"<div style='color:#b00020;white-space:pre-line'>{html.escape(str(exc))}</div>"
            return None
        self.shown = shown
        self.caption.value = f"<b>{html.escape(shown.caption)}</b>"
        self.table.value = shown.table.to_html(max_rows=self.max_rows, float_format="{:.3f}".format, na_rep="–")
        self.plot.value = _png(shown.figure) if shown.figure is not None else b""
        self.plot.layout.display = None if shown.figure is not None else "none"
        return shown


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()
