"""The copy of a sent mail in an IMAP folder: the exact bytes that went out, once.

Which folder, as kivitendo resolves it: the sent-export settings of the account whose address is
the sender, else of the account of the user's own address, else of the sending account; a
configured folder, else the one the server marks ``\\Sent`` (SPECIAL-USE). Idempotent: the folder
is searched for the Message-ID first, so a retry never makes a second copy.
"""

from __future__ import annotations

__all__ = ["copy_target", "store_copy"]

import re

import imapclient
from imapclient.exceptions import IMAPClientError

from ..errors import SendError
from ..model import Account
from ..net.connect import imap_login
from ..workspace import Workspace

_APPENDUID = re.compile(rb"\[APPENDUID (\d+) (\d+)\]")


def copy_target(account: Account, workspace: Workspace, sender: str, user_email: str | None) -> Account | None:
    """The account whose IMAP keeps the copy, or None when no sent export is configured anywhere."""
    candidates = [a for a in workspace.accounts.values() if a.address.lower() == sender.lower()]
    if user_email:
        candidates += [a for a in workspace.accounts.values() if a.address.lower() == user_email.lower()]
    candidates.append(account)
    for candidate in candidates:
        receiving = candidate.receiving
        if receiving is not None and receiving.protocol == "imap" and receiving.sent_export:
            return candidate
    return None


def store_copy(target: Account, workspace: Workspace, data: bytes, message_id: str) -> tuple[str, int, int | None]:
    """APPEND the bytes (flag \\Seen) unless the folder holds that Message-ID already: (folder, uidvalidity, uid)."""
    try:
        with imap_login(target, workspace) as client:
            folder = target.receiving.sent_folder or _special_sent(client)
            if not client.folder_exists(folder):
                raise SendError(
                    f"the sent folder {folder!r} does not exist in {target.name!r}: create it, or set the account's "
                    "sent_folder to an existing one"
                )
            status = client.select_folder(folder)
            uidvalidity = status[b"UIDVALIDITY"]
            existing = client.search(["HEADER", "Message-ID", f"<{message_id}>"])
            if existing:
                return folder, uidvalidity, existing[0]
            said = client.append(folder, data, flags=[imapclient.SEEN])
            found = _APPENDUID.search(said or b"")
            return folder, uidvalidity, int(found.group(2)) if found else None
    except IMAPClientError as exc:
        raise SendError(f"copy into the sent folder of {target.name!r} failed: {exc}") from exc


def _special_sent(client) -> str:
    for flags, _, name in client.list_folders():
        if b"\\Sent" in flags:
            return name
    raise SendError("no sent folder is configured and the server marks none as \\Sent: set the account's sent_folder")
