"""What a login needs from its caller: the account's secrets, resolved by whoever holds them.

net never opens a workspace or reads a secrets file of its own accord: every function that logs
in takes a :class:`Credentials`, anything with these three members. A
:class:`~mailkit.workspace.Workspace` is one (references resolved from its ``secrets.toml``, the
environment or the keyring; OAuth2 token caches kept in its secret store); a script or a test
passes its own (``tests/integration/test_net_credentials.py`` logs in with a plain object).
"""

from __future__ import annotations

__all__ = ["Credentials", "TokenCache"]

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..model import Account
    from ..secrets import Secret


class TokenCache(Protocol):
    """Where OAuth2 token caches are kept by key; ``get`` raises :class:`~mailkit.errors.SecretError` if absent."""

    def get(self, key: str) -> Secret: ...

    def set(self, key: str, value: str) -> object: ...

    def delete(self, key: str) -> None: ...


class Credentials(Protocol):
    """The account's password for a side, any secret reference resolved, and the token cache."""

    @property
    def secrets(self) -> TokenCache: ...

    def resolve_secret(self, reference: str) -> Secret: ...

    def password_for(self, account: Account, side: str | None = None) -> Secret | None: ...
