"""``mailkit journal copy --to postgresql://…``: the workspace's SQLite journal into a PostgreSQL one."""

from __future__ import annotations

__all__ = ["add_commands"]

import argparse
import sys

from ..errors import ConfigError
from ._common import open_journal, open_workspace, print_json


def cmd_journal_copy(args) -> int:
    # the journal store brings psycopg: imported when the command runs, so the CLI starts light
    from ..journal.copy import copy_journal
    from ..journal.store import Journal
    from ..workspace import JournalSettings

    workspace = open_workspace(args)
    if not args.to.startswith(("postgresql://", "postgres://")):
        raise ConfigError(f"--to {args.to!r}: name a PostgreSQL journal, postgresql://USER@HOST:PORT/DATABASE")
    password = workspace.resolve_secret(args.password) if args.password else None
    bars: dict = {}

    def progress(table: str, done: int, total: int) -> None:
        if args.json or not sys.stderr.isatty():
            return
        from tqdm.auto import tqdm

        bar = bars.get(table) or bars.setdefault(table, tqdm(total=total, desc=table, unit="row", file=sys.stderr))
        bar.update(done - bar.n)

    with (
        open_journal(workspace.journal_file, "`mailkit sync ACCOUNT` makes one") as source,
        Journal(args.to, source.attachments, password=password) as target,
    ):
        try:
            report = copy_journal(source, target, progress=progress)
        finally:
            for bar in bars.values():
                bar.close()
    if args.switch:
        workspace.journal = JournalSettings(url=args.to, password=args.password or "")
        workspace.save()
    if args.json:
        print_json(report.to_dict())
    else:
        for table, rows in report.rows.items():
            print(
                f"{table:<18} {rows:>9} rows  ({report.copied.get(table, 0)} copied now)  {report.digests[table][:16]}"
            )
        print(f"verified: row counts and SHA-256 of every table agree with {args.to}")
        if args.switch:
            print(f"{workspace.config_file} now names {args.to} as the journal")
    return 0


def add_commands(sub, command) -> None:
    group = sub.choices.get("journal") or sub.add_parser("journal", help="the mail journal")
    found = [a for a in group._actions if isinstance(a, argparse._SubParsersAction)]  # see journal_report
    journal = found[0] if found else group.add_subparsers(dest="action", required=True)
    p = command(journal, "copy", cmd_journal_copy, "copy the SQLite journal into PostgreSQL (resumable, verified)")
    p.add_argument("--to", required=True, metavar="URL", help="postgresql://USER@HOST:PORT/DATABASE[?sslmode=…]")
    p.add_argument("--password", metavar="REF", help="the database password as a secret reference (env:, workspace:…)")
    p.add_argument("--switch", action="store_true", help="then make it the workspace's journal ([journal] url)")
    p.add_argument("--json", action="store_true")
