"""The sandbox mail world, end to end: real Dovecot, SMTP and DNS servers on loopback."""

import dataclasses
import email
import email.policy
import shutil
import ssl
import tempfile
import uuid
from pathlib import Path

import pytest

from mailkit.check import check_logins
from mailkit.errors import AuthError, ConnectError, TLSError
from mailkit.model import Receiving
from mailkit.net.connect import imap_login, pop3_login, smtp_login
from mailkit.net.dns import make_resolver, query_text
from mailkit.net.tls import InsecureTLSWarning
from mailkit.sandbox import Sandbox


def with_receiving(account, **changes):
    return dataclasses.replace(account, receiving=dataclasses.replace(account.receiving, **changes))


def with_sending(account, **changes):
    return dataclasses.replace(account, sending=dataclasses.replace(account.sending, **changes))


def message(sender: str, to: str, subject: str) -> tuple[str, bytes]:
    msgid = f"<{uuid.uuid4().hex}@mailkit.test>"
    msg = email.message.EmailMessage(policy=email.policy.SMTP)
    msg["From"], msg["To"], msg["Subject"], msg["Message-ID"] = sender, to, subject, msgid
    msg.set_content("Guten Tag,\nanbei das Angebot.\n")
    return msgid, msg.as_bytes()


def find_by_message_id(account, workspace, msgid: str, folder: str = "INBOX") -> list[int]:
    with imap_login(account, workspace) as imap:
        imap.select_folder(folder, readonly=True)
        return imap.search(["HEADER", "Message-ID", msgid])


def test_imap_over_tls_with_verified_certificate(sandbox):
    ws = sandbox.workspace
    account = ws.get("info")
    assert account.verify_certificate and account.receiving.security == "tls"
    with imap_login(account, ws) as imap:
        caps = set(imap.capabilities())
        folders = {name for _, _, name in imap.list_folders()}
    assert {b"CONDSTORE", b"QRESYNC", b"UIDPLUS", b"MOVE", b"IDLE", b"ESEARCH", b"LIST-STATUS"} <= caps
    assert {"INBOX", "Sent", "Drafts", "Trash", "Junk", "Archive"} <= folders


def test_imap_with_starttls_on_the_plain_port(sandbox):
    account = with_receiving(sandbox.workspace.get("info"), port=sandbox.ports["imap"], security="starttls")
    with imap_login(account, sandbox.workspace) as imap:
        assert imap._starttls_done
        assert imap.folder_status("INBOX", ["MESSAGES"])[b"MESSAGES"] > 0


def test_wrong_password_is_an_auth_error_naming_the_user(sandbox):
    ws = sandbox.workspace
    ws.secrets.set("wrong.password", "not-the-password")
    account = dataclasses.replace(
        ws.get("info"), auth=dataclasses.replace(ws.get("info").auth, password="workspace:wrong.password")
    )
    with pytest.raises(AuthError) as caught, imap_login(account, ws):
        pass
    assert "info@mailkit.test" in str(caught.value) and "check user name and password" in str(caught.value)
    assert "not-the-password" not in str(caught.value)
    with pytest.raises(AuthError, match="535"), smtp_login(account, ws):
        pass


def test_pop3_over_tls_and_stls(sandbox):
    base = sandbox.workspace.get("info")
    for port, security in ((sandbox.ports["pop3s"], "tls"), (sandbox.ports["pop3"], "starttls")):
        account = dataclasses.replace(
            base, receiving=Receiving(protocol="pop3", host="localhost", port=port, security=security)
        )
        with pop3_login(account, sandbox.workspace) as pop:
            count, size = pop.stat()
        assert count > 0 and size > 0


def test_smtp_send_with_auth_arrives_in_the_imap_mailbox(sandbox):
    ws = sandbox.workspace
    sender, recipient = ws.get("vertrieb"), ws.get("einkauf")
    for security, port in (("starttls", sandbox.ports["smtp"]), ("tls", sandbox.ports["smtps"])):
        msgid, raw = message(sender.address, recipient.address, f"Angebot per {security}")
        with smtp_login(with_sending(sender, security=security, port=port), ws) as smtp:
            assert smtp.sendmail(sender.address, [recipient.address], raw) == {}
        assert len(find_by_message_id(recipient, ws, msgid)) == 1
        received = sandbox.submission.received[-1]
        assert received.login == sender.address and received.rcpt_tos == (recipient.address,)


def test_smtp_offers_auth_only_after_starttls(sandbox):
    account = with_sending(sandbox.workspace.get("info"), security="none")
    with pytest.raises(AuthError, match="STARTTLS first"), smtp_login(account, sandbox.workspace):
        pass


def test_smtp_refuses_relay_and_unknown_mailboxes(sandbox):
    import smtplib

    ws = sandbox.workspace
    account = ws.get("info")
    with smtp_login(account, ws) as smtp:
        for rcpt, code in (("kunde@gmail.example", 550), ("nobody@mailkit.test", 550)):
            with pytest.raises(smtplib.SMTPRecipientsRefused) as caught:
                smtp.sendmail(account.address, [rcpt], message(account.address, rcpt, "x")[1])
            assert caught.value.recipients[rcpt][0] == code


def test_dns_server_serves_the_sandbox_zone(sandbox):
    resolver = make_resolver(sandbox.workspace.dns)
    assert [r.to_text() for r in resolver.resolve("mail.mailkit.test", "A")] == ["127.0.0.1"]
    assert [r.to_text() for r in resolver.resolve("mailkit.test", "MX")] == ["10 mail.mailkit.test."]
    assert query_text("mailkit.test", resolver) == ["v=spf1 a mx ip4:127.0.0.1 -all"]
    assert query_text("_dmarc.mailkit.test", resolver)[0].startswith("v=DMARC1; p=quarantine")
    srv = resolver.resolve("_imaps._tcp.mailkit.test", "SRV")[0]
    assert (srv.port, srv.target.to_text()) == (sandbox.ports["imaps"], "mail.mailkit.test.")
    assert query_text("missing.mailkit.test", resolver) == []
    # records change at run time, and long values travel split into 255-byte strings
    long_value = "v=DKIM1; k=rsa; p=" + "A" * 700
    sandbox.zone.set("s1._domainkey.mailkit.test", "TXT", long_value)
    assert query_text("s1._domainkey.mailkit.test", resolver) == [long_value]
    answer = resolver.resolve("s1._domainkey.mailkit.test", "TXT")[0]
    assert [len(s) for s in answer.strings] == [255, 255, 208]
    sandbox.zone.set("s1._domainkey.mailkit.test", "TXT")
    assert query_text("s1._domainkey.mailkit.test", resolver) == []


def test_dns_server_is_no_open_resolver(sandbox):
    import dns.resolver

    with pytest.raises(dns.resolver.NoNameservers, match="REFUSED"):
        make_resolver(sandbox.workspace.dns).resolve("example.com", "A")


@pytest.mark.parametrize(("kind", "words"), [("expired", "has expired"), ("wronghost", "not valid for 'localhost'")])
def test_bad_certificates_fail_verification_in_plain_words(sandbox, kind, words):
    port = sandbox.serve_bad_certificate(kind, "imap")
    account = with_receiving(sandbox.workspace.get("info"), port=port, security="tls")
    with pytest.raises(TLSError, match=words), imap_login(account, sandbox.workspace):
        pass
    insecure = dataclasses.replace(account, verify_certificate=False)
    with (
        pytest.warns(InsecureTLSWarning, match="verification is OFF"),
        imap_login(insecure, sandbox.workspace) as imap,
    ):
        assert imap.folder_status("INBOX", ["MESSAGES"])[b"MESSAGES"] > 0


def test_closed_port_is_a_connect_error(sandbox):
    from mailkit.sandbox.ports import free_ports

    account = with_receiving(sandbox.workspace.get("info"), port=free_ports(1)[0])
    with pytest.raises(ConnectError, match="connection refused"), imap_login(account, sandbox.workspace):
        pass


def test_tls_on_a_plain_port_is_explained(sandbox):
    account = with_receiving(sandbox.workspace.get("info"), port=sandbox.ports["imap"], security="tls")
    with pytest.raises(TLSError, match="did not answer with TLS"), imap_login(account, sandbox.workspace):
        pass


def test_demo_mailbox_is_seeded_and_readable(sandbox):
    from mailkit.sandbox.corpus import DEMO_MALFORMED_COUNT

    ws = sandbox.workspace
    with imap_login(ws.get("info"), ws) as imap:
        counts = {
            name: imap.folder_status(name, ["MESSAGES"])[b"MESSAGES"]
            for flags, _, name in imap.list_folders()
            if b"\\Noselect" not in flags
        }
        imap.select_folder("INBOX", readonly=True)
        uids = imap.search(["HEADER", "X-Mailkit-Defect", ""])
    assert sum(counts.values()) == 300
    assert counts["INBOX"] > 100 and counts["Sent"] > 10
    assert 1 <= len(uids) <= DEMO_MALFORMED_COUNT


def test_login_check_of_every_demo_account(sandbox):
    for name, account in sandbox.workspace.accounts.items():
        results = check_logins(account, sandbox.workspace)
        assert [(r.side, r.protocol, r.ok) for r in results] == [
            ("sending", "smtp", True),
            ("receiving", "imap", True),
        ], name


def test_restart_keeps_mail_and_passwords():
    folder = Path(tempfile.mkdtemp(prefix="mailkit-restart-"))
    try:
        with Sandbox(folder, demo_mail=0) as first:
            password = first.user("info").password
            msgid, raw = message("a@kunde.test", "info@mailkit.test", "bleibt erhalten")
            first.deliver(raw, ["info@mailkit.test"])
        assert (folder / "mailkit.toml").exists()  # a named folder is kept
        with Sandbox(folder, demo_mail=0) as second:
            assert second.user("info").password == password
            assert len(find_by_message_id(second.workspace.get("info"), second.workspace, msgid)) == 1
            assert second.workspace.get("info").receiving.port == second.ports["imaps"]  # accounts follow new ports
    finally:
        shutil.rmtree(folder)


def test_temporary_sandbox_removes_itself_and_its_processes():
    import subprocess

    with Sandbox(demo_mail=0) as world:
        folder = world.folder
        config = str(world.dovecot.config_file)
        assert subprocess.run(["pgrep", "-f", config], capture_output=True).returncode == 0
    assert not folder.exists()
    assert subprocess.run(["pgrep", "-f", config], capture_output=True).returncode == 1


def test_client_context_refuses_tls_below_1_2(sandbox):
    from mailkit.net.tls import client_context

    assert client_context(sandbox.workspace.get("info")).minimum_version == ssl.TLSVersion.TLSv1_2
