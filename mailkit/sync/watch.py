"""Watch mode: import, then wait for new mail (IMAP IDLE where the server has it, else a poll)."""

from __future__ import annotations

__all__ = ["selectable_folders", "sync_account", "wait_for_mail", "watch"]

import time
from collections.abc import Callable

from ..deliverability.ingest import scan_journal
from ..errors import ConnectError
from ..journal.store import Journal
from ..model import Account
from ..net.connect import imap_login
from ..secrets import logger
from ..workspace import Workspace
from .base import Cancel, SyncOptions, SyncResult
from .imap import import_imap
from .intake import run_intake
from .pop3 import import_pop3

log = logger(__name__)


def sync_account(
    account: Account, workspace: Workspace, journal: Journal, options: SyncOptions, **kwargs
) -> SyncResult:
    """One import run by the account's protocol, then what the new mail starts: reports and bounces into their
    tables, tickets, auto-replies, documents and retention (:mod:`mailkit.sync.intake`); the result names the
    after-import actions still open.
    """
    after_row = journal.last_message_row()
    if account.receiving is not None and account.receiving.protocol == "pop3":
        kwargs.pop("routes", None)
        result = import_pop3(account, workspace, journal, options, **kwargs)
    else:
        result = import_imap(account, workspace, journal, options, **kwargs)
    result.pending_actions = journal.pending_actions(account.name)
    if not options.dry_run:
        result.reports = scan_journal(journal, account=account.name, cancel=kwargs.get("cancel")).to_dict()
        result.intake = run_intake(account, workspace, journal, after_row=after_row)
        if result.intake["errors"] and result.folders:
            last = result.folders[-1]
            last.status, last.error = "failed", last.error or "; ".join(result.intake["errors"])
    return result


def wait_for_mail(account: Account, workspace: Workspace, folder: str, timeout: float, cancel: Cancel) -> bool:
    """Block until the server announces new mail in ``folder`` (IDLE), ``timeout`` passes or ``cancel`` is set.

    Returns whether new mail was announced; False as well when the server has no IDLE (then it just waits).
    """
    deadline = time.monotonic() + timeout
    with imap_login(account, workspace) as client:
        if not client.has_capability("IDLE"):
            cancel.wait(timeout)
            return False
        client.select_folder(folder, readonly=True)
        client.idle()
        try:
            while not cancel.is_set() and (remaining := deadline - time.monotonic()) > 0:
                for response in client.idle_check(timeout=min(remaining, 1.0)):
                    if len(response) > 1 and response[1] in (b"EXISTS", b"RECENT"):
                        return True
        finally:
            client.idle_done()
    return False


def watch(
    account: Account,
    workspace: Workspace,
    journal: Journal,
    options: SyncOptions | None = None,
    *,
    interval: float = 300.0,
    cancel: Cancel | None = None,
    on_result: Callable[[SyncResult], None] = lambda result: None,
    on_error: Callable[[Exception], None] = lambda exc: None,
    **kwargs,
) -> None:
    """Import now and whenever mail arrives (or every ``interval`` seconds) until ``cancel`` is set.

    A connection failure does not end the watch: it is reported and retried after the interval.
    """
    options = options or SyncOptions()
    cancel = cancel or Cancel()
    folder = (options.folders or [account.receiving.base_folder])[0]
    while not cancel.is_set():
        try:
            on_result(sync_account(account, workspace, journal, options, cancel=cancel, **kwargs))
            if account.receiving.protocol == "imap":
                wait_for_mail(account, workspace, folder, interval, cancel)
            else:
                cancel.wait(interval)
        except ConnectError as exc:
            log.warning("watch of %s: %s; retrying in %.0f s", account.name, exc, interval)
            on_error(exc)
            cancel.wait(interval)


def selectable_folders(account: Account, workspace: Workspace) -> list[str]:
    """The account's IMAP folders that can be imported (``\\Noselect`` ones, mere parents, left out)."""
    with imap_login(account, workspace) as client:
        return [name for flags, _, name in client.list_folders() if b"\\Noselect" not in flags]
