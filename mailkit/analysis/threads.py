"""How fast mail is answered: threads by Message-ID, In-Reply-To and References, and response times."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .volumes import DEFAULT_TZ, _bucket

if TYPE_CHECKING:
    from ..journal import Journal

#: the delay quantiles the tables show, by column
QUANTILES = {"median": 0.5, "p75": 0.75, "p90": 0.9}


def _components(a: np.ndarray, b: np.ndarray, size: int) -> np.ndarray:
    """Connected components of an undirected graph given as edge arrays: each node's smallest node."""
    label = np.arange(size)
    while True:
        low = np.minimum(label[a], label[b])
        high = np.maximum(label[a], label[b])
        moving = low != high
        if not moving.any():
            return label
        np.minimum.at(label, high[moving], low[moving])  # hook each root under the smaller one
        while True:  # then point every node straight at its root
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped


def _threads(messages: pd.DataFrame, references: pd.DataFrame) -> np.ndarray:
    """A thread number per message, from Message-ID, In-Reply-To and References.

    The keys may be the Message-IDs themselves or 64-bit hashes of them (the database's, which
    keeps ten million of them small); a message without Message-ID is a thread of its own.
    Threads are numbered by the first appearance of their smallest key: messages, then
    In-Reply-To, then References, each in row order.
    """
    count = len(messages)
    ids = messages["message_id"]
    has = ids.notna().to_numpy()
    replied = messages["in_reply_to"].notna().to_numpy()
    rows = pd.Index(messages["id"]).get_indexer(references["id"])
    kept = rows >= 0
    parts = [ids[has], messages["in_reply_to"][replied], references["ref"][kept]]
    keys = pd.concat([p.reset_index(drop=True) for p in parts], ignore_index=True)
    codes, uniques = pd.factorize(keys.to_numpy() if keys.dtype.kind in "iu" else keys)
    # each message without a Message-ID is a key of its own, at its row: renumber all by first appearance
    position = np.concatenate([np.flatnonzero(has), count + np.arange(len(keys) - int(has.sum()))])
    first = np.full(len(uniques), len(position) + count, dtype="int64")
    np.minimum.at(first, codes, position)
    alone = np.flatnonzero(~has)
    order = np.argsort(np.concatenate([first, alone]), kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    own = np.empty(count, dtype="int64")
    own[has] = rank[codes[: int(has.sum())]]
    own[alone] = rank[len(uniques) :]
    linked = rank[codes[int(has.sum()) :]]
    a = np.concatenate([own[replied], own[rows[kept]]])
    return _components(a, linked, len(order))[own]


def response_times(messages: pd.DataFrame, references: pd.DataFrame) -> pd.DataFrame:
    """For each inbound mail: its thread, the first outbound mail of that thread after it, and the delay.

    Needs the message columns id, message_id, in_reply_to, date, direction, account and the
    :func:`~mailkit.journal.frames.references` frame. ``reply`` is missing for unanswered mail.
    """
    frame = messages[["id", "account", "date", "direction"]].assign(thread=_threads(messages, references))
    frame = frame[frame["date"].notna()].reset_index(drop=True)
    inbound = (frame["direction"] == "in").to_numpy()
    dates = frame["date"].dt.tz_localize(None).to_numpy().view("int64")
    threads = frame["thread"].to_numpy()
    # by thread, then date; an outbound mail sorts before an inbound one of the same moment (it is not "after")
    order = np.lexsort((inbound, dates, threads))
    size = len(order)
    outbound_at = np.where(inbound[order], size, np.arange(size))
    following = np.append(np.minimum.accumulate(outbound_at[::-1])[::-1], size)  # next outbound from here on
    sorted_threads = np.append(threads[order], -1)
    rows = np.flatnonzero(inbound[order])
    answer = following[rows]
    answered = sorted_threads[answer] == sorted_threads[rows]
    reply = np.where(answered, np.append(order, 0)[answer], 0)
    result = frame.iloc[order[rows]][["id", "account", "date", "thread"]].reset_index(drop=True)
    result["reply"] = pd.arrays.IntegerArray(frame["id"].to_numpy()[reply], ~answered)
    replied = np.where(answered, dates[reply], np.iinfo("int64").min).view("datetime64[us]")  # min is NaT
    result["replied_at"] = pd.Series(replied).dt.tz_localize("UTC")
    result["delay"] = result["replied_at"] - result["date"]
    return result.sort_values("id").reset_index(drop=True)


def response_stats(times: pd.DataFrame, by: str | None = "account", tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Count, answered share, median and 75th / 90th percentile delay per ``by`` (account, weekday, hour or None).

    ``times``: :func:`response_times`, or the journal's :func:`~mailkit.journal.aggregates.replies`.
    Weekday (0 = Monday) and hour are the inbound mail's local time in ``tz``.
    """
    if by in ("weekday", "hour"):
        keys = _bucket(times["date"], by, tz)
    elif by is None:
        keys = pd.Series("all", index=times.index, name="all")
    else:
        keys = times[by]
    grouped = (times["delay"] / pd.Timedelta(seconds=1)).groupby(keys, observed=True)
    stats = pd.DataFrame({"inbound": grouped.size(), "answered": grouped.count()})
    return response_table(stats.assign(**{name: grouped.quantile(q) for name, q in QUANTILES.items()}))


def journal_response_stats(
    journal: Journal, by: str | None = "account", tz: str = DEFAULT_TZ, **filters
) -> pd.DataFrame:
    """:func:`response_stats` of the journal's inbound mail (``since``, ``until``, ``account``), the database counting.

    From the threads and replies kept at ingest: a reply after ``until`` still answers.
    """
    from ..journal import aggregates

    stats = aggregates.reply_stats(journal, by, tz, QUANTILES, **filters)
    if stats is None:  # SQLite: its delays come here
        return response_stats(aggregates.replies(journal, **filters), by, tz)
    return response_table(stats)


def response_table(stats: pd.DataFrame) -> pd.DataFrame:
    """Delay quantiles in seconds as the tables show them: with the answered share, in whole seconds."""
    table = stats[["inbound", "answered"]].copy()
    table["answered_share"] = table["answered"] / table["inbound"]
    for name in QUANTILES:
        table[name] = pd.to_timedelta(stats[name].round(), unit="s")
    return table
