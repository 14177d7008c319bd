"""S/MIME without servers: MIME shapes, certificate files, the store's choices, signing and encrypting rules."""

import datetime as dt

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from mailkit.errors import ConfigError, PolicyError
from mailkit.journal.parse import parse_message
from mailkit.model import Account, Smime
from mailkit.smime import CertStore, cms, envelope, examine, load_bundle, protect, self_signed
from mailkit.smime.mime import find, split_entity
from mailkit.workspace import Workspace

MAIL = (
    b"From: info@firma.test\r\nTo: kunde@kunde.test\r\nSubject: Rechnung\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n Format=flowed\r\nContent-Transfer-Encoding: quoted-printable\r\n"
    b"\r\nGr=C3=BC=C3=9Fe\r\n"
)


@pytest.fixture(scope="module")
def bundle():
    return self_signed("info@firma.test", "Firma", bits=2048)


@pytest.fixture
def ws(tmp_path, bundle):
    workspace = Workspace.create(tmp_path / "ws")
    CertStore(workspace).import_identity(bundle)
    return workspace


def test_the_content_headers_with_their_continuations_become_the_inner_entity():
    outer, inner = split_entity(MAIL.replace(b"\r\n", b"\n"))
    assert outer.startswith(b"From: ") and b"MIME-Version" in outer and b"Content-" not in outer
    assert inner.startswith(b"Content-Type: text/plain; charset=utf-8\r\n Format=flowed\r\n")
    assert inner.endswith(b"\r\n\r\nGr=C3=BC=C3=9Fe\r\n")


@pytest.mark.parametrize(
    ("content_type", "kind"),
    [
        ('multipart/signed; protocol="application/pkcs7-signature"; boundary="b"', "broken"),
        ("application/pkcs7-mime; smime-type=signed-data", "opaque"),  # its signature check then fails
        ("text/plain", "none"),
    ],
)
def test_malformed_smime_is_found_as_broken_never_raised(content_type, kind):
    raw = f"From: a@b.test\r\nContent-Type: {content_type}\r\n\r\n--b\r\nonly one part\r\n--b--\r\n".encode()
    assert find(raw).kind == kind


def test_pkcs12_with_a_wrong_password_is_a_clear_error(bundle):
    data = pkcs12.serialize_key_and_certificates(
        b"x", bundle.key, bundle.cert, None, serialization.BestAvailableEncryption(b"right")
    )
    with pytest.raises(ConfigError, match="wrong password"):
        load_bundle(data, "x.p12", "wrong")
    assert load_bundle(data, "x.p12", "right").info.fingerprint == bundle.info.fingerprint


def test_a_pem_key_of_another_certificate_is_refused(bundle):
    other = self_signed("other@firma.test", bits=2048)
    key = other.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(ConfigError, match="belongs to the private key"):
        load_bundle(bundle.cert.public_bytes(serialization.Encoding.PEM), "c.pem", key_data=key)


def test_the_key_file_is_private_and_no_repr_shows_it(ws, bundle):
    identity = CertStore(ws).identity("info@firma.test")
    assert identity.key_file.stat().st_mode & 0o777 == 0o600
    assert ws.keys_dir.stat().st_mode & 0o777 == 0o700
    assert "PRIVATE" not in repr(identity) + repr(bundle) + str(identity.to_dict())


def test_signing_needs_an_own_certificate_and_always_names_the_missing_recipients(ws):
    with pytest.raises(PolicyError, match="rechnung@firma.test has no certificate"):
        protect(MAIL, ws, sender="rechnung@firma.test", recipients=["k@kunde.test"], sign=True, encrypt="never")
    with pytest.raises(PolicyError, match="k@kunde.test, l@kunde.test"):
        protect(
            MAIL,
            ws,
            sender="info@firma.test",
            recipients=["k@kunde.test", "l@kunde.test"],
            sign=False,
            encrypt="always",
        )
    data, done = protect(MAIL, ws, sender="info@firma.test", recipients=["k@kunde.test"], sign=False, encrypt="never")
    assert data == MAIL and not done.signed


def test_signed_then_changed_mail_is_invalid_and_a_self_signed_signer_untrusted(ws):
    data, done = protect(MAIL, ws, sender="info@firma.test", recipients=["k@kunde.test"], sign=True, encrypt="never")
    assert done.signed and b"multipart/signed" in data
    assert examine(data, ws, "info", "info@firma.test", harvest=False).status == "untrusted"
    changed = examine(data.replace(b"Gr=C3=BC", b"Gr=C3=B6"), ws, "info", "info@firma.test", harvest=False)
    assert changed.status == "invalid" and "changed" in changed.reason


def test_the_newest_usable_certificate_of_an_address_wins(ws):
    store = CertStore(ws)
    older = self_signed("k@kunde.test", bits=2048, days=30)
    newer = self_signed("k@kunde.test", bits=2048, days=60)
    store.add_person(newer.cert)
    store.add_person(older.cert)
    assert store.recipient_cert("k@kunde.test") == newer.cert
    store.revoke(newer.info.fingerprint)
    assert store.recipient_cert("k@kunde.test") == older.cert
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=45)
    assert store.recipient_cert("k@kunde.test", later) is None  # the older one has expired by then


def test_the_cipher_follows_what_every_recipient_announced(ws):
    """AES-GCM only when each recipient's signed mail announced it (or the certificate is the workspace's own)."""
    store = CertStore(ws)
    modern, legacy = self_signed("k@kunde.test", bits=2048), self_signed("l@kunde.test", bits=2048)
    store.add_person(modern.cert, "harvested", ("aes256_gcm", "aes256_cbc"))
    store.add_person(legacy.cert, "harvested", ("aes256_cbc", "tripledes_3key"))
    _, to_modern = protect(
        MAIL, ws, sender="info@firma.test", recipients=["k@kunde.test"], sign=False, encrypt="always"
    )
    _, to_both = protect(
        MAIL, ws, sender="info@firma.test", recipients=["k@kunde.test", "l@kunde.test"], sign=False, encrypt="always"
    )
    assert (to_modern.cipher, to_both.cipher) == ("aes256_gcm", "aes256_cbc")
    store.add_person(legacy.cert, "harvested", ("aes256_gcm",))  # a later mail: their program was updated
    assert store.reads(legacy.cert, "aes256_gcm")


def test_an_aes_gcm_envelope_decrypts_only_unchanged_and_only_for_its_recipient(bundle):
    sealed = envelope.encrypt(b"Content-Type: text/plain\r\n\r\nGeheim\r\n", [bundle.cert], envelope.GCM)
    assert envelope.cipher_of(sealed) == "aes256_gcm"
    assert envelope.decrypt(sealed, bundle.cert, bundle.key).endswith(b"Geheim\r\n")
    changed = sealed[:-40] + bytes([sealed[-40] ^ 1]) + sealed[-39:]
    with pytest.raises(ValueError, match="GCM tag"):
        envelope.decrypt(changed, bundle.cert, bundle.key)
    other = self_signed("x@firma.test", bits=2048)
    with pytest.raises(envelope.NotForThisKey):
        envelope.decrypt(sealed, other.cert, other.key)


def test_mailkit_signatures_announce_aes_gcm_first(bundle):
    signature = cms.sign(b"x", bundle.cert, bundle.key)
    assert cms.capabilities(signature)[0] == "aes256_gcm" and cms.check_signature(signature, b"x").ok


def test_an_unknown_encrypt_mode_is_a_field_problem():
    account = Account(name="a", address="a@b.test", smime=Smime(encrypt="sometimes"))
    assert [str(p) for p in account.problems()] == [
        "smime.encrypt: 'sometimes' is not one of never, when-possible, always"
    ]


def test_the_panel_imports_a_pkcs12_saves_the_setting_and_shows_the_rows(tmp_path, bundle):
    from mailkit.model import Auth, Sending
    from mailkit.widgets import SmimePanel

    ws = Workspace.create(tmp_path / "panel")
    ws.add(Account(name="info", address="info@firma.test", sending=Sending(host="h.test"), auth=Auth(method="none")))
    panel = SmimePanel(ws, "info")
    assert "No S/MIME certificate yet" in panel.table.value
    data = pkcs12.serialize_key_and_certificates(
        b"x", bundle.key, bundle.cert, None, serialization.BestAvailableEncryption(b"pw")
    )
    panel.import_file(data, "info.p12", "wrong")
    assert "wrong password" in panel.status.value and panel.password.value == ""
    panel.import_file(data, "info.p12", "pw")
    assert "self-signed" in panel.status.value and "S/MIME key" in panel.table.value
    assert "recipients see a warning" in panel.table.value  # the chain row of a self-signed certificate
    panel.sign.value, panel.encrypt.value = True, "always (refuse otherwise)"
    panel.save()
    assert Workspace.open(ws.path).get("info").smime == Smime(sign=True, encrypt="always")


def test_the_parser_flags_every_mail_the_smime_check_looks_at_and_no_plain_one(ws):
    """The sync runs the CMS check only where parse_message says S/MIME: a mail it misses goes unverified."""
    signed, _ = protect(MAIL, ws, sender="info@firma.test", recipients=["k@kunde.test"], sign=True, encrypt="never")
    own = ["info@firma.test"]
    sealed, _ = protect(MAIL, ws, sender="info@firma.test", recipients=own, sign=False, encrypt="always")
    shapes = [signed, sealed, signed.replace(b"\r\n", b"\n")]
    shapes += [
        f"From: a@b.test\r\nContent-Type: {ctype}\r\n\r\n--b\r\nonly one part\r\n--b--\r\n".encode()
        for ctype in (
            'multipart/signed; protocol="application/pkcs7-signature"; boundary="b"',
            'multipart/signed;\r\n protocol="application/x-pkcs7-signature"; boundary="b"',
            "application/pkcs7-mime; smime-type=signed-data",
            "APPLICATION/X-PKCS7-MIME",
            'application/octet-stream; name="smime.p7m"',
        )
    ]
    for raw in shapes:
        assert find(raw).kind != "none"
        assert parse_message(raw).smime, raw[:200]
    mixed = b"From: a@b.test\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n"
    for plain in (MAIL, mixed):
        assert find(plain).kind == "none" and not parse_message(plain).smime
