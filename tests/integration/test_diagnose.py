"""diagnose() against the sandbox's real servers: a healthy account, and each way an account can be broken."""

import base64
import dataclasses
import time

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from mailkit.diagnose import diagnose
from mailkit.model import Auth, Receiving, Sending, Timeouts
from mailkit.sandbox.ports import free_ports


def with_receiving(account, **changes):
    return dataclasses.replace(account, receiving=dataclasses.replace(account.receiving, **changes))


def with_sending(account, **changes):
    return dataclasses.replace(account, sending=dataclasses.replace(account.sending, **changes))


def statuses(report, check):
    return [r.status for r in report.find(check)]


def test_a_healthy_account_is_all_ok(sandbox):
    ws = sandbox.workspace
    report = diagnose(ws.get("info"), ws)
    assert report.ok, str(report)
    assert {r.status for r in report.rows} == {"ok", "skip"}, str(report)
    assert [r.check for r in report.rows if r.status == "skip"] == ["DKIM"]  # no selector asked for
    for check in ("DNS", "TCP", "Certificate", "SMTP greeting", "STARTTLS", "SMTP EHLO", "SMTP AUTH", "TLS"):
        assert "ok" in statuses(report, check), check
    for check in ("IMAP greeting", "IMAP login", "IMAP extensions", "IMAP base folder", "IMAP sent folder"):
        assert statuses(report, check) == ["ok"], check
    for check in ("MX", "SPF", "DMARC", "MTA-STS", "TLS-RPT"):
        assert statuses(report, check) == ["ok"], check
    greeting = report.find("IMAP greeting")[0].detail
    assert greeting.startswith("* OK [CAPABILITY …] ") and "AUTH=" not in greeting  # listed in its own row
    ehlo = report.find("SMTP EHLO")[0].detail
    assert "SIZE" in ehlo and "AUTH" in ehlo and "PLAIN" in ehlo
    assert "CONDSTORE" in report.find("IMAP extensions")[0].detail
    cert = report.find("Certificate")[0].detail
    assert "verified, matches localhost" in cert and "issuer mailkit sandbox CA" in cert
    assert all(r.elapsed_ms >= 0 for r in report.rows)
    frame = report.to_frame()
    assert list(frame.columns) == ["check", "target", "status", "detail", "remedy", "elapsed_ms"]
    assert len(frame) == len(report.rows)
    assert "mk-badge mk-ok" in report._repr_html_() and "nothing failed" in report._repr_html_()


def test_transcript_has_no_password(sandbox):
    ws = sandbox.workspace
    user = sandbox.user("info")
    report = diagnose(ws.get("info"), ws)
    text = "\n".join(report.transcript) + report.to_json(verbose=True)
    assert "AUTH PLAIN ***" in text and "AUTHENTICATE PLAIN ***" in text
    assert user.password not in text
    assert "S: 235" in text  # the server's answers are kept


def test_pop3_and_test_mail_round_trip(sandbox):
    ws = sandbox.workspace
    account = ws.get("vertrieb")
    pop = with_receiving(account, protocol="pop3", port=sandbox.ports["pop3"], security="starttls", sent_export=False)
    report = diagnose(pop, ws)
    assert report.ok, str(report)
    for check in ("POP3 greeting", "POP3 CAPA", "POP3 login", "POP3 STAT"):
        assert statuses(report, check) == ["ok"], check
    assert "STLS" in report.find("POP3 CAPA")[0].detail
    report = diagnose(account, ws, test_mail_to=account.address, record_folder=True)
    assert statuses(report, "Test mail") == ["ok"]
    assert statuses(report, "Round trip") == ["ok"] and "found in INBOX" in report.find("Round trip")[0].detail
    assert statuses(report, "IMAP record folder") == ["ok"]


def test_wrong_password_fails_with_the_remedy(sandbox):
    ws = sandbox.workspace
    account = ws.get("info")
    wrong = dataclasses.replace(account, auth=Auth(password="workspace:vertrieb.password"))  # another user's
    report = diagnose(wrong, ws)
    assert not report.ok
    imap, smtp = report.find("IMAP login")[0], report.find("SMTP AUTH")[0]
    assert imap.status == smtp.status == "fail"
    assert "AUTHENTICATIONFAILED" in imap.detail and smtp.detail.split(": ", 1)[1].startswith("535")
    assert "the user name or the password" in imap.remedy and "the user name or the password" in smtp.remedy
    assert not report.find("IMAP base folder")  # nothing after a failed login


def test_closed_port(sandbox):
    ws = sandbox.workspace
    closed = free_ports(1)[0]
    report = diagnose(with_receiving(ws.get("info"), port=closed), ws)
    tcp = [r for r in report.find("TCP") if r.target.endswith(f":{closed}")]
    assert [r.status for r in tcp] == ["fail"] and "connection refused" in tcp[0].detail
    assert "nothing listens" in tcp[0].remedy
    assert not report.ok


def test_certificate_for_the_wrong_host_and_expired(sandbox):
    ws = sandbox.workspace
    for kind, said, remedy in (
        ("wronghost", "not valid for 'localhost'", "names another host"),
        ("expired", "has expired", "renew"),
    ):
        port = sandbox.serve_bad_certificate(kind, backend="imap")
        report = diagnose(with_receiving(ws.get("info"), port=port, security="tls"), ws)
        cert = report.find("Certificate")[-1]
        assert cert.status == "fail" and said in cert.detail and remedy in cert.remedy, kind
        assert "NOT verified" in cert.detail  # the served certificate is described anyway
        assert ("wrong-host.invalid" in cert.detail) == (kind == "wronghost")
        assert ("expired 2 days ago" in cert.detail) == (kind == "expired")
        assert not report.find("IMAP login")


def test_server_without_starttls(sandbox):
    ws = sandbox.workspace
    port = sandbox.serve_smtp_without_starttls()
    report = diagnose(with_sending(ws.get("info"), port=port, security="starttls"), ws)
    row = report.find("STARTTLS")[0]
    assert row.status == "fail" and "does not offer STARTTLS" in row.detail and "465" in row.remedy
    assert not report.find("SMTP AUTH")  # the password is never sent in the clear


def test_plaintext_login_refused_until_tls_as_a_remote_client_sees_it(sandbox):
    ws = sandbox.workspace
    imap = sandbox.serve_as_from_another_host("imap")
    report = diagnose(with_receiving(ws.get("info"), port=imap, security="none"), ws)
    [row] = report.find("IMAP capabilities")
    assert row.status == "fail" and "LOGINDISABLED" in row.detail and "starttls" in row.remedy
    assert not report.find("IMAP login")  # the password is never sent in the clear
    report = diagnose(with_receiving(ws.get("info"), port=imap, security="starttls"), ws)
    assert "LOGINDISABLED before TLS (good)" in report.find("IMAP capabilities")[0].detail
    assert statuses(report, "IMAP login") == ["ok"]

    pop3 = sandbox.serve_as_from_another_host("pop3")
    pop3_account = with_receiving(ws.get("info"), protocol="pop3", port=pop3, security="none", base_folder="INBOX")
    report = diagnose(pop3_account, ws)
    [row] = [r for r in report.rows if r.status == "fail"]
    assert "Plaintext authentication disallowed" in row.detail and "starttls" in row.remedy
    report = diagnose(with_receiving(pop3_account, security="starttls"), ws)
    assert report.ok, str(report)


def test_missing_base_folder_and_sent_folder_found_by_special_use(sandbox):
    ws = sandbox.workspace
    report = diagnose(with_receiving(ws.get("info"), base_folder="Gibt/Es/Nicht"), ws)
    row = report.find("IMAP base folder")[0]
    assert row.status == "fail" and "'Gibt/Es/Nicht' does not exist" in row.detail and "base_folder" in row.remedy
    report = diagnose(with_receiving(ws.get("info"), sent_folder="Gesendet"), ws)
    row = report.find("IMAP sent folder")[0]
    assert row.status == "warn" and "SPECIAL-USE \\Sent is 'Sent'" in row.detail


def test_domain_without_spf_and_dmarc(fresh_sandbox):
    ws = fresh_sandbox.workspace
    fresh_sandbox.zone.set("kunde.test", "TXT")
    fresh_sandbox.zone.set("_dmarc.kunde.test", "TXT")
    report = diagnose(ws.get("einkauf"), ws)
    assert statuses(report, "SPF") == ["fail"] and "v=spf1" in report.find("SPF")[0].remedy
    assert statuses(report, "DMARC") == ["warn"] and "v=DMARC1" in report.find("DMARC")[0].remedy
    assert not report.ok


def test_spf_over_the_lookup_limit_and_dkim(fresh_sandbox):
    ws = fresh_sandbox.workspace
    zone = fresh_sandbox.zone
    includes = " ".join(f"include:s{i}.kunde.test" for i in range(6))
    zone.set("kunde.test", "TXT", f"v=spf1 mx a {includes} -all")
    for i in range(6):
        zone.set(f"s{i}.kunde.test", "TXT", f"v=spf1 a:h{i}.kunde.test -all")
        zone.set(f"h{i}.kunde.test", "A", "127.0.0.1")
    zone.set("_dmarc.kunde.test", "TXT", "v=DMARC1; p=none")
    report = diagnose(ws.get("einkauf"), ws, dkim_selectors=["mail2026", "nokey"])
    spf = report.find("SPF")[0]
    assert spf.status == "fail" and "14 DNS-querying terms" in spf.detail and "limit of 10" in spf.remedy
    assert statuses(report, "DMARC") == ["warn"] and "p=none" in report.find("DMARC")[0].detail
    assert [r.status for r in report.find("DKIM")] == ["fail", "fail"]  # no keys published
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    p = base64.b64encode(key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)).decode()
    zone.set("mail2026._domainkey.kunde.test", "TXT", f"v=DKIM1; k=rsa; t=y; p={p}")
    report = diagnose(ws.get("einkauf"), ws, dkim_selectors=["mail2026"])
    dkim = report.find("DKIM")[0]
    assert dkim.status == "warn" and "rsa 2048 bits" in dkim.detail and "t=y" in dkim.remedy


def test_black_holed_port_finishes_within_its_timeout(sandbox):
    ws = sandbox.workspace
    hole = sandbox.serve_black_hole()
    account = with_receiving(ws.get("info"), port=hole, security="tls")
    account = dataclasses.replace(account, timeouts=Timeouts(connect=0.5, command=0.5))
    began = time.perf_counter()
    report = diagnose(account, ws)
    took = time.perf_counter() - began
    assert took < 1.5, took  # one 0.5 s timeout, not a hang
    failed = report.failures()
    assert len(failed) == 1 and f":{hole}" in failed[0].target
    assert "no answer within 0.5 s" in failed[0].detail and "firewall" in failed[0].remedy
    assert statuses(report, "SMTP AUTH") == ["ok"]  # the other side is checked all the same


def test_sendmail_and_oauth2_rows(sandbox, tmp_path):
    ws = sandbox.workspace
    account = ws.get("info")
    missing = dataclasses.replace(account, sending=Sending(method="sendmail", sendmail_command="/nonexistent/sendmail"))
    row = diagnose(missing, ws).find("sendmail")[0]
    assert row.status == "fail" and "not found" in row.detail and "msmtp" in row.remedy
    script = tmp_path / "fake-sendmail"
    script.write_text('#!/bin/sh\ncat > "$(dirname "$0")/handed-over.eml"\n')
    script.chmod(0o755)
    local = dataclasses.replace(account, sending=Sending(method="sendmail", sendmail_command=f"{script} -t -i"))
    report = diagnose(local, ws, test_mail_to="einkauf@kunde.test")
    assert statuses(report, "sendmail") == ["ok"] and statuses(report, "Test mail") == ["ok"]
    assert b"mailkit diagnose test" in (tmp_path / "handed-over.eml").read_bytes()
    unconfigured = dataclasses.replace(account, auth=Auth(method="oauth2"))
    report = diagnose(unconfigured, ws)
    assert statuses(report, "IMAP login") == ["skip"] and statuses(report, "SMTP login") == ["skip"]
    (token,) = report.find("oauth2 token")
    assert token.status == "fail" and token.remedy


def test_imap_with_starttls_and_without_encryption(sandbox):
    ws = sandbox.workspace
    account = with_receiving(ws.get("info"), port=sandbox.ports["imap"], security="starttls")
    report = diagnose(account, ws)
    assert report.ok, str(report)
    starttls = [r for r in report.find("STARTTLS") if r.target.endswith(f":{sandbox.ports['imap']}")]
    assert [r.status for r in starttls] == ["ok"] and "TLSv1.3" in starttls[0].detail
    plain = with_receiving(ws.get("info"), port=sandbox.ports["imap"], security="none")
    report = diagnose(plain, ws)
    row = report.find("Encryption")[0]
    assert row.status == "warn" and "STARTTLS is offered" in row.detail and "starttls" in row.remedy


def test_unrelated_receiving_settings_are_reported_per_side(sandbox):
    ws = sandbox.workspace
    account = dataclasses.replace(ws.get("info"), receiving=Receiving(host="nohost.mailkit.test", port=993))
    report = diagnose(account, ws)
    dns = [r for r in report.find("DNS") if r.target.startswith("nohost")]
    assert [r.status for r in dns] == ["fail"] and "does not resolve" in dns[0].detail


def test_oauth2_account_gets_token_claims_and_sasl_rows(fresh_sandbox):
    ws = fresh_sandbox.workspace
    account, _ = fresh_sandbox.oauth_app("info@mailkit.test")
    report = diagnose(account, ws)
    assert report.ok, str(report)
    for check in ("oauth2 token", "oauth2 expiry", "oauth2 claims", "oauth2 imap login", "oauth2 smtp login"):
        assert statuses(report, check) == ["ok"], check
    # the server walks leave the login to the OAuth2 rows instead of trying a password
    assert statuses(report, "IMAP login") == ["skip"] and statuses(report, "SMTP login") == ["skip"]
    token = ws.secrets.get(f"oauth2.{account.name}.cache").reveal()
    assert token[:40] not in str(report.to_frame().to_dict()) + report.to_json()

    narrow, _ = fresh_sandbox.oauth_app("einkauf@kunde.test", roles=("IMAP.AccessAsApp",))
    report = diagnose(narrow, ws)
    assert not report.ok
    (permission,) = report.find("oauth2 smtp permission")
    assert permission.status == "fail" and "SMTP.SendAsApp" in permission.remedy
