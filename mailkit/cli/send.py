"""``mailkit send``, ``send-test``, ``send-batch`` and ``send-retry-copies``."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from ..errors import ConfigError
from ..journal.store import Journal
from ..send import Attachment, DocumentMail, retry_copies, send_batch, send_mail, send_test
from ._common import account_with, open_workspace, print_json


def _read(path: str | None, what: str) -> str | None:
    if path is None:
        return None
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{what} {path} cannot be read: {exc.strerror}") from None


def _print_outcome(outcome, as_json: bool) -> None:
    if as_json:
        print_json(outcome.to_dict())
        return
    print(f"{outcome.status}: {outcome.message_id} to {', '.join(outcome.recipients)} ({outcome.code} {outcome.reply})")
    for rcpt, (code, reply) in outcome.refused.items():
        print(f"  refused {rcpt}: {code} {reply}")
    print(f"  Sent copy: {outcome.copy_status}" + (f" in {outcome.copy_folder}" if outcome.copy_folder else ""))
    for note in outcome.notes:
        print(f"  note: {note}")


def cmd_send(args) -> int:
    workspace = open_workspace(args)
    account = account_with(workspace, args.account, "sending")
    body = args.body if args.body is not None else _read(args.body_file, "body file")
    mail = DocumentMail(
        document_type=args.doc_type,
        to=args.to,
        cc=args.cc or [],
        bcc=args.bcc or [],
        subject=args.subject,
        text=body,
        html=_read(args.html_file, "HTML file"),
        attachments=[Attachment.from_path(p) for p in args.attach or []],
        record_number=args.record,
    )
    with Journal(workspace.journal_file) as journal:
        outcome = send_mail(account, workspace, journal, mail, user=args.user, project=args.project, clerk=args.clerk)
    _print_outcome(outcome, args.json)
    return 0


def cmd_send_test(args) -> int:
    workspace = open_workspace(args)
    account = account_with(workspace, args.account, "sending")
    with Journal(workspace.journal_file) as journal:
        outcome = send_test(account, workspace, journal, args.to, user=args.user)
    _print_outcome(outcome, args.json)
    return 0


def _addresses(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").replace(";", ",").split(",") if v.strip()]


def _batch_rows(path: Path) -> list[tuple[str, DocumentMail]]:
    """CSV columns: to (required), subject (required), body or body_file, and optional key, cc, bcc,
    html_file, attachment (paths separated by ';'), doc_type, record."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise ConfigError(f"{path} cannot be read: {exc.strerror}") from None
    mails = []
    for number, row in enumerate(rows, start=2):
        missing = [c for c in ("to", "subject") if not (row.get(c) or "").strip()]
        if missing or not (row.get("body") or row.get("body_file")):
            raise ConfigError(f"{path}, line {number}: needs to, subject and body (or body_file)")
        mails.append(
            (
                row.get("key") or str(number - 1),
                DocumentMail(
                    document_type=row.get("doc_type") or "letter",
                    to=_addresses(row["to"]),
                    cc=_addresses(row.get("cc")),
                    bcc=_addresses(row.get("bcc")),
                    subject=row["subject"],
                    text=row.get("body") or _read(row.get("body_file"), "body file"),
                    html=_read(row.get("html_file") or None, "HTML file"),
                    attachments=[Attachment.from_path(p) for p in (row.get("attachment") or "").split(";") if p],
                    record_number=row.get("record") or None,
                ),
            )
        )
    return mails


def cmd_send_batch(args) -> int:
    from tqdm.auto import tqdm

    from .sync import _cancel_on_ctrl_c

    workspace = open_workspace(args)
    account = account_with(workspace, args.account, "sending")
    path = Path(args.file)
    mails = _batch_rows(path)
    bar = tqdm(total=len(mails), unit="mail", file=sys.stderr, disable=args.json or not sys.stderr.isatty())
    with Journal(workspace.journal_file) as journal, _cancel_on_ctrl_c() as cancel:
        result = send_batch(
            account,
            workspace,
            journal,
            mails,
            batch=args.batch or path.stem,
            batch_size=args.batch_size,
            pause_ms=args.pause_ms,
            user=args.user,
            retry_unknown=args.retry_unknown,
            progress=lambda done, total: bar.update(done - bar.n),
            cancel=cancel,
        )
    bar.close()
    summary = {k: getattr(result, k) for k in ("batch", "sent", "failed", "skipped", "unknown", "pauses")}
    if args.json:
        print_json({**summary, "errors": result.errors})
    else:
        print(", ".join(f"{k} {v}" for k, v in summary.items()))
        for key, error in result.errors.items():
            print(f"  {key}: {error}")
        if result.unknown:
            print(
                f"  {result.unknown} mail(s) of an interrupted run may or may not have gone out; check, then use "
                "--retry-unknown to send them"
            )
    return 0 if not result.failed else 1


def cmd_retry_copies(args) -> int:
    workspace = open_workspace(args)
    account = account_with(workspace, args.account, "imap")
    with Journal(workspace.journal_file) as journal:
        outcomes = retry_copies(account, workspace, journal)
    if args.json:
        print_json([o.to_dict() for o in outcomes])
    else:
        print(f"{len(outcomes)} copie(s) retried: " + ", ".join(f"{o.message_id} {o.copy_status}" for o in outcomes))
    return 0 if all(o.copy_status == "copied" for o in outcomes) else 1


def add_commands(sub, command) -> None:
    p = command(sub, "send", cmd_send, "send a document mail through an account")
    p.add_argument("account")
    p.add_argument("--to", action="append", required=True)
    p.add_argument("--cc", action="append")
    p.add_argument("--bcc", action="append")
    p.add_argument("--subject", required=True)
    body = p.add_mutually_exclusive_group(required=True)
    body.add_argument("--body")
    body.add_argument("--body-file")
    p.add_argument("--html-file")
    p.add_argument("--attach", action="append", metavar="FILE")
    p.add_argument("--doc-type", default="letter", help="quote, order, invoice, receipt, dunning, letter, ...")
    p.add_argument("--record", help="the record number, linked in the journal")
    p.add_argument("--user", help="the sending employee (sender policy, signature variables)")
    p.add_argument("--project", help="a project whose signature applies")
    p.add_argument("--clerk", help="the record's clerk, copied in when another user sends")
    p.add_argument("--json", action="store_true")
    p = command(sub, "send-test", cmd_send_test, "send a test mail through an account")
    p.add_argument("account")
    p.add_argument("--to", required=True)
    p.add_argument("--user")
    p.add_argument("--json", action="store_true")
    p = command(sub, "send-batch", cmd_send_batch, "send the mails of a CSV file in paced batches (resumable)")
    p.add_argument("account")
    p.add_argument("file")
    p.add_argument("--batch", help="the batch's name: a re-run with it skips what was sent (default: file name)")
    p.add_argument("--batch-size", type=int, default=50)
    p.add_argument("--pause-ms", type=int, default=1000)
    p.add_argument("--user")
    p.add_argument("--retry-unknown", action="store_true", help="send again what an interrupted run left unknown")
    p.add_argument("--json", action="store_true")
    p = command(sub, "send-retry-copies", cmd_retry_copies, "copy sent mails whose Sent-folder copy failed")
    p.add_argument("account")
    p.add_argument("--json", action="store_true")
