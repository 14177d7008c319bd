"""How the import runs went: runs per account and folder, with what they found and the quarantine."""

from __future__ import annotations

import pandas as pd


def run_health(runs: pd.DataFrame, quarantine: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per account and folder: runs by status, durations, what they found, the last run and last error."""
    ordered = runs.sort_values("started_at")
    grouped = ordered.groupby(["account", "folder"], observed=True, dropna=False)
    status = pd.crosstab([ordered["account"], ordered["folder"]], ordered["status"])
    table = pd.DataFrame(
        {
            "runs": grouped.size(),
            "ok": status.get("ok", 0),
            "failed": status.get("failed", 0),
            "interrupted": status.get("interrupted", 0),
            "median_duration": grouped["duration"].median(),
            "max_duration": grouped["duration"].max(),
            "new": grouped["new"].sum(),
            "errors": grouped["errors"].sum(),
            "quarantined": grouped["quarantined"].sum(),
            "last_run": grouped["started_at"].last(),
            "last_status": grouped["status"].last().astype("object"),
            "last_error": grouped["error_text"].last(),
        }
    )
    for column in ("ok", "failed", "interrupted"):
        table[column] = table[column].fillna(0).astype("int64")
    if quarantine is not None:
        held = quarantine.groupby(["account", "folder"], observed=True).size()
        table["held_in_quarantine"] = held.reindex(table.index, fill_value=0).astype("int64")
    return table
