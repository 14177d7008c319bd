"""The account form: every field of the account model, validated as the user types.

The fields are the model's, by the dotted names ``mailkit accounts set`` and ``accounts show`` use
(identity, both sides, what happens to new mail, login and TLS, signatures with DKIM and S/MIME,
senders per document type); a field whose side or table is switched off is hidden and not saved,
and what the form has no field for (a sender of another document type) is kept as it was.
The form holds no protocol code and no validation of its own: it builds an
:class:`~mailkit.model.Account` from its fields, shows the model's problems and warnings at the fields
they belong to, stores the password in the workspace's secret store on save (and clears the field),
and calls the library for the connection test. Status goes into the ``status`` widget, never to
print(). **Test connection** runs :func:`mailkit.diagnose.diagnose` and shows its report;
**Autoconfigure** fills the server fields from the best candidate :func:`mailkit.autoconfig.autoconfigure`
finds for the address."""

from __future__ import annotations

__all__ = ["AccountForm"]

import copy
import html
import typing

import ipywidgets as w

from ..autoconfig import autoconfigure
from ..diagnose import diagnose
from ..errors import ConfigError, MailkitError
from ..formats import kivitendo
from ..i18n import check_lang, text
from ..model import (
    Account,
    OAuth2,
    Smime,
    account_from_dict,
    account_to_dict,
    default_port,
    field_type,
    is_optional,
    to_dict,
)
from ..oauth import PROVIDERS, default_scopes, effective_flow
from ..workspace import Workspace
from ._account_fields import DEFAULTS, SWITCHES, TABS, TEXTAREAS, field_widget, model_value, placeholder, put
from ._controls import busy, button, on_enter


class AccountForm(w.VBox):
    """Every field of an account, in tabs, with Save, Test connection and the kivitendo export."""

    def __init__(
        self, workspace: Workspace, account: Account | None = None, *, tester=None, actions=True, lang: str = "en"
    ) -> None:
        """``actions=False`` leaves out the button row: an app around the form brings its own steps;
        ``lang`` (``en``, ``de``) chooses the labels, :meth:`set_lang` changes them later."""
        self.lang = check_lang(lang)
        self.workspace = workspace
        self._password_ref: str | None = None
        self._loaded: dict = {}  # the loaded account as saved: what the form does not show is kept as it was
        # account -> an object with ``ok`` and _repr_html_; by default the full diagnosis
        self._tester = tester or (lambda account: diagnose(account, workspace))
        self.fields: dict[str, w.ValueWidget] = {name: field_widget(name) for names in TABS.values() for name in names}
        self.feedback = {name: w.HTML() for name in self.fields}
        self.status = w.HTML()
        self.autoconfig_button = button("Autoconfigure from address", icon="magic")
        self.autoconfig_button.on_click(lambda _: self.autoconfigure())
        self.last_candidates: list = []
        self.save_button = button("Save to workspace", style="primary", icon="save")
        self.test_button = button("Test connection", icon="plug")
        self.export_button = button("Export kivitendo.conf", icon="file-text")
        self.kivitendo = w.Textarea(
            description="kivitendo.conf", layout=w.Layout(width="100%", height="16em", display="none")
        )
        self.output = w.Output()
        self.save_button.on_click(lambda _: self.save())
        self.test_button.on_click(lambda _: self.test_connection())
        self.export_button.on_click(lambda _: self.export_kivitendo())
        self.load(account or DEFAULTS, fresh=account is None)
        for widget in self.fields.values():
            widget.observe(lambda _: self.validate(), names="value")
        on_enter(self.fields["address"], self.autoconfigure)
        on_enter(self.fields["password"], self.save)
        self._rows = {name: w.VBox([self.fields[name], self.feedback[name]]) for name in self.fields}
        self.tabs = tabs = w.Tab(children=[w.VBox([self._rows[n] for n in names]) for names in TABS.values()])
        if actions:  # the button sits under the address it reads
            identity = tabs.children[0]
            identity.children = (*identity.children, self.autoconfig_button)
        super().__init__(
            [
                tabs,
                *([w.HBox([self.save_button, self.test_button, self.export_button])] if actions else []),
                self.status,
                self.kivitendo,
                self.output,
            ]
        )
        self.set_lang(lang)

    def set_lang(self, lang: str) -> None:
        """Label the fields, tabs and buttons in ``lang``; the status line follows on the next check."""
        self.lang = check_lang(lang)
        for name, widget in self.fields.items():
            if name.startswith("senders."):
                document = text(f"doc.{name.partition('.')[2]}", lang)
                widget.description = text("form.sender", lang, document=document)
            else:
                widget.description = text(f"form.{name}", lang)
            if hasattr(widget, "placeholder"):
                widget.placeholder = placeholder(name, lang)
        for index, tab in enumerate(TABS):
            self.tabs.set_title(index, text(f"tab.{tab}", lang))
        for control, key in (
            (self.autoconfig_button, "autoconfigure"),
            (self.save_button, "save"),
            (self.test_button, "test"),
            (self.export_button, "export"),
        ):
            control.description = control.tooltip = text(f"form.{key}", lang)
        self.validate()

    # -- fields <-> account ------------------------------------------------------------------
    def load(self, account: Account, *, fresh: bool = False) -> None:
        """Fill the fields from an account (the password field stays empty: it is never read back)."""
        self._loaded = {} if fresh else account_to_dict(account)
        self._password_ref = None if fresh else account.auth.password
        for name, widget in self.fields.items():
            value: object
            if name == "password":
                value = ""
            elif name in SWITCHES:
                table = getattr(account.receiving, name.rpartition(".")[2], None)
                value = not fresh and table is not None
            elif name.startswith("senders."):
                value = account.senders.get(name.partition(".")[2], "")
            elif name in ("sending.method", "receiving.protocol") and getattr(account, name.partition(".")[0]) is None:
                value = "none"
            else:
                value = model_value(account, name)
                value = " ".join(value) if isinstance(value, tuple) else value
                value = (0 if isinstance(widget, w.BoundedIntText) else "") if value is None else value
            widget.value = value

    def _shown(self, name: str, values: dict) -> bool:
        """Whether a field counts: its side, its OAuth2 settings or its optional table is switched on."""
        if name.startswith("sending.") and values["sending.method"] == "none":
            return False
        if name.startswith("receiving.") and values["receiving.protocol"] == "none":
            return False
        if name.startswith("auth.oauth2.") and values["auth.method"] != "oauth2":
            return False
        return not any(name.startswith(f"{switch}.") and not values[switch] for switch in SWITCHES)

    def _data(self) -> tuple[str, dict]:
        v = {name: widget.value for name, widget in self.fields.items()}
        data = copy.deepcopy(self._loaded)
        for name, value in v.items():
            if name in ("name", "password", *SWITCHES, "sending.method", "receiving.protocol"):
                continue
            if not self._shown(name, v):
                continue
            hint = field_type(Account, name.split("."))
            if isinstance(value, str) and name not in TEXTAREAS:
                value = value.strip()
            if typing.get_origin(field_type(Account, name.split(".")[:-1])) is dict or is_optional(hint):
                value = value or None  # an empty optional field (or a sender per type) is not set
            if isinstance(value, str) and typing.get_origin(hint) is tuple:
                value = value.split()
            put(data, name, value)
        for side, switch in (("sending", "sending.method"), ("receiving", "receiving.protocol")):
            if v[switch] == "none":
                data.pop(side, None)
            else:
                data.setdefault(side, {})["method" if side == "sending" else "protocol"] = v[switch]
        for switch in SWITCHES:
            if not v[switch] or v["receiving.protocol"] == "none":
                data.get("receiving", {}).pop(switch.rpartition(".")[2], None)
        auth = data.setdefault("auth", {})
        if v["auth.method"] != "oauth2":
            auth.pop("oauth2", None)
        auth.pop("password", None)
        if v["auth.method"] == "password":
            # a typed password will be stored under this reference on save
            typed = f"workspace:{v['name'].strip() or 'new'}.password" if v["password"] else None
            reference = self._password_ref or typed
            if reference:
                auth["password"] = reference
        if data.get("smime") == to_dict(Smime()):
            data.pop("smime")  # neither signed nor encrypted: no table
        return v["name"].strip(), data

    def account(self) -> Account:
        """The account the fields describe; raises :class:`ConfigError` with every problem."""
        name, data = self._data()
        return account_from_dict(name, data).validate()

    def validate(self) -> bool:
        """Show the model's problems (red) and warnings (amber) at their fields; True when there is no problem."""
        values = {name: widget.value for name, widget in self.fields.items()}
        self._messages: dict[str, str] = {}
        for name, label in self.feedback.items():
            label.value = ""
            self._rows[name].layout.display = None if self._shown(name, values) else "none"
        try:
            account = self.account()
        except ConfigError as exc:
            elsewhere = [str(p) for p in exc.problems if not self._show(p, "#b00020")]
            status = text("form.attention", self.lang, n=len(exc.problems))
            self._set_status("; ".join([status, *elsewhere]), "warn")
            self._defaults_hint()
            return False
        for warning in account.warnings():
            self._show(warning, "#8a6d00")
        self._defaults_hint()
        self._set_status(text("form.ready", self.lang), "ok")
        return True

    def _show(self, problem, colour: str) -> bool:
        """Put a problem's message under its field; False when the form has no field for it."""
        target = "password" if problem.field == "auth.password" else problem.field
        if target not in self.feedback:
            return False
        self.feedback[target].value = f"<span style='color:{colour}'>{html.escape(problem.message)}</span>"
        self._messages[target] = problem.message
        return True

    def messages(self) -> dict[str, str]:
        """The model's problems and warnings the fields show now, by field name, as plain text."""
        return dict(self._messages)

    def _defaults_hint(self) -> None:
        for side, protocol in (("sending", "smtp"), ("receiving", self.fields["receiving.protocol"].value)):
            if protocol == "none" or (side == "sending" and self.fields["sending.method"].value != "smtp"):
                continue
            if not self.fields[f"{side}.port"].value and not self.feedback[f"{side}.port"].value:
                port = default_port(protocol, self.fields[f"{side}.security"].value)
                self.feedback[f"{side}.port"].value = f"<span style='color:#555'>default: {port}</span>"
        if self.fields["auth.method"].value == "oauth2" and not self.feedback["auth.oauth2.scopes"].value:
            # the provider preset: what an empty field means for this provider and flow
            settings = OAuth2(
                provider=self.fields["auth.oauth2.provider"].value,
                client_id="-",
                client_secret=self.fields["auth.oauth2.client_secret"].value.strip() or None,
                scopes=tuple(self.fields["auth.oauth2.scopes"].value.split()),
            )
            flow = effective_flow(settings).replace("_", " ")
            scopes = " ".join(default_scopes(settings)) or "none: name them"
            authority = PROVIDERS.get(settings.provider, {}).get("authority_url", "none: name it")
            for name, hint in (("scopes", f"{flow}: {scopes}"), ("authority_url", f"default: {authority}")):
                if not self.feedback[f"auth.oauth2.{name}"].value:
                    self.feedback[f"auth.oauth2.{name}"].value = f"<span style='color:#555'>{html.escape(hint)}</span>"

    def _set_status(self, text: str, level: str) -> None:
        colour = {"ok": "#1b5e20", "warn": "#8a6d00", "fail": "#b00020"}[level]
        self.status.value = f"<b style='color:{colour}'>{html.escape(text)}</b>"

    # -- actions -----------------------------------------------------------------------------
    def store_password(self) -> None:
        """Move a typed password into the secret store and empty the field; the account keeps the reference."""
        if self.fields["auth.method"].value == "password" and self.fields["password"].value:
            name = self.fields["name"].value.strip()
            self._password_ref = self.workspace.secrets.set(f"{name}.password", self.fields["password"].value)
            self.fields["password"].value = ""  # the widget's state must not keep it

    def save(self) -> Account | None:
        """Store the password in the secret store, clear the field, save the account to the workspace."""
        try:
            self.store_password()
            account = self.account()
            self.workspace.add(account, replace=True)
            self.workspace.save()
        except MailkitError as exc:
            self._set_status(f"not saved: {exc}", "fail")
            return None
        self._set_status(f"saved account {account.name!r} to {self.workspace.config_file}", "ok")
        return account

    def autoconfigure(self):
        """Fill the server fields from the best settings found for the address; show where they came from."""
        address = self.fields["address"].value.strip()
        result = None
        doing = f"looking for the settings of {address} …"
        with busy(self.autoconfig_button, self.status, doing, "autoconfiguration failed"):
            result = autoconfigure(address, self.workspace)
        if result is None:
            return None
        self.last_candidates = result.candidates
        best = result.best
        if best is None:
            self._set_status(f"no settings found for {address}: enter them by hand", "warn")
            return None
        self.apply_candidate(best, address)
        self.output.clear_output()
        with self.output:
            from IPython.display import display

            display(result.candidates_table())
        hints = "; ".join(best.hints)
        self._set_status(f"settings from {best.source} ({best.origin})" + (f" — {hints}" if hints else ""), "ok")
        return best

    def apply_candidate(self, candidate, address: str) -> None:
        """Fill the server fields (and the user name, where it is not the address) from an autoconfig candidate."""
        values = {"auth.username": "" if candidate.username == address else candidate.username}
        if candidate.incoming is not None:
            values |= {f"receiving.{k}": getattr(candidate.incoming, k) for k in ("host", "port", "security")}
            values["receiving.protocol"] = candidate.incoming.protocol
        if candidate.outgoing is not None:
            values |= {f"sending.{k}": getattr(candidate.outgoing, k) for k in ("host", "port", "security")}
            values["sending.method"] = "smtp"
        for name, value in values.items():
            self.fields[name].value = value

    def test_connection(self):
        """Run the connection test of the saved account and show its report."""
        try:
            account = self.workspace.get(self.fields["name"].value.strip())
        except ConfigError as exc:
            self._set_status(f"save the account first: {exc}", "fail")
            return None
        report = None
        doing = f"testing the connection of {account.name} …"
        with busy(self.test_button, self.status, doing, "connection test failed"):
            report = self._tester(account)
        if report is None:
            return None
        self.output.clear_output()
        with self.output:
            from IPython.display import display

            display(report)
        ok = getattr(report, "ok", False)
        self._set_status("connection test passed" if ok else "connection test found problems", "ok" if ok else "fail")
        return report

    def export_kivitendo(self) -> str | None:
        """Show the saved account as kivitendo.conf sections to copy (no password: kivitendo's file is plain text)."""
        try:
            account = self.workspace.get(self.fields["name"].value.strip())
        except ConfigError as exc:
            self._set_status(f"save the account first: {exc}", "fail")
            return None
        exported = kivitendo.export([account])
        self.kivitendo.value = exported.text
        self.kivitendo.layout.display = None
        if exported.notes:
            self._set_status("exported; " + "; ".join(exported.notes), "warn")
        else:
            self._set_status("exported: copy the sections into config/kivitendo.conf and enter the password", "ok")
        return exported.text
