"""``mailkit report onboarding ACCOUNT… --out FILE.html``: the handover page for the customer."""

from __future__ import annotations

from pathlib import Path

from ..i18n import LANGUAGES
from ._common import open_workspace, print_envelope


def cmd_report_onboarding(args) -> int:
    from ..handover import write_handover  # diagnosis, DNS and pandas: only when a report is written

    workspace = open_workspace(args)
    for name in args.accounts:
        workspace.get(name)  # an unknown account fails before anything is diagnosed
    out = write_handover(workspace, args.accounts, Path(args.out), lang=args.lang)
    if args.json:
        print_envelope({"report": str(out), "accounts": args.accounts, "lang": args.lang}, True)
    else:
        print(f"handover report for {', '.join(args.accounts)}: {out}")
    return 0


def add_commands(sub, command) -> None:
    reports = sub.add_parser("report", help="pages for the customer").add_subparsers(dest="report", required=True)
    p = command(
        reports,
        "onboarding",
        cmd_report_onboarding,
        "the handover page: accounts as configured, a fresh diagnosis with remedies, the DNS records and their state",
    )
    p.add_argument("accounts", nargs="+", metavar="ACCOUNT", help="the accounts to hand over (names in mailkit.toml)")
    p.add_argument("--out", required=True, help="the HTML file to write (mode 0600)")
    p.add_argument("--lang", choices=LANGUAGES, default="de", help="German (default) or English")
