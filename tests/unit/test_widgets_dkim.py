"""The DKIM wizard, headless: fill in, click, and check what it shows and what it wrote."""

import os
import stat

from mailkit.dkim import load_key
from mailkit.widgets import DkimWizard
from mailkit.workspace import Workspace


def test_generate_writes_a_private_key_and_shows_only_the_record(tmp_path):
    ws = Workspace.create(tmp_path)
    wizard = DkimWizard(ws)
    wizard.domain.value, wizard.selector.value = "firma.test", "mk2026"
    assert wizard.check_button.disabled
    wizard.generate_button.click()
    key = load_key(ws, "firma.test", "mk2026")
    assert wizard.key == key and key.algorithm == "rsa" and key.bits == 2048
    assert stat.S_IMODE(os.stat(key.path).st_mode) == 0o600
    assert wizard.zone_line.value.startswith('mk2026._domainkey.firma.test. IN TXT ( "v=DKIM1; k=rsa; p=')
    assert "Name:  mk2026._domainkey\nType:  TXT\nValue: v=DKIM1; k=rsa; p=" + key.public in wizard.panel_text.value
    assert "written to" in wizard.status.value and not wizard.check_button.disabled
    # the PEM's last lines hold the primes and CRT values (its first ones the public modulus)
    private_lines = key.path.read_text().splitlines()[-4:-1]
    shown = " ".join(c.value for c in (wizard.zone_line, wizard.panel_text, wizard.status)) + repr(wizard.key)
    assert not any(line in shown for line in private_lines)
    wizard.testing.value = True
    assert "t=y; p=" in wizard.zone_line.value


def test_existing_key_is_reused_and_changing_the_selector_forgets_it(tmp_path):
    ws = Workspace.create(tmp_path)
    wizard = DkimWizard(ws, "firma.test", "ed1")
    wizard.key_type.value = "Ed25519 (RFC 8463, beside an RSA selector)"
    wizard.generate_button.click()
    first = wizard.key
    assert first.algorithm == "ed25519" and "k=ed25519" in wizard.zone_line.value
    wizard.selector.value = "ed2"
    assert wizard.key is None and wizard.zone_line.value == "" and wizard.check_button.disabled
    wizard.selector.value = "ed1"
    wizard.generate_button.click()
    assert wizard.key.public == first.public and "exists" in wizard.status.value


def test_bad_input_and_the_weak_key_are_said_at_the_status(tmp_path):
    wizard = DkimWizard(Workspace.create(tmp_path), "firma.test", "bad selector")
    wizard.generate_button.click()
    assert wizard.key is None and "not a valid DNS name" in wizard.status.value
    wizard.selector.value = "old"
    wizard.key_type.value = "RSA 1024 (weak: only for panels that cannot take more)"
    wizard.generate_button.click()
    assert wizard.key.bits == 1024 and "weak" in wizard.status.value


def test_publish_button_only_with_a_publisher(tmp_path):
    ws = Workspace.create(tmp_path)
    assert DkimWizard(ws).publish_button not in DkimWizard(ws).children[2].children
    published = []
    wizard = DkimWizard(ws, "firma.test", "p1", publish=published.append)
    wizard.generate_button.click()
    wizard.publish_button.click()
    assert published == [wizard.record] and "published p1._domainkey.firma.test" in wizard.status.value
