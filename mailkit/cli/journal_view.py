"""``mailkit journal list``, ``journal show ID`` and ``journal purge``: the email journal view and retention."""

from __future__ import annotations

__all__ = ["add_commands"]

import argparse
import datetime as dt
import sys
from pathlib import Path

from ..errors import ConfigError
from ..secrets import write_private
from ._common import open_workspace, print_json


def _date(text: str | None, option: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{option} {text!r}: use a date like 2026-01-31") from None


def _journal(workspace):
    from ..journal.store import Journal  # the store brings the database drivers: the CLI starts without them

    if workspace.journal.url:  # the shared journal the workspace names
        return workspace.open_journal()
    if not workspace.journal_file.exists():  # opening would create an empty one
        raise ConfigError(f"no journal in {workspace.path} yet: `mailkit sync ACCOUNT` makes one")
    return Journal(workspace.journal_file)


def cmd_journal_list(args) -> int:
    from ..journal.view import ListFilter, list_messages

    workspace = open_workspace(args)
    where = ListFilter(
        account=args.account or "",
        folder=args.folder or "",
        direction=args.direction or "",
        since=_date(args.since, "--since"),
        until=_date(args.until, "--until"),
        sender=args.sender or "",
        recipient=args.to or "",
        subject=args.subject or "",
        record=args.record or "",
        ticket=args.ticket or "",
        has_attachment=True if args.has_attachment else None,
        auth=args.auth or "",
    )
    with _journal(workspace) as journal:
        page = list_messages(journal, where, limit=args.limit, offset=args.offset)
    if args.json:
        print_json({"filter": {k: str(v) for k, v in where.describe().items()}, **page})
        return 0
    for row in page["rows"]:
        when = (row["date_utc"] or "")[:16].replace("T", " ")
        link = row["ticket_number"] or (f"{row['record_type']} {row['record_number']}" if row["record_number"] else "")
        clip = "@" if row["attachments"] else " "
        print(
            f"{row['id']:>7} {when:<16} {row['direction']:<3} {clip} {(row['from_addr'] or '-')[:30]:<30} "
            f"{(row['subject'] or '')[:50]:<50} {link}"
        )
    shown_to = page["offset"] + len(page["rows"])
    print(f"{page['offset'] + 1 if page['rows'] else 0}-{shown_to} of {page['total']} mails", file=sys.stderr)
    return 0


def cmd_journal_show(args) -> int:
    from ..journal.view import attachment_content, show_message

    workspace = open_workspace(args)
    with _journal(workspace) as journal:
        shown = show_message(journal, args.id)
        if args.save_attachment:
            name, _, data = attachment_content(journal, args.id, args.save_attachment - 1)
    if args.save_attachment:
        from ..sync.documents import safe_name

        target = Path(args.to or ".") / safe_name(name, args.save_attachment)
        write_private(target, data)
        print(f"attachment {args.save_attachment} of mail {args.id} saved as {target}", file=sys.stderr)
    if args.json:
        print_json(shown)
        return 0
    m = shown["message"]
    for name, value in shown["headers"]:
        if name.lower() in ("from", "to", "cc", "date", "subject", "message-id", "reply-to"):
            print(f"{name}: {value}")
    print(f"Journal: mail {m['id']}, {m['direction']}, account {m['account']}, {shown['size']} bytes")
    if m.get("record_number"):
        print(f"Record: {m['record_type']} {m['record_number']}")
    if m.get("ticket_number"):
        print(f"Ticket: {m['ticket_number']} ({m.get('ticket_status')}) queue {m.get('queue') or '-'}, "
              f"project {m.get('project') or '-'}")  # fmt: skip
    for loc in shown["locations"]:
        where = "on the server" if loc["present"] else f"gone since {loc['gone_at']}"
        print(f"Location: {loc['account']}/{loc['folder']} UID {loc['uid']} ({where}) {loc['flags']}".rstrip())
    for number, a in enumerate(shown["attachments"], start=1):
        print(f"Attachment {number}: {a['name']} ({a['mime_type']}, {a['size']} bytes)")
    for d in shown["documents"]:
        print(f"Document: {d['file'] or d['target']}")
    for s in shown["sends"]:
        print(f"Send: {s['status']} {s['smtp_code'] or ''} {s['smtp_reply'] or ''}".rstrip())
    for b in shown["bounces"]:
        print(f"Bounce: {b['recipient']} {b['action']} {b['status'] or ''} ({b['kind']}: {b['reason']})")
    if shown["autoreply"]:
        print(f"Auto-reply: {shown['autoreply']['decision']} ({shown['autoreply']['reason']})")
    for p in shown["pending_actions"]:
        print(f"After-import action: {p['action']} {p['outcome'] or 'open'} {p['last_error'] or ''}".rstrip())
    for problem in shown["problems"] + m["parse_errors"]:
        print(f"Problem: {problem}")
    print()
    print(shown["text"] or "(no text body)")
    return 0


def cmd_journal_purge(args) -> int:
    workspace = open_workspace(args)
    names = [args.account] if args.account else list(workspace.accounts)
    plan = []  # (account or None for all, days)
    if args.older_than is not None:
        plan = [(args.account, args.older_than)]
    else:
        for name in names:
            account = workspace.get(name)
            days = account.receiving.retention_days if account.receiving else 0
            if days:
                plan.append((name, days))
        if not plan:
            raise ConfigError(
                "no account has retention_days set (0 keeps mail for ever): give --older-than DAYS, or set "
                "receiving.retention_days in mailkit.toml"
            )
    with _journal(workspace) as journal:
        rows = [
            {"account": name or "(all)", "older_than_days": days,
             "messages": journal.purge(days, account=name, dry_run=args.dry_run)}
            for name, days in plan
        ]  # fmt: skip
    if args.json:
        print_json({"dry_run": args.dry_run, "rows": rows, "total": sum(r["messages"] for r in rows)})
        return 0
    verb = "would be removed" if args.dry_run else "removed"
    for row in rows:
        print(f"{row['account']}: {row['messages']} journal entries older than {row['older_than_days']} days {verb}")
    print("(server mail is never touched)")
    return 0


def add_commands(sub, command) -> None:
    """Join the ``journal`` group (made by whichever command module came first)."""
    group = sub.choices.get("journal") or sub.add_parser("journal", help="the mail journal")
    found = [a for a in group._actions if isinstance(a, argparse._SubParsersAction)]
    journal = found[0] if found else group.add_subparsers(dest="action", required=True)

    p = command(journal, "list", cmd_journal_list, "list and filter the journal's mails, newest first")
    p.add_argument("--account", help="only this account's mail")
    p.add_argument("--folder", help="mail that is or was in this folder")
    p.add_argument("--direction", choices=("in", "out"), help="only received (in) or sent (out) mail")
    p.add_argument("--since", metavar="DATE", help="from this date on (YYYY-MM-DD, UTC)")
    p.add_argument("--until", metavar="DATE", help="before this date (YYYY-MM-DD, UTC)")
    p.add_argument("--from", dest="sender", metavar="TEXT", help="sender address or name contains TEXT")
    p.add_argument("--to", metavar="TEXT", help="a To or Cc address contains TEXT")
    p.add_argument("--subject", metavar="TEXT", help="subject contains TEXT")
    p.add_argument("--record", metavar="[TYPE:]NUMBER", help="linked to this record, e.g. quote:2026-0412")
    p.add_argument("--ticket", metavar="NUMBER", help="the mail of this ticket")
    p.add_argument("--has-attachment", action="store_true", help="only mail with attachments")
    p.add_argument("--auth", metavar="TEXT", help="an Authentication-Results value contains TEXT, e.g. dmarc=fail")
    p.add_argument("--limit", type=int, default=50, help="mails per page (default 50)")
    p.add_argument("--offset", type=int, default=0, help="skip this many (the next page: --offset 50)")
    p.add_argument("--json", action="store_true")

    p = command(journal, "show", cmd_journal_show, "one mail: header, text, attachments, server locations, record")
    p.add_argument("id", type=int, help="the mail's id from `mailkit journal list`")
    p.add_argument("--save-attachment", type=int, metavar="N", help="save attachment N (1, 2, ...) under a safe name")
    p.add_argument("--to", metavar="DIR", help="the folder for --save-attachment (default: here)")
    p.add_argument("--json", action="store_true")

    p = command(journal, "purge", cmd_journal_purge, "remove old journal entries (never server mail)")
    p.add_argument("--older-than", type=int, metavar="DAYS", help="default: each account's retention_days")
    p.add_argument("--account", help="only this account's mail")
    p.add_argument("--dry-run", action="store_true", help="count what would go; remove nothing")
    p.add_argument("--json", action="store_true")
