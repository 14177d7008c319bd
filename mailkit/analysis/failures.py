"""Why sends failed: SMTP reply codes (basic and enhanced, RFC 3463) in words, and the failure tables."""

from __future__ import annotations

import pandas as pd

from ..formats.smtp_codes import BASIC_CODES, ENHANCED_CODES, enhanced_code
from .labels import _lang

__all__ = [
    "BASIC_CODES",
    "ENHANCED_CODES",
    "enhanced_code",
    "failures",
    "failures_by_domain",
    "failures_by_reason",
    "smtp_meaning",
]

_CLASSES = {"4": ("temporary", "vorübergehend"), "5": ("permanent", "dauerhaft")}
_SUBJECTS = {
    "0": ("other", "sonstiges"),
    "1": ("addressing", "Adressierung"),
    "2": ("mailbox", "Postfach"),
    "3": ("mail system", "Mailsystem"),
    "4": ("network and routing", "Netz und Routing"),
    "5": ("protocol", "Protokoll"),
    "6": ("content", "Inhalt"),
    "7": ("security or policy", "Sicherheit oder Richtlinie"),
}
_NO_REPLY = ("no reply: connection failed or timed out", "keine Antwort: Verbindung fehlgeschlagen")


def smtp_meaning(code: int | None, enhanced: str | None = None, lang: str = "en") -> str:
    """What a failure means in plain words: the enhanced code if known, else the basic code, else its class.

    >>> smtp_meaning(550, "5.1.1")
    'recipient address does not exist'
    >>> smtp_meaning(451, None, lang="de")
    'lokaler Fehler beim Server, später erneut versuchen'
    >>> smtp_meaning(550, "5.7.999"), smtp_meaning(None)
    ('permanent: security or policy', 'no reply: connection failed or timed out')
    """
    index = _lang(lang)
    if enhanced in ENHANCED_CODES:
        return ENHANCED_CODES[enhanced][index]
    if enhanced and enhanced[0] in _CLASSES:
        kind, subject = enhanced.split(".")[:2]
        if subject in _SUBJECTS:
            return f"{_CLASSES[kind][index]}: {_SUBJECTS[subject][index]}"
    if code is None or pd.isna(code):
        return _NO_REPLY[index]
    if int(code) in BASIC_CODES:
        return BASIC_CODES[int(code)][index]
    return f"SMTP {int(code)}"


def failures(send_recipients: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The recipients a send did not reach: refused ones and those of failed sends, with the reason."""
    failed = send_recipients[send_recipients["outcome"].isin(["refused", "failed"])].copy()
    failed["enhanced"] = failed["smtp_reply"].astype("object").map(enhanced_code).astype("str")
    failed["class"] = _failure_class(failed["smtp_code"], failed["enhanced"])
    pairs = failed[["smtp_code", "enhanced"]].astype(object)
    pairs = pairs.where(pairs.notna(), None)
    meanings = {
        (code, enhanced): smtp_meaning(code, enhanced, lang)
        for code, enhanced in set(pairs.itertuples(index=False, name=None))
    }
    failed["meaning"] = [meanings[pair] for pair in pairs.itertuples(index=False, name=None)]
    return failed.reset_index(drop=True)


def _failure_class(codes: pd.Series, enhanced: pd.Series) -> pd.Categorical:
    first = enhanced.str[0].fillna(codes.astype("string").str[0])
    labels = first.map({"4": "temporary", "5": "permanent"}).fillna("no reply")
    return pd.Categorical(labels, categories=["permanent", "temporary", "no reply"])


def failures_by_reason(send_recipients: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Failed recipients grouped by SMTP code and enhanced code, with the meaning and an example reply."""
    failed = failures(send_recipients, lang)
    keys = ["smtp_code", "enhanced"]
    grouped = failed.groupby(keys, dropna=False, observed=True, sort=False)
    table = grouped.agg(
        failures=("recipient", "size"),
        domains=("domain", "nunique"),
        klass=("class", "first"),
        meaning=("meaning", "first"),
        example=("smtp_reply", "first"),
    ).rename(columns={"klass": "class"})
    table["share"] = table["failures"] / max(len(failed), 1)
    table = table.reset_index().sort_values(["failures", "smtp_code"], ascending=[False, True], na_position="last")
    table["smtp_code"] = table["smtp_code"].astype("Int64")
    columns = ["smtp_code", "enhanced", "class", "meaning", "failures", "share", "domains", "example"]
    return table[columns].reset_index(drop=True)


def failures_by_domain(send_recipients: pd.DataFrame, top: int | None = 20, lang: str = "en") -> pd.DataFrame:
    """Per recipient domain: recipients tried, failed, the failure rate and the most frequent reason."""
    tried = send_recipients[send_recipients["outcome"] != "pending"]
    failed = failures(tried, lang)
    attempts = tried.groupby("domain", observed=True).size().rename("recipients")
    counts = failed.groupby("domain", observed=True).size().rename("failed")
    reason = (
        failed.assign(reason=failed["meaning"])
        .groupby("domain", observed=True)["reason"]
        .agg(lambda r: r.value_counts().index[0])
    )
    table = pd.concat([attempts, counts], axis=1).fillna({"failed": 0}).astype({"failed": "int64"})
    table["rate"] = table["failed"] / table["recipients"]
    table["top_reason"] = reason.reindex(table.index)
    table = table[table["failed"] > 0].sort_values(["failed", "rate"], ascending=False)
    return table.head(top) if top else table
