"""``mailkit accounts receive NAME``: what happens to an account's new mail (OpenXE's and REV+'s account settings).

Without options it shows the settings; each option changes one, and the account is validated and
saved as a whole, so a wrong value is refused with the field it belongs to.
"""

from __future__ import annotations

__all__ = ["add_commands"]

import argparse
import dataclasses
from pathlib import Path

import tomli_w

from ..errors import ConfigError
from ..model import Autoresponder, Documents, Tickets, to_dict
from ._common import account_with, open_workspace, print_json

_INTAKE_FIELDS = ("after_import", "since", "poll_interval", "retention_days", "tickets", "autoresponder", "documents")


def _settings(receiving) -> dict:
    plain = to_dict(receiving)
    return {name: plain.get(name, getattr(receiving, name)) for name in _INTAKE_FIELDS}


def _documents(spec: str) -> Documents | None:
    if spec == "off":
        return None
    if spec == "folder":
        return Documents()
    if spec.startswith("hook:"):
        return Documents(target="hook", hook=spec[5:])
    raise ConfigError(f"--documents {spec!r}: use folder, hook:MODULE:FUNCTION or off")


def cmd_accounts_receive(args) -> int:
    workspace = open_workspace(args)
    account = account_with(workspace, args.name, "receiving")
    receiving = account.receiving
    for option in ("after_import", "since", "poll_interval", "retention_days"):
        if getattr(args, option) is not None:
            setattr(receiving, option, getattr(args, option))
    if args.no_tickets:
        receiving.tickets = None
    elif any(v is not None for v in (args.ticket_queue, args.ticket_project, args.ticket_prefix, args.tickets_closed)):
        tickets = receiving.tickets or Tickets()
        receiving.tickets = dataclasses.replace(
            tickets,
            queue=tickets.queue if args.ticket_queue is None else args.ticket_queue,
            project=tickets.project if args.ticket_project is None else args.ticket_project,
            prefix=tickets.prefix if args.ticket_prefix is None else args.ticket_prefix,
            mark_closed=tickets.mark_closed if args.tickets_closed is None else args.tickets_closed,
        )
    if args.no_autoresponder:
        receiving.autoresponder = None
    elif any(v is not None for v in (args.reply_subject, args.reply_text_file, args.reply_timezone)):
        auto = receiving.autoresponder or Autoresponder()
        text = auto.text
        if args.reply_text_file:
            try:
                text = Path(args.reply_text_file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise ConfigError(f"--reply-text-file {args.reply_text_file}: cannot read it ({exc})") from None
        receiving.autoresponder = dataclasses.replace(
            auto,
            subject=auto.subject if args.reply_subject is None else args.reply_subject,
            text=text,
            timezone=auto.timezone if args.reply_timezone is None else args.reply_timezone,
        )
    if args.documents is not None:
        receiving.documents = _documents(args.documents)
    changed = any(
        getattr(args, name) not in (None, False)
        for name in ("after_import", "since", "poll_interval", "retention_days", "no_tickets", "ticket_queue",
                     "ticket_project", "ticket_prefix", "tickets_closed", "no_autoresponder", "reply_subject",
                     "reply_text_file", "reply_timezone", "documents")
    )  # fmt: skip
    if changed:
        workspace.update(account)  # validates the whole account: a bad value names its field
        workspace.save()
    settings = _settings(receiving)
    if args.json:
        print_json({"account": account.name, "saved": changed, **settings})
        return 0
    print(tomli_w.dumps({"accounts": {account.name: {"receiving": {k: v for k, v in settings.items() if v != {}}}}}))
    return 0


def add_commands(sub, command) -> None:
    """Join the ``accounts`` group (made by the accounts module)."""
    group = sub.choices["accounts"]
    accounts = next(a for a in group._actions if isinstance(a, argparse._SubParsersAction))
    p = command(accounts, "receive", cmd_accounts_receive, "show or change what happens to an account's new mail")
    p.add_argument("name", help="the account's name in mailkit.toml")
    p.add_argument("--after-import", metavar="ACTION", help="keep | seen | delete | move:FOLDER (POP3: keep | delete)")
    p.add_argument("--since", metavar="DATE", help="import only mail from this day on (YYYY-MM-DD; '' for all)")
    p.add_argument("--poll-interval", type=float, metavar="MINUTES", help="minutes between polls of `mailkit watch`")
    p.add_argument("--retention-days", type=int, metavar="DAYS", help="purge older journal entries; 0: never")
    p.add_argument("--ticket-queue", metavar="QUEUE", help="turn tickets on with this default queue")
    p.add_argument("--ticket-project", metavar="PROJECT", help="the project new tickets belong to")
    p.add_argument("--ticket-prefix", metavar="TEXT", help="before the number, e.g. T for T20261201-0001")
    p.add_argument("--tickets-closed", action=argparse.BooleanOptionalAction, default=None,
                   help="import tickets as closed")  # fmt: skip
    p.add_argument("--no-tickets", action="store_true", help="turn tickets off")
    p.add_argument("--reply-subject", metavar="TEXT", help="turn the autoresponder on; {TICKET} and {BETREFF} work")
    p.add_argument("--reply-text-file", metavar="FILE", help="the auto-reply's text (UTF-8)")
    p.add_argument("--reply-timezone", metavar="ZONE", help="where a calendar day begins (default Europe/Berlin)")
    p.add_argument("--no-autoresponder", action="store_true", help="turn the autoresponder off")
    p.add_argument("--documents", metavar="TARGET", help="folder | hook:MODULE:FUNCTION | off")
    p.add_argument("--json", action="store_true")
