"""ipywidgets front ends over the library: thin, no protocol code; testable headlessly."""

from .account_form import AccountForm
from .diagnostics_panel import DiagnosticsPanel
from .sync_panel import SyncPanel

__all__ = ["AccountForm", "DiagnosticsPanel", "SyncPanel"]
