"""The account form: every field of the account model, validated as the user types.

The form holds no protocol code and no validation of its own: it builds an
:class:`~mailkit.model.Account` from its fields, shows the model's problems at the fields they
belong to, stores the password in the workspace's secret store on save (and clears the field),
and calls the library for the connection test. Status goes into
the ``status`` widget, never to print(). **Test connection** runs :func:`mailkit.diagnose.diagnose`
and shows its report; **Autoconfigure** fills the server fields from the best candidate
:func:`mailkit.autoconfig.autoconfigure` finds for the address.
"""

from __future__ import annotations

__all__ = ["AccountForm"]

import html

import ipywidgets as w

from ..autoconfig import autoconfigure
from ..diagnose import diagnose
from ..errors import ConfigError, MailkitError
from ..formats import kivitendo
from ..i18n import check_lang, text
from ..model import SECURITIES, Account, OAuth2, account_from_dict, default_port
from ..oauth import PROVIDERS, default_scopes, effective_flow
from ..workspace import Workspace
from ._controls import busy, button, checkbox, on_enter

_DOC_TYPES = ("quote", "order", "delivery_note", "invoice", "credit_note", "dunning", "receipt", "letter")
_STYLE = {"description_width": "14em"}
_LAYOUT = w.Layout(width="38em")


def _text(description: str, placeholder: str = "", value: str = "") -> w.Text:
    return w.Text(value=value, description=description, placeholder=placeholder, style=_STYLE, layout=_LAYOUT)


def _port(description: str) -> w.BoundedIntText:
    return w.BoundedIntText(value=0, min=0, max=99999, description=description, style=_STYLE, layout=_LAYOUT)


class AccountForm(w.VBox):
    """Identity / sending / receiving / auth / sender policy, with Save and Test connection."""

    def __init__(
        self, workspace: Workspace, account: Account | None = None, *, tester=None, actions=True, lang: str = "en"
    ) -> None:
        """``actions=False`` leaves out the button row: an app around the form brings its own steps;
        ``lang`` (``en``, ``de``) chooses the labels, :meth:`set_lang` changes them later."""
        self.lang = check_lang(lang)
        self.workspace = workspace
        self._password_ref: str | None = None
        # account -> an object with ``ok`` and _repr_html_; by default the full diagnosis
        self._tester = tester or (lambda account: diagnose(account, workspace))
        self.fields: dict[str, w.ValueWidget] = {
            "name": _text("Name", "info"),
            "address": _text("E-mail address", "info@firma.de"),
            "display_name": _text("Display name", "Firma GmbH"),
            "description": _text("Description"),
            "owner": _text("Owner (employee)"),
            "sending.method": w.Dropdown(options=["smtp", "sendmail"], description="Send by", style=_STYLE),
            "sending.host": _text("SMTP host", "smtp.firma.de"),
            "sending.port": _port("SMTP port (0: default)"),
            "sending.security": w.Dropdown(
                options=list(SECURITIES), value="starttls", description="SMTP security", style=_STYLE
            ),
            "sending.sendmail_command": _text("sendmail command", value="/usr/sbin/sendmail -t -i"),
            "receiving.protocol": w.Dropdown(options=["imap", "pop3"], description="Receive by", style=_STYLE),
            "receiving.host": _text("IMAP/POP3 host", "imap.firma.de"),
            "receiving.port": _port("Port (0: default)"),
            "receiving.security": w.Dropdown(
                options=list(SECURITIES), value="tls", description="Security", style=_STYLE
            ),
            "receiving.base_folder": _text("Base folder", value="INBOX"),
            "receiving.sent_export": checkbox("Copy sent mail to IMAP", style=_STYLE),
            "receiving.sent_folder": _text("Sent folder", value="Sent"),
            "auth.method": w.Dropdown(
                options=["password", "oauth2", "none"], description="Authentication", style=_STYLE
            ),
            "auth.username": _text("User name", "(the address)"),
            "password": w.Password(description="Password", style=_STYLE, layout=_LAYOUT),
            "auth.oauth2.provider": w.Dropdown(
                options=["microsoft", "google", "generic"], description="OAuth2 provider", style=_STYLE
            ),
            "auth.oauth2.tenant": _text("Tenant"),
            "auth.oauth2.client_id": _text("Client id"),
            "auth.oauth2.client_secret": _text("Client secret ref", "env:CLIENT_SECRET (app-only)"),
            "auth.oauth2.authority_url": _text("Authority URL", "(the provider's)"),
            "auth.oauth2.scopes": _text("Scopes", "(the provider's defaults)"),
            "verify_certificate": checkbox("Verify certificates", True, style=_STYLE),
            "ca_file": _text("CA file", "(the system's)"),
        }
        for doc_type in _DOC_TYPES:
            self.fields[f"senders.{doc_type}"] = _text(f"Sender: {doc_type}", "(the account's address)")
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
        for widget in self.fields.values():
            widget.observe(lambda _: self.validate(), names="value")
        on_enter(self.fields["address"], self.autoconfigure)
        on_enter(self.fields["password"], self.save)
        if account is not None:
            self.load(account)
        groups = {
            "Identity": ["name", "address", "display_name", "description", "owner"],
            "Sending": [
                "sending.method",
                "sending.host",
                "sending.port",
                "sending.security",
                "sending.sendmail_command",
            ],
            "Receiving": [
                "receiving.protocol",
                "receiving.host",
                "receiving.port",
                "receiving.security",
                "receiving.base_folder",
                "receiving.sent_export",
                "receiving.sent_folder",
            ],
            "Authentication": [
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
            ],
            "Sender policy": [f"senders.{d}" for d in _DOC_TYPES],
        }
        self.tabs = tabs = w.Tab(
            children=[w.VBox([w.VBox([self.fields[n], self.feedback[n]]) for n in names]) for names in groups.values()]
        )
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
        for index, tab in enumerate(("identity", "sending", "receiving", "authentication", "senders")):
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
    def load(self, account: Account) -> None:
        """Fill the fields from an account (the password field stays empty: it is never read back)."""
        s, r, a = account.sending, account.receiving, account.auth
        values = {
            "name": account.name,
            "address": account.address,
            "display_name": account.display_name,
            "description": account.description,
            "owner": account.owner,
            "verify_certificate": account.verify_certificate,
            "ca_file": account.ca_file or "",
            "auth.method": a.method,
            "auth.username": a.username or "",
        }
        if s is not None:
            values |= {
                "sending.method": s.method,
                "sending.host": s.host,
                "sending.port": s.port or 0,
                "sending.security": s.security,
                "sending.sendmail_command": s.sendmail_command,
            }
        if r is not None:
            values |= {
                "receiving.protocol": r.protocol,
                "receiving.host": r.host,
                "receiving.port": r.port or 0,
                "receiving.security": r.security,
                "receiving.base_folder": r.base_folder,
                "receiving.sent_export": r.sent_export,
                "receiving.sent_folder": r.sent_folder,
            }
        if a.oauth2 is not None:
            values |= {
                "auth.oauth2.provider": a.oauth2.provider,
                "auth.oauth2.tenant": a.oauth2.tenant,
                "auth.oauth2.client_id": a.oauth2.client_id,
                "auth.oauth2.client_secret": a.oauth2.client_secret or "",
                "auth.oauth2.authority_url": a.oauth2.authority_url,
                "auth.oauth2.scopes": " ".join(a.oauth2.scopes),
            }
        for doc_type, sender in account.senders.items():
            if f"senders.{doc_type}" in self.fields:
                values[f"senders.{doc_type}"] = sender
        self._password_ref = a.password
        for name, value in values.items():
            self.fields[name].value = value

    def _data(self) -> tuple[str, dict]:
        v = {name: widget.value for name, widget in self.fields.items()}
        data: dict = {
            "address": v["address"].strip(),
            "display_name": v["display_name"],
            "description": v["description"],
            "owner": v["owner"],
            "verify_certificate": v["verify_certificate"],
        }
        if v["ca_file"].strip():
            data["ca_file"] = v["ca_file"].strip()
        sending = {
            "method": v["sending.method"],
            "host": v["sending.host"].strip(),
            "security": v["sending.security"],
            "sendmail_command": v["sending.sendmail_command"] or "/usr/sbin/sendmail -t -i",
        }
        if v["sending.port"]:
            sending["port"] = v["sending.port"]
        receiving = {
            "protocol": v["receiving.protocol"],
            "host": v["receiving.host"].strip(),
            "security": v["receiving.security"],
            "base_folder": v["receiving.base_folder"],
            "sent_export": v["receiving.sent_export"],
            "sent_folder": v["receiving.sent_folder"],
        }
        if v["receiving.port"]:
            receiving["port"] = v["receiving.port"]
        auth: dict = {"method": v["auth.method"]}
        if v["auth.username"].strip():
            auth["username"] = v["auth.username"].strip()
        if v["auth.method"] == "password":
            # a typed password will be stored under this reference on save
            typed = f"workspace:{v['name'].strip() or 'new'}.password" if v["password"] else None
            reference = self._password_ref or typed
            if reference:
                auth["password"] = reference
        if v["auth.method"] == "oauth2":
            auth["oauth2"] = {
                "provider": v["auth.oauth2.provider"],
                "tenant": v["auth.oauth2.tenant"],
                "client_id": v["auth.oauth2.client_id"],
            }
            if v["auth.oauth2.client_secret"].strip():
                auth["oauth2"]["client_secret"] = v["auth.oauth2.client_secret"].strip()
            if v["auth.oauth2.authority_url"].strip():
                auth["oauth2"]["authority_url"] = v["auth.oauth2.authority_url"].strip()
            if v["auth.oauth2.scopes"].split():
                auth["oauth2"]["scopes"] = v["auth.oauth2.scopes"].split()
        data |= {"sending": sending, "receiving": receiving, "auth": auth}
        senders = {d: v[f"senders.{d}"].strip() for d in _DOC_TYPES if v[f"senders.{d}"].strip()}
        if senders:
            data["senders"] = senders
        return v["name"].strip(), data

    def account(self) -> Account:
        """The account the fields describe; raises :class:`ConfigError` with every problem."""
        name, data = self._data()
        return account_from_dict(name, data).validate()

    def validate(self) -> bool:
        """Show the model's problems at their fields; True when there are none."""
        for label in self.feedback.values():
            label.value = ""
        try:
            self.account()
        except ConfigError as exc:
            for problem in exc.problems:
                target = (
                    problem.field
                    if problem.field in self.feedback
                    else "password"
                    if problem.field == "auth.password"
                    else None
                )
                if target:
                    self.feedback[target].value = f"<span style='color:#b00020'>{html.escape(problem.message)}</span>"
            self._set_status(text("form.attention", self.lang, n=len(exc.problems)), "warn")
            self._defaults_hint()
            return False
        self._defaults_hint()
        self._set_status(text("form.ready", self.lang), "ok")
        return True

    def _defaults_hint(self) -> None:
        for side, protocol in (("sending", "smtp"), ("receiving", self.fields["receiving.protocol"].value)):
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
