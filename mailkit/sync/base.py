"""What every import run shares: options, counts, results, cancellation, processing routes."""

from __future__ import annotations

__all__ = [
    "FolderResult",
    "ImportedMessage",
    "LinkRecordBySubject",
    "Route",
    "SyncOptions",
    "SyncResult",
    "route_name",
]

import datetime as dt
import re
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from imapclient.exceptions import IMAPClientError

from ..errors import ConfigError, MailkitError, SyncError
from ..journal.parse import ParsedMessage

AFTER_ACTIONS = ("keep", "seen", "delete")
#: besides its database's refusals (Journal.backend.data_refusals), what storing one message's data raises
#: (not a full disk or a lock): the message is quarantined, the import goes on
STORE_REFUSALS = (ValueError, OverflowError)
COUNTS = ("new", "known", "rebound", "flags_changed", "gone", "quarantined", "errors", "bytes")


@dataclass
class SyncOptions:
    """How to import; the defaults import everything new and change nothing on the server."""

    folders: list[str] | None = None  # None: the account's base folder
    all_folders: bool = False
    unread_only: bool = False
    since: dt.date | None = None
    after: str = "keep"  # keep | seen | delete | move:FOLDER
    dry_run: bool = False
    batch_count: int = 250
    batch_bytes: int = 16 * 1024 * 1024
    accept_rebind: bool = False  # go on after a UIDVALIDITY change even when few known messages match
    rebind_threshold: float = 0.8
    parse_processes: int | None = None  # worker processes; None: as many as pay (journal/prepare.py); 0: here

    def __post_init__(self) -> None:
        if self.after not in AFTER_ACTIONS and not (self.after.startswith("move:") and len(self.after) > 5):
            raise SyncError(f"after-import action {self.after!r}: use keep, seen, delete or move:FOLDER")
        if self.batch_count < 1 or self.batch_bytes < 1:
            raise SyncError("batch sizes must be positive")

    @property
    def move_to(self) -> str | None:
        return self.after[5:] if self.after.startswith("move:") else None


@dataclass
class FolderResult:
    folder: str
    skipped: bool = False  # nothing changed since the last run
    new: int = 0
    known: int = 0  # already in the journal at this very location
    rebound: int = 0  # known message, new location (moved, UIDVALIDITY changed, other server)
    flags_changed: int = 0
    gone: int = 0
    quarantined: int = 0
    errors: int = 0
    bytes: int = 0  # body bytes downloaded
    status: str = "ok"  # ok | failed | cancelled
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTS}


@dataclass
class SyncResult:
    account: str
    dry_run: bool
    folders: list[FolderResult] = field(default_factory=list)
    pending_actions: list[dict] = field(default_factory=list)  # after-import actions still open after the run
    intake: dict = field(default_factory=dict)  # tickets, auto-replies, documents, purged entries of the run
    reports: dict | None = None  # what the deliverability scan found in the new mail (IngestResult.to_dict())

    @property
    def ok(self) -> bool:
        return all(f.status == "ok" for f in self.folders)

    @property
    def totals(self) -> dict[str, int]:
        return {name: sum(getattr(f, name) for f in self.folders) for name in COUNTS}

    def to_dict(self) -> dict:
        return {
            "account": self.account,
            "dry_run": self.dry_run,
            "ok": self.ok,
            "totals": self.totals,
            "folders": [asdict(f) for f in self.folders],
            "pending_actions": self.pending_actions,
            "intake": self.intake,
            "reports": self.reports,
        }


@dataclass(frozen=True)
class ImportedMessage:
    """What a processing route sees of a message just imported."""

    row: int
    account: str
    folder: str
    uid: int | None
    parsed: ParsedMessage


@dataclass(frozen=True)
class Decision:
    """What a route decided: a record link and/or a ticket queue."""

    record_type: str | None = None
    record_number: str | None = None
    queue: str | None = None


Route = Callable[[ImportedMessage], Decision | None]


def route_name(route: Route) -> str:
    """How a route is named in a failure: ``hook module.function`` for a function, else its repr."""
    if hasattr(route, "__qualname__") and hasattr(route, "__module__"):
        return f"hook {route.__module__}.{route.__qualname__}"
    return f"route {route!r}"


@dataclass(frozen=True)
class LinkRecordBySubject:
    """A built-in route: link mail whose subject names a record, e.g. ``Angebot 12345`` → quote 12345."""

    pattern: str
    record_type: str
    queue: str | None = None

    def __post_init__(self) -> None:
        try:
            re.compile(self.pattern)
        except re.error as exc:
            raise ConfigError(
                f"route pattern {self.pattern!r} is not a regular expression ({exc}): fix it, e.g. 'Angebot (\\d+)'"
            ) from None

    def __call__(self, message: ImportedMessage) -> Decision | None:
        found = re.search(self.pattern, message.parsed.subject or "", re.IGNORECASE)
        if not found:
            return None
        return Decision(self.record_type, found.group(1) if found.groups() else found.group(0), self.queue)


@dataclass(frozen=True)
class AssignQueue:
    """A built-in route: every message of the account into one ticket queue."""

    queue: str

    def __call__(self, message: ImportedMessage) -> Decision:
        return Decision(queue=self.queue)


def run_failure(exc: BaseException) -> tuple[str, str]:
    """The status and error text a run row ends with when ``exc`` stopped it."""
    if isinstance(exc, KeyboardInterrupt):
        return "cancelled", "interrupted (Ctrl-C): stopped in the middle of a batch, which was rolled back"
    if isinstance(exc, (OSError, IMAPClientError, MailkitError)):
        return "failed", str(exc) or type(exc).__name__
    return "failed", f"internal error: {type(exc).__name__}: {exc}"


class Cancel(threading.Event):
    """Set it (from another thread, or a Ctrl-C handler) to stop after the current batch."""


Progress = Callable[[str, int, int], None]  # folder, done, total
