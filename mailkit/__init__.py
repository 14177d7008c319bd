"""mailkit: mail administration for business software, in Python and Jupyter.

The public names are re-exported here, loaded on first use (the sync's parsing worker starts
without the account model); everything else lives in private-by-convention modules.
"""

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .errors import (
        AuthError,
        ConfigError,
        ConnectError,
        MailkitError,
        PolicyError,
        SandboxError,
        SecretError,
        SyncError,
        TLSError,
        WorkspaceError,
    )
    from .model import Account, Auth, OAuth2, Receiving, Sending, Timeouts

__version__ = "0.1.0"

__all__ = [
    "Account",
    "Auth",
    "AuthError",
    "ConfigError",
    "ConnectError",
    "MailkitError",
    "OAuth2",
    "PolicyError",
    "Receiving",
    "SandboxError",
    "SecretError",
    "Sending",
    "SyncError",
    "TLSError",
    "Timeouts",
    "WorkspaceError",
]

_MODEL = {"Account", "Auth", "OAuth2", "Receiving", "Sending", "Timeouts"}


def __getattr__(name: str):
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(".model" if name in _MODEL else ".errors", __name__), name)
