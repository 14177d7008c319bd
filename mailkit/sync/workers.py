"""Many accounts, many workers: ``mailkit sync --all-accounts --workers N``.

No scheduler of our own and no job library: the work is a fixed list (the workspace's accounts)
and the journal already has what a queue needs. Each worker thread has its own journal
connection and takes an account by its lock (on PostgreSQL an advisory lock, which the server
drops when a worker dies, even by SIGKILL; on SQLite a lock file). An account whose lock another
worker holds, in this process or on another machine, goes to the back of this process's queue;
it is done once this process imported it or the ``runs`` table shows an import of it that ran
to its end since this process started. So processes on several machines pointing at one journal
share the accounts, and an account a killed worker held is picked up again as soon as the
server released its lock.
"""

from __future__ import annotations

__all__ = ["AccountOutcome", "sync_all_accounts"]

import collections
import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import AccountBusyError, MailkitError
from ..workspace import Workspace
from .base import Cancel, SyncOptions, SyncResult
from .watch import sync_account


@dataclass
class AccountOutcome:
    """What became of one account: imported here (``result``), by another worker, or an error."""

    account: str
    result: SyncResult | None = None
    error: str | None = None
    by_other_worker: bool = False
    waits: int = field(default=0, repr=False)

    @property
    def ok(self) -> bool:
        return self.by_other_worker or (self.result is not None and self.result.ok)


def sync_all_accounts(
    workspace: Workspace,
    options: SyncOptions | Callable[[str], SyncOptions],
    *,
    accounts: list[str] | None = None,
    workers: int = 2,
    cancel: Cancel | None = None,
    retry_seconds: float = 0.5,
    on_outcome: Callable[[AccountOutcome], None] = lambda outcome: None,
    **kwargs,
) -> list[AccountOutcome]:
    """Import every receiving account (or ``accounts``) with ``workers`` threads; one outcome per account.

    ``options`` are the same for every account, or a function giving an account's (by its name).
    """
    if workers < 1:
        raise ValueError("workers must be at least 1")
    cancel = cancel or Cancel()
    names = accounts or sorted(n for n, a in workspace.accounts.items() if a.receiving is not None)
    for name in names:
        workspace.get(name)  # an unknown name fails before any work starts
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    queue = collections.deque(names)
    lock = threading.Lock()
    outcomes: dict[str, AccountOutcome] = {name: AccountOutcome(name) for name in names}
    failures: list[BaseException] = []

    def take() -> str | None:
        with lock:
            return queue.popleft() if queue else None

    def work() -> None:
        try:
            with workspace.open_journal() as journal:
                while not cancel.is_set() and (name := take()) is not None:
                    outcome = outcomes[name]
                    try:
                        chosen = options(name) if callable(options) else options
                        outcome.result = sync_account(workspace.get(name), workspace, journal, chosen,
                                                      cancel=cancel, **kwargs)  # fmt: skip
                    except AccountBusyError:
                        if journal.finished_since(name, started):
                            outcome.by_other_worker = True
                        else:  # another worker is on it: look again after the others
                            outcome.waits += 1
                            with lock:
                                queue.append(name)
                            cancel.wait(retry_seconds)
                            continue
                    except MailkitError as exc:  # this account only: the others go on
                        outcome.error = str(exc)
                    on_outcome(outcome)
        except BaseException as exc:  # a worker that cannot open the journal stops the whole run
            failures.append(exc)
            cancel.set()

    threads = [threading.Thread(target=work, name=f"sync-worker-{n + 1}", daemon=True) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return [outcomes[name] for name in names]
