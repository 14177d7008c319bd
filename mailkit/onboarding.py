"""What onboarding a customer's domain leaves to publish: the SPF, DKIM and DMARC records, and their state now.

The onboarding app and the handover report show the same rows: the record a consultant pastes into the
customer's DNS (from :mod:`mailkit.dkim`'s key and suggestions), and what the DNS serves for that name
now, judged as the diagnosis judges it (``fail`` when none is there, ``skip`` when the DNS did not answer).
"""

from __future__ import annotations

__all__ = ["DnsRecord", "dns_records", "records_frame"]

from dataclasses import dataclass

from . import dkim
from .diagnose.records import check_dmarc, check_spf
from .errors import MailkitError
from .net.dns import lookup, make_resolver, query_text
from .workspace import Workspace


@dataclass(frozen=True)
class DnsRecord:
    kind: str  # SPF | DKIM | DMARC
    name: str
    value: str
    status: str  # ok | warn | fail | skip
    published: str  # what the DNS serves now ("" when nothing)
    notes: tuple[str, ...] = ()
    type: str = "TXT"


_SEVERITY = {"ok": 0, "skip": 1, "warn": 2, "fail": 3}


def dns_records(workspace: Workspace, domain: str, selector: str | None = None) -> list[DnsRecord]:
    """SPF, DKIM (when the workspace holds a key for ``selector``) and DMARC for ``domain``, each with its state.

    A published SPF or DMARC record that the diagnosis finds sound is the one to keep; otherwise the row
    carries mailkit's suggestion and the remedies for what is published.
    """
    resolver = make_resolver(workspace.dns)

    def records(name: str, rtype: str) -> list[str]:
        if rtype == "TXT":
            return query_text(name, resolver)
        return [rdata.to_text() for rdata in lookup(name, rtype, resolver)]

    def judged(kind: str, suggestion: dkim.Suggestion, check, prefix: str) -> DnsRecord:
        name = suggestion.record.name
        try:
            found = check(domain, records)
            published = [v for v in records(name, "TXT") if v.lower().startswith(prefix)]
        except MailkitError as exc:  # the DNS did not answer: nothing is known
            return DnsRecord(kind, name, suggestion.record.value, "skip", "", (str(exc),))
        status = max((r.status for r in found), key=_SEVERITY.__getitem__, default="fail")
        remedies = tuple(dict.fromkeys(r.remedy for r in found if r.remedy and r.status in ("warn", "fail")))
        if published and status != "fail":
            return DnsRecord(kind, name, published[0], status, published[0], remedies)
        return DnsRecord(
            kind, name, suggestion.record.value, "fail", published[0] if published else "", remedies + suggestion.notes
        )

    hosts = dkim.sending_hosts(workspace, domain)
    rows = [judged("SPF", dkim.suggest_spf(domain, hosts), check_spf, "v=spf1")]
    if selector and dkim.key_path(workspace, domain, selector).exists():
        record = dkim.load_key(workspace, domain, selector).record()
        try:
            verdict = dkim.check_published(workspace, domain, selector)
            status, seen, notes = verdict.level, verdict.published or "", [verdict.message, verdict.remedy]
        except MailkitError as exc:
            status, seen, notes = "skip", "", [str(exc)]
        rows.append(DnsRecord("DKIM", record.name, record.value, status, seen, tuple(n for n in notes if n)))
    rows.append(judged("DMARC", dkim.suggest_dmarc(domain), check_dmarc, "v=dmarc1"))
    return rows


def records_frame(records: list[DnsRecord]):
    """The records as a DataFrame (one row each: kind, name, type, value, status, published)."""
    import pandas as pd

    columns = ["kind", "name", "type", "value", "status", "published"]
    return pd.DataFrame([{c: getattr(r, c) for c in columns} for r in records], columns=columns)
