"""Deliverability analysis over the journal's report tables: pass rates, policy readiness, TLS, bounces.

Pure pandas over the frames of :mod:`mailkit.deliverability.frames`; the only I/O is the reverse
DNS of :func:`with_services`, through a resolver the caller gives.

*Readiness* answers the consultant's question: could the domain move from ``p=none`` to
``quarantine`` or ``reject`` without losing legitimate mail? Legitimate is what a recognised
service or the own server sent, and forwarded or mailing-list mail the receiver marked so; what
unknown hosts sent is what the policy is meant to stop — unless an address mostly passes aligned
(then it holds the domain's key or is in its SPF). The share of legitimate volume that
passes DMARC (aligned DKIM or SPF) decides: ≥ 98 % and every legitimate source ≥ 95 % → reject
(by way of quarantine), ≥ 95 % → quarantine, else not ready, with the sources to fix first.
"""

from __future__ import annotations

__all__ = [
    "Readiness",
    "bounce_rates",
    "pass_rates",
    "plot_bounces",
    "plot_pass_rates",
    "plot_tls_failures",
    "readiness",
    "tls_summary",
    "unaligned_sources",
    "with_services",
]

import json
from dataclasses import dataclass, field

import pandas as pd

from ..deliverability.sources import reverse_dns, service_of
from .plots import _figure

READY_FOR_REJECT = 0.98
READY_FOR_QUARANTINE = 0.95
SOURCE_FLOOR = 0.95  # below this a legitimate source holds the move up


def with_services(records: pd.DataFrame, resolver=None, ptrs: dict | None = None, own_hosts=()) -> pd.DataFrame:
    """The records with each source's PTR name and service (``resolver``: a dnspython one, or ``ptrs`` given)."""
    records = records.copy()
    if ptrs is None:
        ptrs = reverse_dns(records["source_ip"].unique(), resolver) if resolver is not None else {}
    records["ptr"] = records["source_ip"].map(ptrs)
    records["service"] = [
        service_of(ptr, domain, own_hosts) for ptr, domain in zip(records["ptr"], records["domain"], strict=True)
    ]
    forwarded = (
        records["reasons"]
        .fillna("[]")
        .map(
            lambda text: any(kind in ("forwarded", "mailing_list", "trusted_forwarder") for kind, _ in json.loads(text))
        )
    )
    # an address that mostly passes aligned holds the domain's key or is in its SPF: legitimate, recognised or not
    volume = records.groupby("source_ip")["count"].transform("sum")
    passing = (records["count"] * records["passed"]).groupby(records["source_ip"]).transform("sum")
    recognised = ~records["service"].str.startswith(("unknown", "other"))
    records["legitimate"] = recognised | forwarded | (passing >= 0.5 * volume)
    return records


def pass_rates(records: pd.DataFrame, by: str = "service") -> pd.DataFrame:
    """Messages, DMARC passes and aligned DKIM / SPF passes per source, worst pass rate first."""
    frame = records.assign(
        passed_n=records["count"] * records["passed"],
        dkim_n=records["count"] * (records["dkim"] == "pass"),
        spf_n=records["count"] * (records["spf"] == "pass"),
    )
    table = frame.groupby(by).agg(
        ips=("source_ip", "nunique"),
        messages=("count", "sum"),
        passed=("passed_n", "sum"),
        dkim_aligned=("dkim_n", "sum"),
        spf_aligned=("spf_n", "sum"),
    )
    table["rate"] = table["passed"] / table["messages"]
    return table.sort_values(["rate", "messages"], ascending=[True, False])


def unaligned_sources(records: pd.DataFrame) -> pd.DataFrame:
    """Sources sending as the domain with neither aligned DKIM nor aligned SPF: by IP, most messages first."""
    failing = records[~records["passed"]]
    columns = ["service", "ptr"] if "service" in records else []
    table = failing.groupby(["source_ip", *columns], dropna=False).agg(
        messages=("count", "sum"), header_from=("header_from", "first"), reporters=("org_name", "nunique")
    )
    return table.sort_values("messages", ascending=False).reset_index()


@dataclass
class Readiness:
    domain: str
    policy: str | None  # the p= the reports saw published
    verdict: str  # reject | quarantine | not ready
    legitimate_messages: int
    legitimate_share_passing: float | None
    unknown_messages: int
    blocking: list[str] = field(default_factory=list)  # legitimate sources below the floor
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    def __str__(self) -> str:
        share = "–" if self.legitimate_share_passing is None else f"{self.legitimate_share_passing:.1%}"
        text = {
            "reject": "ready for p=reject (go by way of p=quarantine for a few weeks)",
            "quarantine": "ready for p=quarantine, not yet for p=reject",
            "not ready": "not ready to leave p=none",
        }[self.verdict]
        lines = [
            f"{self.domain}: {text}",
            f"  published now: p={self.policy or '?'}",
            f"  legitimate mail passing DMARC: {share} of {self.legitimate_messages:,} messages",
            f"  from unknown sources: {self.unknown_messages:,} messages",
        ]
        lines += [f"  fix first: {b}" for b in self.blocking]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        return "<pre>" + html.escape(str(self)) + "</pre>"


def readiness(records: pd.DataFrame, domain: str | None = None) -> Readiness:
    """The policy readiness verdict for one domain (records with services, see :func:`with_services`)."""
    if domain is not None:
        records = records[records["domain"] == domain.lower()]
    domain = domain or (records["domain"].mode().iat[0] if len(records) else "?")
    policy = records["p"].dropna().iloc[-1] if records["p"].notna().any() else None
    legitimate = records[records["legitimate"]]
    total = int(legitimate["count"].sum())
    share = float((legitimate["count"] * legitimate["passed"]).sum() / total) if total else None
    blocking = []
    if total:
        for service, row in pass_rates(legitimate).iterrows():
            if row["rate"] < SOURCE_FLOOR:
                fix = "DKIM signing with the domain's key" if row["dkim_aligned"] < row["messages"] else "SPF"
                blocking.append(
                    f"{service}: {row['rate']:.0%} of {int(row['messages']):,} messages pass (set up {fix})"
                )
    if share is None or share < READY_FOR_QUARANTINE:
        verdict = "not ready"
    elif share >= READY_FOR_REJECT and not blocking:
        verdict = "reject"
    else:
        verdict = "quarantine"
    unknown = int(records.loc[~records["legitimate"], "count"].sum())
    notes = []
    if unknown and records["ptr"].isna().all():
        notes.append("no reverse DNS was looked up: a failing service (an ESP, a CRM) counts as unknown here")
    elif unknown:
        notes.append("check that no unknown source is the customer's own (a shop, a CRM): see the unaligned sources")
    return Readiness(domain, policy, verdict, total, share, unknown, blocking, notes)


def tls_summary(tls: pd.DataFrame) -> pd.DataFrame:
    """Sessions per receiving domain: successes, failures, and failures by result type."""
    policies = tls.drop_duplicates(["org_name", "report_id", "policy_domain", "policy_type"])
    totals = policies.groupby("policy_domain")[["succeeded", "failed"]].sum()
    by_type = tls.dropna(subset=["result_type"]).pivot_table(
        index="policy_domain", columns="result_type", values="count", aggfunc="sum", fill_value=0
    )
    table = totals.join(by_type, how="left").fillna(0).astype(int)
    table["failure_rate"] = table["failed"] / (table["succeeded"] + table["failed"]).where(lambda s: s > 0)
    return table


def bounce_rates(bounced: pd.DataFrame, send_recipients: pd.DataFrame | None = None, per: str = "W") -> pd.DataFrame:
    """Bounces per recipient domain, reason and period (``per``: a pandas period, W = week), with rates.

    With ``send_recipients`` (:func:`mailkit.journal.frames.send_recipients`) each row also has how
    many recipients of that domain were sent to in the period and the share that bounced.
    """
    frame = bounced.assign(period=bounced["bounced_at"].dt.tz_convert(None).dt.to_period(per))
    table = frame.groupby(["period", "recipient_domain", "reason", "kind"]).size().rename("bounces").reset_index()
    if send_recipients is not None and len(send_recipients):
        sent = send_recipients.assign(
            period=pd.to_datetime(send_recipients["created_at"], utc=True).dt.tz_convert(None).dt.to_period(per),
            recipient_domain=send_recipients["recipient"].str.rpartition("@")[2].str.lower(),
        )
        counts = sent.groupby(["period", "recipient_domain"]).size().rename("sent").reset_index()
        table = table.merge(counts, on=["period", "recipient_domain"], how="left")
        table["rate"] = table["bounces"] / table["sent"]
    return table


def plot_pass_rates(rates: pd.DataFrame):
    """Stacked bars per source: messages that pass DMARC and those that do not."""
    figure = _figure(9, 0.5 * len(rates) + 1.8)
    axes = figure.add_subplot()
    names = [str(n) for n in rates.index]
    axes.barh(names, rates["passed"], color="#2a9d8f", label="DMARC pass")
    axes.barh(names, rates["messages"] - rates["passed"], left=rates["passed"], color="#e76f51", label="fail")
    for y, (total, rate) in enumerate(zip(rates["messages"], rates["rate"], strict=True)):
        axes.annotate(f" {rate:.0%}", (total, y), va="center", fontsize="small")
    axes.set_xlabel("messages")
    axes.set_title("DMARC results per sending source")
    axes.legend(loc="lower right", fontsize="small")
    axes.margins(x=0.15)
    return figure


def plot_tls_failures(summary: pd.DataFrame):
    """Failed TLS sessions per receiving domain, by failure type."""
    types = [c for c in summary.columns if c not in ("succeeded", "failed", "failure_rate")]
    figure = _figure(9, 0.6 * len(summary) + 2)
    axes = figure.add_subplot()
    left = pd.Series(0, index=summary.index)
    for column in types:
        axes.barh([str(i) for i in summary.index], summary[column], left=left, label=column)
        left = left + summary[column]
    axes.set_xlabel("failed sessions")
    axes.set_title("SMTP TLS failures reported (TLS-RPT)")
    if types:
        axes.legend(fontsize="small")
    return figure


def plot_bounces(rates: pd.DataFrame):
    """Bounces over time by reason."""
    table = rates.pivot_table(index="period", columns="reason", values="bounces", aggfunc="sum", fill_value=0)
    figure = _figure()
    axes = figure.add_subplot()
    bottom = None
    labels = [str(p) for p in table.index]
    for reason in table.columns:
        axes.bar(labels, table[reason], bottom=bottom, label=reason.replace("_", " "))
        bottom = table[reason] if bottom is None else bottom + table[reason]
    axes.set_ylabel("bounced recipients")
    axes.set_title("Bounces by reason")
    axes.legend(fontsize="small")
    figure.autofmt_xdate()
    return figure
