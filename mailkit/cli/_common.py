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


def open_workspace(args) -> Workspace:
    return Workspace.open(args.workspace)


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
