"""``mailkit journal ingest-reports`` and ``mailkit journal bounces``: deliverability from files and the journal.

Exit codes: 0 all read, 1 some file was quarantined (its reason is printed, one line each),
2 bad usage (a path that does not exist, no journal).
"""

from __future__ import annotations

__all__ = ["add_commands"]

import argparse
import sys
from pathlib import Path

from ..errors import ConfigError
from ..journal.store import Journal
from ._common import open_journal, open_workspace, print_json


def _journal(args, create: bool = False) -> Journal:
    """The journal to read (``create``: or to start, when ingesting into a new one)."""
    path = Path(args.journal) if getattr(args, "journal", None) else open_workspace(args).journal_file
    if create and not path.exists():
        return Journal(path)
    return open_journal(path, "`mailkit sync ACCOUNT` makes one, or name one with --journal")


def cmd_ingest_reports(args) -> int:
    from tqdm.auto import tqdm

    from ..deliverability.ingest import ingest_paths, scan_journal

    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        raise ConfigError(f"no such file or folder: {missing[0]}")
    with _journal(args, create=True) as journal:
        bar = tqdm(total=0, unit="file", disable=args.json or not sys.stderr.isatty())

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            result = ingest_paths(journal, args.paths, progress)
        finally:
            bar.close()
        if args.scan_journal:
            result.add(scan_journal(journal))
    if args.json:
        print_json(result.to_dict())
    else:
        print(result)
        for problem in result.problems:
            print(f"quarantined: {problem}")
    return 1 if result.quarantined else 0


def cmd_bounces(args) -> int:
    from ..deliverability.frames import bounced_sends

    with _journal(args) as journal:
        frame = bounced_sends(journal, account=args.account)
    if args.json:
        print_json(frame.to_dict(orient="records"))
        return 0
    if frame.empty:
        print("no bounces in the journal")
        return 0
    columns = ["bounced_at", "recipient", "kind", "reason", "status", "send", "subject"]
    print(frame[columns].to_string(index=False, max_colwidth=48))
    return 0


def add_commands(sub, command) -> None:
    """Join the ``journal`` group (made by whichever command module came first)."""
    group = sub.choices.get("journal") or sub.add_parser("journal", help="the mail journal")
    found = [a for a in group._actions if isinstance(a, argparse._SubParsersAction)]
    journal = found[0] if found else group.add_subparsers(dest="action", required=True)
    p = command(
        journal,
        "ingest-reports",
        cmd_ingest_reports,
        "read DMARC aggregate reports (xml, gz, zip), TLS reports and bounces from files into the journal",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="report files, saved mails (.eml) or folders of them")
    p.add_argument("--scan-journal", action="store_true", help="also look at synced mail not yet looked at")
    p.add_argument("--journal", metavar="FILE", help="a journal file instead of the workspace's")
    p.add_argument("--json", action="store_true")
    p = command(journal, "bounces", cmd_bounces, "bounced recipients and the sends they bounce")
    p.add_argument("--account", help="only this account's sends")
    p.add_argument("--journal", metavar="FILE", help="a journal file instead of the workspace's")
    p.add_argument("--json", action="store_true")
