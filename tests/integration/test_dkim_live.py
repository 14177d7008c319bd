"""DKIM against the sandbox: records published in its DNS, checks, signing and verifying, OpenDKIM agreeing."""

import dataclasses
import itertools
import json
import os
import subprocess
import sys

import pytest
from opendkim import opendkim_verifier

from mailkit.dkim import check_published, generate_key, sign_message, verify_message
from mailkit.journal import Journal
from mailkit.net.connect import imap_login
from mailkit.sandbox.dns import publish
from mailkit.send import DocumentMail, send_mail

DOMAIN = "mailkit.test"
MAIL = (
    b"From: Info <info@mailkit.test>\r\nTo: einkauf@kunde.test\r\nSubject: Rechnung 2026-0001\r\n"
    b"Date: Mon, 23 Nov 2026 10:00:00 +0100\r\nMessage-ID: <r1@mailkit.test>\r\n\r\n"
    b"Sehr geehrte Damen und Herren,\r\nanbei die Rechnung.\r\n"
)
_selectors = itertools.count(1)
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="opendkim's resolver is redirected with unshare -m: root")


def selector(prefix: str = "t") -> str:
    return f"{prefix}{next(_selectors)}"


def mailkit_cli(workspace, *args) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "mailkit", "-w", str(workspace.path), *args]
    return subprocess.run(command, capture_output=True, timeout=60)


@pytest.mark.parametrize("algorithm", ["rsa", "ed25519"])
def test_published_record_is_checked_against_the_key(sandbox, algorithm):
    ws, name = sandbox.workspace, selector()
    key = generate_key(ws, DOMAIN, name, algorithm=algorithm)
    assert check_published(ws, DOMAIN, name).status == "missing"
    sandbox.zone.set(key.record_name, "TXT", key.record().value)
    assert check_published(ws, DOMAIN, name).status == "matches"
    other = generate_key(ws, DOMAIN, selector(), algorithm=algorithm)
    sandbox.zone.set(key.record_name, "TXT", other.record().value)
    assert check_published(ws, DOMAIN, name).status == "different key"
    sandbox.zone.set(key.record_name, "TXT", key.record(testing=True).value)
    assert check_published(ws, DOMAIN, name).status == "testing"
    sandbox.zone.set(key.record_name, "TXT", f"v=DKIM1; k={algorithm}; p=")
    assert check_published(ws, DOMAIN, name).status == "revoked"


def test_a_4096_bit_record_travels_in_several_strings(sandbox):
    ws, name = sandbox.workspace, selector()
    key = generate_key(ws, DOMAIN, name, bits=4096)
    sandbox.zone.set(key.record_name, "TXT", key.record().value)
    verdict = check_published(ws, DOMAIN, name)
    assert verdict.status == "matches" and verdict.published == key.record().value
    signed = sign_message(MAIL, ws, DOMAIN, name)
    assert verify_message(signed, ws).ok


@pytest.mark.parametrize("algorithm", ["rsa", "ed25519"])
def test_signed_message_verifies_through_the_sandbox_dns_and_a_change_fails(sandbox, algorithm):
    ws, name = sandbox.workspace, selector()
    key = generate_key(ws, DOMAIN, name, algorithm=algorithm)
    signed = sign_message(MAIL, ws, DOMAIN, name)
    unpublished = verify_message(signed, ws)
    assert not unpublished.ok and f"no DKIM key is published at {key.record_name}" in unpublished.reason
    sandbox.zone.set(key.record_name, "TXT", key.record().value)
    result = verify_message(signed, ws)
    assert result.ok and (result.domain, result.selector) == (DOMAIN, name)
    assert result.algorithm == f"{algorithm}-sha256" and "subject" in result.headers
    changed = verify_message(signed.replace(b"anbei die Rechnung", b"anbei die Mahnung"), ws)
    assert not changed.ok and "body was changed" in changed.reason and changed.selector == name
    header_changed = verify_message(signed.replace(b"Rechnung 2026-0001", b"Rechnung 2026-0002"), ws)
    assert not header_changed.ok and "does not match" in header_changed.reason
    assert not verify_message(MAIL, ws).ok


@needs_root
@pytest.mark.parametrize("algorithm", ["rsa", "ed25519"])
def test_opendkim_verifies_what_mailkit_signed(sandbox, tmp_path, algorithm):
    ws, name = sandbox.workspace, selector()
    key = generate_key(ws, DOMAIN, name, algorithm=algorithm)
    signed = sign_message(MAIL, ws, DOMAIN, name)
    with opendkim_verifier(sandbox.ports["dns"], tmp_path) as verify:
        missing = verify(signed)  # not yet published: opendkim finds no key
        assert not missing.ok and missing.returncode != 0
        sandbox.zone.set(key.record_name, "TXT", key.record().value)
        passed = verify(signed)
        assert passed.ok, passed.message
        assert any(name.encode() in q and b"_domainkey" in q for q in passed.queries)  # it asked the sandbox
        broken = verify(signed.replace(b"anbei die Rechnung", b"anbei die Mahnung"))
        assert not broken.ok and "bad signature" in broken.message.lower()


def test_overlay_publishing_reaches_the_running_dns_and_the_cli(sandbox):
    """What a notebook or shell beside `mailkit sandbox start` uses: no in-process Zone object needed."""
    ws, name = sandbox.workspace, selector("cli")
    made = mailkit_cli(ws, "dkim", "generate", "--domain", DOMAIN, "--selector", name, "--algorithm", "ed25519")
    assert made.returncode == 0, made.stderr
    out = made.stdout.decode()
    key_file = ws.keys_dir / DOMAIN / f"{name}.pem"
    assert f"{name}._domainkey.{DOMAIN}. IN TXT" in out and str(key_file) in out
    assert key_file.read_text().splitlines()[1] not in out
    record = json.loads(mailkit_cli(ws, "dkim", "record", "--domain", DOMAIN, "--selector", name, "--json").stdout)[
        "data"
    ]
    check = mailkit_cli(ws, "dkim", "check", "--domain", DOMAIN, "--selector", name, "--json")
    assert check.returncode == 1 and json.loads(check.stdout)["data"]["status"] == "missing"

    published = mailkit_cli(ws, "sandbox", "publish", "--dir", str(ws.path), record["name"], "TXT", record["value"])
    assert published.returncode == 0, published.stderr
    check = mailkit_cli(ws, "dkim", "check", "--domain", DOMAIN, "--selector", name, "--json")
    assert check.returncode == 0 and json.loads(check.stdout)["data"]["status"] == "matches"

    message = ws.path / f"{name}.eml"
    message.write_bytes(MAIL)
    signed_file = ws.path / f"{name}-signed.eml"
    signed = mailkit_cli(ws, "dkim", "sign", str(message), "--selector", name, "-o", str(signed_file))
    assert signed.returncode == 0, signed.stderr
    assert mailkit_cli(ws, "dkim", "verify", str(signed_file)).returncode == 0
    signed_file.write_bytes(signed_file.read_bytes().replace(b"Rechnung.", b"Mahnung."))
    failed = mailkit_cli(ws, "dkim", "verify", str(signed_file), "--json")
    assert failed.returncode == 1 and json.loads(failed.stdout)["data"]["ok"] is False

    publish(ws.path, record["name"], "TXT")  # removed again: the built-in zone answers, which has no such name
    assert check_published(ws, DOMAIN, name).status == "missing"


def test_publishing_outside_a_sandbox_says_to_use_the_hosting_panel(tmp_path):
    from mailkit.errors import SandboxError

    with pytest.raises(SandboxError, match="hosting panel"):
        publish(tmp_path, "s._domainkey.firma.test", "TXT", "v=DKIM1; p=")


@pytest.fixture
def signing_world(fresh_sandbox):
    ws = fresh_sandbox.workspace
    key = generate_key(ws, DOMAIN, "mk2026")
    fresh_sandbox.zone.set(key.record_name, "TXT", key.record().value)
    ws.update(dataclasses.replace(ws.get("info"), dkim_selector="mk2026"))
    ws.save()
    with Journal(ws.journal_file) as journal:
        yield fresh_sandbox, ws, journal


@needs_root
def test_mail_sent_by_an_account_with_a_selector_arrives_signed_and_verifies(signing_world, tmp_path):
    sandbox, ws, journal = signing_world
    mail = DocumentMail(
        document_type="invoice",
        to=["Einkauf Kunde AG <einkauf@kunde.test>"],
        subject="Rechnung 2026-0815 – Zahnräder",
        text="Sehr geehrte Damen und Herren,\n\nanbei unsere Rechnung. Grüße aus Köln.\n",
        html="<p>Sehr geehrte Damen und Herren,</p><p>anbei unsere Rechnung.</p>",
        record_number="2026-0815",
    )
    outcome = send_mail(ws.get("info"), ws, journal, mail)
    assert outcome.status == "sent"
    with imap_login(ws.get("einkauf"), ws) as client:
        client.select_folder("INBOX", readonly=True)
        uids = client.search("ALL")
        arrived = [d[b"BODY[]"] for d in client.fetch(uids, ["BODY.PEEK[]"]).values()]
    assert len(arrived) == 1 and b"DKIM-Signature:" in arrived[0]
    result = verify_message(arrived[0], ws)
    assert result.ok and (result.domain, result.selector) == (DOMAIN, "mk2026"), result.reason
    with opendkim_verifier(sandbox.ports["dns"], tmp_path) as verify:
        independent = verify(arrived[0])
        assert independent.ok, independent.message
        assert not verify(arrived[0].replace(b"Rechnung 2026-0815", b"Rechnung 2026-0816")).ok


def test_wizard_publishes_into_the_sandbox_and_its_check_says_matches(sandbox):
    from mailkit.widgets import DkimWizard

    ws, name = sandbox.workspace, selector("wiz")
    wizard = DkimWizard(ws, DOMAIN, name, publish=lambda record: publish(ws.path, record.name, "TXT", record.value))
    wizard.generate_button.click()
    wizard.check_button.click()
    assert wizard.last_verdict.status == "missing" and "no DKIM record" in wizard.verdict.value
    wizard.publish_button.click()
    wizard.check_button.click()
    assert wizard.last_verdict.status == "matches" and "#1b5e20" in wizard.verdict.value
    wizard.testing.value = True
    wizard.publish_button.click()
    wizard.check_button.click()
    assert wizard.last_verdict.status == "testing"
    publish(ws.path, wizard.record.name, "TXT")


def test_cli_sign_takes_the_selector_of_the_accounts_sending_as_the_domain(signing_world):
    sandbox, ws, _ = signing_world
    message = ws.path / "mail.eml"
    message.write_bytes(MAIL)
    signed = mailkit_cli(ws, "dkim", "sign", str(message))
    assert signed.returncode == 0, signed.stderr
    assert b"s=mk2026;" in signed.stdout.replace(b"\r\n ", b" ") and signed.stdout.endswith(MAIL)
    result = verify_message(signed.stdout, ws)
    assert result.ok and result.selector == "mk2026"
    unknown = mailkit_cli(ws, "dkim", "sign", str(message), "--domain", "kunde.test")
    assert unknown.returncode == 2 and b"name the selector" in unknown.stderr
