"""Import runs: IMAP and POP3 into the journal."""

from .base import AssignQueue, Cancel, FolderResult, LinkRecordBySubject, SyncOptions, SyncResult
from .imap import import_imap

__all__ = ["AssignQueue", "Cancel", "FolderResult", "LinkRecordBySubject", "SyncOptions", "SyncResult", "import_imap"]
