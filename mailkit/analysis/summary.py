"""The journal on one screen: :func:`summary` loads what it needs, :func:`summarize` is the pure part."""

from __future__ import annotations

import html
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import pandas as pd

from .failures import failures, failures_by_reason
from .labels import _lang
from .records import records

if TYPE_CHECKING:
    from ..journal.store import Journal

#: what the summary needs of the messages frame
SUMMARY_COLUMNS = (
    "id", "message_id", "in_reply_to", "date", "account", "direction", "domain", "record_type",
    "record_number", "spf", "dkim", "dmarc",
)  # fmt: skip


@dataclass
class Summary:
    """The journal on one screen; ``str()`` for terminals, ``_repr_html_`` for notebooks, ``to_dict()`` for JSON."""

    period: dict
    messages: dict
    top_domains: list[dict]
    response: dict
    sends: dict
    top_failures: list[dict]
    authentication: dict
    attachments: dict
    runs: dict
    records: dict
    lang: str = "en"

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("lang")
        return data

    def _rows(self) -> list[tuple[str, str]]:
        de = self.lang == "de"
        m, r, s, a, runs = self.messages, self.response, self.sends, self.authentication, self.runs
        per_account = ", ".join(f"{name} {c['in']}/{c['out']}" for name, c in m["accounts"].items())
        rows = [
            ("Zeitraum" if de else "period", f"{self.period['first'] or '–'} … {self.period['last'] or '–'}"),
            (
                "Nachrichten" if de else "messages",
                f"{m['total']:,} ({m['in']:,} {'ein' if de else 'in'}, {m['out']:,} {'aus' if de else 'out'})",
            ),
            ("Konten ein/aus" if de else "accounts in/out", per_account or "–"),
            (
                "Top-Domains" if de else "top domains",
                ", ".join(f"{d['domain']} ({d['messages']:,})" for d in self.top_domains) or "–",
            ),
            (
                "Antwortzeit" if de else "response time",
                f"{'beantwortet' if de else 'answered'} {_percent(r['answered_share'])} "
                f"{'von' if de else 'of'} {r['inbound']:,}; median {_hours(r['median_hours'])}, "
                f"p90 {_hours(r['p90_hours'])}",
            ),
            (
                "Versand" if de else "sending",
                f"{s['attempts']:,} {'Versuche' if de else 'attempts'}, {s['failed']:,} "
                f"{'fehlgeschlagen' if de else 'failed'}, {s['refused_recipients']:,} "
                f"{'Empfänger abgelehnt' if de else 'recipients refused'} ({_percent(s['failure_rate'])})",
            ),
            (
                "häufigste Fehler" if de else "top failures",
                "; ".join(
                    f"{f['smtp_code'] or '–'} {f['enhanced'] or ''} {f['meaning']} ({f['failures']})".replace("  ", " ")
                    for f in self.top_failures
                )
                or "–",
            ),
            (
                "Authentifizierung" if de else "authentication",
                f"DMARC pass {_percent(a['dmarc_pass_share'])} {'von' if de else 'of'} {a['checked']:,}; "
                f"fail: SPF {a['spf_fail']:,}, DKIM {a['dkim_fail']:,}, DMARC {a['dmarc_fail']:,}",
            ),
            (
                "Anhänge" if de else "attachments",
                f"{self.attachments['count']:,} ({self.attachments['bytes'] / 1e6:,.1f} MB)"
                + "".join(
                    f"{'; ' if n == 0 else ', '}{t['mime_type']} {t['count']:,}"
                    for n, t in enumerate(self.attachments["top_types"])
                ),
            ),
            (
                "Läufe" if de else "sync runs",
                f"{runs['runs']:,}, {runs['failed']:,} {'fehlgeschlagen' if de else 'failed'}, "
                f"{runs['interrupted']:,} {'abgebrochen' if de else 'interrupted'}; "
                f"{'letzter' if de else 'last'} {runs['last'] or '–'}; "
                f"{'Quarantäne' if de else 'quarantined'} {runs['quarantined']:,}",
            ),
            (
                "Vorgänge" if de else "records",
                f"{self.records['records']:,} ({self.records['messages']:,} "
                f"{'Nachrichten' if de else 'messages'}, {self.records['awaiting_reply']:,} "
                f"{'warten auf Antwort' if de else 'awaiting a reply'})",
            ),
        ]
        if runs["last_failure"]:
            rows.append(("letzter Fehler" if de else "last failure", runs["last_failure"]))
        return rows

    def __str__(self) -> str:
        rows = self._rows()
        width = max(len(label) for label, _ in rows)
        return "\n".join(f"{label:<{width}}  {value}" for label, value in rows)

    def _repr_html_(self) -> str:
        title = "Mail-Journal" if self.lang == "de" else "Mail journal"
        body = "".join(
            f"<tr><th style='text-align:left;padding-right:1em'>{html.escape(label)}</th>"
            f"<td style='text-align:left'>{html.escape(value)}</td></tr>"
            for label, value in self._rows()
        )
        return f"<table><caption style='text-align:left;font-weight:bold'>{title}</caption>{body}</table>"


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{share:.1%}"


def _hours(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} h"


def _iso(value) -> str | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).isoformat()


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 4)


def summarize(
    messages: pd.DataFrame,
    times: pd.DataFrame,
    sends: pd.DataFrame,
    send_recipients: pd.DataFrame,
    runs: pd.DataFrame,
    attachments: pd.DataFrame,
    quarantine: pd.DataFrame,
    lang: str = "en",
) -> Summary:
    """The summary from frames already loaded and :func:`response_times` (pure); :func:`summary` loads them."""
    inbound = messages[messages["direction"] == "in"]
    return _assemble(
        first=messages["date"].min(),
        last=messages["date"].max(),
        total=len(messages),
        per_account=messages.groupby(["account", "direction"], observed=True).size(),
        directions=messages["direction"].value_counts(),
        domains=messages["domain"].value_counts(),
        checked=inbound[inbound["dmarc"].notna()].assign(count=1),
        delays=_delays(times),
        statuses=sends["status"].value_counts(),
        outcomes=send_recipients["outcome"].value_counts(),
        send_recipients=send_recipients,
        types=attachments["mime_type"].value_counts(),
        attachment_bytes=int(attachments["size"].sum()),
        runs=runs,
        quarantined=len(quarantine),
        record_totals=_totals(records(messages)),
        lang=lang,
    )


def _assemble(
    *, first, last, total, per_account, directions, domains, checked, delays, statuses, outcomes, send_recipients,
    types, attachment_bytes, runs, quarantined, record_totals, lang,
) -> Summary:  # fmt: skip
    """The summary from counts: messages per (account, direction), per domain, per MIME type, ..."""
    index = _lang(lang)
    per_account = per_account.unstack(fill_value=0).reindex(columns=["in", "out"], fill_value=0)
    inbound, outbound = int(directions.get("in", 0)), int(directions.get("out", 0))
    failed_recipients = failures(send_recipients, lang)
    reasons = failures_by_reason(send_recipients, lang).head(3) if len(failed_recipients) else pd.DataFrame()
    checked_count = int(checked["count"].sum())
    verdict = {m: checked.groupby(m, observed=True)["count"].sum() for m in ("spf", "dkim", "dmarc")}
    tried = int(outcomes.sum() - outcomes.get("pending", 0))
    ordered_runs = runs.sort_values("started_at")
    broken = ordered_runs[ordered_runs["status"] == "failed"]
    return Summary(
        period={"first": _iso(first), "last": _iso(last)},
        messages={
            "total": int(total),
            "in": inbound,
            "out": outbound,
            "accounts": {str(a): {"in": int(r["in"]), "out": int(r["out"])} for a, r in per_account.iterrows()},
        },
        top_domains=[{"domain": str(d), "messages": int(n)} for d, n in domains.head(5).items()],
        response={
            "inbound": int(delays["inbound"]),
            "answered": int(delays["answered"]),
            "answered_share": _number(delays["answered"] / delays["inbound"]) if delays["inbound"] else None,
            "median_hours": _number(delays["median"] / 3600) if delays["answered"] else None,
            "p90_hours": _number(delays["p90"] / 3600) if delays["answered"] else None,
        },
        sends={
            "attempts": int(statuses.sum()),
            "sent": int(statuses.get("sent", 0)),
            "failed": int(statuses.get("failed", 0)),
            "pending": int(statuses.get("pending", 0)),
            "refused_recipients": int(outcomes.get("refused", 0)),
            "failure_rate": _number(len(failed_recipients) / tried) if tried else None,
        },
        top_failures=[
            {
                "smtp_code": None if pd.isna(row.smtp_code) else int(row.smtp_code),
                "enhanced": None if pd.isna(row.enhanced) else row.enhanced,
                "meaning": row.meaning,
                "failures": int(row.failures),
            }
            for row in reasons.itertuples()
        ],
        authentication={
            "checked": checked_count,
            "dmarc_pass_share": _number(verdict["dmarc"].get("pass", 0) / checked_count) if checked_count else None,
            "spf_fail": int(verdict["spf"].get("fail", 0) + verdict["spf"].get("softfail", 0)),
            "dkim_fail": int(verdict["dkim"].get("fail", 0)),
            "dmarc_fail": int(verdict["dmarc"].get("fail", 0)),
        },
        attachments={
            "count": int(types.sum()),
            "bytes": attachment_bytes,
            "top_types": [{"mime_type": str(t), "count": int(n)} for t, n in types.head(3).items()],
        },
        runs={
            "runs": len(runs),
            "failed": len(broken),
            "interrupted": int((runs["status"] == "interrupted").sum()),
            "last": _iso(ordered_runs["started_at"].iloc[-1]) if len(runs) else None,
            "last_failure": None if broken.empty else str(broken["error_text"].iloc[-1]),
            "quarantined": quarantined,
        },
        records=record_totals,
        lang=("en", "de")[index],
    )


def _totals(record_table: pd.DataFrame) -> dict[str, int]:
    return {
        "records": len(record_table),
        "messages": int(record_table["messages"].sum()),
        "awaiting_reply": int(record_table["awaiting_reply"].sum()),
    }


_SUMMARY_QUANTILES = {"median": 0.5, "p90": 0.9}


def _delays(times: pd.DataFrame) -> pd.Series:
    """Inbound mail, answered, median and 90th percentile delay in seconds, from :func:`response_times`' rows."""
    seconds = (times["delay"] / pd.Timedelta(seconds=1)).dropna()
    quantiles = {name: seconds.quantile(q) for name, q in _SUMMARY_QUANTILES.items()}
    return pd.Series({"inbound": len(times), "answered": len(seconds), **quantiles})


def _stored_delays(journal: Journal, window: dict) -> pd.Series:
    """:func:`_delays` from the replies kept at ingest, the database counting."""
    from ..journal import aggregates

    stats = aggregates.reply_stats(journal, None, "UTC", _SUMMARY_QUANTILES, **window)
    if stats is None:  # SQLite: its delays come here
        return _delays(aggregates.replies(journal, **window))
    return stats.iloc[0] if len(stats) else pd.Series({"inbound": 0, "answered": 0, "median": None, "p90": None})


def _by_count(counts: pd.DataFrame, key: str) -> pd.Series:
    """Weighted counts per category, most first: what ``value_counts`` gives of the rows they stand for."""
    return counts.groupby(key, observed=False)["count"].sum().sort_values(ascending=False)


def summary(
    journal: Journal, *, since=None, until=None, account=None, lang: str = "en", messages: pd.DataFrame | None = None
) -> Summary:
    """Ask the journal for the counts the summary needs (in parallel: the queries release the GIL) and summarise.

    The database groups and counts (:mod:`mailkit.journal.aggregates`), the response times from
    the replies kept at ingest. ``messages``: a messages frame already loaded with the same filters
    (and at least :data:`SUMMARY_COLUMNS`), so a notebook that has one summarises that instead.
    """
    from ..journal import aggregates, frames

    _lang(lang)
    window = {"since": since, "until": until, "account": account}
    if messages is not None:
        return _from_frames(journal, messages, window, lang)
    jobs = {
        # one scan for the counts per account, direction, domain and authentication verdict
        "messages": lambda: aggregates.message_counts(journal, ("account", "direction", "domain", "spf", "dkim",
                                                                "dmarc"), **window),
        "period": lambda: aggregates.period(journal, **window),
        "delays": lambda: _stored_delays(journal, window),
        "statuses": lambda: aggregates.send_statuses(journal, **window),
        "outcomes": lambda: aggregates.send_outcomes(journal, **window),
        "send_recipients": lambda: frames.send_recipients(journal, failed_only=True, **window),
        "runs": lambda: frames.runs(journal, **window),
        "attachments": lambda: aggregates.attachment_totals(journal, **window),
        "quarantine": lambda: frames.quarantine(journal, **window),
        "records": lambda: aggregates.record_totals(journal, **window),
    }  # fmt: skip
    with ThreadPoolExecutor(2) as pool:
        futures = {name: pool.submit(job) for name, job in jobs.items()}
        got = {name: future.result() for name, future in futures.items()}
    counts, attachments = got["messages"], got["attachments"]
    return _assemble(
        first=got["period"]["first"].iloc[0],
        last=got["period"]["last"].iloc[0],
        total=int(counts["count"].sum()),
        per_account=counts.groupby(["account", "direction"], observed=True)["count"].sum(),
        directions=counts.groupby("direction", observed=True)["count"].sum(),
        domains=_by_count(counts, "domain"),
        checked=counts[(counts["direction"] == "in") & counts["dmarc"].notna()],
        delays=got["delays"],
        statuses=got["statuses"],
        outcomes=got["outcomes"],
        send_recipients=got["send_recipients"],
        types=_by_count(attachments, "mime_type"),
        attachment_bytes=int(attachments["size"].sum()),
        runs=got["runs"],
        quarantined=len(got["quarantine"]),
        record_totals=got["records"],
        lang=lang,
    )


def _from_frames(journal: Journal, messages: pd.DataFrame, window: dict, lang: str) -> Summary:
    from ..journal import aggregates, frames

    jobs = {
        # the replies as the journal threaded them (the whole journal's threads), beside the other queries
        "times": lambda: aggregates.replies(journal, **window),
        "sends": lambda: frames.sends(journal, columns=("status",), **window),
        "send_recipients": lambda: frames.send_recipients(journal, **window),
        "runs": lambda: frames.runs(journal, **window),
        "attachments": lambda: frames.attachments(journal, columns=("mime_type", "size"), **window),
        "quarantine": lambda: frames.quarantine(journal, **window),
    }
    with ThreadPoolExecutor(2) as pool:
        futures = {name: pool.submit(job) for name, job in jobs.items()}
        loaded = {name: future.result() for name, future in futures.items()}
    return summarize(messages, **loaded, lang=lang)
