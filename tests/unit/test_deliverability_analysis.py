"""Deliverability analysis on report tables: services, pass rates, the readiness verdict, TLS and bounce rates."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from mailkit import analysis

PTRS = {
    "192.0.2.10": "mail.kunde.example",
    "40.107.22.5": "mail-db8eur05on2005.outbound.protection.outlook.com",
    "167.89.101.7": "o7.ptr4242.sendgrid.net",
    "198.51.100.9": "fwd9.lists.example.org",
}


def records(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["source_ip", "count", "dkim", "spf", "reasons"])
    frame["reasons"] = frame["reasons"].map(json.dumps)
    return frame.assign(domain="kunde.example", p="none", org_name="google.com", header_from="kunde.example",
                        passed=(frame["dkim"] == "pass") | (frame["spf"] == "pass"))  # fmt: skip


def test_sources_are_recognised_and_forwarded_mail_counts_as_legitimate():
    frame = analysis.with_services(records([
        ("192.0.2.10", 100, "pass", "pass", []),
        ("40.107.22.5", 50, "pass", "fail", []),
        ("198.51.100.9", 5, "pass", "fail", [["forwarded", None]]),
        ("203.0.113.1", 20, "fail", "fail", []),
    ]), ptrs=PTRS)  # fmt: skip
    assert frame["service"].tolist() == [
        "own server",
        "Microsoft 365",
        "other (example.org)",
        "unknown (no reverse DNS)",
    ]
    assert frame["legitimate"].tolist() == [True, True, True, False]
    verdict = analysis.readiness(frame, "kunde.example")
    assert verdict.verdict == "reject" and verdict.unknown_messages == 20 and verdict.blocking == []


@pytest.mark.parametrize(("sendgrid_dkim", "verdict"), [("pass", "reject"), ("fail", "not ready")])
def test_a_legitimate_service_without_aligned_dkim_holds_the_move_up(sendgrid_dkim, verdict):
    frame = analysis.with_services(records([
        ("192.0.2.10", 900, "pass", "pass", []),
        ("167.89.101.7", 100, sendgrid_dkim, "fail", []),
    ]), ptrs=PTRS)  # fmt: skip
    result = analysis.readiness(frame)
    assert result.verdict == verdict
    if verdict == "not ready":
        assert result.legitimate_share_passing == pytest.approx(0.9)
        assert result.blocking == ["SendGrid: 0% of 100 messages pass (set up DKIM signing with the domain's key)"]
        assert "not ready to leave p=none" in str(result)
    rates = analysis.pass_rates(frame)
    assert rates.loc["SendGrid", "messages"] == 100
    assert (rates.index[0] == "SendGrid") == (verdict == "not ready")  # worst source first


def test_quarantine_between_the_thresholds():
    frame = analysis.with_services(records([
        ("192.0.2.10", 965, "pass", "pass", []),
        ("192.0.2.10", 35, "fail", "fail", []),
    ]), ptrs=PTRS)  # fmt: skip
    assert analysis.readiness(frame).verdict == "quarantine"


TLS_COLUMNS = ["org_name", "report_id", "policy_type", "policy_domain", "succeeded", "failed", "result_type", "count"]


def test_tls_summary_and_bounce_rates():
    tls = pd.DataFrame([
        ("g", "1", "sts", "kunde.example", 90, 10, "certificate-expired", 6),
        ("g", "1", "sts", "kunde.example", 90, 10, "starttls-not-supported", 4),
        ("m", "2", "sts", "kunde.example", 50, 0, None, None),
    ], columns=TLS_COLUMNS)  # fmt: skip
    summary = analysis.tls_summary(tls)
    assert summary.loc["kunde.example", ["succeeded", "failed", "certificate-expired"]].tolist() == [140, 10, 6]
    assert summary.loc["kunde.example", "failure_rate"] == pytest.approx(10 / 150)
    when = pd.Timestamp("2026-03-03 10:00", tz="UTC")
    bounced = pd.DataFrame({"bounced_at": [when, when], "recipient_domain": ["kunde.example"] * 2,
                            "reason": ["unknown_user", "mailbox_full"], "kind": ["hard", "soft"]})  # fmt: skip
    sent = pd.DataFrame({"created_at": [when.isoformat()] * 4, "recipient": [f"{n}@kunde.example" for n in "abcd"]})
    rates = analysis.bounce_rates(bounced, sent)
    assert rates["rate"].tolist() == [0.25, 0.25] and set(rates["reason"]) == {"unknown_user", "mailbox_full"}
    analysis.plot_bounces(rates)
    analysis.plot_tls_failures(summary)
