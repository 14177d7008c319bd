"""``mailkit journal export`` and ``mailkit journal report``: the journal for analysts and their tools.

pandas, Arrow and the analysis load only when one of these commands runs, so every other command
starts as fast as before.
"""

from __future__ import annotations

__all__ = ["add_commands", "add_journal_commands"]

import argparse
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError
from ._common import open_journal, open_workspace, print_json

if TYPE_CHECKING:  # the store brings the database drivers: the CLI starts without them
    from ..journal.store import Journal


def _date(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{option} {text!r}: use a date like 2026-01-31") from None


def _window(args) -> dict:
    """The filters both commands take: since (inclusive) and until (exclusive) in UTC, and an account."""
    return {"since": _date(args.since, "--since"), "until": _date(args.until, "--until"), "account": args.account}


def _open_journal(args) -> Journal:
    workspace = open_workspace(args)
    if workspace.journal.url:  # the shared journal named by the workspace
        return workspace.open_journal()
    return open_journal(workspace.journal_file, "`mailkit sync ACCOUNT` makes one")


def cmd_journal_export(args) -> int:
    from ..journal.frames import export

    window = _window(args)
    if Path(args.out).exists() and not Path(args.out).is_dir():
        raise ConfigError(f"--out {args.out} is a file: give a folder (made if missing) for the exported tables")
    with _open_journal(args) as journal:
        written = export(journal, args.out, args.format, **window)
    if args.json:
        print_json({"format": args.format, "files": [{"path": str(p), "rows": n} for p, n in written.items()]})
    for path, rows in {} if args.json else written.items():
        print(f"{rows:>10,} rows  {path}")
    return 0


def cmd_journal_report(args) -> int:
    from ..analysis import summary

    window = _window(args)
    with _open_journal(args) as journal:
        result = summary(journal, lang=args.lang, **window)
    print_json(result.to_dict()) if args.json else print(result)
    return 0


def _window_arguments(p) -> None:
    p.add_argument("--since", metavar="DATE", help="only mail from this date on (YYYY-MM-DD, UTC)")
    p.add_argument("--until", metavar="DATE", help="only mail before this date (YYYY-MM-DD, UTC)")
    p.add_argument("--account", help="only this account's mail")
    p.add_argument("--json", action="store_true")


def add_journal_commands(journal, command) -> None:
    """Add ``export`` and ``report`` to the ``journal`` group's subcommands."""
    p = command(journal, "export", cmd_journal_export, "write the journal's tables as Parquet or CSV files")
    p.add_argument("--format", choices=("parquet", "csv"), default="parquet", help="file format (default parquet)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the files (made if missing)")
    _window_arguments(p)
    p = command(journal, "report", cmd_journal_report, "summarise the journal on one screen")
    p.add_argument("--lang", choices=("en", "de"), default="en", help="language of the report (default en)")
    _window_arguments(p)


def add_commands(sub, command) -> None:
    """Join the ``journal`` group another command module made (or make it).

    argparse allows one subparsers action per parser and has no public way to reach it, so it is
    looked up among the group's actions.
    """
    group = sub.choices.get("journal") or sub.add_parser("journal", help="the mail journal")
    found = [a for a in group._actions if isinstance(a, argparse._SubParsersAction)]
    journal = found[0] if found else group.add_subparsers(dest="action", required=True)
    add_journal_commands(journal, command)
