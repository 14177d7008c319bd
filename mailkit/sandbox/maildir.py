"""The sandbox's Maildirs written and rewritten directly: fast seeding, and what a server move looks like."""

from __future__ import annotations

__all__ = ["reset_uidvalidity", "write_maildir"]

import os
from collections.abc import Iterable
from pathlib import Path

from imapclient import imap_utf7

_FLAG_LETTERS = {"\\Draft": "D", "\\Flagged": "F", "\\Answered": "R", "\\Seen": "S", "\\Deleted": "T"}


def _folder(dovecot, address: str, folder: str) -> Path:
    root = dovecot.home(address) / "Maildir"
    return root.joinpath(*(imap_utf7.encode(part).decode("ascii") for part in folder.split("/")))


def write_maildir(dovecot, address: str, mails: Iterable) -> int:
    """Put corpus mails straight into the user's Maildir (fast: no protocol round trip per mail).

    Each mail has ``folder``, ``raw``, ``flags`` and ``received``; the file's mtime is its
    INTERNALDATE, as Dovecot reads it.
    """
    made: set[Path] = set()
    pid = os.getpid()
    count = 0
    for count, mail in enumerate(mails, start=1):
        folder = _folder(dovecot, address, mail.folder)
        if folder not in made:
            for sub in ("cur", "new", "tmp"):
                dovecot.make_dirs(folder / sub)
            made.add(folder)
        stamp = mail.received.timestamp()
        letters = "".join(sorted(_FLAG_LETTERS[f] for f in mail.flags if f in _FLAG_LETTERS))
        base = f"{int(stamp)}.M{count}P{pid}.sandbox,S={len(mail.raw)}"
        tmp = folder / "tmp" / base
        tmp.write_bytes(mail.raw)
        os.utime(tmp, (stamp, stamp))
        if os.geteuid() == 0:
            os.chown(tmp, dovecot.run_as.mail_uid, dovecot.run_as.mail_gid)
        os.rename(tmp, folder / "cur" / f"{base}:2,{letters}")
    return count


def reset_uidvalidity(dovecot, address: str, folder: str) -> None:
    """Make Dovecot forget a folder's UID list and indexes: a new UIDVALIDITY, new UIDs, the same mail.

    What a server move or a rebuilt mail store looks like to an IMAP client.
    """
    for name in ("dovecot-uidlist", "dovecot.index", "dovecot.index.cache", "dovecot.index.log"):
        (_folder(dovecot, address, folder) / name).unlink(missing_ok=True)
