"""The pure parts of diagnostics: remedies, domain record rules, the report's forms."""

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from mailkit.diagnose.records import check_dkim, check_dmarc, check_mta_sts, check_spf
from mailkit.diagnose.remedies import remedy_for
from mailkit.diagnose.report import Report, Row


def zone(records: dict):
    """A lookup over a dict {(name, type): [values]}: the record rules need answers, not a server."""
    return lambda name, rtype: list(records.get((name, rtype), []))


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        (
            "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant",
            "Microsoft 365",
        ),
        ("534-5.7.9 Application-specific password required. Learn more at", "app password"),
        ("NO [AUTHENTICATIONFAILED] AUTHENTICATE failed. (XOAUTH2)", "OAuth2 token refused"),
        ("* CAPABILITY IMAP4rev1 LOGINDISABLED", "starttls or tls"),
        ("smtp.x.test:25: connection refused", "submit on 587"),
        ("smtp.x.test:587: connection refused", "nothing listens"),
        ("the certificate is not valid for 'mail.x.test': use the host name", "names another host"),
        ("the certificate of x has expired", "renew"),
        ("535 5.7.8 Error: authentication failed", "the user name or the password"),
        ("-ERR [AUTH] Authentication failed.", "the user name or the password"),
        ("x.test:993: no answer within 3 s", "firewall"),
        ("250 OK", ""),
    ],
)
def test_remedy_catalogue(said, expected):
    found = remedy_for(said)
    assert (expected in found) if expected else found == ""


def test_spf_counts_lookups_through_includes_and_voids():
    records = {
        ("x.test", "TXT"): ["some other text", "v=spf1 a mx include:a.x.test include:gone.x.test mx:nomx.x.test -all"],
        ("a.x.test", "TXT"): ["v=spf1 ip4:192.0.2.0/24 include:b.x.test ~all"],
        ("b.x.test", "TXT"): ["v=spf1 exists:%{i}.x.test -all"],
    }
    [row] = check_spf("x.test", zone(records))
    # a, mx, include, include, mx: here; include in a.x.test; exists in b.x.test
    assert row.status == "ok" and "7 DNS-querying terms, 2 void lookups" in row.detail
    records[("x.test", "TXT")] = ["v=spf1 include:gone1.x.test include:gone2.x.test include:gone3.x.test -all"]
    [row] = check_spf("x.test", zone(records))
    assert row.status == "fail" and "3 lookups find nothing" in row.remedy


def test_spf_all_advice_and_size():
    assert check_spf("x.test", zone({}))[0].status == "fail"
    for record, status, words in (
        ("v=spf1 mx +all", "fail", "anyone"),
        ("v=spf1 mx ~all", "warn", "-all once complete"),
        ("v=spf1 mx", "warn", "no 'all'"),
        ("v=spf1 redirect=_spf.x.test", "ok", ""),
        ("v=spf1 " + " ".join(f"ip4:192.0.2.{i}" for i in range(20)) + " -all", "warn", "255 bytes"),
        ("v=spf1 " + " ".join(f"ip6:2001:db8::{i:x}" for i in range(30)) + " -all", "warn", "450 bytes"),
    ):
        records = {("x.test", "TXT"): [record], ("_spf.x.test", "TXT"): ["v=spf1 -all"]}
        [row] = check_spf("x.test", zone(records))
        assert row.status == status and words in row.remedy, record
    two = {("x.test", "TXT"): ["v=spf1 -all", "v=spf1 mx -all"]}
    assert "merge" in check_spf("x.test", zone(two))[0].remedy


def test_dmarc_rules():
    assert check_dmarc("x.test", zone({}))[0].status == "warn"
    for record, status in (
        ("v=DMARC1; p=reject; rua=mailto:d@x.test", "ok"),
        ("v=DMARC1; p=none; rua=mailto:d@x.test", "warn"),
        ("v=DMARC1; p=quarantine", "warn"),
        ("v=DMARC1; p=maybe", "fail"),
    ):
        [row] = check_dmarc("x.test", zone({("_dmarc.x.test", "TXT"): [record]}))
        assert row.status == status, record
    two = zone({("_dmarc.x.test", "TXT"): ["v=DMARC1; p=reject", "v=DMARC1; p=none"]})
    assert check_dmarc("x.test", two)[0].status == "fail"


def test_dmarc_of_a_subdomain_falls_back_to_the_organisational_domain():
    parent = {("_dmarc.firma.co.uk", "TXT"): ["v=DMARC1; p=reject; sp=none; rua=mailto:d@firma.co.uk"]}
    [row] = check_dmarc("mail.firma.co.uk", zone(parent))
    assert (row.target, row.status) == ("_dmarc.firma.co.uk", "warn")  # sp=none governs subdomains
    assert row.detail.startswith("inherited from firma.co.uk: sp=none")
    own = {**parent, ("_dmarc.mail.firma.co.uk", "TXT"): ["v=DMARC1; p=reject; rua=mailto:d@firma.co.uk"]}
    assert check_dmarc("mail.firma.co.uk", zone(own))[0].status == "ok"
    [missing] = check_dmarc("mail.firma.co.uk", zone({}))
    assert "_dmarc.firma.co.uk" in missing.remedy  # not under co.uk, and not the subdomain


def _p(key) -> str:
    return base64.b64encode(key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)).decode()


def test_dkim_rules():
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()
    good = ed25519.Ed25519PrivateKey.generate().public_key()
    records = {
        ("ok._domainkey.x.test", "TXT"): [f"v=DKIM1; k=ed25519; p={_p(good)}"],
        ("test._domainkey.x.test", "TXT"): [f"v=DKIM1; t=y; p={_p(small)}"],
        ("revoked._domainkey.x.test", "TXT"): ["v=DKIM1; p="],
        ("junk._domainkey.x.test", "TXT"): ["v=DKIM1; p=bm90IGEga2V5"],
    }
    rows = check_dkim("x.test", ["ok", "test", "revoked", "junk", "none"], zone(records))
    assert [r.status for r in rows] == ["ok", "warn", "fail", "fail", "fail"]
    assert rows[0].detail == "ed25519 256 bits" and rows[1].detail == "rsa 1024 bits, testing (t=y)"
    weak_key = rsa.RSAPublicNumbers(65537, (1 << 767) | 1).public_key()  # 768 bits; cryptography makes none
    weak = {("w._domainkey.x.test", "TXT"): [f"p={_p(weak_key)}"]}
    [row] = check_dkim("x.test", ["w"], zone(weak))
    assert row.status == "fail" and "1024" in row.remedy


def test_mta_sts_and_tls_rpt():
    rows = check_mta_sts("x.test", zone({("_mta-sts.x.test", "TXT"): ["v=STSv1; id=1"]}))
    assert [(r.check, r.status) for r in rows] == [("MTA-STS", "ok"), ("TLS-RPT", "warn")]


def test_report_forms():
    report = Report(
        "info",
        [
            Row("TCP", "h:1", "ok", "connected", elapsed_ms=2),
            Row("IMAP login", "h:1", "fail", "<refused>", "check the password", 5),
            Row("DKIM", "x.test", "skip", "no selector"),
        ],
        ["C: m1 LOGIN a ***"],
        9,
    )
    assert not report.ok and report.counts() == {"ok": 1, "warn": 0, "fail": 1, "skip": 1}
    assert [r.check for r in report.failures()] == ["IMAP login"]
    data = json.loads(report.to_json())
    assert data["ok"] is False and "transcript" not in data and data["rows"][1]["remedy"] == "check the password"
    assert json.loads(report.to_json(verbose=True))["transcript"] == ["C: m1 LOGIN a ***"]
    html = report._repr_html_()
    assert "&lt;refused&gt;" in html and "mk-badge mk-fail" in html and "something failed" in html
    assert report.to_frame()["status"].tolist() == ["ok", "fail", "skip"]
    assert repr(report) == "Report('info', ok=False, ok=1, warn=0, fail=1, skip=1)"
    with pytest.raises(ValueError, match="status"):
        Row("x", "y", "bad", "z")
