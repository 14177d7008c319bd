"""Document intake (REV+'s "Einsatzmappe", a DMS inbox): a mail's attachments filed per record or ticket.

Each attachment of an imported mail goes into ``documents/<record or ticket>/`` in the workspace
(private: 0700 folders, 0600 files) or to a hook, and the journal links it to the mail. A file name
from a mail is never trusted as a path: :func:`safe_name` keeps only its last part, printable
characters and a bounded length. The same content under the same target is filed once (by SHA-256);
another content under a name in use gets `` (2)``, `` (3)``… before the extension.
"""

from __future__ import annotations

__all__ = ["file_documents", "safe_name", "target_for"]

import hashlib
import importlib
import os
import re
import sys
import unicodedata
from pathlib import Path

from ..errors import ConfigError
from ..journal.parse import Attachment
from ..journal.store import Journal
from ..model import Documents
from ..secrets import write_private

_UNSAFE = re.compile(r"[^\w .,()+=@#&'-]")
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.I)
_MAX_BYTES = 150


def safe_name(name: str | None, number: int = 1) -> str:
    """A file name that is only a file name: no folders, no control characters, not hidden, not too long.

    >>> safe_name("../../etc/passwd"), safe_name("C:\\\\Windows\\\\evil.exe"), safe_name(".bashrc")
    ('passwd', 'evil.exe', 'bashrc')
    >>> safe_name("Rechnung 2026/17.pdf"), safe_name("CON.txt"), safe_name("", 3), safe_name("a\\x00b\\u202e.pdf")
    ('17.pdf', '_CON.txt', 'attachment-3', 'a_b_.pdf')
    """
    text = unicodedata.normalize("NFC", name or "")
    text = re.split(r"[/\\]", text)[-1]
    text = "".join("_" if unicodedata.category(c).startswith("C") else c for c in text)
    text = _UNSAFE.sub("_", text).strip(" .")
    if not text or set(text) <= {"_", "."}:
        return f"attachment-{number}"
    if _WINDOWS_RESERVED.match(text):
        text = "_" + text
    stem, dot, suffix = text.rpartition(".")
    if not dot or len(suffix) > 10:
        stem, dot, suffix = text, "", ""
    while len((stem + dot + suffix).encode()) > _MAX_BYTES:
        stem = stem[:-1]
    return stem + dot + suffix


def target_for(row: dict) -> str:
    """The folder below ``documents/`` for a mail: its record, else its ticket, else the mail itself.

    >>> target_for({"id": 7, "record_type": "invoice", "record_number": "R-2026/4", "ticket_number": None})
    'invoice-R-2026_4'
    >>> target_for({"id": 7, "record_type": None, "record_number": None, "ticket_number": "T20261201-0001"})
    'T20261201-0001'
    """
    if row.get("record_number"):
        label = f"{row.get('record_type') or 'record'}-{row['record_number']}"
    elif row.get("ticket_number"):
        label = row["ticket_number"]
    else:
        label = f"mail-{row['id']}"
    return safe_name(label.replace("/", "_").replace("\\", "_"))


def _free_name(folder: Path, name: str) -> Path:
    stem, dot, suffix = name.rpartition(".") if "." in name else (name, "", "")
    candidate, number = folder / name, 2
    while candidate.exists():
        candidate = folder / f"{stem} ({number}){dot}{suffix}"
        number += 1
    return candidate


def _load_hook(spec: str, workspace_path: Path):
    module, _, function = spec.partition(":")
    if str(workspace_path) not in sys.path:
        sys.path.insert(0, str(workspace_path))
    try:
        return getattr(importlib.import_module(module), function)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"documents hook {spec!r}: cannot load it from {workspace_path} ({exc})") from exc


def file_documents(
    journal: Journal, workspace_path: Path, settings: Documents, row: dict, attachments: list[Attachment]
) -> int:
    """File (or hand to the hook) each attachment of the mail ``row``; returns how many were new."""
    if not attachments:
        return 0
    folder_name = target_for(row)
    if settings.target == "hook":
        hook = _load_hook(settings.hook, workspace_path)
        for number, attachment in enumerate(attachments, start=1):
            hook(
                message_row=row["id"],
                target=folder_name,
                name=safe_name(attachment.name, number),
                original_name=attachment.name,
                mime_type=attachment.mime_type,
                content=attachment.content or b"",
            )
            journal.add_document(
                row["id"],
                attachment=attachment.name or "",
                file=None,
                sha256=attachment.sha256,
                size=attachment.size,
                target=f"hook {settings.hook}",
            )
        return len(attachments)
    base = workspace_path / "documents"
    folder = base / folder_name
    target = f"documents/{folder_name}"
    new = 0
    for number, attachment in enumerate(attachments, start=1):
        data = attachment.content or b""
        digest = hashlib.sha256(data).hexdigest()
        filed = journal.filed_document(target, digest)
        if filed is None:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(base, 0o700)
            os.chmod(folder, 0o700)
            path = _free_name(folder, safe_name(attachment.name, number))
            write_private(path, data)
            filed = path.relative_to(workspace_path).as_posix()
            new += 1
        journal.add_document(
            row["id"], attachment=attachment.name or "", file=filed, sha256=digest, size=len(data), target=target
        )
    return new
