"""Helpers shared by the command modules."""

from __future__ import annotations

import getpass
import json
import os
import sys

from ..errors import ConfigError
from ..workspace import Workspace


def print_json(data) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def print_envelope(data, ok: bool, errors: list[dict] = ()) -> None:
    """The one JSON shape every command prints with ``--json``: ``{"ok", "data", "errors"}``."""
    print_json({"ok": ok, "data": data, "errors": list(errors)})


def open_workspace(args) -> Workspace:
    return Workspace.open(args.workspace)


_SIDE_HINTS = {
    "receiving": "receiving.host=HOST (IMAP or POP3)",
    "imap": "receiving.protocol=imap receiving.host=HOST",
    "sending": "sending.host=HOST (SMTP) or sending.method=sendmail",
}


def account_with(workspace: Workspace, name: str, side: str):
    """The account, checked to have the side a command needs (``receiving``, ``imap``, ``sending``)."""
    account = workspace.get(name)
    receiving = account.receiving
    missing = (
        (side == "receiving" and receiving is None)
        or (side == "imap" and (receiving is None or receiving.protocol != "imap"))
        or (side == "sending" and account.sending is None)
    )
    if missing:
        what = {"receiving": "no receiving side", "imap": "no IMAP server", "sending": "no sending side"}[side]
        raise ConfigError(f"account {name!r} has {what}: add it with `mailkit accounts set {name} {_SIDE_HINTS[side]}`")
    return account


def read_secret(args, prompt: str) -> str:
    """A secret from ``--password-env VAR``, the terminal (not echoed), or one line of stdin."""
    if getattr(args, "password_env", None):
        value = os.environ.get(args.password_env)
        if value is None:
            raise ConfigError(f"environment variable {args.password_env} is not set")
        return value
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return sys.stdin.readline().rstrip("\r\n")
