"""``mailkit autoconfig ADDRESS`` (settings from an address) and ``mailkit diagnose ACCOUNT`` (the connection check)."""

from __future__ import annotations

# The commands import what they need (network, OAuth, DKIM, the sync engine) when they run:
# `mailkit --help` and every other command stay fast.

__all__ = ["add_commands"]

import sys

from ..errors import ConfigError
from ._common import address, open_workspace, print_json


def _save_candidate(workspace, result, args) -> dict | None:
    """``--save NAME``: the chosen candidate (``--pick``, default the best) as a new account."""
    if not args.save:
        return None
    if not 1 <= args.pick <= len(result.candidates):
        raise ConfigError(f"--pick {args.pick}: there are {len(result.candidates)} candidates (1 is the best)")
    candidate = result.candidates[args.pick - 1]
    password = f"workspace:{args.save}.password" if candidate.auth == "password" else None
    account = workspace.add(candidate.to_account(args.save, args.address, password=password), replace=args.replace)
    workspace.save()
    return {"name": account.name, "source": candidate.source, "warnings": [str(w) for w in account.warnings()]}


def cmd_autoconfig(args) -> int:
    from ..autoconfig import SOURCES, autoconfigure

    workspace = open_workspace(args)
    if args.save and args.save in workspace.accounts and not args.replace:
        raise ConfigError(f"account {args.save!r} exists already: use --replace to overwrite it")
    result = autoconfigure(args.address, workspace, sources=args.source or SOURCES)
    saved = _save_candidate(workspace, result, args) if result.candidates else None
    print_json({**result.to_dict(), "saved": saved})
    if args.json:
        return 0 if result.candidates else 1
    if not result.candidates:
        print(f"No settings found for {args.address} ({len(result.attempts)} attempts; --json lists them).")
        return 1
    if saved:
        print(
            f"Saved candidate {args.pick} ({saved['source']}) as account {saved['name']!r}; store its password: "
            f"`mailkit secrets set {saved['name']}.password`, then `mailkit check {saved['name']}`."
        )
    for rank, c in enumerate(result.candidates, start=1):
        also = f" (also {', '.join(c.also_from)})" if c.also_from else ""
        print(f"{rank}. {c.source}{also}: {c.origin}")
        print(f"   in:  {c.incoming or '-'}\n   out: {c.outgoing or '-'}\n   user: {c.username}  auth: {c.auth}")
        for hint in c.hints:
            print(f"   hint: {hint}")
    return 0


def cmd_diagnose(args) -> int:
    from ..diagnose import diagnose

    workspace = open_workspace(args)
    account = workspace.get(args.account)
    report = diagnose(
        account,
        workspace,
        test_mail_to=args.test_mail_to,
        dkim_selectors=args.dkim_selector or (),
        record_folder=args.record_folder,
        timeout=args.timeout,
    )
    warnings = workspace.exposed()
    if args.json:
        print_json({**report.to_dict(verbose=args.verbose), "warnings": warnings})
    else:
        print(report)
        for warning in warnings:
            print(f"warning: {warning}", file=sys.stderr)
        counts = ", ".join(f"{n} {s}" for s, n in report.counts().items() if n)
        print(f"{'ok' if report.ok else 'FAILED'}: {counts} in {report.elapsed_ms} ms")
        if args.verbose:
            print("\n".join(report.transcript), file=sys.stderr)
    return 0 if report.ok else 1


#: :data:`mailkit.autoconfig.SOURCES`, spelled out: importing that module costs what `--help` must not
AUTOCONFIG_SOURCES = ("preset", "autoconfig", "mx", "srv", "probe")


def add_commands(sub, command) -> None:
    p = command(sub, "autoconfig", cmd_autoconfig, "guess account settings from an e-mail address")
    p.add_argument("address", type=address, help="the e-mail address, e.g. info@firma.de")
    p.add_argument("--source", action="append", choices=AUTOCONFIG_SOURCES, help="only this source (repeatable)")
    p.add_argument("--save", metavar="NAME", help="save a candidate as account NAME in mailkit.toml")
    p.add_argument("--pick", type=int, default=1, metavar="N", help="with --save: the N-th candidate (default 1)")
    p.add_argument("--replace", action="store_true", help="with --save: overwrite an account of that name")
    p.add_argument("--json", action="store_true")
    p = command(sub, "diagnose", cmd_diagnose, "check everything between this machine and an account")
    p.add_argument("account", help="the account's name in mailkit.toml")
    p.add_argument("--json", action="store_true")
    p.add_argument("--verbose", action="store_true", help="also the protocol transcript (passwords redacted)")
    p.add_argument(
        "--test-mail-to", metavar="ADDR", type=address, help="send a test mail there (found again over IMAP if own)"
    )
    p.add_argument("--dkim-selector", action="append", metavar="S", help="check this DKIM selector (repeatable)")
    p.add_argument("--record-folder", action="store_true", help="try creating and deleting a subfolder over IMAP")
    p.add_argument("--timeout", type=float, metavar="SECONDS", help="per step, instead of the account's timeouts")
