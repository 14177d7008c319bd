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
from .threads import response_times

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
    index = _lang(lang)
    direction = messages["direction"]
    inbound, outbound = int((direction == "in").sum()), int((direction == "out").sum())
    per_account = (
        messages.groupby(["account", "direction"], observed=True).size().unstack(fill_value=0)
        .reindex(columns=["in", "out"], fill_value=0)
    )  # fmt: skip
    domains = messages["domain"].value_counts().head(5)
    delays = times["delay"].dropna() / pd.Timedelta(hours=1)
    failed_recipients = failures(send_recipients, lang)
    reasons = failures_by_reason(send_recipients, lang).head(3) if len(failed_recipients) else pd.DataFrame()
    checked = messages[(direction == "in") & messages["dmarc"].notna()]
    dmarc_pass = int((checked["dmarc"] == "pass").sum())
    tried = int((send_recipients["outcome"] != "pending").sum())
    ordered_runs = runs.sort_values("started_at")
    broken = ordered_runs[ordered_runs["status"] == "failed"]
    record_table = records(messages)
    types = attachments["mime_type"].value_counts().head(3)
    return Summary(
        period={"first": _iso(messages["date"].min()), "last": _iso(messages["date"].max())},
        messages={
            "total": len(messages),
            "in": inbound,
            "out": outbound,
            "accounts": {str(a): {"in": int(r["in"]), "out": int(r["out"])} for a, r in per_account.iterrows()},
        },
        top_domains=[{"domain": str(d), "messages": int(n)} for d, n in domains.items()],
        response={
            "inbound": len(times),
            "answered": len(delays),
            "answered_share": _number(len(delays) / len(times)) if len(times) else None,
            "median_hours": _number(delays.median()) if len(delays) else None,
            "p90_hours": _number(delays.quantile(0.9)) if len(delays) else None,
        },
        sends={
            "attempts": len(sends),
            "sent": int((sends["status"] == "sent").sum()),
            "failed": int((sends["status"] == "failed").sum()),
            "pending": int((sends["status"] == "pending").sum()),
            "refused_recipients": int((send_recipients["outcome"] == "refused").sum()),
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
            "checked": len(checked),
            "dmarc_pass_share": _number(dmarc_pass / len(checked)) if len(checked) else None,
            "spf_fail": int(checked["spf"].isin(["fail", "softfail"]).sum()),
            "dkim_fail": int((checked["dkim"] == "fail").sum()),
            "dmarc_fail": int((checked["dmarc"] == "fail").sum()),
        },
        attachments={
            "count": len(attachments),
            "bytes": int(attachments["size"].sum()),
            "top_types": [{"mime_type": str(t), "count": int(n)} for t, n in types.items()],
        },
        runs={
            "runs": len(runs),
            "failed": len(broken),
            "interrupted": int((runs["status"] == "interrupted").sum()),
            "last": _iso(ordered_runs["started_at"].iloc[-1]) if len(runs) else None,
            "last_failure": None if broken.empty else str(broken["error_text"].iloc[-1]),
            "quarantined": len(quarantine),
        },
        records={
            "records": len(record_table),
            "messages": int(record_table["messages"].sum()),
            "awaiting_reply": int(record_table["awaiting_reply"].sum()),
        },
        lang=("en", "de")[index],
    )


def summary(
    journal: Journal, *, since=None, until=None, account=None, lang: str = "en", messages: pd.DataFrame | None = None
) -> Summary:
    """Load what the summary needs (in parallel: the queries release the GIL) and summarise it.

    ``messages``: a messages frame already loaded with the same filters (and at least
    :data:`SUMMARY_COLUMNS`), so a notebook that has one does not read the journal twice.
    """
    from ..journal import frames

    _lang(lang)
    window = {"since": since, "until": until, "account": account}
    if messages is None:
        messages = frames.messages(journal, columns=SUMMARY_COLUMNS, **window)  # itself read in parallel
    jobs = {
        # threading the mail runs beside the other queries: Arrow and SQLite release the GIL
        "times": lambda: response_times(messages, frames.references(journal, **window)),
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
