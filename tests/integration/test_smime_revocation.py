"""S/MIME revocation against the sandbox CA's revocation list and OCSP responder: a revoked certificate is
reported ``revoked`` (verification, `smime list`, diagnose) and never used; an unreachable list is a warning."""

import dataclasses
import datetime as dt
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from mailkit.cli import main
from mailkit.errors import PolicyError
from mailkit.journal import Journal
from mailkit.model import Smime
from mailkit.sandbox import Sandbox
from mailkit.send import DocumentMail, send_mail
from mailkit.smime import CertStore, examine, protect
from mailkit.smime.checks import smime_rows
from mailkit.smime.revocation import crl_urls
from mailkit.sync import import_imap
from mailkit.workspace import Workspace

pytestmark = pytest.mark.skipif(not Path("/usr/bin/openssl").exists(), reason="needs Debian's openssl CLI")
PEM = serialization.Encoding.PEM
MAIL = b"From: {sender}\r\nTo: info@mailkit.test\r\nSubject: {subject}\r\nContent-Type: text/plain\r\n\r\nHallo\r\n"


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(demo_mail=0, smime=True) as world:
        yield world


def signed_by(bundle, sender: str, subject: str) -> bytes:
    """A mail signed with ``bundle`` in a workspace of the sender's own (as a correspondent's program would)."""
    with tempfile.TemporaryDirectory() as folder:
        theirs = Workspace.create(Path(folder) / "ws")
        CertStore(theirs).import_identity(bundle)
        raw = MAIL.replace(b"{sender}", sender.encode()).replace(b"{subject}", subject.encode())
        return protect(raw, theirs, sender=sender, recipients=[], sign=True, encrypt="never")[0]


def forget_cached_lists(ws) -> None:
    """As when the cached list's nextUpdate has passed: the next check fetches the CA's current one."""
    shutil.rmtree(CertStore(ws).root / "crl", ignore_errors=True)


def synced(sandbox, account: str) -> dict[str, dict]:
    ws = sandbox.workspace
    with Journal(ws.journal_file) as journal:
        import_imap(ws.get(account), ws, journal)
        rows = journal.db.execute("SELECT subject, smime_status, smime_detail FROM messages")
        return {subject: {"status": status, **json.loads(detail or "{}")} for subject, status, detail in rows}


def run(ws, capsys, *args) -> tuple[int, str, str]:
    code = main(["-w", str(ws.path), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_revoked_correspondent_is_reported_revoked_and_never_encrypted_to(sandbox, capsys):
    ws = sandbox.workspace
    address = sandbox.add_user("widerruf@kunde.test").address  # a mailbox the refused mail can still reach
    bundle = sandbox.issue_smime(address)
    assert crl_urls(bundle.cert) == [sandbox.ca.crl_url]  # the CA names its list in what it issues
    sandbox.deliver(signed_by(bundle, address, "Vor dem Widerruf"), ["info@mailkit.test"], address)
    before = synced(sandbox, "info")["Vor dem Widerruf"]
    assert (before["status"], before["revocation"], before["harvested"]) == ("valid", "good", True), before
    assert CertStore(ws).recipient_cert(address) == bundle.cert

    sandbox.ca.revoke(bundle.cert)
    forget_cached_lists(ws)
    sandbox.deliver(signed_by(bundle, address, "Nach dem Widerruf"), ["info@mailkit.test"], address)
    after = synced(sandbox, "info")["Nach dem Widerruf"]
    assert after["status"] == "revoked" and "revoked by its CA on" in after["reason"], after
    assert CertStore(ws).recipient_cert(address) is None  # kept, marked, never used
    (person,) = [p for p in CertStore(ws).people() if p.info.addresses == (address,)]
    assert person.revoked and "revoked by its CA" in person.revoked_reason

    code, out, _ = run(ws, capsys, "smime", "list", "--json")
    (listed,) = [e for e in json.loads(out)["data"] if address in e.get("addresses", ())]
    assert code == 0 and listed["revoked"] and listed["revocation"]["state"] == "revoked"
    code, out, _ = run(ws, capsys, "smime", "list")
    assert "REVOKED" in next(line for line in out.splitlines() if address in line)

    always = dataclasses.replace(ws.get("info"), smime=Smime(encrypt="always"), dkim_selector=None)
    with Journal(ws.journal_file) as journal:
        with pytest.raises(PolicyError, match=address):
            send_mail(always, ws, journal, DocumentMail("letter", [address], "Geheim", "Text"))
        relaxed = dataclasses.replace(always, smime=Smime(encrypt="when-possible"))
        outcome = send_mail(relaxed, ws, journal, DocumentMail("letter", [address], "Offen", "Text"))
    assert outcome.smime_encrypted_for == () and any(address in note for note in outcome.notes)


def test_a_certificate_revoked_after_it_was_stored_is_not_used_when_sending(sandbox):
    """The check runs at send time too: a harvested certificate whose CA revoked it since is skipped for an older
    one of the same address that is still good."""
    ws = sandbox.workspace
    address = "zwei@kunde.test"
    now = dt.datetime.now(dt.UTC)
    older = sandbox.issue_smime(address, valid_from=now - dt.timedelta(days=30))
    newer = sandbox.issue_smime(address)
    store = CertStore(ws)
    store.add_person(older.cert, "imported")
    store.add_person(newer.cert, "imported")
    assert store.recipient_cert(address) == newer.cert
    sandbox.ca.revoke(newer.cert)
    forget_cached_lists(ws)
    raw = MAIL.replace(b"{sender}", b"info@mailkit.test").replace(b"{subject}", b"x")
    _, protection = protect(raw, ws, sender="info@mailkit.test", recipients=[address], sign=False, encrypt="always")
    assert address in protection.encrypted_for
    assert any("was revoked by its CA" in note and "not used" in note for note in protection.notes)
    assert store.recipient_cert(address) == older.cert and store.revoked(newer.cert)


def test_an_unreachable_revocation_list_is_a_warning_and_the_mail_still_valid(sandbox, capsys, tmp_path):
    ws = sandbox.workspace
    address = "fern@kunde.test"
    real = sandbox.ca.crl_url
    sandbox.ca.crl_url = "http://127.0.0.1:9/ca.crl"  # the discard port: nothing listens there
    try:
        bundle = sandbox.issue_smime(address)
    finally:
        sandbox.ca.crl_url = real
    mail = signed_by(bundle, address, "Ohne Sperrliste")
    result = examine(mail, ws, "info", address)
    assert (result.status, result.revocation) == ("valid", "unknown")
    assert "revocation not checked" in result.warning and "cannot be fetched" in result.warning
    message = tmp_path / "fern.eml"
    message.write_bytes(mail)
    code, out, _ = run(ws, capsys, "smime", "verify", str(message), "--account", "info", "--no-harvest")
    assert code == 0 and out.startswith("VALID") and "warning: revocation not checked" in out
    raw = MAIL.replace(b"{sender}", b"info@mailkit.test").replace(b"{subject}", b"x")
    _, protection = protect(raw, ws, sender="info@mailkit.test", recipients=[address], sign=False, encrypt="always")
    assert address in protection.encrypted_for  # not a failure: encrypted, with a note saying what was not checked
    assert any(address in note and "revocation not checked" in note for note in protection.notes)


def test_a_revoked_own_certificate_fails_diagnose_and_is_not_used_to_sign(sandbox):
    ws = sandbox.workspace
    account = dataclasses.replace(ws.get("buchhaltung"), smime=Smime(sign=True))
    rows = {r[0]: r for r in smime_rows(account, ws)}
    assert rows["S/MIME revocation"][2] == "ok", rows["S/MIME revocation"]
    sandbox.ca.revoke(CertStore(ws).identity(account.address).cert)
    forget_cached_lists(ws)
    rows = {r[0]: r for r in smime_rows(account, ws)}
    assert rows["S/MIME revocation"][2] == "fail" and "revoked by its CA" in rows["S/MIME revocation"][3]
    raw = MAIL.replace(b"{sender}", account.address.encode()).replace(b"{subject}", b"x")
    with pytest.raises(PolicyError, match="was revoked by its CA"):
        protect(raw, ws, sender=account.address, recipients=[], sign=True, encrypt="never")


def test_the_sandbox_ocsp_responder_answers_good_and_revoked_to_openssl(sandbox, tmp_path):
    ca_file = str(sandbox.ca.cert_file)
    good, revoked = sandbox.issue_smime("ocsp1@kunde.test"), sandbox.issue_smime("ocsp2@kunde.test")
    sandbox.ca.revoke(revoked.cert)
    for name, bundle, expected in (("good", good, b": good"), ("revoked", revoked, b": revoked")):
        cert = tmp_path / f"{name}.pem"
        cert.write_bytes(bundle.cert.public_bytes(PEM))
        command = ["openssl", "ocsp", "-issuer", ca_file, "-cert", str(cert), "-url", sandbox.ca.ocsp_url]
        asked = subprocess.run([*command, "-CAfile", ca_file], capture_output=True, timeout=60)
        assert asked.returncode == 0 and expected in asked.stdout, asked.stdout + asked.stderr
