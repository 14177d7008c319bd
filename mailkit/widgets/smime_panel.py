"""The S/MIME panel of account setup: import a PKCS#12 / PEM certificate (or make a self-signed one), choose
signing and encryption, and see the account's certificate rows (present, key, chain, expiry, address)."""

from __future__ import annotations

__all__ = ["SmimePanel"]

import dataclasses
import html

import ipywidgets as w

from .. import smime
from ..errors import MailkitError
from ..model import Smime
from ..smime.checks import smime_rows
from ..workspace import Workspace
from ._controls import button, checkbox

_ENCRYPT = {
    "never": "never",
    "when every recipient's certificate is known": "when-possible",
    "always (refuse otherwise)": "always",
}
_COLOURS = {"ok": "#1b5e20", "warn": "#8a6d00", "fail": "#b00020", "skip": "#555"}


class SmimePanel(w.VBox):
    """Certificates and the S/MIME setting of one account; nothing it shows holds a key or a password."""

    def __init__(self, workspace: Workspace, account_name: str) -> None:
        self.workspace = workspace
        self.account_name = account_name
        settings = workspace.get(account_name).smime or Smime()
        self.upload = w.FileUpload(accept=".p12,.pfx,.pem,.crt,.cer", multiple=False, description="Certificate")
        self.password = w.Password(description="Password", placeholder="of the PKCS#12 file")
        self.import_button = button("Import", icon="upload", style="primary")
        self.selfsign_button = button("Self-signed certificate", icon="certificate")
        self.sign = checkbox("Sign outgoing mail", settings.sign)
        self.encrypt = w.Dropdown(
            options=list(_ENCRYPT),
            value=next(k for k, v in _ENCRYPT.items() if v == settings.encrypt),
            description="Encrypt",
            style={"description_width": "initial"},
            layout=w.Layout(width="28em"),
        )
        self.save_button = button("Save setting", icon="save")
        self.status = w.HTML()
        self.table = w.HTML()
        self.import_button.on_click(lambda _: self._import_upload())
        self.selfsign_button.on_click(lambda _: self.selfsign())
        self.save_button.on_click(lambda _: self.save())
        super().__init__(
            [
                w.HBox([self.upload, self.password, self.import_button, self.selfsign_button]),
                w.HBox([self.sign, self.encrypt, self.save_button]),
                self.status,
                self.table,
            ]
        )
        self.refresh()

    def _say(self, text: str, level: str = "ok") -> None:
        self.status.value = f'<span style="color:{_COLOURS[level]}">{html.escape(text)}</span>'

    def import_file(self, data: bytes, name: str, password: str = "") -> None:
        """Import an own certificate with its key (PKCS#12 or PEM), or correspondents' certificates."""
        store = smime.CertStore(self.workspace)
        account = self.workspace.get(self.account_name)
        try:
            if b"PRIVATE KEY-----" in data or b"-----BEGIN" not in data:
                bundle = smime.load_bundle(data, name, password or None)
                covered = account.address.lower() in bundle.info.addresses
                identity = store.import_identity(bundle, account.address if covered else None)
                warning = f" Warning: {smime.SELF_SIGNED_WARNING}" if bundle.info.self_signed else ""
                self._say(f"stored the certificate for {identity.address}; its key is private (0600).{warning}")
            else:
                people = [store.add_person(c, "imported")[0] for c in smime.load_certificates(data, name)]
                self._say(f"{len(people)} correspondent certificate(s) imported")
        except MailkitError as exc:
            self._say(str(exc), "fail")
        finally:
            self.password.value = ""
        self.refresh()

    def _import_upload(self) -> None:
        if not self.upload.value:
            self._say("choose a .p12, .pfx or .pem file first", "warn")
            return
        item = self.upload.value[0]
        self.import_file(bytes(item["content"]), item["name"], self.password.value)
        self.upload.value = ()

    def selfsign(self) -> None:
        account = self.workspace.get(self.account_name)
        bundle = smime.self_signed(account.address, account.display_name)
        smime.CertStore(self.workspace).import_identity(bundle, account.address)
        self._say(f"self-signed certificate for {account.address} made. Warning: {smime.SELF_SIGNED_WARNING}", "warn")
        self.refresh()

    def save(self) -> None:
        account = self.workspace.get(self.account_name)
        setting = Smime(sign=self.sign.value, encrypt=_ENCRYPT[self.encrypt.value])
        self.workspace.update(dataclasses.replace(account, smime=setting))
        self.workspace.save()
        self._say(f"saved: sign {'on' if setting.sign else 'off'}, encrypt {setting.encrypt}")
        self.refresh()

    def refresh(self) -> None:
        rows = smime_rows(self.workspace.get(self.account_name), self.workspace)
        if not rows:
            self.table.value = "<i>No S/MIME certificate yet: import a PKCS#12 file or make a self-signed one.</i>"
            return
        cells = "".join(
            f"<tr><td>{html.escape(check)}</td><td>{html.escape(target)}</td>"
            f'<td style="color:{_COLOURS[status]};font-weight:bold">{status}</td>'
            f"<td>{html.escape(detail)}</td><td>{html.escape(remedy)}</td></tr>"
            for check, target, status, detail, remedy in rows
        )
        self.table.value = (
            '<table style="border-collapse:collapse"><tr><th>Check</th><th>Address</th><th>Status</th>'
            f"<th>Detail</th><th>What to do</th></tr>{cells}</table>"
        )
