"""S/MIME in the journal: signed, valid and encrypted shares by direction (or account, domain, ...).

Mail stored before the journal checked S/MIME (``smime_status`` missing) is counted as ``unchecked``;
the shares are of the checked mail.

>>> import pandas as pd
>>> frame = pd.DataFrame({"direction": ["in", "in", "in", "out"], "smime_status": ["valid", "none", None, "valid"],
...                       "smime_encrypted": [True, False, False, False]})
>>> table = smime_shares(frame)
>>> table.loc["in", ["messages", "unchecked", "valid", "signed_share", "encrypted_share"]].tolist()
[3.0, 1.0, 1.0, 0.5, 0.5]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .plots import _figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: the journal's ``smime_status`` values, in the order the table shows them
STATUSES = ("valid", "invalid", "untrusted", "expired", "revoked", "none")
_COLOURS = {"valid": "green", "invalid": "red", "untrusted": "orange", "expired": "purple", "revoked": "darkred",
            "none": "lightgray"}  # fmt: skip


def smime_shares(messages: pd.DataFrame, by: str = "direction") -> pd.DataFrame:
    """Per ``by``: messages, unchecked, count per S/MIME status, and the signed, valid and encrypted shares.

    A ``count`` column weighs each row (the journal's counts per status and encryption).
    """
    status = messages["smime_status"].astype("object").fillna("unchecked")
    encrypted = messages["smime_encrypted"]
    if "count" in messages:
        weights = {"values": messages["count"], "aggfunc": "sum"}
        encrypted = encrypted * messages["count"]
    else:
        weights = {}
    counts = pd.crosstab(messages[by], status, **weights).fillna(0).astype("int64")
    counts = counts.reindex(columns=["unchecked", *STATUSES], fill_value=0)
    table = pd.DataFrame({"messages": counts.sum(axis=1)}).join(counts)
    checked = (table["messages"] - table["unchecked"]).replace(0, np.nan)
    encrypted = encrypted.groupby(messages[by], observed=True).sum().reindex(table.index, fill_value=0)
    table["signed_share"] = (checked - table["none"]) / checked
    table["valid_share"] = table["valid"] / checked
    table["encrypted"] = encrypted.astype(int)
    table["encrypted_share"] = table["encrypted"] / checked
    return table


def plot_smime(table: pd.DataFrame, lang: str = "en") -> Figure:
    """Stacked shares of each S/MIME status per row of :func:`smime_shares`."""
    figure = _figure(8, 3)
    axes = figure.add_subplot()
    rows = [str(i) for i in table.index]
    left = np.zeros(len(rows))
    for status, colour in {"unchecked": "white", **_COLOURS}.items():
        shares = (table[status] / table["messages"].replace(0, np.nan)).fillna(0).to_numpy()
        axes.barh(rows, shares, left=left, color=colour, edgecolor="gray", label=status)
        left += shares
    axes.set_xlim(0, 1)
    axes.set_title("S/MIME" + (": Anteile" if lang == "de" else ": shares"))
    axes.legend(ncols=7, fontsize="small", loc="lower center", bbox_to_anchor=(0.5, -0.6))
    return figure
