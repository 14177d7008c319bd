import os

import pytest

from mailkit.errors import ConfigError, WorkspaceError
from mailkit.model import Account, Auth, OAuth2, Receiving, Sending
from mailkit.workspace import DNSSettings, Workspace


def sample_accounts() -> list[Account]:
    return [
        Account(
            name="info",
            address="info@example.test",
            display_name="Müller & Söhne GmbH",
            sending=Sending(host="smtp.example.test", port=2525, security="tls"),
            receiving=Receiving(host="imap.example.test", sent_export=True, sent_folder="Sent/Kivitendo"),
            auth=Auth(password="workspace:info.password"),
            senders={"invoice": "rechnung@example.test", "quote": "angebote@example.test"},
        ),
        Account(
            name="office365",
            address="buero@example.test",
            sending=Sending(method="sendmail", sendmail_command="/usr/sbin/sendmail -t -i -f buero@example.test"),
            receiving=Receiving(protocol="pop3", host="pop.example.test", security="starttls"),
            auth=Auth(method="oauth2", oauth2=OAuth2(provider="microsoft", client_id="abc", scopes=("x", "y"))),
            verify_certificate=False,
        ),
    ]


def test_create_writes_config_and_gitignore(tmp_path):
    ws = Workspace.create(tmp_path / "ws")
    assert ws.config_file.exists()
    ignored = (tmp_path / "ws" / ".gitignore").read_text().splitlines()
    assert {"secrets.toml", "keys/", "journal.sqlite*"} <= set(ignored)
    assert Workspace.create(tmp_path / "ws").accounts == {}
    with pytest.raises(WorkspaceError, match="a workspace exists here already"):
        Workspace.create(tmp_path / "ws", exist_ok=False)


def test_round_trip_is_exact(tmp_path):
    ws = Workspace.create(tmp_path)
    for account in sample_accounts():
        ws.add(account)
    ws.dns = DNSSettings(nameservers=["127.0.0.1"], port=5353, timeout=2.0)
    ws.save()
    first = ws.config_file.read_text()
    again = Workspace.open(tmp_path)
    assert again.accounts == ws.accounts and again.dns == ws.dns
    again.save()
    assert ws.config_file.read_text() == first


def test_add_update_remove(tmp_path):
    ws = Workspace.create(tmp_path)
    info = sample_accounts()[0]
    ws.add(info)
    with pytest.raises(ConfigError, match="exists already"):
        ws.add(info)
    ws.update(Account(**{**info.__dict__, "display_name": "Neu"}))
    assert ws.get("info").display_name == "Neu"
    ws.remove("info")
    with pytest.raises(ConfigError, match="no account 'info'.*accounts: none yet"):
        ws.get("info")
    with pytest.raises(ConfigError, match="sending.host"):
        ws.add(Account(name="x", address="x@example.test", sending=Sending(host="")))


def test_no_secret_lands_in_mailkit_toml(tmp_path):
    ws = Workspace.create(tmp_path)
    reference = ws.secrets.set("info.password", "Pa55-in-secrets-file")
    ws.add(
        Account(
            name="info",
            address="info@example.test",
            sending=Sending(host="h.example.test"),
            auth=Auth(password=reference),
        )
    )
    ws.save()
    assert "Pa55-in-secrets-file" not in ws.config_file.read_text()
    assert "Pa55-in-secrets-file" not in repr(ws)
    assert os.stat(ws.secrets.path).st_mode & 0o777 == 0o600
    assert ws.password_for(ws.get("info"), "sending").reveal() == "Pa55-in-secrets-file"


def test_hand_edit_mistakes_name_file_line_and_field(tmp_path):
    ws = Workspace.create(tmp_path)
    ws.add(sample_accounts()[0])
    ws.save()
    text = ws.config_file.read_text()
    text = text.replace("port = 2525", "port = 99999").replace('security = "tls"', 'security = "ssl"', 1)
    text = text.replace('protocol = "imap"', 'protocol = "imap"\nfolder = "INBOX"')
    ws.config_file.write_text(text)
    lines = text.splitlines()
    with pytest.raises(WorkspaceError) as caught:
        Workspace.open(tmp_path)
    err = caught.value
    assert err.path == str(ws.config_file)
    by_field = {p.field.split(" (line")[0]: p for p in err.problems}
    assert set(by_field) == {
        "accounts.info.sending.port",
        "accounts.info.sending.security",
        "accounts.info.receiving.folder",
    }
    for field, key in (
        ("sending.port", "port = 99999"),
        ("sending.security", 'security = "ssl"'),
        ("receiving.folder", 'folder = "INBOX"'),
    ):
        line = lines.index(key) + 1
        assert f"(line {line})" in by_field[f"accounts.info.{field}"].field
    assert err.line == min(lines.index(k) + 1 for k in ("port = 99999", 'security = "ssl"', 'folder = "INBOX"'))
    assert str(err).startswith(f"{ws.config_file}, line {err.line}: 3 problem(s):")


def test_toml_syntax_error_names_the_line(tmp_path):
    (tmp_path / "mailkit.toml").write_text('version = 1\n\n[accounts.info]\naddress = "info@example.test\n')
    with pytest.raises(WorkspaceError) as caught:
        Workspace.open(tmp_path)
    assert caught.value.line == 4
    assert "not valid TOML" in str(caught.value)


def test_unknown_sections_and_versions_are_reported(tmp_path):
    (tmp_path / "mailkit.toml").write_text('version = 7\n[smtp]\nhost = "x"\n')
    with pytest.raises(WorkspaceError) as caught:
        Workspace.open(tmp_path)
    assert [p.field.split(" ")[0] for p in caught.value.problems] == ["version", "smtp"]


def test_missing_workspace_says_how_to_make_one(tmp_path):
    with pytest.raises(WorkspaceError, match="mailkit init"):
        Workspace.open(tmp_path / "nowhere")
