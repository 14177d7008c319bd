"""How much mail, when and with whom: volumes per period in local time, and the top correspondents."""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

import pandas as pd

DEFAULT_TZ = "Europe/Berlin"


_PERIODS = ("hour", "weekday", "day", "week", "month")


def _local(times: pd.Series, tz: str) -> pd.Series:
    """UTC times as naive local wall-clock times (no DST ambiguity in day and week buckets)."""
    return times.dt.tz_convert(tz).dt.tz_localize(None)


@functools.lru_cache(maxsize=32)
def utc_bucket(tz: str = DEFAULT_TZ) -> str:
    """How finely to count UTC times so that each count falls in one local hour: ``hour`` or ``minute``.

    Whole hours where the zone's offset has always been whole hours since 1970 (Europe/Berlin);
    minutes where it has not (Asia/Kolkata, Australia/Adelaide).

    >>> utc_bucket("Europe/Berlin"), utc_bucket("Asia/Kolkata")
    ('hour', 'minute')
    """
    zone = ZoneInfo(tz)
    day = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    while day.year < 2040:
        offset = day.astimezone(zone).utcoffset()
        if offset is not None and offset.total_seconds() % 3600:
            return "minute"
        day += dt.timedelta(days=7)
    return "hour"


def _bucket(times: pd.Series, per: str, tz: str) -> pd.Series:
    if per not in _PERIODS:
        raise ValueError(f"per {per!r}: use one of {', '.join(_PERIODS)}")
    local = _local(times, tz)
    if per == "hour":
        return local.dt.hour.rename("hour")
    if per == "weekday":
        return local.dt.day_of_week.rename("weekday")
    day = local.dt.floor("D")
    if per == "day":
        return day.rename("day")
    if per == "week":
        return (day - pd.to_timedelta(day.dt.day_of_week, unit="D")).rename("week")
    return day.dt.to_period("M").dt.start_time.rename("month")


def volume(messages: pd.DataFrame, per: str = "day", by=("account", "direction"), tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Messages per hour of day, weekday (0 = Monday), day, week or month, one column per ``by`` group.

    Days, weeks and months without mail are rows of zeros, so plots show the gaps. A ``count``
    column makes each row stand for that many messages (the journal's counts per UTC hour).
    """
    by = [by] if isinstance(by, str) else list(by)
    dated = messages[messages["date"].notna()]
    key = _bucket(dated["date"], per, tz)
    if "count" in dated:
        weights = dated["count"]
        table = (
            pd.crosstab(key, [dated[b] for b in by], values=weights, aggfunc="sum").fillna(0)
            if by
            else weights.groupby(key).sum().sort_index().to_frame("messages")
        )
    else:
        table = pd.crosstab(key, [dated[b] for b in by]) if by else key.value_counts().sort_index().to_frame("messages")
    if per == "hour":
        index = pd.RangeIndex(24, name="hour")
    elif per == "weekday":
        index = pd.RangeIndex(7, name="weekday")
    elif len(table):
        step = {"day": "D", "week": "7D", "month": "MS"}[per]
        index = pd.date_range(table.index.min(), table.index.max(), freq=step, name=per)
    else:
        index = table.index
    return table.reindex(index, fill_value=0).astype("int64")


def correspondents(messages: pd.DataFrame, by: str = "domain", top: int | None = 20) -> pd.DataFrame:
    """Who the mail is exchanged with (``by`` = ``correspondent`` or ``domain``): in, out, total, first, last.

    From counts (``count``, ``first``, ``last`` per correspondent and direction) as from messages.
    """
    if by not in ("correspondent", "domain"):
        raise ValueError(f"by {by!r}: use 'correspondent' or 'domain'")
    known = messages[messages[by].notna()]
    grouped = known.groupby(by, observed=True)
    if "count" in known:
        counts = pd.crosstab(known[by], known["direction"], values=known["count"], aggfunc="sum")
        counts = counts.fillna(0).astype("int64").reindex(columns=["in", "out"], fill_value=0)
        first, last = grouped["first"].min(), grouped["last"].max()
    else:
        counts = pd.crosstab(known[by], known["direction"]).reindex(columns=["in", "out"], fill_value=0)
        first, last = grouped["date"].min(), grouped["date"].max()
    table = counts.assign(total=counts["in"] + counts["out"], first=first, last=last)
    table = table.sort_values(["total", "last"], ascending=[False, False])
    table.columns.name = None
    return table.head(top) if top else table
