"""``mailkit send``, ``send-test``, ``send-batch`` and ``send-retry-copies``."""

from __future__ import annotations

# The commands import what they need (network, OAuth, DKIM, the sync engine) when they run:
# `mailkit --help` and every other command stay fast.
import csv
import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError
from ._boundary import FAILED, INTERRUPTED, OK
from ._common import account_with, address, open_workspace, positive_int, print_json

if TYPE_CHECKING:
    from ..send import DocumentMail


def _read(path: str | None, what: str) -> str | None:
    if path is None:
        return None
    try:
        return _decode_text(Path(path).read_bytes(), path)
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
    if outcome.smime_signed or outcome.smime_encrypted_for:
        encrypted = ", ".join(outcome.smime_encrypted_for)
        cipher = (outcome.smime_cipher or "").replace("_", "-").upper()  # AES256-GCM
        print(
            "  S/MIME: "
            + ("signed" if outcome.smime_signed else "not signed")
            + (f", encrypted ({cipher}) for {encrypted}" if encrypted else "")
        )
    for note in outcome.notes:
        print(f"  note: {note}")


def cmd_send(args) -> int:
    from ..send import Attachment, DocumentMail, send_mail

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
    with workspace.open_journal() as journal:
        outcome = send_mail(
            account,
            workspace,
            journal,
            mail,
            user=args.user,
            project=args.project,
            clerk=args.clerk,
            sign=args.sign,
            encrypt=args.encrypt,
        )
    _print_outcome(outcome, args.json)
    return 0


def cmd_send_test(args) -> int:
    from ..send import send_test

    workspace = open_workspace(args)
    account = account_with(workspace, args.account, "sending")
    with workspace.open_journal() as journal:
        outcome = send_test(account, workspace, journal, args.to, user=args.user)
    _print_outcome(outcome, args.json)
    return 0


def _addresses(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").replace(";", ",").split(",") if v.strip()]


CSV_HELP = (
    "FILE is a CSV table, one mail a row, with a header row naming the columns: to and subject (required), "
    "body or body_file, and optionally key (what a re-run skips by; default the row number), cc, bcc "
    "(addresses separated by , or ;), html_file, attachment (paths separated by ;), doc_type, record. "
    "Comma, semicolon or tab separated (detected); UTF-8, else Windows-1252 as Excel saves it. "
    "Sent and failed mails go into the journal."
)


def _decode_text(data: bytes, path) -> str:
    """UTF-8 (with or without Excel's BOM), else Windows-1252: what Excel on Windows writes."""
    if b"\x00" in data:
        raise ConfigError(f"{path} is not a text file (it holds NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _batch_rows(path: Path) -> list[tuple[str, DocumentMail]]:
    """The mails of a batch CSV (see ``CSV_HELP``); a bad row is named by its line."""
    from ..send import Attachment, DocumentMail

    try:
        text = _decode_text(path.read_bytes(), path)
    except OSError as exc:
        raise ConfigError(f"{path} cannot be read: {exc.strerror}") from None
    header = text.partition("\n")[0]
    delimiter = max(",;\t", key=header.count)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = list(reader)
    if not rows:
        raise ConfigError(f"{path} has no mails: it needs a header row (to, subject, body) and a row per mail")
    columns = {c.strip().lower() for c in reader.fieldnames or ()}
    if not {"to", "subject"} <= columns or not columns & {"body", "body_file"}:
        raise ConfigError(
            f"{path}: the header row names {', '.join(sorted(c for c in columns if c)) or 'no columns'}; "
            "it needs to, subject and body (or body_file)"
        )
    rows = [{k.strip().lower(): v or "" for k, v in row.items() if k is not None} for row in rows]
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

    from ..send import send_batch
    from .sync import _cancel_on_ctrl_c

    workspace = open_workspace(args)
    account = account_with(workspace, args.account, "sending")
    path = Path(args.file)
    mails = _batch_rows(path)
    bar = tqdm(total=len(mails), unit="mail", file=sys.stderr, disable=args.json or not sys.stderr.isatty())
    with workspace.open_journal() as journal, _cancel_on_ctrl_c() as cancel:
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
    if cancel.is_set():
        return INTERRUPTED
    return FAILED if result.failed or result.unknown else OK


def cmd_retry_copies(args) -> int:
    from ..send import retry_copies

    workspace = open_workspace(args)
    account = account_with(workspace, args.account, "imap")
    with workspace.open_journal() as journal:
        outcomes = retry_copies(account, workspace, journal)
    if args.json:
        print_json([o.to_dict() for o in outcomes])
    else:
        copies = "1 Sent copy" if len(outcomes) == 1 else f"{len(outcomes)} Sent copies"
        print(f"{copies} retried" + "".join(f"\n  {o.message_id}: {o.copy_status}" for o in outcomes))
    return 0 if all(o.copy_status == "copied" for o in outcomes) else 1


def add_commands(sub, command) -> None:
    p = command(sub, "send", cmd_send, "send a document mail through an account")
    p.add_argument("account", help="the account's name in mailkit.toml")
    p.add_argument("--to", action="append", required=True, type=address, help="a recipient (repeatable)")
    p.add_argument("--cc", action="append", type=address, help="a copy recipient (repeatable)")
    p.add_argument("--bcc", action="append", type=address, help="a blind copy recipient (repeatable)")
    p.add_argument("--subject", required=True, help="the subject line")
    body = p.add_mutually_exclusive_group(required=True)
    body.add_argument("--body", help="the plain-text body (the signature is added)")
    body.add_argument("--body-file", help="read the plain-text body from this file (UTF-8, else Windows-1252)")
    p.add_argument("--html-file", help="also an HTML body from this file (UTF-8, else Windows-1252)")
    p.add_argument("--attach", action="append", metavar="FILE", help="attach this file (repeatable)")
    p.add_argument("--doc-type", default="letter", help="quote, order, invoice, receipt, dunning, letter, ...")
    p.add_argument("--record", help="the record number, linked in the journal")
    p.add_argument("--user", help="the sending employee (sender policy, signature variables)")
    p.add_argument("--project", help="a project whose signature applies")
    p.add_argument("--clerk", help="the record's clerk, copied in when another user sends")
    sign = p.add_mutually_exclusive_group()
    sign.add_argument(
        "--sign", action="store_true", default=None, help="S/MIME-sign this mail (default: the account's)"
    )
    sign.add_argument("--no-sign", dest="sign", action="store_false", help="do not S/MIME-sign this mail")
    p.add_argument(
        "--encrypt",
        nargs="?",
        const="always",
        choices=("always", "when-possible", "never"),
        help="S/MIME-encrypt this mail: always (the default of --encrypt alone), when-possible, never",
    )
    p.add_argument("--json", action="store_true")
    p = command(sub, "send-test", cmd_send_test, "send a test mail through an account")
    p.add_argument("account", help="the account's name in mailkit.toml")
    p.add_argument("--to", required=True, type=address, help="the recipient")
    p.add_argument("--user", help="the sending employee (sender policy, signature variables)")
    p.add_argument("--json", action="store_true")
    p = command(sub, "send-batch", cmd_send_batch, "send the mails of a CSV file in paced batches (resumable)")
    p.description += ". " + CSV_HELP
    p.add_argument("account", help="the account's name in mailkit.toml")
    p.add_argument("file", help="the CSV file (columns above)")
    p.add_argument("--batch", help="the batch's name: a re-run with it skips what was sent (default: file name)")
    p.add_argument("--batch-size", type=positive_int, default=50, help="mails per batch (default 50)")
    p.add_argument("--pause-ms", type=int, default=1000, help="pause between batches (default 1000 ms)")
    p.add_argument("--user", help="the sending employee (sender policy, signature variables)")
    p.add_argument("--retry-unknown", action="store_true", help="send again what an interrupted run left unknown")
    p.add_argument("--json", action="store_true")
    p = command(sub, "send-retry-copies", cmd_retry_copies, "copy sent mails whose Sent-folder copy failed")
    p.add_argument("account", help="the account's name in mailkit.toml")
    p.add_argument("--json", action="store_true")
