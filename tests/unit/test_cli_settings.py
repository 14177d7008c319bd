"""Every setting from the CLI: accounts set, users, groups, senders, signature, policy — checked like the form."""

from pathlib import Path

import pytest

from mailkit.model import Account, Auth, Receiving, Sending
from mailkit.workspace import Workspace


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.create(tmp_path / "ws")
    workspace.add(
        Account(
            name="info",
            address="info@firma.test",
            sending=Sending(host="smtp.firma.test", port=587, security="starttls"),
            receiving=Receiving(host="imap.firma.test", port=993, security="tls"),
            auth=Auth(password="env:PW"),
        )
    )
    workspace.save()
    return str(workspace.path)


def test_accounts_set_changes_fields_and_warns_on_a_port_mixup(cli, ws):
    changes = ("sending.port=465", "display_name=Firma GmbH", "dkim_selector=mk2026")
    changes += ("senders.invoice=rechnung@firma.test", "timeouts.connect=5")
    code, out, err = cli("-w", ws, "accounts", "set", "info", *changes)
    assert code == 0, err
    assert "warning: sending.port: smtp port 465 speaks TLS from the first byte" in out
    account = Workspace.open(ws).get("info")
    assert account.sending.port == 465 and account.display_name == "Firma GmbH" and account.dkim_selector == "mk2026"
    assert account.senders == {"invoice": "rechnung@firma.test"} and account.timeouts.connect == 5.0
    assert cli("-w", ws, "accounts", "set", "info", "dkim_selector=")[0] == 0
    assert Workspace.open(ws).get("info").dkim_selector is None


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("sending.port=abc", "sending.port=abc: give a number"),
        ("sending.port=70000", "sending.port: 70000 is out of range 1-65535"),
        ("sending.security=ssl", "sending.security: 'ssl' is not one of"),
        ("sending.hots=x", "unknown field 'hots' (known: method, host, port"),
        ("verify_certificate=perhaps", "give true or false"),
        ("address=not-an-address", "address: 'not-an-address' has no @"),
        ("sending", "write KEY=VALUE"),
    ],
)
def test_accounts_set_refuses_what_the_model_refuses(cli, ws, assignment, message):
    config = Path(ws) / "mailkit.toml"
    before = config.read_text()
    code, _, err = cli("-w", ws, "accounts", "set", "info", assignment)
    assert code == 2 and message in err and "Traceback" not in err
    assert config.read_text() == before


def test_users_groups_senders_signature_and_policy(cli, ws):
    user = ("full_name=Max Muster", "email=mm@firma.test", "groups=vertrieb")
    assert cli("-w", ws, "users", "set", "mm", *user)[0] == 0
    assert cli("-w", ws, "groups", "set", "vertrieb", "senders=vertrieb@firma.test,angebote@firma.test")[0] == 0
    code, _, err = cli("-w", ws, "users", "set", "mm", "email=kaputt")
    assert code == 2 and "users.mm.email" in err
    assert cli("-w", ws, "senders", "info", "quote=angebote@firma.test", "invoice=rechnung@firma.test")[0] == 0
    assert cli("-w", ws, "senders", "info", "invoice=")[0] == 0
    assert cli("-w", ws, "signature", "--text", "Firma GmbH, Köln")[0] == 0
    assert cli("-w", ws, "signature", "--account", "info", "--text", "{MITARBEITER_NAME}")[0] == 0
    assert cli("-w", ws, "policy", "bcc_archive=archiv@firma.test", "clerk_cc=false")[0] == 0
    assert cli("-w", ws, "policy", "bcc_archive=kaputt")[0] == 2
    w = Workspace.open(ws)
    assert w.users["mm"].full_name == "Max Muster" and w.users["mm"].groups == ("vertrieb",)
    assert w.groups["vertrieb"].senders == ("vertrieb@firma.test", "angebote@firma.test")
    assert w.get("info").senders == {"quote": "angebote@firma.test"}
    assert w.company.signature == "Firma GmbH, Köln" and w.get("info").signature == "{MITARBEITER_NAME}"
    assert w.policy.bcc_archive == "archiv@firma.test" and w.policy.clerk_cc is False
    code, out, _ = cli("-w", ws, "users", "list")
    assert code == 0 and "mm" in out and "Max Muster" in out
    assert cli("-w", ws, "users", "remove", "mm")[0] == 0 and "mm" not in Workspace.open(ws).users
    assert cli("-w", ws, "groups", "remove", "nope")[0] == 2
