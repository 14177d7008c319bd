"""The sync panel: choose folders and options, run an import with a progress bar, see the counts, cancel."""

from __future__ import annotations

__all__ = ["SyncPanel"]

import html
import threading

import ipywidgets as w

from ..errors import MailkitError
from ..journal.store import Journal
from ..sync.base import Cancel, SyncOptions
from ..sync.watch import selectable_folders, sync_account
from ..workspace import Workspace
from ._controls import button, checkbox


class SyncPanel(w.VBox):
    """Runs :func:`mailkit.sync.watch.sync_account` in a thread so the notebook stays responsive."""

    def __init__(self, workspace: Workspace, journal: Journal, account: str | None = None) -> None:
        self.workspace = workspace
        self.journal = journal
        names = sorted(workspace.accounts)
        self.account = w.Dropdown(options=names, value=account or (names[0] if names else None), description="Account")
        self.folders = w.SelectMultiple(options=[], description="Folders", rows=6)
        self.load_folders = button("List folders", icon="folder-open")
        self.unread_only = checkbox("Only unread mail")
        self.after = w.Dropdown(options=["keep", "seen", "delete"], value="keep", description="After import")
        self.dry_run = checkbox("Dry run (change nothing)")
        self.run_button = button("Import", style="primary", icon="download")
        self.cancel_button = button("Cancel", icon="stop")
        self.cancel_button.disabled = True
        self.progress = w.IntProgress(value=0, min=0, max=1, description="Progress")
        self.result = w.HTML()
        self.load_folders.on_click(lambda _: self.list_folders())
        self.run_button.on_click(lambda _: self.start())
        self.cancel_button.on_click(lambda _: self._cancel.set())
        self._cancel = Cancel()
        self._thread: threading.Thread | None = None
        self.last_result = None
        super().__init__(
            [
                w.HBox([self.account, self.load_folders]),
                self.folders,
                w.HBox([self.unread_only, self.dry_run]),
                self.after,
                w.HBox([self.run_button, self.cancel_button]),
                self.progress,
                self.result,
            ]
        )

    def list_folders(self) -> list[str]:
        account = self.workspace.get(self.account.value)
        try:
            names = selectable_folders(account, self.workspace)
        except MailkitError as exc:
            self.result.value = f"<b style='color:#b00020'>{html.escape(str(exc))}</b>"
            return []
        self.folders.options = names
        return names

    def _progress(self, folder: str, done: int, total: int) -> None:
        self.progress.max = max(total, 1)
        self.progress.value = done
        self.progress.description = folder[:12]

    def start(self, wait: bool = False) -> None:
        """Start the import; ``wait=True`` blocks until it is done (for headless runs and tests)."""
        self._cancel = Cancel()
        options = SyncOptions(
            folders=list(self.folders.value) or None,
            unread_only=self.unread_only.value,
            after=self.after.value,
            dry_run=self.dry_run.value,
        )
        self.run_button.disabled, self.cancel_button.disabled = True, False
        self.result.value = "importing …"
        self._thread = threading.Thread(target=self._run, args=(options,), daemon=True)
        self._thread.start()
        if wait:
            self._thread.join()

    def _run(self, options: SyncOptions) -> None:
        account = self.workspace.get(self.account.value)
        try:
            self.last_result = sync_account(
                account, self.workspace, self.journal, options, progress=self._progress, cancel=self._cancel
            )
            self.result.value = _table(self.last_result)
        except MailkitError as exc:
            self.result.value = f"<b style='color:#b00020'>{html.escape(str(exc))}</b>"
        finally:
            self.run_button.disabled, self.cancel_button.disabled = False, True


def _table(result) -> str:
    columns = ("new", "known", "rebound", "flags_changed", "gone", "quarantined", "errors")
    rows = "".join(
        f"<tr><td>{html.escape(f.folder)}</td><td>{'no change' if f.skipped else f.status}</td>"
        + "".join(f"<td>{getattr(f, c)}</td>" for c in columns)
        + "</tr>"
        for f in result.folders
    )
    head = "".join(f"<th>{c.replace('_', ' ')}</th>" for c in ("folder", "status", *columns))
    prefix = "<p><b>dry run</b>: nothing was changed</p>" if result.dry_run else ""
    return f"{prefix}<table><tr>{head}</tr>{rows}</table>"
