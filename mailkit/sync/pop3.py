"""POP3 import: UIDL-based state (nothing downloaded twice), delete after import as an option.

POP3 has one mailbox and no flags; what identifies a message across sessions is its UIDL.
When the journal already holds mail (a server move, a second account on the same mailbox),
``TOP n 0`` fetches the header first so known messages are not downloaded again. Deletions
take effect only at QUIT; a deletion lost to a dropped connection is repeated on the next run.
"""

from __future__ import annotations

__all__ = ["import_pop3"]

import contextlib
import poplib

from ..errors import SyncError
from ..journal.parse import QuarantineReason, header_identity, parse_message
from ..journal.store import Journal
from ..model import Account
from ..net.connect import pop3_login
from ..workspace import Workspace
from .base import STORE_REFUSALS, Cancel, FolderResult, Progress, SyncOptions, SyncResult, run_failure

FOLDER = "POP3"


def _raw(lines: list[bytes]) -> bytes:
    # poplib strips line ends and dot-stuffing; RFC 5322 wants CRLF
    return b"\r\n".join(lines) + b"\r\n"


def _sizes(pop: poplib.POP3) -> dict[int, int]:
    """Each message's size (LIST), to match it with a known mail before downloading it."""
    sizes = {}
    for line in pop.list()[1]:
        number, _, size = line.partition(b" ")
        if number.isdigit() and size.split()[:1] and size.split()[0].isdigit():
            sizes[int(number)] = int(size.split()[0])
    return sizes


def import_pop3(
    account: Account,
    workspace: Workspace,
    journal: Journal,
    options: SyncOptions | None = None,
    *,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> SyncResult:
    """Import new POP3 mail; ``options.after`` may be ``keep`` or ``delete``."""
    options = options or SyncOptions()
    if options.after not in ("keep", "delete"):
        raise SyncError(f"POP3 supports only keep or delete after import, not {options.after!r}")
    if account.receiving is None or account.receiving.protocol != "pop3":
        raise SyncError(f"account {account.name!r} does not receive by POP3")
    cancel = cancel or Cancel()
    with journal.account_lock(account.name):
        return _import_pop3(account, workspace, journal, options, progress, cancel)


def _import_pop3(account, workspace, journal, options, progress, cancel) -> SyncResult:
    result = SyncResult(account.name, options.dry_run)
    folder_result = FolderResult(FOLDER)
    result.folders.append(folder_result)
    run_id = journal.start_run(account.name, FOLDER, "pop3", options.dry_run)
    own = {account.address.lower(), *(a.lower() for a in account.senders.values())}
    try:
        with pop3_login(account, workspace) as pop:
            try:
                listing = pop.uidl()[1]
            except poplib.error_proto as exc:
                raise SyncError(
                    f"POP3 server {account.receiving.host} does not support UIDL, so mailkit cannot tell new mail "
                    "from old; use IMAP for this mailbox"
                ) from exc
            on_server = {}
            for line in listing:
                number, _, uidl = line.decode("utf-8", "replace").partition(" ")
                on_server[uidl] = int(number)
            seen = journal.pop3_seen(account.name)
            new = [(uidl, number) for uidl, number in on_server.items() if uidl not in seen]
            folder_result.known = len(on_server) - len(new)
            check_headers = journal.count() > 0
            sizes = _sizes(pop) if check_headers else {}
            for done, (uidl, number) in enumerate(new, start=1):
                if cancel.is_set():
                    folder_result.notes.append("cancelled")
                    break
                if options.dry_run:
                    folder_result.new += 1
                    continue
                row = None
                if check_headers:  # a known mail by its headers and size, when exactly one row matches
                    identity = header_identity(_raw(pop.top(number, 0)[1]))
                    found = journal.rows_for_headers([(identity.header_hash, sizes.get(number, -1))])
                    rows = next(iter(found.values()), [])
                    row = rows[0] if identity.message_id and len(rows) == 1 else None
                with journal.transaction():
                    if row is not None:
                        folder_result.rebound += 1
                    else:
                        raw = _raw(pop.retr(number)[1])
                        folder_result.bytes += len(raw)
                        try:
                            parsed = parse_message(raw, journal.attachments == "content")
                        except QuarantineReason as reason:
                            journal.quarantine(account.name, FOLDER, f"{reason} (UIDL {uidl})", raw)
                            folder_result.quarantined += 1
                        else:
                            direction = "out" if (parsed.from_addr or "") in own else "in"
                            try:
                                with journal.savepoint():
                                    row, is_new = journal.add_message(
                                        parsed, raw, account=account.name, direction=direction
                                    )
                            except (*journal.backend.data_refusals, *STORE_REFUSALS) as exc:
                                reason = f"the journal could not store it: {type(exc).__name__}: {exc} (UIDL {uidl})"
                                folder_result.quarantined += journal.quarantine(account.name, FOLDER, reason, raw)
                            else:
                                if is_new and parsed.smime:  # rare: the S/MIME code (cryptography) loads only then
                                    from ..smime import record as record_smime

                                    record_smime(journal, workspace, account.name, row, raw, parsed.from_addr)
                                folder_result.new += is_new
                                folder_result.rebound += not is_new
                    journal.pop3_mark(account.name, uidl, row, deleted=options.after == "delete")
                if options.after == "delete":
                    pop.dele(number)
                    folder_result.gone += 1
                if progress:
                    progress(FOLDER, done, len(new))
            if options.after == "delete" and not options.dry_run and not cancel.is_set():
                # as REV+ does: everything processed goes, also mail imported before delete was turned on
                # and deletions a dropped session never committed with QUIT
                earlier = sorted(uidl for uidl in on_server if uidl in seen)
                with journal.transaction():
                    for uidl in earlier:
                        journal.pop3_mark(account.name, uidl, None, deleted=True)
                for uidl in earlier:
                    pop.dele(on_server[uidl])
                    folder_result.gone += 1
    except BaseException as exc:  # whatever stops the run, its row says so
        folder_result.status, folder_result.error = run_failure(exc)
        folder_result.errors += 1
        with contextlib.suppress(*journal.backend.errors):
            journal.finish_run(run_id, folder_result.status, folder_result.counts(), folder_result.error)
        raise
    folder_result.status = "cancelled" if cancel.is_set() else "ok"
    journal.finish_run(run_id, folder_result.status, folder_result.counts())
    return result
