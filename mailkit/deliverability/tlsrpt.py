"""SMTP TLS reports (RFC 8460): pure parsing of the JSON, gzipped or not.

>>> report = parse_tlsrpt(b'{"organization-name": "Google Inc.", "report-id": "2026-01-01Z_example.test",'
...   b' "date-range": {"start-datetime": "2026-01-01T00:00:00Z", "end-datetime": "2026-01-01T23:59:59Z"},'
...   b' "policies": [{"policy": {"policy-type": "sts", "policy-domain": "example.test"},'
...   b' "summary": {"total-successful-session-count": 90, "total-failure-session-count": 2},'
...   b' "failure-details": [{"result-type": "certificate-expired", "failed-session-count": 2}]}]}')
>>> report.org_name, report.policies[0].failed, report.policies[0].failures[0].result_type
('Google Inc.', 2, 'certificate-expired')
"""

from __future__ import annotations

__all__ = ["TlsFailure", "TlsPolicy", "TlsReport", "parse_tlsrpt"]

import datetime as dt
import json
from dataclasses import dataclass

from .archive import ReportError, unpack


@dataclass(frozen=True)
class TlsFailure:
    result_type: str
    count: int
    sending_mta_ip: str | None = None
    receiving_mx_hostname: str | None = None
    receiving_ip: str | None = None
    additional_information: str | None = None
    failure_reason_code: str | None = None


@dataclass(frozen=True)
class TlsPolicy:
    policy_type: str  # sts | tlsa | no-policy-found
    policy_domain: str
    succeeded: int
    failed: int
    mx_hosts: tuple[str, ...] = ()
    failures: tuple[TlsFailure, ...] = ()


@dataclass(frozen=True)
class TlsReport:
    org_name: str
    report_id: str
    begin: dt.datetime | None
    end: dt.datetime | None
    contact: str | None
    policies: tuple[TlsPolicy, ...]


def _when(value) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.astimezone(dt.UTC) if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _count(value) -> int:
    return value if isinstance(value, int) and value >= 0 else 0


def _hosts(value) -> tuple[str, ...]:
    """``mx-host`` is a list by the RFC; some reporters send one string."""
    if isinstance(value, str):
        value = [value]
    return tuple(str(h) for h in value or () if h) if isinstance(value, list) else ()


def _policy(item: dict) -> TlsPolicy:
    policy = item.get("policy") or {}
    summary = item.get("summary") or {}
    failures = tuple(
        TlsFailure(
            result_type=str(f.get("result-type") or "unknown"),
            count=_count(f.get("failed-session-count")),
            sending_mta_ip=f.get("sending-mta-ip"),
            receiving_mx_hostname=(f.get("receiving-mx-hostname") or "").rstrip(".").lower() or None,
            receiving_ip=f.get("receiving-ip"),
            additional_information=f.get("additional-information"),
            failure_reason_code=f.get("failure-reason-code"),
        )
        for f in item.get("failure-details") or ()
        if isinstance(f, dict)
    )
    domain = policy.get("policy-domain")
    if not isinstance(domain, str) or not domain:
        raise ValueError("a policy without policy-domain")
    return TlsPolicy(
        policy_type=str(policy.get("policy-type") or "no-policy-found"),
        policy_domain=domain.rstrip(".").lower(),
        succeeded=_count(summary.get("total-successful-session-count")),
        failed=_count(summary.get("total-failure-session-count")),
        mx_hosts=_hosts(policy.get("mx-host")),
        failures=failures,
    )


def parse_tlsrpt(data: bytes, name: str = "report") -> TlsReport:
    """One TLS report from its bytes; :class:`ReportError` says what is wrong."""
    text = unpack(data, name)
    try:
        doc = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ReportError(f"{name}: invalid JSON ({exc}); not a readable TLS report") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("policies"), list):
        raise ReportError(f'{name}: wrong schema, a TLS report is a JSON object with "policies"')
    org, report_id = doc.get("organization-name"), doc.get("report-id")
    if not isinstance(org, str) or not isinstance(report_id, str) or not org or not report_id:
        raise ReportError(f'{name}: wrong schema, "organization-name" or "report-id" is missing')
    dates = doc.get("date-range") or {}
    try:
        policies = tuple(_policy(p) for p in doc["policies"] if isinstance(p, dict))
    except ValueError as exc:
        raise ReportError(f"{name}: wrong schema in TLS report {report_id!r} of {org}: {exc}") from None
    return TlsReport(
        org_name=org,
        report_id=report_id,
        begin=_when(dates.get("start-datetime")),
        end=_when(dates.get("end-datetime")),
        contact=doc.get("contact-info") if isinstance(doc.get("contact-info"), str) else None,
        policies=policies,
    )
