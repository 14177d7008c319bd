"""What is attached: attachments per MIME type."""

from __future__ import annotations

import pandas as pd


def attachment_types(attachments: pd.DataFrame) -> pd.DataFrame:
    """Per MIME type: how many attachments, their total, median and largest size, and the share of all."""
    grouped = attachments.groupby("mime_type", observed=True)["size"]
    table = pd.DataFrame(
        {
            "count": grouped.size(),
            "total_bytes": grouped.sum().astype("int64"),
            "median_bytes": grouped.median(),
            "max_bytes": grouped.max().astype("int64"),
        }
    )
    table["share"] = table["count"] / max(len(attachments), 1)
    return table.sort_values(["count", "total_bytes"], ascending=False)
