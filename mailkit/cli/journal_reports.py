"""``mailkit journal ingest-reports``, ``deliverability`` and ``bounces``: deliverability in the journal.

Exit codes: 0 all read, 1 some file was quarantined (its reason is printed, one line each),
2 bad usage (a path that does not exist, no journal).
"""

from __future__ import annotations

__all__ = ["add_commands"]

import argparse
import sys
from pathlib import Path

from ..errors import ConfigError
from ._common import open_journal, open_workspace, print_json


def _journal(args, create: bool = False):
    """The journal to read (``create``: or to start, when ingesting into a new one)."""
    from ..journal.store import Journal  # the store brings the database drivers: the CLI starts without them

    if not getattr(args, "journal", None) and open_workspace(args).journal.url:
        return open_workspace(args).open_journal()
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


def _resolver(args):
    from ..net.dns import make_resolver

    try:
        return make_resolver(open_workspace(args).dns)
    except ConfigError:  # no workspace: the system's resolver
        return make_resolver(None)


def cmd_deliverability(args) -> int:
    from .. import analysis
    from ..deliverability import frames

    with _journal(args) as journal:
        records = frames.aggregate_records(journal, domain=args.domain)
        tls = frames.tls_failures(journal)
        bounced = frames.bounced_sends(journal)
    if records.empty and tls.empty and bounced.empty:
        raise ConfigError("no DMARC or TLS reports and no bounces in the journal yet: sync the reports mailbox "
                          "or run `mailkit journal ingest-reports PATH`")  # fmt: skip
    out: dict = {}
    if not records.empty:
        records = analysis.with_services(records, None if args.no_dns else _resolver(args))
        domains = [args.domain] if args.domain else sorted(records["domain"].unique())
        out["readiness"] = [analysis.readiness(records, d) for d in domains]
        out["pass_rates"] = analysis.pass_rates(records)
        out["unaligned"] = analysis.unaligned_sources(records).head(args.top)
    if not tls.empty:
        out["tls"] = analysis.tls_summary(tls)
    if not bounced.empty:
        out["bounces"] = bounced.groupby(["recipient_domain", "reason", "kind"]).size().rename("bounces").reset_index()
    if args.json:
        print_json({key: ([r.to_dict() for r in value] if key == "readiness" else
                          value.reset_index().to_dict(orient="records")) for key, value in out.items()})  # fmt: skip
        return 0
    titles = {"pass_rates": "DMARC per sending source", "unaligned": "Sources without aligned DKIM or SPF",
              "tls": "SMTP TLS reports", "bounces": "Bounces"}  # fmt: skip
    for verdict in out.get("readiness", ()):
        print(verdict)
    for key, title in titles.items():
        if key in out:
            print(f"\n{title}\n{out[key].to_string(max_colwidth=48)}")
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
    p = command(
        journal,
        "deliverability",
        cmd_deliverability,
        "DMARC pass rates per source, the p=none → quarantine/reject readiness, TLS failures and bounces",
    )
    p.add_argument("--domain", help="only this domain's reports")
    p.add_argument("--no-dns", action="store_true", help="no reverse DNS: sources stay unrecognised")
    p.add_argument("--top", type=int, default=15, help="rows of unaligned sources (default 15)")
    p.add_argument("--journal", metavar="FILE", help="a journal file instead of the workspace's")
    p.add_argument("--json", action="store_true")
    p = command(journal, "bounces", cmd_bounces, "bounced recipients and the sends they bounce")
    p.add_argument("--account", help="only this account's sends")
    p.add_argument("--journal", metavar="FILE", help="a journal file instead of the workspace's")
    p.add_argument("--json", action="store_true")
