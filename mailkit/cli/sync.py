"""``mailkit sync``, ``watch``, ``sync-record``, ``record-folder``, ``cleanup-folders`` and ``journal``."""

from __future__ import annotations

# The commands import what they need (network, OAuth, DKIM, the sync engine) when they run:
# `mailkit --help` and every other command stay fast.
import datetime as dt
import importlib
import signal
import sys
from contextlib import contextmanager
from dataclasses import asdict
from typing import TYPE_CHECKING

from ..errors import ConfigError, SyncError
from ._boundary import FAILED, INTERRUPTED, OK
from ._common import account_with, open_workspace, positive_int, print_json, stream_json

if TYPE_CHECKING:
    from ..sync.base import SyncOptions


@contextmanager
def _cancel_on_ctrl_c():
    """The first Ctrl-C stops after the current batch (all so far committed); a second one at once."""
    from ..sync.base import Cancel

    cancel = Cancel()

    def handler(signum, frame):
        if cancel.is_set():
            raise KeyboardInterrupt
        print("\nstopping after the current batch (Ctrl-C again to abort now)", file=sys.stderr)
        cancel.set()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield cancel
    finally:
        signal.signal(signal.SIGINT, previous)


class _Bars:
    """tqdm.auto progress bars, one per folder, on stderr."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bars: dict = {}

    def __call__(self, folder: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        from tqdm.auto import tqdm

        bar = self.bars.get(folder)
        if bar is None:
            bar = self.bars[folder] = tqdm(total=total, desc=folder, unit="msg", file=sys.stderr, leave=False)
        bar.update(done - bar.n)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def _routes(args, workspace) -> list:
    from ..sync.base import LinkRecordBySubject

    routes = []
    for spec in args.route or []:
        pattern, sep, record_type = spec.rpartition("=")
        if not sep or not pattern or not record_type:
            raise ConfigError(f"--route {spec!r}: use PATTERN=RECORD_TYPE, e.g. 'Angebot (\\d+)=quote'")
        routes.append(LinkRecordBySubject(pattern, record_type))
    for spec in args.hook or []:
        module, _, function = spec.partition(":")
        sys.path.insert(0, str(workspace.path))
        try:
            routes.append(getattr(importlib.import_module(module), function or "on_message"))
        except (ImportError, AttributeError) as exc:
            raise ConfigError(f"--hook {spec!r}: cannot load it from {workspace.path} ({exc})") from exc
    return routes


def _options(args, account) -> SyncOptions:
    """The run's options: the flags given, else the account's receiving settings."""
    from ..sync.settings import options_for

    since = None
    if args.since:
        try:
            since = dt.date.fromisoformat(args.since)
        except ValueError:
            raise ConfigError(f"--since {args.since!r}: use a date like 2026-01-31") from None
    try:
        return options_for(
            account,
            folders=args.folder or None,
            all_folders=args.all_folders,
            unread_only=args.unread_only,
            since=since,
            after=args.after,
            dry_run=args.dry_run,
            accept_rebind=args.accept_rebind,
            batch_count=args.batch_size,
        )
    except SyncError as exc:  # an option's value, not the run
        raise ConfigError(f"--after or --batch-size: {exc}") from None


def _print_result(result, as_json: bool) -> None:
    if as_json:
        print_json(result.to_dict())
        return
    header = "dry run: " if result.dry_run else ""
    for f in result.folders:
        if f.skipped:
            print(f"{header}{result.account}/{f.folder}: no change")
            continue
        print(
            f"{header}{result.account}/{f.folder}: {f.new} new, {f.known} known, {f.rebound} rebound, "
            f"{f.flags_changed} flags changed, {f.gone} gone, {f.quarantined} quarantined, {f.errors} errors"
            + (f" [{f.status}: {f.error}]" if f.error else f" [{f.status}]")
        )
        for note in f.notes:
            print(f"  note: {note}")
    found = result.reports or {}
    if any(found.get(k) for k in ("dmarc_new", "tls_new", "bounces_new", "quarantined")):
        print(
            f"{header}{result.account}: {found['dmarc_new']} DMARC reports, {found['tls_new']} TLS reports, "
            f"{found['bounces_new']} bounces ({found['linked']} recipients linked to their send), "
            f"{found['quarantined']} bad reports quarantined"
        )
    intake = {k: v for k, v in result.intake.items() if v and k != "errors"}
    if intake:
        print(f"{header}{result.account}: " + ", ".join(f"{v} {k}" for k, v in intake.items()))
    for error in result.intake.get("errors", []):
        print(f"  intake failed: {error}")
    for action in result.pending_actions:
        print(f"  open after-import action: {action['action']} UID {action['uid']} in {action['folder']} "
              f"({action['attempts']} attempt(s): {action['last_error'] or 'not tried yet'})")  # fmt: skip


def cmd_sync(args) -> int:
    from ..sync.watch import sync_account

    workspace = open_workspace(args)
    if args.all_accounts:
        return _sync_all(args, workspace)
    account = account_with(workspace, args.account, "receiving")
    with workspace.open_journal() as journal, _cancel_on_ctrl_c() as cancel:
        bars = _Bars(not args.json and sys.stderr.isatty())
        try:
            result = sync_account(
                account,
                workspace,
                journal,
                _options(args, account),
                routes=_routes(args, workspace),
                progress=bars,
                cancel=cancel,
            )
        finally:
            bars.close()
    _print_result(result, args.json)
    return _exit_code(result)


def _sync_all(args, workspace) -> int:
    """Every receiving account by ``--workers`` threads; other processes on the same journal share the work."""
    from ..sync.workers import sync_all_accounts

    names = sorted(n for n, a in workspace.accounts.items() if a.receiving is not None)
    if not names:
        raise ConfigError(f"no account in {workspace.config_file} receives mail")
    options = {name: _options(args, workspace.get(name)) for name in names}  # a bad flag fails before any work
    bar = None
    if not args.json and sys.stderr.isatty():
        from tqdm.auto import tqdm

        bar = tqdm(total=len(names), desc="accounts", unit="account", file=sys.stderr)

    def report(outcome) -> None:
        if bar is not None:
            bar.update(1)
        if args.json:
            return
        if outcome.result is not None:
            _print_result(outcome.result, False)
        elif outcome.by_other_worker:
            print(f"{outcome.account}: imported by another worker")
        else:
            print(f"{outcome.account}: FAILED: {outcome.error}")
        sys.stdout.flush()

    with _cancel_on_ctrl_c() as cancel:
        try:
            outcomes = sync_all_accounts(workspace, options.__getitem__, accounts=names, workers=args.workers,
                                         cancel=cancel, routes=_routes(args, workspace), on_outcome=report)  # fmt: skip
        finally:
            if bar is not None:
                bar.close()
    if args.json:
        print_json([
            {"account": o.account, "ok": o.ok, "by_other_worker": o.by_other_worker, "error": o.error,
             "result": o.result.to_dict() if o.result else None}
            for o in outcomes
        ])  # fmt: skip
    if cancel.is_set():
        return INTERRUPTED
    return OK if all(o.ok for o in outcomes) else FAILED


def _exit_code(result) -> int:
    if any(f.status == "cancelled" for f in result.folders):
        return INTERRUPTED
    return OK if result.ok else FAILED


def cmd_watch(args) -> int:
    from ..sync.watch import watch

    workspace = open_workspace(args)
    account = account_with(workspace, args.account, "receiving")
    with workspace.open_journal() as journal, _cancel_on_ctrl_c() as cancel:
        watch(
            account,
            workspace,
            journal,
            _options(args, account),
            interval=(args.interval or account.receiving.poll_interval) * 60,
            cancel=cancel,
            on_result=lambda result: (
                stream_json(result.to_dict(), result.ok)
                if args.json
                else (_print_result(result, False), sys.stdout.flush())
            ),
            on_error=lambda exc: print(f"mailkit: {exc}", file=sys.stderr),
            routes=_routes(args, workspace),
        )
    return 0


def cmd_sync_record(args) -> int:
    from ..sync.records import sync_record

    workspace = open_workspace(args)
    account = account_with(workspace, args.account, "imap")
    with workspace.open_journal() as journal:
        result = sync_record(account, workspace, journal, args.record_type, args.record)
    _print_result(result, args.json)
    return _exit_code(result)


def cmd_record_folder(args) -> int:
    from ..sync.records import create_record_folder

    workspace = open_workspace(args)
    account = account_with(workspace, args.account, "imap") if args.action == "create" else workspace.get(args.account)
    with workspace.open_journal() as journal:
        if args.action == "create":
            folder = create_record_folder(
                account,
                workspace,
                journal,
                customer_number=args.customer_number,
                customer_name=args.customer_name,
                record_type=args.record_type,
                record_number=args.record,
            )
            print_json({"folder": folder}) if args.json else print(f"created {folder}")
        elif args.action == "close":
            with journal.transaction():
                closed = journal.close_record(account.name, args.record_type, args.record)
            print_json({"record_type": args.record_type, "record": args.record, "closed_folders": closed})
            print(
                f"{closed} folder(s) of {args.record_type} {args.record} marked closed; "
                f"`mailkit cleanup-folders {account.name}` imports and removes them"
            )
        else:
            rows = journal.record_folders(account.name)
            if args.json:
                print_json(rows)
            for row in [] if args.json else rows:
                state = "closed" if row["closed_at"] else "open"
                print(f"{row['folder']}  ({row['record_type']} {row['record_number']}, {state})")
    return 0


def cmd_cleanup_folders(args) -> int:
    from ..sync.records import cleanup_record_folders

    workspace = open_workspace(args)
    account = account_with(workspace, args.account, "imap")
    with workspace.open_journal() as journal:
        rows = cleanup_record_folders(account, workspace, journal, dry_run=args.dry_run)
    if args.json:
        print_json([asdict(r) for r in rows])
    elif not rows:
        print(f"No closed record folders of {account.name} to clean up (`mailkit record-folder close` marks them).")
    for row in [] if args.json else rows:
        print(f"{row.action:<13} {row.folder}  {row.detail}")
    return 1 if any(r.action == "failed" for r in rows) else 0


def cmd_journal_quarantine(args) -> int:
    workspace = open_workspace(args)
    with workspace.open_journal() as journal:
        rows = journal.quarantined(args.account)
    if args.json:
        print_json(rows)
    for row in [] if args.json else rows:
        print(f"{row['account']}/{row['folder']} UID {row['uid']}: {row['reason']} ({row['size']} bytes)")
    return 0


def _sync_arguments(p, many: bool = False) -> None:
    if many:
        which = p.add_mutually_exclusive_group(required=True)
        which.add_argument("account", nargs="?", help="the account (or --all-accounts)")
        which.add_argument("--all-accounts", action="store_true", help="every account that receives mail")
        p.add_argument("--workers", type=positive_int, default=2, help="accounts imported at once (default 2)")
    else:
        p.add_argument("account", help="the account's name in mailkit.toml")
    p.add_argument("--folder", action="append", help="a folder to import (repeatable; default: the base folder)")
    p.add_argument("--all-folders", action="store_true", help="every selectable folder but Trash and Junk")
    p.add_argument("--dry-run", action="store_true", help="report what would happen; change nothing")
    p.add_argument("--unread-only", action="store_true", help="only mail not yet marked seen")
    p.add_argument(
        "--since", metavar="DATE", help="only mail received on or after this date (default: the account's since)"
    )
    p.add_argument(
        "--after", help="keep | seen | delete | move:FOLDER (default: the account's after_import, else keep)"
    )
    p.add_argument("--accept-rebind", action="store_true", help="go on after a UIDVALIDITY change with few matches")
    p.add_argument("--batch-size", type=positive_int, default=250, help="messages per committed batch (default 250)")
    p.add_argument(
        "--route", action="append", metavar="PATTERN=TYPE", help="link mail by subject, e.g. 'Angebot (\\d+)=quote'"
    )
    p.add_argument("--hook", action="append", metavar="MODULE[:FUNCTION]", help="a Python hook in the workspace folder")
    p.add_argument("--json", action="store_true")


def add_commands(sub, command) -> None:
    _sync_arguments(command(sub, "sync", cmd_sync, "import an account's mail into the journal"), many=True)
    p = command(sub, "watch", cmd_watch, "import now and whenever mail arrives (IMAP IDLE or polling)")
    _sync_arguments(p)
    p.add_argument("--interval", type=float, help="minutes between polls (default: the account's poll_interval, 5)")
    p = command(sub, "sync-record", cmd_sync_record, "import a record's folder and link its mail to the record")
    p.add_argument("account", help="the account's name in mailkit.toml")
    p.add_argument("--record-type", required=True, help="quote, order, invoice, … (the folder's name part)")
    p.add_argument("--record", required=True, help="the record's number, e.g. A-2026/17")
    p.add_argument("--json", action="store_true")
    folders = sub.add_parser("record-folder", help="per-record IMAP folders").add_subparsers(
        dest="action", required=True
    )
    p = command(folders, "create", cmd_record_folder, "create a record's folder under the base folder")
    p.add_argument("account", help="the account's name in mailkit.toml")
    p.add_argument("--record-type", required=True, help="quote, order, invoice, … (the folder's name part)")
    p.add_argument("--record", required=True, help="the record's number, e.g. A-2026/17")
    p.add_argument("--customer-number", required=True, help="the customer's number (the folder's first level)")
    p.add_argument("--customer-name", required=True, help="the customer's name (in the folder's name)")
    p.add_argument("--json", action="store_true")
    p = command(folders, "close", cmd_record_folder, "mark a record closed, so clean-up may remove its folder")
    p.add_argument("account", help="the account's name in mailkit.toml")
    p.add_argument("--record-type", required=True, help="quote, order, invoice, … (the folder's name part)")
    p.add_argument("--record", required=True, help="the record's number, e.g. A-2026/17")
    p = command(folders, "list", cmd_record_folder, "list the folders mailkit made for records")
    p.add_argument("account", help="the account's name in mailkit.toml")
    p.add_argument("--json", action="store_true")
    p = command(sub, "cleanup-folders", cmd_cleanup_folders, "import, then remove the folders of closed records")
    p.add_argument("account", help="the account's name in mailkit.toml")
    p.add_argument("--dry-run", action="store_true", help="list what would be removed; remove nothing")
    p.add_argument("--json", action="store_true")
    journal = sub.add_parser("journal", help="the mail journal").add_subparsers(dest="action", required=True)
    p = command(journal, "quarantine", cmd_journal_quarantine, "list messages that could not be imported")
    p.add_argument("--account", help="only this account's")
    p.add_argument("--json", action="store_true")
