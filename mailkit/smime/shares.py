"""Signed and encrypted shares of the journal's mail, by direction (or account, domain, ...): pure pandas.

>>> import pandas as pd
>>> frame = pd.DataFrame({"direction": ["in", "in", "out"], "smime_status": ["valid", "none", "valid"],
...                       "smime_encrypted": [True, False, False]})
>>> table = smime_shares(frame)
>>> table.loc["in", ["messages", "valid", "signed_share", "encrypted_share"]].tolist()
[2.0, 1.0, 0.5, 0.5]
"""

from __future__ import annotations

__all__ = ["smime_shares"]

import pandas as pd

from .incoming import STATUSES


def smime_shares(messages: pd.DataFrame, by: str = "direction") -> pd.DataFrame:
    """Per ``by``: messages, count per S/MIME status, signed and encrypted shares (mail never checked left out)."""
    checked = messages[messages["smime_status"].notna()]
    counts = pd.crosstab(checked[by], checked["smime_status"].astype("object")).reindex(columns=STATUSES, fill_value=0)
    table = pd.DataFrame({"messages": counts.sum(axis=1)}).join(counts)
    signed = table["messages"] - table["none"]
    encrypted = checked.groupby(by, observed=True)["smime_encrypted"].sum().reindex(table.index, fill_value=0)
    table["signed_share"] = signed / table["messages"]
    table["valid_share"] = table["valid"] / table["messages"]
    table["encrypted"] = encrypted.astype(int)
    table["encrypted_share"] = table["encrypted"] / table["messages"]
    return table
