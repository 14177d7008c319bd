"""The DKIM wizard: domain and selector in, a key generated (never shown), the record to copy, the published check."""

from __future__ import annotations

__all__ = ["DkimWizard"]

import html
import warnings
from collections.abc import Callable

import ipywidgets as w

from .. import dkim
from ..errors import MailkitError
from ..workspace import Workspace
from ._controls import button, checkbox

#: label -> (algorithm, bits)
KEY_TYPES = {
    "RSA 2048 (recommended)": ("rsa", 2048),
    "RSA 3072": ("rsa", 3072),
    "RSA 4096": ("rsa", 4096),
    "Ed25519 (RFC 8463, beside an RSA selector)": ("ed25519", 256),
    "RSA 1024 (weak: only for panels that cannot take more)": ("rsa", 1024),
}
_COLOURS = {"ok": "#1b5e20", "warn": "#8a6d00", "fail": "#b00020"}


class DkimWizard(w.VBox):
    """Generates or reuses the workspace's key for (domain, selector); ``publish`` (sandbox only) adds a button."""

    def __init__(
        self,
        workspace: Workspace,
        domain: str = "",
        selector: str = "",
        *,
        publish: Callable[[dkim.DkimRecord], None] | None = None,
    ) -> None:
        self.workspace = workspace
        default_domain = next(iter(a.address.rpartition("@")[2] for a in workspace.accounts.values()), "")
        self.domain = w.Text(value=domain or default_domain, description="Domain", placeholder="firma.de")
        self.selector = w.Text(value=selector, description="Selector", placeholder="mk2026")
        self.key_type = w.Dropdown(options=list(KEY_TYPES), description="Key")
        self.testing = checkbox("Testing mode (t=y)")
        self.generate_button = button("Generate key", style="primary", icon="key")
        self.check_button = button("Check published", icon="search")
        self.publish_button = button("Publish in sandbox DNS", icon="upload")
        self.check_button.disabled = self.publish_button.disabled = True
        self.zone_line = w.Textarea(description="Zone file", layout=w.Layout(width="100%", height="6em"))
        self.panel_text = w.Textarea(description="Panel", layout=w.Layout(width="100%", height="6em"))
        self.status = w.HTML()
        self.verdict = w.HTML()
        self.key: dkim.DkimKey | None = None
        self.last_verdict: dkim.Verdict | None = None
        self._publish = publish
        self.generate_button.on_click(lambda _: self.generate())
        self.check_button.on_click(lambda _: self.check())
        self.publish_button.on_click(lambda _: self.publish())
        self.testing.observe(lambda _: self._show_record(), "value")
        for field in (self.domain, self.selector):
            field.observe(lambda _: self._forget_key(), "value")
        buttons = [self.generate_button, self.check_button] + ([self.publish_button] if publish else [])
        super().__init__(
            [
                w.HBox([self.domain, self.selector]),
                w.HBox([self.key_type, self.testing]),
                w.HBox(buttons),
                self.status,
                self.zone_line,
                self.panel_text,
                self.verdict,
            ]
        )

    @property
    def record(self) -> dkim.DkimRecord | None:
        return self.key.record(testing=self.testing.value) if self.key else None

    def _say(self, widget: w.HTML, level: str, text: str) -> None:
        widget.value = f"<span style='color:{_COLOURS[level]}'>{html.escape(text)}</span>"

    def _forget_key(self) -> None:
        self.key = None
        self.zone_line.value = self.panel_text.value = self.verdict.value = ""
        self.check_button.disabled = self.publish_button.disabled = True

    def _show_record(self) -> None:
        record = self.record
        if record is not None:
            self.zone_line.value = record.zone_line()
            self.panel_text.value = record.panel_text(self.key.domain)

    def generate(self) -> dkim.DkimKey | None:
        """Make the key, or reuse the one the workspace has for this selector (a new key needs a new selector)."""
        algorithm, bits = KEY_TYPES[self.key_type.value]
        domain, selector = self.domain.value, self.selector.value
        try:
            if dkim.key_path(self.workspace, domain, selector).exists():
                self.key = dkim.load_key(self.workspace, domain, selector)
                note = f"a key for {self.key.record_name} exists: its record is below (a new key needs a new selector)"
                self._say(self.status, "warn", note)
            else:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # shown below from the key's notes
                    self.key = dkim.generate_key(self.workspace, domain, selector, algorithm=algorithm, bits=bits)
                notes = " ".join(self.key.notes)
                text = f"{self.key.algorithm.upper()} {self.key.bits} key written to {self.key.path} (mode 0600)."
                self._say(self.status, "warn" if self.key.notes else "ok", f"{text} {notes}".strip())
        except MailkitError as exc:
            self._forget_key()
            self._say(self.status, "fail", str(exc))
            return None
        self._show_record()
        self.check_button.disabled = self.publish_button.disabled = False
        return self.key

    def publish(self) -> None:
        if self._publish is None or self.record is None:
            return
        try:
            self._publish(self.record)
        except MailkitError as exc:
            self._say(self.status, "fail", str(exc))
            return
        self._say(self.status, "ok", f"published {self.record.name} in the sandbox's DNS")

    def check(self) -> dkim.Verdict | None:
        if self.key is None:
            return None
        try:
            self.last_verdict = dkim.check_published(self.workspace, self.key.domain, self.key.selector)
        except MailkitError as exc:
            self._say(self.verdict, "fail", str(exc))
            return None
        self._say(self.verdict, self.last_verdict.level, str(self.last_verdict))
        return self.last_verdict
