"""Device-code sign-in in a notebook: show the code and the URL, wait for the user in the background.

A consultant signs a user's mailbox in once (delegated access, no client secret); the refresh
token then lives in the workspace's secret store and runbooks log in without anyone present.
The widget runs on :func:`mailkit.signin.sign_in_source`'s token source; it never shows a token.
"""

from __future__ import annotations

__all__ = ["DeviceCodeSignIn"]

import html
import threading

import ipywidgets as w

from ..errors import MailkitError
from ..model import Account
from ..signin import DeviceCode, sign_in_source
from ..workspace import Workspace
from ._controls import button


class DeviceCodeSignIn(w.VBox):
    """A Sign-in button; then the code, the link, and the result once the user has signed in."""

    def __init__(self, account: Account, workspace: Workspace) -> None:
        self.source = sign_in_source(account, workspace)
        self.button = button("Sign in (device code)", icon="key", style="primary")
        self.instructions = w.HTML()
        self.status = w.HTML()
        self.code: DeviceCode | None = None
        self.thread: threading.Thread | None = None
        self._cancelled = threading.Event()
        self.button.on_click(lambda _: self.start())
        super().__init__([self.button, self.instructions, self.status])

    def start(self) -> DeviceCode | None:
        """Ask for a code, show it, and wait for the sign-in in a background thread."""
        self._cancelled.clear()
        try:
            self.code = self.source.start_device_code()
        except MailkitError as exc:
            self._show(f"sign-in could not start: {exc}", "#b00020")
            return None
        url = html.escape(self.code.url)
        self.instructions.value = (
            f"Open <a href='{url}' target='_blank'>{url}</a> and enter the code "
            f"<code style='font-size:1.3em'>{html.escape(self.code.user_code)}</code>, "
            "then sign in with the mailbox's account."
        )
        self._show("waiting for the sign-in ...", "#8a6d00")
        self.button.disabled = True
        self.thread = threading.Thread(target=self._wait, name="device-code", daemon=True)
        self.thread.start()
        return self.code

    def cancel(self) -> None:
        self._cancelled.set()

    def _wait(self) -> None:
        try:
            token = self.source.finish_device_code(self.code, should_stop=self._cancelled.is_set)
        except MailkitError as exc:
            self._show(f"not signed in: {exc}", "#b00020")
        else:
            who = token.claims.get("email") or token.claims.get("preferred_username") or "the user"
            self._show(f"signed in as {who}; the token is cached in the workspace's secret store", "#1b5e20")
        finally:
            self.button.disabled = False

    def _show(self, text: str, colour: str) -> None:
        self.status.value = f"<b style='color:{colour}'>{html.escape(text)}</b>"
