"""ipywidgets front ends over the library: thin, no protocol code; testable headlessly."""

from .account_form import AccountForm
from .journal_explorer import JournalExplorer
from .sync_panel import SyncPanel

__all__ = ["AccountForm", "JournalExplorer", "SyncPanel"]
