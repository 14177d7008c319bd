"""Helpers shared by the command modules."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path

from ..errors import ConfigError
from ..workspace import Workspace


class _Result:
    """What the running command gives for ``--json``; the boundary prints it inside the envelope."""

    data = None
    streamed = False  # envelopes went out as JSON lines: the last one is a line too
    stdout = sys.stdout  # where the envelope goes: the real stdout, while a --json command's prints go to stderr


def print_json(data) -> None:
    """The command's result for ``--json``: printed as the envelope's ``data`` when the command ends."""
    _Result.data = data


def stream_json(data, ok: bool = True) -> None:
    """One envelope now, for commands that go on giving results (``watch``): JSON lines."""
    _Result.streamed = True
    _write({"ok": ok, "data": data, "errors": []}, indent=None)


def _write(envelope: dict, indent: int | None = 2) -> None:
    json.dump(envelope, _Result.stdout, indent=indent, ensure_ascii=False, default=str)
    _Result.stdout.write("\n")
    _Result.stdout.flush()


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is too small: give at least 1")
    return value


def address(text: str) -> str:
    """An argparse type: one mail address (no display name, no line breaks)."""
    local, at, domain = text.strip().rpartition("@")
    if not at or not local or "." not in domain.strip(".") or any(c.isspace() or c in "<>,;" for c in text.strip()):
        raise argparse.ArgumentTypeError(f"{text!r} is not an address like name@example.com")
    return text.strip()


def print_envelope(data, ok: bool, errors: list[dict] | tuple = ()) -> None:
    """The one JSON shape every command prints with ``--json``: ``{"ok", "data", "errors"}``."""
    _write({"ok": ok, "data": data, "errors": list(errors)}, indent=None if _Result.streamed else 2)


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


def open_journal(path: Path, missing_hint: str):
    """The journal at ``path``, refused (not made) when it is missing or not a journal at all."""
    from ..journal.store import Journal

    if not path.exists():  # opening would create an empty one
        raise ConfigError(f"no journal {path}: {missing_hint}")
    if path.is_dir():
        raise ConfigError(f"{path} is a folder, not a journal file")
    with path.open("rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            raise ConfigError(f"{path} is not a mailkit journal (not an SQLite database)")
    return Journal(path)


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
