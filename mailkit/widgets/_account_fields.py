"""The account form's fields: the model's dotted names by tab, and the widget each one gets.

The names are those of ``mailkit accounts set`` and ``accounts show``; the widget follows the model's
type for the field (a checkbox for true/false, a number field for numbers, a choice for a fixed set).
"""

from __future__ import annotations

__all__ = ["DEFAULTS", "SWITCHES", "TABS", "TEXTAREAS", "field_widget", "model_value", "put"]

import dataclasses

import ipywidgets as w

from ..i18n import TEXTS, text
from ..model import (
    DOCUMENT_TARGETS,
    SECURITIES,
    SMIME_ENCRYPT,
    Account,
    Auth,
    Autoresponder,
    Documents,
    OAuth2,
    Receiving,
    Sending,
    Smime,
    Tickets,
    field_type,
)
from ._controls import checkbox

_DOC_TYPES = ("quote", "order", "delivery_note", "invoice", "credit_note", "dunning", "receipt", "letter")
_STYLE = {"description_width": "16em"}
_LAYOUT = w.Layout(width="42em")
_AFTER_IMPORT = ("keep", "seen", "delete", "move:Archive")
# switches for the optional tables below the receiving side: on means the table is saved
SWITCHES = ("receiving.autoresponder", "receiving.tickets", "receiving.documents")
# every field of the form in the tabs' order, by the model's dotted names (those of `mailkit accounts set`);
# "password" is the typed password, which goes to the secret store, the account keeping its reference
TABS: dict[str, list[str]] = {
    "identity": ["name", "address", "display_name", "description", "owner"],
    "sending": [
        "sending.method",
        "sending.host",
        "sending.port",
        "sending.security",
        "sending.authenticate",
        "sending.username",
        "sending.password",
        "sending.sendmail_command",
    ],
    "receiving": [
        "receiving.protocol",
        "receiving.host",
        "receiving.port",
        "receiving.security",
        "receiving.base_folder",
        "receiving.sent_export",
        "receiving.sent_folder",
        "receiving.username",
        "receiving.password",
    ],
    "intake": [
        "receiving.after_import",
        "receiving.since",
        "receiving.poll_interval",
        "receiving.retention_days",
        "receiving.tickets",
        "receiving.tickets.queue",
        "receiving.tickets.project",
        "receiving.tickets.prefix",
        "receiving.tickets.mark_closed",
        "receiving.tickets.reply_from_receiving_address",
        "receiving.autoresponder",
        "receiving.autoresponder.subject",
        "receiving.autoresponder.text",
        "receiving.autoresponder.timezone",
        "receiving.documents",
        "receiving.documents.target",
        "receiving.documents.hook",
    ],
    "authentication": [
        "auth.method",
        "auth.username",
        "password",
        "auth.oauth2.provider",
        "auth.oauth2.tenant",
        "auth.oauth2.client_id",
        "auth.oauth2.client_secret",
        "auth.oauth2.authority_url",
        "auth.oauth2.scopes",
        "verify_certificate",
        "ca_file",
        "timeouts.connect",
        "timeouts.command",
    ],
    "signatures": ["signature", "signature_html", "dkim_selector", "smime.sign", "smime.encrypt"],
    "senders": [f"senders.{d}" for d in _DOC_TYPES],
}
# placeholders that are examples, the same in every language; the ones in words are i18n's placeholder.*
_EXAMPLES = {
    "name": "info",
    "address": "info@firma.de",
    "display_name": "Firma GmbH",
    "sending.host": "smtp.firma.de",
    "receiving.host": "imap.firma.de",
    "receiving.tickets.prefix": "T",
    "signature_html": "<p>…</p>",
}
_CHOICES = {
    "sending.method": ["smtp", "sendmail", "none"],
    "sending.security": list(SECURITIES),
    "receiving.protocol": ["imap", "pop3", "none"],
    "receiving.security": list(SECURITIES),
    "receiving.documents.target": list(DOCUMENT_TARGETS),
    "auth.method": ["password", "oauth2", "none"],
    "auth.oauth2.provider": ["microsoft", "google", "generic"],
    "smime.encrypt": list(SMIME_ENCRYPT),
}
TEXTAREAS = ("signature", "signature_html", "receiving.autoresponder.text")


def placeholder(name: str, lang: str) -> str:
    """What an empty field means, in ``lang``: an example, or words from :mod:`mailkit.i18n`."""
    key = "placeholder.sender" if name.startswith("senders.") else f"placeholder.{name}"
    return text(key, lang) if key in TEXTS else _EXAMPLES.get(name, "")


def field_widget(name: str) -> w.ValueWidget:
    """The widget for one field, chosen by the model's type for it (placeholders in English until set_lang)."""
    placeholder_text = placeholder(name, "en")
    hint = str if name in ("password", *SWITCHES) else field_type(Account, name.split("."))
    if name in SWITCHES:
        return checkbox(name, style=_STYLE)
    if name == "password":
        return w.Password(description=name, style=_STYLE, layout=_LAYOUT)
    if name in _CHOICES:
        return w.Dropdown(options=_CHOICES[name], description=name, style=_STYLE)
    if name == "receiving.after_import":
        return w.Combobox(options=_AFTER_IMPORT, description=name, style=_STYLE, layout=_LAYOUT, ensure_option=False)
    if name in TEXTAREAS:
        layout = w.Layout(width="42em", height="7em")
        return w.Textarea(description=name, placeholder=placeholder_text, style=_STYLE, layout=layout)
    if hint is bool:
        return checkbox(name, style=_STYLE)
    if name.endswith(".port"):
        return w.BoundedIntText(value=0, min=0, max=99999, description=name, style=_STYLE, layout=_LAYOUT)
    if hint is int:
        return w.BoundedIntText(value=0, min=0, max=10**6, description=name, style=_STYLE, layout=_LAYOUT)
    if hint is float:
        return w.FloatText(description=name, style=_STYLE, layout=_LAYOUT)
    return w.Text(description=name, placeholder=placeholder_text, style=_STYLE, layout=_LAYOUT)


DEFAULTS = Account(
    name="",
    address="",
    sending=Sending(),
    receiving=Receiving(autoresponder=Autoresponder(), tickets=Tickets(), documents=Documents()),
    auth=Auth(oauth2=OAuth2()),
    smime=Smime(),
)


def model_value(account: Account, name: str):
    """The account's value for a field; the model's default where its table is not there."""
    value, default = account, DEFAULTS
    for part in name.split("."):
        default = getattr(default, part)
        value = getattr(value, part) if value is not None else None
        if value is None and dataclasses.is_dataclass(default):
            value = default
    return value


def put(data: dict, name: str, value) -> None:
    """Set (or, for None, remove) the value at a dotted name in a nested dict."""
    *tables, key = name.split(".")
    for table in tables:
        data = data.setdefault(table, {})
    if value is None:
        data.pop(key, None)
    else:
        data[key] = value
