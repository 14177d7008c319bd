"""DKIM without servers: keys on disk, record formats and splitting, verdicts, signing, suggestions."""

import base64
import logging
import os
import stat

import dkim as dkimpy
import pytest

from mailkit.dkim import (
    DkimKey,
    DkimRecord,
    dkim_record,
    generate_key,
    judge_record,
    key_path,
    load_key,
    rotate_key,
    sending_hosts,
    sign_message,
    split_txt,
    suggest_dmarc,
    suggest_spf,
)
from mailkit.errors import ComposeError, ConfigError, SecretError
from mailkit.workspace import Workspace

MAIL = (
    b"From: Info <info@firma.test>\r\nTo: kunde@kunde.test\r\nSubject: Rechnung 2026-0001\r\n"
    b"Date: Mon, 23 Nov 2026 10:00:00 +0100\r\nMessage-ID: <r1@firma.test>\r\nX-Mailer: mailkit\r\n\r\n"
    b"Sehr geehrte Damen und Herren,\r\nanbei die Rechnung.\r\n"
)


@pytest.fixture
def ws(tmp_path):
    return Workspace.create(tmp_path)


def pem_text(key: DkimKey) -> str:
    return key.path.read_text()


def published(key: DkimKey, **options) -> list[str]:
    return [key.record(**options).value]


def dnsfunc_for(*keys: DkimKey):
    records = {f"{k.record_name}.".encode(): k.record().value.encode() for k in keys}
    return lambda name, timeout=5: records.get(name if name.endswith(b".") else name + b".")


@pytest.mark.parametrize(("algorithm", "bits"), [("rsa", 2048), ("rsa", 3072), ("ed25519", 256)])
def test_generated_key_file_is_private_and_the_key_shows_only_its_public_half(ws, algorithm, bits, caplog):
    caplog.set_level(logging.DEBUG)
    key = generate_key(ws, "firma.test", "mk2026", algorithm=algorithm, bits=bits)
    signed = sign_message(MAIL, ws, domain="firma.test", selector="mk2026")  # dkimpy logs at DEBUG while signing
    assert key.path == ws.keys_dir / "firma.test" / "mk2026.pem" == key_path(ws, "Firma.Test.", "MK2026")
    assert stat.S_IMODE(os.stat(key.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(ws.keys_dir).st_mode) == 0o700
    assert (key.algorithm, key.bits) == (algorithm, bits)
    assert "PRIVATE KEY" in pem_text(key)
    secret_lines = pem_text(key).splitlines()[-4:-1]  # primes and CRT values (Ed25519: the seed's line)
    for shown in (repr(key), str(key.to_dict()), key.record().zone_line(), caplog.text, signed.decode()):
        assert not any(line in shown for line in secret_lines if len(line) > 8)
    assert load_key(ws, "firma.test", "mk2026") == key.__class__(**{**key.__dict__, "notes": ()})


def test_rsa_1024_only_with_a_warning_and_odd_sizes_are_refused(ws):
    with pytest.warns(UserWarning, match="1024 bits is weak"):
        key = generate_key(ws, "firma.test", "alt", bits=1024)
    assert key.bits == 1024 and "weak" in key.notes[0]
    with pytest.raises(ConfigError, match="2048"):
        generate_key(ws, "firma.test", "odd", bits=1536)
    with pytest.raises(ConfigError, match="rsa or ed25519"):
        generate_key(ws, "firma.test", "odd", algorithm="dsa")
    with pytest.raises(ConfigError, match="not a valid DNS name"):
        generate_key(ws, "firma.test", "bad selector")
    with pytest.raises(ConfigError, match="not a valid DNS name"):
        generate_key(ws, "localhost", "s1")


def test_an_existing_key_is_not_replaced_silently(ws):
    first = generate_key(ws, "firma.test", "s1", algorithm="ed25519")
    with pytest.raises(ConfigError, match="exists already.*rotation"):
        generate_key(ws, "firma.test", "s1", algorithm="ed25519")
    assert load_key(ws, "firma.test", "s1").public == first.public


def test_a_key_readable_by_others_or_missing_is_a_clear_error(ws):
    key = generate_key(ws, "firma.test", "s1", algorithm="ed25519")
    os.chmod(key.path, 0o644)
    with pytest.raises(SecretError, match="chmod 600"):
        load_key(ws, "firma.test", "s1")
    with pytest.raises(ConfigError, match="mailkit dkim generate --domain firma.test --selector nope"):
        load_key(ws, "firma.test", "nope")


def test_record_value_options_and_255_byte_strings(ws):
    key = generate_key(ws, "firma.test", "mk2026", bits=4096)
    plain = key.record()
    assert plain.name == "mk2026._domainkey.firma.test"
    assert plain.value == f"v=DKIM1; k=rsa; p={key.public}"
    assert len(plain.strings) == 3 and all(len(s.encode()) <= 255 for s in plain.strings)
    assert "".join(plain.strings) == plain.value
    line = plain.zone_line()
    assert line.startswith('mk2026._domainkey.firma.test. IN TXT ( "v=DKIM1; k=rsa; p=')
    assert line.count('"') == 6 and line.endswith('" )')
    panel = plain.panel_text("firma.test")
    assert "Name:  mk2026._domainkey\n" in panel and f"Value: {plain.value}" in panel
    options = dkim_record(key, testing=True, hashes=["sha256"], services=["email"]).value
    assert options.startswith("v=DKIM1; k=rsa; h=sha256; s=email; t=y; p=")


def test_split_txt_counts_bytes():
    assert split_txt("") == [""]
    assert [len(s) for s in split_txt("a" * 510)] == [255, 255]
    assert DkimRecord("x.firma.test", "v=spf1 -all").strings == ["v=spf1 -all"]


def test_verdicts_for_each_kind_of_published_record(ws):
    key = generate_key(ws, "firma.test", "s1")
    other = generate_key(ws, "firma.test", "s2")
    name = key.record_name
    assert judge_record(name, published(key), key).status == "matches"
    assert judge_record(name, published(key), key).ok
    assert judge_record(name, ["v=spf1 -all"], key).status == "missing"
    assert judge_record(name, [], key).status == "missing"
    different = judge_record(name, published(other), key)
    assert (different.status, different.level) == (
        "different key",
        "fail",
    ) and "mailkit dkim record" in different.remedy
    testing = judge_record(name, published(key, testing=True), key)
    assert (testing.status, testing.level) == ("testing", "warn")
    assert judge_record(name, ["v=DKIM1; k=rsa; p="], key).status == "revoked"
    assert judge_record(name, ["v=DKIM1; k=rsa; p=bm90IGEga2V5"], key).status == "syntax error"
    assert judge_record(name, ["k=rsa; v=DKIM1; p=" + key.public], key).status == "syntax error"
    assert judge_record(name, ["v=DKIM1; k=dsa; p=" + key.public], key).status == "syntax error"
    assert judge_record(name, published(key) * 2, key).status == "syntax error"
    # split into strings and joined back by the resolver, with blanks inside p=: still the same key
    spaced = "v=DKIM1; k=rsa; p=" + " ".join(key.public[i : i + 60] for i in range(0, len(key.public), 60))
    assert judge_record(name, [spaced], key).status == "matches"
    ed = generate_key(ws, "firma.test", "ed", algorithm="ed25519")
    assert judge_record(name, published(ed), key).status == "different key"
    assert judge_record(ed.record_name, published(ed), ed).status == "matches"


def test_a_key_under_1024_bits_is_too_short():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    small = rsa.RSAPublicNumbers(65537, (1 << 511) + 0xFFF1).public_key()  # 512 bits (cryptography makes no such)
    der = small.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    short = judge_record("s._domainkey.firma.test", ["v=DKIM1; p=" + base64.b64encode(der).decode()], None)
    assert (short.status, short.level) == ("too short", "fail")


def test_weak_1024_key_matches_with_a_warning(ws):
    with pytest.warns(UserWarning):
        key = generate_key(ws, "firma.test", "old", bits=1024)
    verdict = judge_record(key.record_name, published(key), key)
    assert (verdict.status, verdict.level) == ("matches", "warn") and "weak" in verdict.message


@pytest.mark.parametrize("algorithm", ["rsa", "ed25519"])
def test_signed_message_verifies_and_a_changed_body_does_not(ws, algorithm):
    key = generate_key(ws, "firma.test", "s1", algorithm=algorithm)
    signed = sign_message(MAIL, ws, domain="firma.test", selector="s1")
    assert signed.endswith(MAIL) and signed.startswith(b"DKIM-Signature: ")
    signature = signed[: -len(MAIL)].decode()
    assert "c=relaxed/relaxed" in signature and f"a={algorithm}-sha256" in signature
    assert "h=from : to : subject : date : message-id" in signature.replace("\r\n ", " ")
    assert "x-mailer" not in signature.lower()
    dnsfunc = dnsfunc_for(key)
    assert dkimpy.verify(signed, dnsfunc=dnsfunc)
    assert not dkimpy.verify(signed.replace(b"anbei die Rechnung", b"anbei die Mahnung"), dnsfunc=dnsfunc)
    assert not dkimpy.verify(signed.replace(b"Rechnung 2026-0001", b"Rechnung 2026-0002"), dnsfunc=dnsfunc)
    # relaxed canonicalisation: a relay refolding the header or trailing blank lines do not matter
    assert dkimpy.verify(signed.replace(b"Subject: Rechnung", b"Subject:   Rechnung") + b"\r\n", dnsfunc=dnsfunc)


def test_signing_needs_a_from_header_and_keeps_lf_line_ends(ws):
    generate_key(ws, "firma.test", "s1", algorithm="ed25519")
    with pytest.raises(ComposeError, match="From"):
        sign_message(b"To: a@b.test\r\n\r\nbody\r\n", ws, domain="firma.test", selector="s1")
    lf_mail = MAIL.replace(b"\r\n", b"\n")
    signed = sign_message(lf_mail, ws, domain="firma.test", selector="s1")
    assert b"\r" not in signed


def test_rotation_generates_the_next_selector_and_lists_the_steps(ws):
    import datetime as dt

    old = generate_key(ws, "firma.test", "mk2025")
    rotation = rotate_key(ws, "firma.test", "mk2025", today=dt.date(2026, 11, 23))
    assert rotation.new.selector == "mk202611" and rotation.new.algorithm == "rsa" and rotation.new.bits == 2048
    assert rotation.old == load_key(ws, "firma.test", "mk2025") and rotation.old.public == old.public
    assert rotation.new.public != old.public
    text = "\n".join(rotation.steps)
    assert text.index("Publish the new record mk202611") < text.index("remove mk2025._domainkey.firma.test")
    with pytest.raises(ConfigError, match="must differ"):
        rotate_key(ws, "firma.test", "mk2025", "mk2025")
    with pytest.warns(UserWarning):
        generate_key(ws, "firma.test", "weak", bits=1024)
    assert rotate_key(ws, "firma.test", "weak", "strong").new.bits == 2048  # a weak key is renewed at 2048


def test_verifying_garbage_is_a_failed_verification_not_a_crash(ws):
    from mailkit.dkim import verify_message

    result = verify_message(b"vm\nnot a mail\n", ws)
    assert not result.ok and "not a mail message" in result.reason


def test_spf_and_dmarc_suggestions(ws):
    from mailkit.model import Account, Auth, Receiving, Sending

    ws.add(
        Account(
            name="info",
            address="info@firma.test",
            sending=Sending(host="smtp.provider.test", port=587, security="starttls"),
            receiving=Receiving(protocol="imap", host="imap.provider.test", port=993, security="tls"),
            auth=Auth(method="password", password="env:X"),
        )
    )
    hosts = sending_hosts(ws, "firma.test")
    assert hosts == ["smtp.provider.test"] and sending_hosts(ws, "other.test") == []
    spf = suggest_spf("firma.test", [*hosts, "2001:db8::1", "localhost"], includes=["_spf.erp.test"])
    assert spf.record.name == "firma.test"
    assert spf.record.value == "v=spf1 mx a:smtp.provider.test ip6:2001:db8::1 ip4:127.0.0.1 include:_spf.erp.test ~all"
    assert any("-all" in n for n in spf.notes)
    assert suggest_spf("firma.test", [], include_mx=False, strict=True).record.value == "v=spf1 -all"
    many = suggest_spf("firma.test", [f"192.0.2.{i}" for i in range(40)])
    assert len(many.record.strings) == 3 and "".join(many.record.strings) == many.record.value
    dmarc = suggest_dmarc("firma.test", policy="quarantine", report_to="reports@firma.test", alignment="s", percent=50)
    assert dmarc.record.name == "_dmarc.firma.test"
    assert dmarc.record.value == "v=DMARC1; p=quarantine; rua=mailto:reports@firma.test; adkim=s; aspf=s; pct=50"
    with pytest.raises(ConfigError, match="none, quarantine or reject"):
        suggest_dmarc("firma.test", policy="block")
