"""ipywidgets front ends over the library: thin, no protocol code; testable headlessly."""

from .account_form import AccountForm
from .diagnostics_panel import DiagnosticsPanel
from .dkim_wizard import DkimWizard
from .journal_browser import JournalBrowser
from .journal_explorer import JournalExplorer
from .oauth_signin import DeviceCodeSignIn
from .onboarding import OnboardingApp
from .smime_panel import SmimePanel
from .sync_panel import SyncPanel

__all__ = [
    "AccountForm",
    "DeviceCodeSignIn",
    "DiagnosticsPanel",
    "DkimWizard",
    "JournalBrowser",
    "JournalExplorer",
    "OnboardingApp",
    "SmimePanel",
    "SyncPanel",
]
