"""The account form edits what `mailkit accounts set` edits: the same fields, the same messages, in mailkit.toml."""

import dataclasses
import html
import tomllib
import typing

import pytest

from mailkit.i18n import TEXTS
from mailkit.model import Account, Auth, Receiving, Sending, field_type
from mailkit.widgets import AccountForm
from mailkit.workspace import Workspace


def leaf_fields(cls: type = Account, prefix: str = "") -> list[str]:
    """Every dotted name `accounts set` takes below ``cls`` (a table of texts counted once, as NAME.*)."""
    names = []
    for f in dataclasses.fields(cls):
        hint = field_type(cls, [f.name])
        inner = [a for a in typing.get_args(hint) if a is not type(None)] or [hint]
        if dataclasses.is_dataclass(inner[0]):
            names += leaf_fields(inner[0], f"{prefix}{f.name}.")
        elif typing.get_origin(hint) is dict:
            names.append(f"{prefix}{f.name}.*")
        else:
            names.append(f"{prefix}{f.name}")
    return names


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
            senders={"invoice": "rechnung@firma.test", "packing_list": "lager@firma.test"},
        )
    )
    workspace.save()
    return workspace


def saved(ws: Workspace) -> dict:
    return tomllib.loads(ws.config_file.read_text())["accounts"]["info"]


def feedback(form: AccountForm, name: str) -> str:
    return html.unescape(form.feedback[name].value)


def test_the_form_has_a_field_for_every_field_accounts_set_takes(ws):
    form = AccountForm(ws, ws.get("info"))
    shown = {("password" if n == "auth.password" else n) for n in leaf_fields()} - {"name"}
    missing = {n for n in shown if not n.endswith(".*") and n not in form.fields}
    assert missing == set(), f"accounts set can change these, the form cannot: {sorted(missing)}"
    assert any(n.startswith("senders.") for n in form.fields)
    assert all(form.fields[n].description and not form.fields[n].description.startswith("form.") for n in form.fields)


def test_fields_set_in_the_form_are_saved_to_mailkit_toml_and_read_back(ws):
    form = AccountForm(ws, ws.get("info"))
    values = {
        "display_name": "Firma GmbH Buchhaltung",
        "dkim_selector": "mk2026",
        "signature": "Mit freundlichen Grüßen\n{MITARBEITER_NAME}",
        "signature_html": "<p>Mit freundlichen Grüßen</p>",
        "senders.dunning": "mahnung@firma.test",
        "sending.username": "smtp-user",
        "receiving.after_import": "move:Erledigt",
        "receiving.since": "2026-01-31",
        "receiving.poll_interval": 2.5,
        "receiving.retention_days": 365,
        "receiving.tickets": True,
        "receiving.tickets.queue": "Support",
        "receiving.tickets.prefix": "T",
        "receiving.autoresponder": True,
        "timeouts.connect": 4.0,
        "smime.sign": True,
        "smime.encrypt": "when-possible",
    }
    for name, value in values.items():
        form.fields[name].value = value
    assert "ready to save" in form.status.value, form.status.value
    assert form.save() is not None
    toml = saved(ws)
    assert toml["display_name"] == "Firma GmbH Buchhaltung" and toml["dkim_selector"] == "mk2026"
    assert toml["signature"].startswith("Mit freundlichen Grüßen\n") and toml["signature_html"].startswith("<p>")
    # the form's sender and one of a document type it has no field for, kept
    assert toml["senders"] == {
        "invoice": "rechnung@firma.test",
        "packing_list": "lager@firma.test",
        "dunning": "mahnung@firma.test",
    }
    assert toml["sending"]["username"] == "smtp-user"
    receiving = toml["receiving"]
    assert (receiving["after_import"], receiving["since"]) == ("move:Erledigt", "2026-01-31")
    assert (receiving["poll_interval"], receiving["retention_days"]) == (2.5, 365)
    assert receiving["tickets"]["queue"] == "Support" and receiving["tickets"]["prefix"] == "T"
    assert receiving["autoresponder"]["timezone"] == "Europe/Berlin"  # switched on with the model's defaults
    assert "documents" not in receiving  # left off
    assert toml["timeouts"]["connect"] == 4.0 and toml["smime"] == {"sign": True, "encrypt": "when-possible"}
    # opened again, the form shows what was saved; switched off, a table is gone from the file
    again = AccountForm(ws, Workspace.open(ws.path).get("info"))
    assert {name: again.fields[name].value for name in values} == values
    again.fields["receiving.tickets"].value = False
    again.fields["dkim_selector"].value = ""
    again.fields["smime.sign"].value, again.fields["smime.encrypt"].value = False, "never"
    assert again.save() is not None
    toml = saved(ws)
    assert "tickets" not in toml["receiving"] and "dkim_selector" not in toml and "smime" not in toml


@pytest.mark.parametrize(
    ("name", "value", "assignment"),
    [
        ("receiving.since", "2026-13-01", "receiving.since=2026-13-01"),
        ("receiving.after_import", "archive", "receiving.after_import=archive"),
        ("senders.invoice", "rechnung(at)firma.test", "senders.invoice=rechnung(at)firma.test"),
        ("sending.password", "geheim", "sending.password=geheim"),
        ("timeouts.command", -1.0, "timeouts.command=-1"),
    ],
)
def test_the_form_and_accounts_set_refuse_a_value_with_the_same_message(cli, ws, name, value, assignment):
    form = AccountForm(ws, ws.get("info"))
    form.fields[name].value = value
    shown = feedback(form, name)
    assert shown and "need attention" in form.status.value
    code, _, err = cli("-w", str(ws.path), "accounts", "set", "info", assignment)
    assert code == 2
    message = shown.split(">", 1)[1].split("<", 1)[0]  # the text inside the span
    assert f"{name}: {message}" in err.replace("\n  - ", " ").replace("\n", " ")


def test_the_form_shows_the_models_warnings_as_accounts_set_does(cli, ws):
    form = AccountForm(ws, ws.get("info"))
    form.fields["sending.port"].value = 465  # still STARTTLS
    assert "speaks TLS from the first byte" in feedback(form, "sending.port")
    assert "ready to save" in form.status.value  # a warning, not a refusal
    code, out, _ = cli("-w", str(ws.path), "accounts", "set", "info", "sending.port=465")
    assert code == 0 and feedback(form, "sending.port").split(">", 1)[1].split("<")[0] in out


def test_an_account_without_a_sending_side_is_edited_and_saved_without_one(ws):
    ws.add(Account(name="archiv", address="archiv@firma.test", receiving=Receiving(host="imap.firma.test"),
                   auth=Auth(password="env:PW")), replace=True)  # fmt: skip
    ws.save()
    form = AccountForm(ws, ws.get("archiv"))
    assert form.fields["sending.method"].value == "none"
    form.fields["receiving.retention_days"].value = 30
    assert form.save() is not None
    toml = tomllib.loads(ws.config_file.read_text())["accounts"]["archiv"]
    assert "sending" not in toml and toml["receiving"]["retention_days"] == 30


def test_placeholders_in_words_follow_the_language_and_examples_stay(tmp_path):
    """The German form had English hints under German labels ("(empty: all mail)", "(the account's)")."""
    form = AccountForm(Workspace.create(tmp_path / "ws"), lang="de")
    worded = {n: w for n, w in form.fields.items() if f"placeholder.{n}" in TEXTS or n.startswith("senders.")}
    assert {"receiving.since", "dkim_selector", "sending.password", "senders.invoice"} <= set(worded)
    for name, widget in worded.items():
        key = "placeholder.sender" if name.startswith("senders.") else f"placeholder.{name}"
        assert widget.placeholder == TEXTS[key][0], name
    assert form.fields["receiving.host"].placeholder == "imap.firma.de"  # an example, the same in both
    form.set_lang("en")
    assert form.fields["receiving.since"].placeholder == "2026-01-31 (empty: all mail)"
    assert form.fields["senders.invoice"].placeholder == "(the account's address)"
