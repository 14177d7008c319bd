"""One look for every table a runbook, widget or report shows: a pandas ``Styler`` with house rules.

Text reads left to right (pandas and JupyterLab right-align every cell; ``!important`` outranks
their rules), statuses are coloured badges, a ``RangeIndex`` (which means nothing) is hidden, and a long
table shows its first rows with the rest behind a disclosure — the caller sorts best first. The
frame stays available unstyled as ``.data``.

>>> import pandas as pd
>>> shown = table(pd.DataFrame({"check": ["TCP", "SPF"], "status": ["ok", "fail"]}))
>>> shown.data.shape
(2, 2)
>>> "mk-badge" in shown.to_html() and ">fail<" in shown.to_html()
True
>>> table(pd.DataFrame({"n": range(30)}), limit=5).to_html().count("<details")
1
"""

from __future__ import annotations

__all__ = ["BADGE_COLOURS", "Table", "badge", "table"]

import html

import pandas as pd

#: status -> (background, text colour); the diagnosis's four statuses plus the DKIM verdict levels
BADGE_COLOURS = {
    "ok": ("#1b5e20", "#ffffff"),
    "warn": ("#f9a825", "#1f1f1f"),
    "fail": ("#b00020", "#ffffff"),
    "skip": ("#e0e0e0", "#1f1f1f"),
}
_BADGE = "border-radius:3px;padding:1px 6px;white-space:nowrap;font-weight:600"
_CSS = (
    "table.mk-table{border-collapse:collapse;font-size:13px;margin:4px 0}"
    "table.mk-table th{text-align:left!important;line-height:1.4;background:#f5f5f5;padding:4px 8px;"
    "border-bottom:1px solid #bdbdbd}"
    "table.mk-table td{text-align:left!important;vertical-align:top;line-height:1.4;padding:4px 8px;"
    "border-bottom:1px solid #eeeeee}"
    "table.mk-table td.mk-num{text-align:right!important;font-variant-numeric:tabular-nums}"
    "table.mk-table caption{text-align:left;font-weight:bold;padding:4px 0}"
    ".mk-more summary{cursor:pointer;color:#1565c0;margin:4px 0}"
    "@media print{.mk-more[open] summary{display:none}table.mk-table{font-size:11px}}"
)


def badge(status: str, label: str | None = None) -> str:
    """A status as a coloured badge (HTML); unknown statuses get the neutral colour.

    >>> badge("ok", "in Ordnung")[:46], badge("ok", "in Ordnung")[-18:]
    ('<span class="mk-badge mk-ok" style="background', '>in Ordnung</span>')
    """
    background, colour = BADGE_COLOURS.get(status, BADGE_COLOURS["skip"])
    style = f"background:{background};color:{colour};{_BADGE}"
    return f'<span class="mk-badge mk-{html.escape(status)}" style="{style}">{html.escape(label or status)}</span>'


class Table:
    """A styled view of a frame: ``_repr_html_`` for notebooks, ``to_html()`` for widgets and reports."""

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        status: str = "status",
        labels: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        limit: int | None = None,
        caption: str = "",
        more: str = "{n} more rows",
        raw: tuple[str, ...] = (),
        wrap: tuple[str, ...] = (),
    ) -> None:
        self.data = data
        self.status, self.labels, self.headers = status, labels or {}, headers or {}
        self.limit, self.caption, self.more = limit, caption, more
        self.raw = raw  # columns that hold HTML already (escaped by the caller), e.g. copy buttons
        self.wrap = wrap  # columns of long tokens (keys, tokens) that may break anywhere

    def styler(self, frame: pd.DataFrame | None = None, caption: str | None = None):
        """The pandas Styler of (part of) the frame, with badges, left-aligned text and no meaningless index."""
        frame = self.data if frame is None else frame
        styled = frame.style.format(escape="html", na_rep="")
        if self.status in frame.columns:
            styled = styled.format(lambda s: badge(str(s), self.labels.get(str(s))), subset=[self.status])
        raw = [c for c in self.raw if c in frame.columns]
        if raw:
            styled = styled.format(str, subset=raw)
        wrap = [c for c in self.wrap if c in frame.columns]
        if wrap:
            styled = styled.set_properties(subset=wrap, **{"word-break": "break-all", "min-width": "16em"})
        numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
        if numeric:
            styled = styled.set_td_classes(
                pd.DataFrame({c: "mk-num" if c in numeric else "" for c in frame.columns}, index=frame.index)
            )
        if isinstance(frame.index, pd.RangeIndex):
            styled = styled.hide(axis="index")
        if self.headers:
            styled = styled.relabel_index([self.headers.get(c, c) for c in frame.columns], axis="columns")
        styled = styled.set_table_attributes('class="mk-table"')
        if caption:
            styled = styled.set_caption(html.escape(caption))
        return styled

    def to_html(self) -> str:
        """The table as HTML: the first ``limit`` rows, the rest behind a disclosure."""
        frame = self.data
        head = frame if self.limit is None or len(frame) <= self.limit else frame.iloc[: self.limit]
        parts = [f"<style>{_CSS}</style>", self.styler(head, self.caption).to_html()]
        if len(head) < len(frame):
            rest = frame.iloc[self.limit :]
            summary = html.escape(self.more.format(n=len(rest)))
            parts.append(
                f"<details class='mk-more'><summary>{summary}</summary>{self.styler(rest).to_html()}</details>"
            )
        return "".join(parts)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return f"Table({len(self.data)} rows × {len(self.data.columns)} columns)"


def table(data: pd.DataFrame, **options) -> Table:
    """Show ``data`` the mailkit way; :class:`Table` says what its options do."""
    return Table(data, **options)
