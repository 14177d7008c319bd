"""Static figures of the report tables: matplotlib without pyplot's global state, labels in German or English."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .labels import _labels

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _figure(width: float = 9, height: float = 4.5) -> Figure:
    """A figure without pyplot: no global state, so it renders headless, in tests and in notebooks."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _series_label(key, words: dict) -> str:
    parts = key if isinstance(key, tuple) else (key,)
    return " / ".join(words.get(str(p), str(p)) for p in parts)


def plot_volume(table: pd.DataFrame, lang: str = "en") -> Figure:
    """Lines over days, weeks or months; grouped bars over hours of the day or weekdays."""
    words = _labels(lang)
    per = table.index.name or "day"
    figure = _figure()
    axes = figure.add_subplot()
    if per in ("hour", "weekday"):
        width = 0.8 / max(len(table.columns), 1)
        for number, column in enumerate(table.columns):
            axes.bar(table.index + number * width, table[column], width, label=_series_label(column, words))
        axes.set_xticks(table.index + 0.4 - width / 2)
        axes.set_xticklabels(words["days"] if per == "weekday" else [str(h) for h in table.index])
    else:
        for column in table.columns:
            axes.plot(table.index, table[column], label=_series_label(column, words))
        figure.autofmt_xdate()
    axes.set_title(words["volume"].format(per=words.get(per, per)))
    axes.set_xlabel(words.get(per, per))
    axes.set_ylabel(words["messages"])
    if len(table.columns) > 1:
        axes.legend(fontsize="small", ncols=2)
    return figure


def plot_response_times(stats: pd.DataFrame, lang: str = "en") -> Figure:
    """Median and 90th percentile reply delay in hours per group of :func:`response_stats`."""
    words = _labels(lang)
    figure = _figure()
    axes = figure.add_subplot()
    positions = np.arange(len(stats))
    hours = {name: stats[name] / pd.Timedelta(hours=1) for name in ("median", "p90")}
    axes.bar(positions - 0.2, hours["median"], 0.4, label=words["median"])
    axes.bar(positions + 0.2, hours["p90"], 0.4, label=words["p90"])
    by = stats.index.name or "all"
    names = [words["days"][i] for i in stats.index] if by == "weekday" else [str(i) for i in stats.index]
    axes.set_xticks(positions, [words.get(n, n) for n in names])
    axes.set_title(words["response"].format(by=words.get(by, by)))
    axes.set_xlabel(words.get(by, by))
    axes.set_ylabel(words["hours"])
    axes.legend()
    return figure


def plot_failures(by_reason: pd.DataFrame, lang: str = "en", top: int = 10) -> Figure:
    """Horizontal bars: failed recipients per reason (code, enhanced code and meaning)."""
    words = _labels(lang)
    shown = by_reason.head(top).iloc[::-1]
    labels = [
        f"{'' if pd.isna(c) else int(c)} {'' if pd.isna(e) else e} {m}".strip()
        for c, e, m in zip(shown["smtp_code"], shown["enhanced"], shown["meaning"], strict=True)
    ]
    figure = _figure(10, 0.45 * max(len(shown), 3) + 1.5)
    axes = figure.add_subplot()
    axes.barh(labels, shown["failures"], color="tab:red")
    axes.set_title(words["failures"])
    axes.set_xlabel(words["recipients"])
    return figure


def plot_authentication(table: pd.DataFrame, lang: str = "en") -> Figure:
    """Stacked shares of each result for SPF, DKIM and DMARC (from :func:`authentication`)."""
    words = _labels(lang)
    figure = _figure(8, 3.5)
    axes = figure.add_subplot()
    methods = ["spf", "dkim", "dmarc"]
    totals = {m: table[m][["pass", "fail", "softfail", "none", "other"]].to_numpy().sum() for m in methods}
    left = np.zeros(len(methods))
    colours = {"pass": "green", "fail": "red", "softfail": "pink", "none": "gray", "other": "orange"}
    for result, colour in colours.items():
        shares = np.array([table[m][result].sum() / totals[m] if totals[m] else 0 for m in methods])
        axes.barh([m.upper() for m in methods], shares, left=left, color=colour, label=result)
        left += shares
    axes.set_xlim(0, 1)
    axes.set_title(words["auth"])
    axes.set_xlabel(words["share"])
    axes.legend(ncols=4, fontsize="small", loc="lower center", bbox_to_anchor=(0.5, -0.45))
    return figure


def plot_attachments(types: pd.DataFrame, lang: str = "en", top: int = 10) -> Figure:
    """Two panels: attachment count and total size per MIME type (from :func:`attachment_types`)."""
    words = _labels(lang)
    shown = types.head(top).iloc[::-1]
    labels = [str(t).replace("application/vnd.openxmlformats-officedocument.", "…") for t in shown.index]
    figure = _figure(10, 0.4 * max(len(shown), 3) + 1.5)
    count_axes, size_axes = figure.subplots(1, 2, sharey=True)
    count_axes.barh(labels, shown["count"])
    count_axes.set_xlabel(words["count"])
    size_axes.barh(labels, shown["total_bytes"] / 1e6, color="tab:purple")
    size_axes.set_xlabel(words["megabytes"])
    figure.suptitle(words["attachments"])
    return figure


def plot_runs(runs: pd.DataFrame, lang: str = "en") -> Figure:
    """Run durations over time, failed runs marked in red."""
    words = _labels(lang)
    figure = _figure()
    axes = figure.add_subplot()
    seconds = runs["duration"] / pd.Timedelta(seconds=1)
    failed = runs["status"] != "ok"
    axes.scatter(runs["started_at"][~failed], seconds[~failed], s=4, alpha=0.4, label="ok")
    axes.scatter(runs["started_at"][failed], seconds[failed], s=16, color="tab:red", label=words["failed"])
    axes.set_title(words["runs"])
    axes.set_ylabel(words["duration"])
    axes.legend()
    figure.autofmt_xdate()
    return figure
