"""The ``mailkit`` command: everything a notebook can do, from a shell or cron.

Each command module adds its subcommands (``add_commands``). Exit codes: 0 success, 1 a check
or action failed, 2 bad usage or configuration. ``--json`` gives machine-readable output on
every command that prints results.
"""

from __future__ import annotations

__all__ = ["build_parser", "main"]

import argparse
import os
import sys

from ..errors import ConfigError, MailkitError
from . import accounts, diagnose, dkim, journal_explore, journal_report, oauth, runbook, sandbox, send, smime, sync

COMMAND_MODULES = (
    accounts,
    runbook,
    sandbox,
    send,
    sync,
    journal_report,
    journal_explore,
    diagnose,
    dkim,
    oauth,
    smime,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mailkit", description="Mail administration for business software.")
    parser.add_argument(
        "-w",
        "--workspace",
        default=os.environ.get("MAILKIT_WORKSPACE", "workspace"),
        help="workspace folder (default: $MAILKIT_WORKSPACE, else ./workspace)",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def command(parent, name, func, help_text):
        p = parent.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        return p

    for module in COMMAND_MODULES:
        module.add_commands(sub, command)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"mailkit: {exc}", file=sys.stderr)
        return 2
    except MailkitError as exc:
        print(f"mailkit: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("mailkit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into head and the like
        sys.stderr.close()
        return 0
