"""Per-record IMAP folders, as kivitendo keeps them: create, import with the record link, clean up.

The name is ``<base>/<customer no> <customer name>/<record type>/<record no>``, with the hierarchy
separator inside a part replaced by ``_``; imapclient encodes non-ASCII names in IMAP's modified
UTF-7. Unlike kivitendo's clean-up job — which deletes every folder under the base folder that is
not in its keep set, hand-made ones too, and stops at the first failure — mailkit deletes only
folders it created, only for closed records, only after importing them, and goes on past a failure.
"""

from __future__ import annotations

__all__ = ["RECORD_TYPE_TITLES", "cleanup_record_folders", "create_record_folder", "record_folder_name", "sync_record"]

from dataclasses import dataclass

from imapclient.exceptions import IMAPClientError

from ..errors import MailkitError, SyncError
from ..journal.store import Journal
from ..model import Account
from ..net.connect import imap_login
from ..workspace import Workspace
from .base import SyncOptions, SyncResult
from .imap import import_imap

#: folder titles per document type, in the words of a German ERP
RECORD_TYPE_TITLES = {
    "quote": "Angebote",
    "order": "Aufträge",
    "delivery_note": "Lieferscheine",
    "invoice": "Rechnungen",
    "credit_note": "Gutschriften",
    "dunning": "Mahnungen",
    "receipt": "Belege",
    "letter": "Briefe",
    "purchase_order": "Bestellungen",
}


def record_folder_name(
    base: str, customer_number: str, customer_name: str, record_type: str, record_number: str, separator: str = "/"
) -> str:
    """kivitendo's folder for a record; a separator inside a part becomes ``_``.

    >>> record_folder_name("INBOX", "10042", "Müller/Söhne GmbH", "quote", "A-2026/17")
    'INBOX/10042 Müller_Söhne GmbH/Angebote/A-2026_17'
    """
    title = RECORD_TYPE_TITLES.get(record_type, record_type)
    parts = [f"{customer_number} {customer_name}".strip(), title, record_number]
    if not all(p.strip() for p in parts):
        raise SyncError("a record folder needs customer number or name, record type and record number")
    return separator.join([base, *(p.replace(separator, "_").replace("/", "_").strip() for p in parts)])


@dataclass(frozen=True)
class CleanupRow:
    folder: str
    record_type: str
    record_number: str
    action: str  # deleted | would delete | kept (open) | failed
    detail: str = ""


def create_record_folder(
    account: Account,
    workspace: Workspace,
    journal: Journal,
    *,
    customer_number: str,
    customer_name: str,
    record_type: str,
    record_number: str,
) -> str:
    """Create the record's folder (and missing parents) on the server; remember that mailkit made it."""
    with imap_login(account, workspace) as client:
        separator = client.namespace().personal[0][1] if client.has_capability("NAMESPACE") else "/"
        separator = (separator.decode() if isinstance(separator, bytes) else separator) or "/"
        name = record_folder_name(
            account.receiving.base_folder, customer_number, customer_name, record_type, record_number, separator
        )
        parts = name.split(separator)
        for depth in range(2, len(parts) + 1):
            path = separator.join(parts[:depth])
            if not client.folder_exists(path):
                client.create_folder(path)
                client.subscribe_folder(path)
    with journal.transaction():
        journal.add_record_folder(account.name, name, record_type, record_number)
    return name


def sync_record(
    account: Account, workspace: Workspace, journal: Journal, record_type: str, record_number: str, **kwargs
) -> SyncResult:
    """Import a record's folder(s) and link every message in them to the record."""
    folders = [f["folder"] for f in journal.record_folders(account.name, record=(record_type, record_number))]
    if not folders:
        raise SyncError(
            f"no folder for {record_type} {record_number} in account {account.name!r}: create one with "
            "`mailkit record-folder create`"
        )
    result = import_imap(account, workspace, journal, SyncOptions(folders=folders), **kwargs)
    with journal.transaction():
        for folder in folders:
            journal.link_folder(account.name, folder, record_type, record_number)
    return result


def cleanup_record_folders(
    account: Account, workspace: Workspace, journal: Journal, *, dry_run: bool = False
) -> list[CleanupRow]:
    """Import, then delete, the folders mailkit made for records that are closed; report every folder."""
    rows = []
    for entry in journal.record_folders(account.name):
        folder, rtype, number = entry["folder"], entry["record_type"], entry["record_number"]
        if entry["closed_at"] is None:
            rows.append(CleanupRow(folder, rtype, number, "kept (open)"))
            continue
        if dry_run:
            rows.append(CleanupRow(folder, rtype, number, "would delete", "after importing it"))
            continue
        try:
            sync_record(account, workspace, journal, rtype, number)
            with imap_login(account, workspace) as client:
                if client.folder_exists(folder):
                    client.unsubscribe_folder(folder)
                    client.delete_folder(folder)
            journal.record_folder_deleted(account.name, folder)
            rows.append(CleanupRow(folder, rtype, number, "deleted", "imported first"))
        except (MailkitError, IMAPClientError) as exc:  # go on with the others; this one stays
            rows.append(CleanupRow(folder, rtype, number, "failed", str(exc)))
    return rows
