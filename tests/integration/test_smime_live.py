"""S/MIME against the sandbox: signed and encrypted mail through SMTP and IMAP, checked by mailkit and by
``openssl cms`` both ways, certificates harvested by the sync, and every bad signature a journal state."""

import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from mailkit.cli import main
from mailkit.diagnose import diagnose
from mailkit.dkim import generate_key, verify_message
from mailkit.errors import PolicyError
from mailkit.journal import Journal
from mailkit.model import Smime
from mailkit.net.connect import imap_login
from mailkit.sandbox import Sandbox
from mailkit.sandbox.ca import SandboxCA
from mailkit.send import DocumentMail, send_mail
from mailkit.send.compose import compose
from mailkit.smime import Bundle, CertStore, decrypt_message, examine, fingerprint, load_certificates, protect
from mailkit.smime.checks import smime_rows
from mailkit.sync import import_imap
from mailkit.workspace import JournalSettings, Workspace

pytestmark = pytest.mark.skipif(not Path("/usr/bin/openssl").exists(), reason="needs Debian's openssl CLI")
PEM = serialization.Encoding.PEM


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with Sandbox(demo_mail=0, smime=True) as sandbox:
        partner = sandbox.add_user("lieferant@kunde.test")  # a mailbox whose key the workspace does not hold
        yield sandbox, partner


def openssl(*args, data: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["openssl", "cms", *args], input=data, capture_output=True, timeout=60)


def write_bundle(bundle, folder: Path, name: str) -> tuple[Path, Path]:
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    cert.write_bytes(bundle.cert.public_bytes(PEM))
    key.write_bytes(bundle.key.private_bytes(PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return cert, key


def fetch(sandbox, account: str, folder: str = "INBOX") -> list[bytes]:
    ws = sandbox.workspace
    with imap_login(ws.get(account), ws) as client:
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        return [d[b"BODY[]"] for d in client.fetch(uids, ["BODY.PEEK[]"]).values()] if uids else []


def mail(to: str, subject: str) -> DocumentMail:
    return DocumentMail(
        document_type="invoice",
        to=[to],
        subject=subject,
        text="Sehr geehrte Damen und Herren,\n\nanbei die Rechnung. Grüße aus Köln.\n",
        html="<p>anbei die Rechnung.</p>",
        record_number=subject,
    )


def synced(sandbox, account: str) -> dict[str, tuple[str, dict]]:
    """Sync the account and return subject -> (smime_status, detail) from the journal (a mail sent from this
    workspace is there already, checked when it was sent)."""
    ws = sandbox.workspace
    with Journal(ws.journal_file) as journal:
        import_imap(ws.get(account), ws, journal)
        rows = journal.db.execute("SELECT subject, smime_status, smime_detail FROM messages")
        return {subject: (status, json.loads(detail or "{}")) for subject, status, detail in rows}


def test_signed_mail_with_dkim_arrives_and_verifies_in_mailkit_and_openssl(world, tmp_path):
    sandbox, _ = world
    ws = sandbox.workspace
    key = generate_key(ws, "mailkit.test", "smime1")
    sandbox.zone.set(key.record_name, "TXT", key.record().value)
    ws.update(dataclasses.replace(ws.get("info"), smime=Smime(sign=True), dkim_selector="smime1"))
    with Journal(ws.journal_file) as journal:
        outcome = send_mail(ws.get("info"), ws, journal, mail("einkauf@kunde.test", "Signiert 1"))
        sent = journal.send_row(outcome.send_id)
    assert outcome.smime_signed and sent["smime_signed"] == 1 and sent["smime_encrypted_for"] is None
    (arrived,) = [m for m in fetch(sandbox, "einkauf") if b"Signiert 1" in m]
    assert b"multipart/signed" in arrived and b"micalg=sha-256" in arrived
    dkim = verify_message(arrived, ws)
    assert dkim.ok, dkim.reason  # DKIM on top of S/MIME still holds
    assert examine(arrived, ws, "einkauf", "info@mailkit.test").status == "valid"
    message = tmp_path / "signed.eml"
    message.write_bytes(arrived)
    checked = openssl("-verify", "-in", str(message), "-CAfile", str(sandbox.ca.cert_file), "-purpose", "smimesign")
    assert checked.returncode == 0, checked.stderr
    assert b"Sehr geehrte Damen und Herren" in checked.stdout
    status, detail = synced(sandbox, "einkauf")["Signiert 1"]
    assert status == "valid" and detail["signer"] == "info@mailkit.test"


def test_encrypted_mail_is_decrypted_by_openssl_and_mailkit_and_the_sent_copy_stays_readable(world, tmp_path):
    """Between this workspace's own certificates (mailkit reads AES-GCM) the envelope is AuthEnvelopedData."""
    sandbox, _ = world
    ws = sandbox.workspace
    account = dataclasses.replace(ws.get("info"), smime=Smime(sign=True, encrypt="when-possible"), dkim_selector=None)
    with Journal(ws.journal_file) as journal:
        outcome = send_mail(account, ws, journal, mail("vertrieb@mailkit.test", "Geheim 1"))
        sent = journal.send_row(outcome.send_id)
    assert json.loads(sent["smime_encrypted_for"]) == ["vertrieb@mailkit.test", "info@mailkit.test"]
    assert outcome.smime_cipher == "aes256_gcm"
    (arrived,) = [m for m in fetch(sandbox, "vertrieb") if b"Geheim 1" in m]
    assert b"application/pkcs7-mime; smime-type=authEnveloped-data" in arrived and b"Rechnung. Gr" not in arrived
    store = CertStore(ws)
    folder = store.root / "own" / "vertrieb@mailkit.test"
    message = tmp_path / "encrypted.eml"
    message.write_bytes(arrived)
    plain = openssl(
        "-decrypt", "-in", str(message), "-recip", str(folder / "cert.pem"), "-inkey", str(folder / "key.pem")
    )
    assert plain.returncode == 0, plain.stderr
    assert b"multipart/signed" in plain.stdout  # signed, then encrypted
    decrypted = decrypt_message(arrived, ws)
    assert b"Subject: Geheim 1" in decrypted and b"multipart/signed" in decrypted
    result = examine(arrived, ws, "vertrieb", "info@mailkit.test")
    assert (result.status, result.encrypted, result.decrypted, result.cipher) == ("valid", True, True, "aes256_gcm")
    changed = bytearray(arrived)  # one base64 letter of the sealed content changed: the GCM tag no longer matches
    spot = next(i for i in range(len(changed) - 200, 0, -1) if chr(changed[i]).isalpha())
    changed[spot] = ord("A") if changed[spot] != ord("A") else ord("B")
    broken = examine(bytes(changed), ws, "vertrieb", "info@mailkit.test")
    assert (broken.status, broken.decrypted) == ("none", False) and "cannot be decrypted" in broken.reason
    (copy,) = [m for m in fetch(sandbox, "info", "Sent") if b"Geheim 1" in m]
    own = store.root / "own" / "info@mailkit.test"
    message.write_bytes(copy)
    assert (
        openssl(
            "-decrypt", "-in", str(message), "-recip", str(own / "cert.pem"), "-inkey", str(own / "key.pem")
        ).returncode
        == 0
    )
    status, detail = synced(sandbox, "vertrieb")["Geheim 1"]
    assert status == "valid" and detail["encrypted"] and detail["decrypted"]


def test_always_refuses_an_unknown_recipient_and_when_possible_sends_in_clear(world):
    sandbox, partner = world
    ws = sandbox.workspace
    fresh = "neu@kunde.test"  # nobody has ever sent a signed mail from here
    always = dataclasses.replace(ws.get("info"), smime=Smime(encrypt="always"), dkim_selector=None)
    with Journal(ws.journal_file) as journal:
        before = journal.count("sends")
        with pytest.raises(PolicyError, match=fresh):
            send_mail(always, ws, journal, DocumentMail("letter", [fresh, "vertrieb@mailkit.test"], "x", "y"))
        assert journal.count("sends") == before  # refused before anything was recorded or sent
        relaxed = dataclasses.replace(always, smime=Smime(encrypt="when-possible"))
        outcome = send_mail(relaxed, ws, journal, mail(partner.address, "Klar 1"))
    assert outcome.smime_encrypted_for == () and any(partner.address in n for n in outcome.notes)


def test_openssl_signed_mail_is_verified_harvested_and_then_used_to_encrypt(world, tmp_path):
    sandbox, partner = world
    ws = sandbox.workspace
    bundle = sandbox.issue_smime(partner.address)
    cert, key = write_bundle(bundle, tmp_path, "partner")
    body = tmp_path / "body.txt"
    body.write_bytes(
        b"Content-Type: text/plain; charset=utf-8\n\nAngebot anbei, bitte verschl\xc3\xbcsselt antworten.\n"
    )
    for subject, extra in (("Von OpenSSL detached", []), ("Von OpenSSL opaque", ["-nodetach"])):
        signed = openssl(
            "-sign",
            "-in",
            str(body),
            "-signer",
            str(cert),
            "-inkey",
            str(key),
            *extra,
            "-from",
            partner.address,
            "-to",
            "info@mailkit.test",
            "-subject",
            subject,
        )
        assert signed.returncode == 0, signed.stderr
        sandbox.deliver(signed.stdout, ["info@mailkit.test"], partner.address)
    for subject, cipher in (("Von OpenSSL verschluesselt", "-aes256"), ("Von OpenSSL GCM", "-aes-256-gcm")):
        encrypted = openssl(
            "-encrypt",
            cipher,
            "-in",
            str(body),
            "-from",
            partner.address,
            "-to",
            "info@mailkit.test",
            "-subject",
            subject,
            str(CertStore(ws).root / "own/info@mailkit.test/cert.pem"),
        )
        assert encrypted.returncode == 0, encrypted.stderr
        sandbox.deliver(encrypted.stdout, ["info@mailkit.test"], partner.address)
    statuses = synced(sandbox, "info")
    assert statuses["Von OpenSSL detached"][0] == "valid", statuses["Von OpenSSL detached"]
    assert statuses["Von OpenSSL opaque"][0] == "valid", statuses["Von OpenSSL opaque"]
    _, detail = statuses["Von OpenSSL verschluesselt"]
    assert detail["decrypted"] and not detail["signed"] and detail["cipher"] == "aes256_cbc"
    _, detail = statuses["Von OpenSSL GCM"]  # AuthEnvelopedData (RFC 5083), as openssl cms -aes-256-gcm makes it
    assert detail["decrypted"] and detail["cipher"] == "aes256_gcm", detail
    assert any(p.info.addresses == (partner.address,) and p.source == "harvested" for p in CertStore(ws).people())
    always = dataclasses.replace(ws.get("info"), smime=Smime(sign=True, encrypt="always"), dkim_selector=None)
    with Journal(ws.journal_file) as journal:
        outcome = send_mail(always, ws, journal, mail(partner.address, "Antwort verschluesselt"))
    assert partner.address in outcome.smime_encrypted_for
    assert outcome.smime_cipher == "aes256_cbc"  # openssl's signature announces AES-CBC only
    (arrived,) = [m for m in fetch(sandbox, partner.account) if b"Antwort verschl" in m]
    message = tmp_path / "reply.eml"
    message.write_bytes(arrived)
    plain = openssl("-decrypt", "-in", str(message), "-recip", str(cert), "-inkey", str(key))
    assert plain.returncode == 0 and b"multipart/signed" in plain.stdout, plain.stderr


def test_a_correspondent_announcing_aes_gcm_gets_authenveloped_data_that_openssl_decrypts(world, tmp_path):
    """Their signed mail (made by mailkit in their own workspace) announces AES-GCM; the sync keeps that with
    their certificate, and the reply is AuthEnvelopedData, which openssl decrypts with their key."""
    sandbox, _ = world
    ws = sandbox.workspace
    theirs = Workspace.create(tmp_path / "their-workspace")
    bundle = sandbox.issue_smime("gcm-partner@kunde.test")
    CertStore(theirs).import_identity(bundle)
    composed = compose(
        DocumentMail("letter", ["info@mailkit.test"], "Mit GCM-Faehigkeit", "Bitte verschluesselt antworten."),
        sender="gcm-partner@kunde.test",
        sender_name="Partner",
    )
    signed, _ = protect(
        composed.data, theirs, sender="gcm-partner@kunde.test", recipients=[], sign=True, encrypt="never"
    )
    sandbox.deliver(signed, ["info@mailkit.test"], "gcm-partner@kunde.test")
    assert synced(sandbox, "info")["Mit GCM-Faehigkeit"][0] == "valid"
    (person,) = [p for p in CertStore(ws).people() if p.info.addresses == ("gcm-partner@kunde.test",)]
    assert person.capabilities[0] == "aes256_gcm" and "aes256_cbc" in person.capabilities
    listed = [e for e in json.loads(mailkit_cli(ws, "smime", "list", "--json").stdout)["data"] if e["kind"] == "person"]
    assert any("aes256_gcm" in e["capabilities"] for e in listed)
    data, protection = protect(
        compose(mail("gcm-partner@kunde.test", "GCM Antwort"), sender="info@mailkit.test").data,
        ws,
        sender="info@mailkit.test",
        recipients=["gcm-partner@kunde.test"],
        sign=True,
        encrypt="always",
    )
    assert protection.cipher == "aes256_gcm" and b"smime-type=authEnveloped-data" in data
    cert, key = write_bundle(bundle, tmp_path, "gcm-partner")
    message = tmp_path / "gcm.eml"
    message.write_bytes(data)
    plain = openssl("-decrypt", "-in", str(message), "-recip", str(cert), "-inkey", str(key))
    assert plain.returncode == 0 and b"multipart/signed" in plain.stdout, plain.stderr
    assert examine(data, theirs, "x", "info@mailkit.test", harvest=False).cipher == "aes256_gcm"


def test_ec_certificates_are_encrypted_to_and_decrypted_by_ecdh_both_ways_with_openssl(world, tmp_path):
    """RFC 5753 key agreement: mailkit encrypts to a correspondent's EC certificate (openssl decrypts), and
    decrypts what openssl encrypted to an own EC certificate, in AES-CBC and AES-GCM."""
    sandbox, _ = world
    ws = sandbox.workspace
    store = CertStore(ws)
    theirs_key = ec.generate_private_key(ec.SECP256R1())
    theirs = Bundle(sandbox.ca.issue_email("ec-partner@kunde.test", theirs_key.public_key()), (), theirs_key)
    store.add_person(theirs.cert, "imported")
    raw = compose(mail("ec-partner@kunde.test", "An EC"), sender="info@mailkit.test").data
    data, protection = protect(
        raw, ws, sender="info@mailkit.test", recipients=["ec-partner@kunde.test"], sign=True, encrypt="always"
    )
    assert protection.cipher == "aes256_cbc" and "ec-partner@kunde.test" in protection.encrypted_for
    cert, key = write_bundle(theirs, tmp_path, "ec-partner")
    message = tmp_path / "to-ec.eml"
    message.write_bytes(data)
    plain = openssl("-decrypt", "-in", str(message), "-recip", str(cert), "-inkey", str(key))
    assert plain.returncode == 0 and b"multipart/signed" in plain.stdout, plain.stderr
    own_key = ec.generate_private_key(ec.SECP384R1())
    own = store.import_identity(Bundle(sandbox.ca.issue_email("ec@mailkit.test", own_key.public_key()), (), own_key))
    body = tmp_path / "body.txt"
    body.write_bytes(b"Content-Type: text/plain\n\nAn einen EC-Schluessel.\n")
    for cipher, name in (("-aes256", "aes256_cbc"), ("-aes-256-gcm", "aes256_gcm")):
        made = openssl("-encrypt", cipher, "-in", str(body), "-subject", "EC", str(own.key_file.with_name("cert.pem")))
        assert made.returncode == 0, made.stderr
        result = examine(made.stdout, ws, "info", None, harvest=False)
        assert (result.decrypted, result.cipher) == (True, name), result
    assert b"An einen EC-Schluessel." in decrypt_message(made.stdout, ws)
    store.forget_identity("ec@mailkit.test")


def test_tampered_wrong_signer_expired_untrusted_and_undecryptable_are_journal_states(world, tmp_path):
    sandbox, partner = world
    ws = sandbox.workspace
    now = dt.datetime.now(dt.UTC)
    good = write_bundle(sandbox.issue_smime(partner.address), tmp_path, "good")
    expired = write_bundle(
        sandbox.issue_smime(
            partner.address, valid_from=now - dt.timedelta(days=400), valid_until=now - dt.timedelta(days=3)
        ),
        tmp_path,
        "expired",
    )
    stranger = SandboxCA(tmp_path / "stranger")  # a second authority nobody trusts
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    untrusted = write_bundle(Bundle(stranger.issue_email(partner.address, key.public_key()), (), key), tmp_path, "x")
    body = tmp_path / "body.txt"
    body.write_bytes(b"Content-Type: text/plain\n\nZahlbar bis 31.12.\n")

    def signed(subject, pair, sender=partner.address):
        made = openssl(
            "-sign",
            "-in",
            str(body),
            "-signer",
            str(pair[0]),
            "-inkey",
            str(pair[1]),
            "-from",
            sender,
            "-to",
            "info@mailkit.test",
            "-subject",
            subject,
        )
        assert made.returncode == 0, made.stderr
        return made.stdout

    mails = {
        "Manipuliert": signed("Manipuliert", good).replace(b"31.12.", b"31.01."),
        "Falscher Absender": signed("Falscher Absender", good, sender="einkauf@kunde.test"),
        "Abgelaufen": signed("Abgelaufen", expired),
        "Fremde CA": signed("Fremde CA", untrusted),
        "Kaputt": b"From: x@kunde.test\r\nSubject: Kaputt\r\nContent-Type: application/pkcs7-mime; smime-type="
        b"signed-data\r\nContent-Transfer-Encoding: base64\r\n\r\nTUlJRm5vdA==\r\n",
    }
    own_cert = str(CertStore(ws).root / "own/info@mailkit.test/cert.pem")
    for subject, cipher in (("3DES", "-des3"), ("AES-128", "-aes128"), ("AES-128-GCM", "-aes-128-gcm")):
        made = openssl("-encrypt", cipher, "-in", str(body), "-subject", subject, "-from", partner.address, own_cert)
        assert made.returncode == 0, made.stderr
        mails[subject] = made.stdout
    for raw in mails.values():
        sandbox.deliver(raw, ["info@mailkit.test"], partner.address)
    statuses = synced(sandbox, "info")
    assert statuses["Manipuliert"][0] == "invalid" and "changed" in statuses["Manipuliert"][1]["reason"]
    assert statuses["Falscher Absender"][0] == "invalid"
    assert "From address is einkauf@kunde.test" in statuses["Falscher Absender"][1]["reason"]
    assert statuses["Abgelaufen"][0] == "expired"
    assert statuses["Fremde CA"][0] == "untrusted"
    assert statuses["Kaputt"][0] == "invalid"
    for subject, cipher in (("3DES", "tripledes_3key"), ("AES-128", "aes128_cbc"), ("AES-128-GCM", "aes128_gcm")):
        status, detail = statuses[subject]  # older and other ciphers of incoming mail: read, unsigned
        assert (status, detail["decrypted"], detail["cipher"]) == ("none", True, cipher), detail
    with Journal(ws.journal_file) as journal:
        assert journal.quarantined("info") == []  # every one of them is in the journal


def mailkit_cli(ws, *args, env=None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "mailkit", "-w", str(ws.path), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})})


@pytest.fixture
def cli(capsys):
    """``mailkit`` in this process (a subprocess per call would cost seconds): (exit code, stdout, stderr)."""

    def run(ws, *args):
        code = main(["-w", str(ws.path), *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_cli_imports_pkcs12_trusts_lists_shows_exports_and_forgets(world, tmp_path, cli, monkeypatch):
    sandbox, partner = world
    ws = sandbox.workspace
    bundle = sandbox.issue_smime("buchhaltung@mailkit.test")
    p12 = tmp_path / "buchhaltung.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"bh", bundle.key, bundle.cert, None, serialization.BestAvailableEncryption(b"richtig")
        )
    )
    importing = ("smime", "import", str(p12), "--account", "buchhaltung", "--password-env", "P")
    wrong = mailkit_cli(ws, *importing, env={"P": "falsch"})  # as a user meets it: exit code, one line
    assert wrong.returncode == 2 and "wrong password" in wrong.stderr and "Traceback" not in wrong.stderr
    assert len(wrong.stderr.strip().splitlines()) == 1
    monkeypatch.setenv("P", "richtig")
    code, out, err = cli(ws, *importing, "--json")
    assert code == 0, err
    identity = json.loads(out)["data"]
    assert identity["address"] == "buchhaltung@mailkit.test" and "PRIVATE" not in out
    assert os.stat(identity["key_file"]).st_mode & 0o777 == 0o600
    code, out, _ = cli(ws, "smime", "trust", str(sandbox.ca.cert_file), "--account", "buchhaltung", "--json")
    assert code == 0 and json.loads(out)["data"][0]["subject"].endswith("O=mailkit sandbox")
    listed = json.loads(cli(ws, "smime", "list", "--json")[1])["data"]
    assert {"own", "anchor", "person"} <= {e["kind"] for e in listed}
    shown = json.loads(cli(ws, "smime", "show", "buchhaltung@mailkit.test", "--json")[1])["data"]
    assert shown[0]["fingerprint"] == identity["fingerprint"]
    exported = tmp_path / "export.pem"
    assert cli(ws, "smime", "export", "buchhaltung@mailkit.test", "-o", str(exported))[0] == 0
    assert b"BEGIN CERTIFICATE" in exported.read_bytes() and b"PRIVATE" not in exported.read_bytes()
    cert_file = tmp_path / "partner.pem"
    cert_file.write_bytes(sandbox.issue_smime("kunde2@kunde.test").cert.public_bytes(PEM))
    imported = json.loads(cli(ws, "smime", "import", str(cert_file), "--json")[1])["data"]
    assert imported[0]["source"] == "imported" and imported[0]["new"]
    assert CertStore(ws).recipient_cert("kunde2@kunde.test") is not None
    assert cli(ws, "smime", "forget", imported[0]["fingerprint"][:16], "--revoked")[0] == 0
    assert CertStore(ws).recipient_cert("kunde2@kunde.test") is None  # revoked: kept, never used
    assert any(p.revoked for p in CertStore(ws).people())
    code, out, _ = cli(ws, "smime", "selfsign", "--account", partner.account)
    assert code == 0 and "self-signed" in out and "Warning: " in out
    assert CertStore(ws).identity(partner.address).info.self_signed


def test_diagnose_rows_cover_chain_expiry_and_address(world):
    sandbox, _ = world
    ws = sandbox.workspace
    rows = {r.check: r for r in diagnose(ws.get("vertrieb"), ws).rows if r.check.startswith("S/MIME")}
    assert {name: r.status for name, r in rows.items()} == {
        "S/MIME certificate": "ok",
        "S/MIME key": "ok",
        "S/MIME chain": "ok",
        "S/MIME revocation": "ok",
        "S/MIME expiry": "ok",
        "S/MIME address": "ok",
    }
    store, now = CertStore(ws), dt.datetime.now(dt.UTC)
    soon = sandbox.issue_smime("vertrieb@mailkit.test", valid_until=now + dt.timedelta(days=10))
    store.import_identity(soon)
    store.untrust("vertrieb", fingerprint(load_certificates(sandbox.ca.cert_file.read_bytes(), "ca")[0]))
    account = dataclasses.replace(
        ws.get("vertrieb"), smime=Smime(sign=True), senders={"invoice": "rechnung@mailkit.test"}
    )
    rows = {(r[0], r[1]): r for r in smime_rows(account, ws)}
    assert rows[("S/MIME expiry", "vertrieb@mailkit.test")][2] == "warn"
    assert rows[("S/MIME chain", "vertrieb@mailkit.test")][2] == "fail"  # its CA no longer trusted
    assert rows[("S/MIME certificate", "rechnung@mailkit.test")][2] == "fail"  # signing on, no certificate
    unused = {(r[0], r[1]): r for r in smime_rows(dataclasses.replace(account, smime=None), ws)}
    assert unused[("S/MIME chain", "vertrieb@mailkit.test")][2] == "warn"  # not signing: a warning, not a failure
    store.trust("vertrieb", load_certificates(sandbox.ca.cert_file.read_bytes(), "ca"))


def test_smime_verify_and_decrypt_read_rows_of_the_workspaces_journal_url(world, journal_where, cli):
    """`smime verify|decrypt --row` open the journal `[journal] url` names, SQLite or PostgreSQL."""
    sandbox, _ = world
    ws = sandbox.workspace
    saved = ws.journal
    ws.journal = JournalSettings(url=str(journal_where))
    ws.save()
    try:
        account = dataclasses.replace(ws.get("info"), smime=Smime(sign=True, encrypt="always"), dkim_selector=None)
        with ws.open_journal() as journal:
            send_mail(account, ws, journal, mail("vertrieb@mailkit.test", "Journal URL"))
            import_imap(ws.get("vertrieb"), ws, journal)
            (row,) = journal.db.execute(
                "SELECT max(id) FROM messages WHERE account = ? AND subject = ?", ("vertrieb", "Journal URL")
            ).fetchone()
        code, out, err = cli(ws, "smime", "verify", "--row", str(row), "--no-harvest", "--json")
        assert code == 0, err
        verified = json.loads(out)["data"]
        assert (verified["status"], verified["decrypted"]) == ("valid", True)
        code, out, err = cli(ws, "smime", "decrypt", "--row", str(row), "--json")
        assert code == 0 and json.loads(out)["data"]["subject"] == "Journal URL", err
        code, _, err = cli(ws, "smime", "verify", "--row", "999999")
        assert code != 0 and "no raw message 999999" in err
    finally:
        ws.journal = saved
        ws.save()
