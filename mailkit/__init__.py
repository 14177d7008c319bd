"""mailkit: mail administration for business software, in Python and Jupyter.

The public names are re-exported here; everything else lives in private-by-convention modules.
"""

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
