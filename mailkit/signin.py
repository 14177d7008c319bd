"""Signing a person in to an OAuth2 account: the token source that the sign-in flows run on.

``mailkit oauth login`` and the notebook widget :class:`~mailkit.widgets.DeviceCodeSignIn` both
start here, so an account whose flow has no user to sign in (client credentials, as REV+ sets
Microsoft 365 up) is refused in one line before any code is asked for.
"""

from __future__ import annotations

__all__ = ["DeviceCode", "sign_in_source"]

from .errors import ConfigError
from .model import Account
from .net.oauth import DeviceCode, TokenSource
from .workspace import Workspace


def sign_in_source(account: Account, workspace: Workspace) -> TokenSource:
    """The account's token source for a device-code or browser sign-in, its cache in the workspace's secrets."""
    source = TokenSource(account, workspace)
    if source.flow != "device_code":
        raise ConfigError(f"account {account.name!r} uses {source.flow}: there is no user to sign in")
    return source
