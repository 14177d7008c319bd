"""What is attached: attachments per MIME type."""

from __future__ import annotations

import numpy as np
import pandas as pd


def attachment_types(attachments: pd.DataFrame) -> pd.DataFrame:
    """Per MIME type: how many attachments, their total, median and largest size, and the share of all.

    Also from the journal's counts (:func:`mailkit.journal.aggregates.attachment_types`): per type
    with its ``median``, or per type and size with a ``count`` each.
    """
    grouped = attachments.groupby("mime_type", observed=True)
    if "median" in attachments:
        count, total = grouped["count"].sum(), grouped["size"].sum()
        median, largest = grouped["median"].first(), grouped["max"].max()
    elif "count" in attachments:
        count, total = grouped["count"].sum(), (attachments["size"] * attachments["count"]).groupby(
            attachments["mime_type"], observed=True).sum()  # fmt: skip
        median = pd.Series([_weighted_median(grouped.get_group(key)) for key in count.index], index=count.index)
        largest = grouped["size"].max()
    else:
        count, total = grouped.size(), grouped["size"].sum()
        median, largest = grouped["size"].median(), grouped["size"].max()
    table = pd.DataFrame(
        {
            "count": count.astype("int64"),
            "total_bytes": total.astype("int64"),
            "median_bytes": median.astype("Float64"),
            "max_bytes": largest.astype("int64"),
        }
    )
    table["share"] = table["count"] / max(int(table["count"].sum()), 1)
    return table.sort_values(["count", "total_bytes"], ascending=False)


def _weighted_median(sizes: pd.DataFrame) -> float:
    """The median of sizes each standing ``count`` times: the mean of the middle two of an even total."""
    ordered = sizes.sort_values("size")
    ends = np.cumsum(ordered["count"].to_numpy())
    values = ordered["size"].to_numpy(dtype="float64")
    total = int(ends[-1])
    low, high = np.searchsorted(ends, [(total - 1) // 2, total // 2], "right")
    return (values[low] + values[high]) / 2
