"""The account form's OAuth2 path, headless: provider presets shown, fields saved as the model's OAuth2."""

from mailkit.widgets import AccountForm
from mailkit.workspace import Workspace


def fill(form: AccountForm, **values) -> None:
    for name, value in values.items():
        form.fields[name.replace("__", ".")].value = value


def test_oauth2_fields_show_the_provider_preset_and_save(tmp_path):
    ws = Workspace.create(tmp_path)
    form = AccountForm(ws)
    fill(
        form,
        name="rechnung",
        address="rechnung@firma.test",
        sending__host="smtp.office365.com",
        receiving__host="outlook.office365.com",
        auth__method="oauth2",
        auth__oauth2__provider="microsoft",
        auth__oauth2__tenant="firma.onmicrosoft.com",
    )
    assert "must not be empty" in form.feedback["auth.oauth2.client_id"].value
    assert "IMAP.AccessAsUser.All" in form.feedback["auth.oauth2.scopes"].value  # no secret: a user signs in
    assert "login.microsoftonline.com" in form.feedback["auth.oauth2.authority_url"].value
    fill(form, auth__oauth2__client_id="0000-app", auth__oauth2__client_secret="env:REVPLUS_SECRET")
    assert "client credentials: https://outlook.office365.com/.default" in form.feedback["auth.oauth2.scopes"].value
    fill(form, auth__oauth2__provider="google")
    assert "https://mail.google.com/" in form.feedback["auth.oauth2.scopes"].value
    fill(form, auth__oauth2__provider="microsoft", auth__oauth2__client_secret="hunter2")
    assert "not a secret reference" in form.feedback["auth.oauth2.client_secret"].value
    fill(form, auth__oauth2__client_secret="env:REVPLUS_SECRET", auth__oauth2__scopes="a/.default b")
    assert "ready to save" in form.status.value
    saved = form.save()
    oauth2 = Workspace.open(tmp_path).get("rechnung").auth.oauth2
    assert saved is not None and oauth2.client_secret == "env:REVPLUS_SECRET" and oauth2.scopes == ("a/.default", "b")
    assert oauth2.tenant == "firma.onmicrosoft.com" and oauth2.client_id == "0000-app"
    again = AccountForm(ws, Workspace.open(tmp_path).get("rechnung"))
    assert again.fields["auth.oauth2.scopes"].value == "a/.default b"
