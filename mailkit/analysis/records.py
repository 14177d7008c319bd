"""Mail per business record (invoice, order, ticket): in and out, and whether an answer is due."""

from __future__ import annotations

import pandas as pd


def records(messages: pd.DataFrame) -> pd.DataFrame:
    """Per record (type and number): its mail in and out, first and last, and whether an answer is due.

    ``awaiting_reply`` is true when the record's latest mail came in: the customer wrote last. Also
    from the journal's counts per record (:func:`mailkit.journal.aggregates.record_counts`). Latest
    first; records with the same last Date in the order of their first mail.
    """
    if "awaiting_reply" in messages:
        return _from_counts(messages)
    linked = messages[messages["record_type"].notna() & messages["record_number"].notna() & messages["date"].notna()]
    linked = linked.assign(inbound=(linked["direction"] == "in").astype("int64"))
    grouped = linked.groupby(["record_type", "record_number"], observed=True, sort=False)
    table = grouped.agg(
        messages=("id", "size"), inbound=("inbound", "sum"), first=("date", "min"), last=("date", "max")
    )
    table.insert(1, "in", table.pop("inbound"))
    table.insert(2, "out", table["messages"] - table["in"])
    if "correspondent" in linked:
        table.insert(3, "correspondents", grouped["correspondent"].nunique())
    table["awaiting_reply"] = linked.loc[grouped["date"].idxmax().to_numpy(), "direction"].to_numpy() == "in"
    return table.sort_values("last", ascending=False, kind="stable")


def _from_counts(counts: pd.DataFrame) -> pd.DataFrame:
    table = counts.set_index(["record_type", "record_number"])
    columns = ["messages", "in", "out", *(["correspondents"] if "correspondents" in table else []), "first", "last",
               "awaiting_reply"]  # fmt: skip
    table = table.assign(**{"in": table["inbound"], "out": table["messages"] - table["inbound"]})
    return table[columns].sort_values("last", ascending=False, kind="stable")
