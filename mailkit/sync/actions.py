"""After-import actions that always finish: recorded with the batch, taken on the server, retried until done.

An action (seen, delete, move:FOLDER) is written into the journal in the same transaction as the
mail it is for, then taken. When the server refuses (a missing target folder, a dropped
connection), the action stays open with its error and every later run tries it again — before
anything else in that folder, also when nothing new arrived — until it succeeds or the mail has
left the folder. A run with another action than ``keep`` replaces the open ones: the latest
instruction wins.
"""

from __future__ import annotations

__all__ = ["take_pending"]

import imapclient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError

from ..errors import SyncError
from ..journal.store import Journal


def take_pending(
    client, journal: Journal, account: str, folder: str, uidvalidity: int, *, uidplus: bool, can_move: bool, host: str
) -> tuple[int, str | None]:
    """Take the folder's open actions (the folder selected read-write): (mails now gone, error or None)."""
    pending = journal.pending_actions(account, folder)
    if not pending:
        return 0, None
    stale = [p["id"] for p in pending if p["uidvalidity"] != uidvalidity]  # UIDs of another UIDVALIDITY mean nothing
    current = [p for p in pending if p["uidvalidity"] == uidvalidity]
    on_server = set(client.search(["UID", ",".join(str(p["uid"]) for p in current)])) if current else set()
    left = [p["id"] for p in current if p["uid"] not in on_server]
    with journal.transaction():
        journal.finish_pending_actions(stale + left, "gone")
    by_action: dict[str, list[dict]] = {}
    for p in current:
        if p["uid"] in on_server:
            by_action.setdefault(p["action"], []).append(p)
    gone, errors = 0, []
    for action, rows in by_action.items():
        uids = [p["uid"] for p in rows]
        try:
            _take(client, action, uids, uidplus=uidplus, can_move=can_move, host=host)
        except IMAPClientAbortError:
            raise  # the connection is gone: the actions stay open for the next run
        except (IMAPClientError, SyncError) as exc:
            error = (
                f"after-import {action} of {len(uids)} mail(s) in {folder!r} failed ({exc}); retried on the next run"
            )
            with journal.transaction():
                journal.fail_pending_actions([p["id"] for p in rows], str(exc))
            errors.append(error)
            continue
        with journal.transaction():
            journal.finish_pending_actions([p["id"] for p in rows], "done")
            if action != "seen":
                gone += journal.mark_gone(account, folder, uidvalidity, uids)
    return gone, "; ".join(errors) or None


def _take(client, action: str, uids: list[int], *, uidplus: bool, can_move: bool, host: str) -> None:
    if action == "seen":
        client.add_flags(uids, [imapclient.SEEN])
        return
    if not uidplus:
        raise SyncError(
            f"after-import action {action!r} needs UIDPLUS (UID EXPUNGE) on the server, which {host} lacks; "
            "mailkit never expunges by sequence number"
        )
    target = action[5:] if action.startswith("move:") else None
    if target and can_move:
        client.move(uids, target)
        return
    if target:
        client.copy(uids, target)
    client.add_flags(uids, [imapclient.DELETED])
    client.uid_expunge(uids)
