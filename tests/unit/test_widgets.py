"""The widgets, headless: set values, click, and check state and the library's effects."""

import os

import ipywidgets

from mailkit.widgets import AccountForm
from mailkit.workspace import Workspace


def fill(form: AccountForm, **values) -> None:
    for name, value in values.items():
        form.fields[name.replace("__", ".")].value = value


def test_problems_show_at_their_fields_as_the_user_types(tmp_path):
    form = AccountForm(Workspace.create(tmp_path))
    fill(
        form,
        name="info",
        address="info(at)firma.test",
        sending__host="smtp.firma.test",
        receiving__host="imap.firma.test",
    )
    assert "has no @" in form.feedback["address"].value
    assert "required" in form.feedback["password"].value
    assert "need attention" in form.status.value
    fill(form, address="info@firma.test", password="Geheim-123", sending__port=70000)
    assert form.feedback["address"].value == ""
    assert "out of range" in form.feedback["sending.port"].value
    fill(form, sending__port=0, sending__security="tls")
    assert "default: 465" in form.feedback["sending.port"].value
    assert "ready to save" in form.status.value


def test_save_stores_the_password_in_the_secret_store_and_clears_the_field(tmp_path):
    ws = Workspace.create(tmp_path)
    form = AccountForm(ws)
    fill(
        form,
        name="info",
        address="info@firma.test",
        sending__host="smtp.firma.test",
        receiving__host="imap.firma.test",
        password="Geheim-123",
        senders__invoice="rechnung@firma.test",
    )
    form.save_button.click()
    assert form.fields["password"].value == ""
    assert "saved account 'info'" in form.status.value.replace("&#x27;", "'")
    saved = Workspace.open(tmp_path).get("info")
    assert saved.auth.password == "workspace:info.password" and saved.sender_for("invoice") == "rechnung@firma.test"
    assert ws.secrets.get("info.password").reveal() == "Geheim-123"
    assert "Geheim-123" not in ws.config_file.read_text()
    assert oct(os.stat(ws.secrets.path).st_mode & 0o777) == "0o600"
    # reopened, the form knows the account but never shows the password
    again = AccountForm(ws, saved)
    assert again.fields["password"].value == "" and again.fields["sending.host"].value == "smtp.firma.test"
    assert "ready to save" in again.status.value


def test_an_invalid_form_is_not_saved(tmp_path):
    ws = Workspace.create(tmp_path)
    form = AccountForm(ws)
    fill(form, name="x", address="x@firma.test")
    form.save_button.click()
    assert "not saved" in form.status.value and ws.accounts == {}


def test_test_connection_needs_a_saved_account(tmp_path):
    form = AccountForm(Workspace.create(tmp_path), tester=lambda account: None)
    fill(form, name="neu")
    form.test_button.click()
    assert "save the account first" in form.status.value


def test_export_shows_kivitendo_sections_without_the_password(tmp_path):
    ws = Workspace.create(tmp_path)
    form = AccountForm(ws)
    form.export_button.click()
    assert "save the account first" in form.status.value
    fill(
        form,
        name="info",
        address="info@firma.test",
        sending__host="smtp.firma.test",
        receiving__host="imap.firma.test",
        receiving__sent_export=True,
        password="Geheim-123",
    )
    form.save_button.click()
    form.export_button.click()
    text = form.kivitendo.value
    assert form.kivitendo.layout.display is None  # shown once there is something to copy
    assert "[mail_delivery]\nmethod = smtp\nhost = smtp.firma.test\nsecurity = tls\nport = 587\n" in text
    assert "[sent_emails_in_imap]\nenabled = 1\nhostname = imap.firma.test\nssl = 1\n" in text
    assert "Geheim-123" not in text and "workspace:info.password" in text


def test_busy_disables_the_button_and_says_what_failed_in_words():
    from mailkit.errors import ConnectError
    from mailkit.widgets._controls import busy, button

    control, status = button("Test connection"), ipywidgets.HTML()
    with busy(control, status, "testing …", "connection test failed"):
        assert control.disabled and "testing" in status.value and "spin" in control.icon
        raise ConnectError("imap.firma.de:993: connection refused")
    assert not control.disabled and control.icon == ""
    assert "connection test failed: imap.firma.de:993: connection refused" in status.value
    with busy(control, status, "testing …", "connection test failed"):
        raise KeyError("bug")
    assert "unexpected KeyError" in status.value and "<details>" in status.value  # the traceback folded away
    assert control.layout.width == "max-content"  # the label is never cut
