"""net logs in with whatever Credentials the caller hands in: no Workspace reaches the I/O layer."""

from dataclasses import dataclass, field

import pytest

from mailkit.errors import AuthError, SecretError
from mailkit.net.connect import imap_login, smtp_login
from mailkit.secrets import Secret


@dataclass
class _Store:
    values: dict[str, str] = field(default_factory=dict)

    def get(self, key: str) -> Secret:
        if key not in self.values:
            raise SecretError(f"no secret {key!r}")
        return Secret(self.values[key], key)

    def set(self, key: str, value: str) -> str:
        self.values[key] = value
        return key

    def delete(self, key: str) -> None:
        self.values.pop(key, None)


@dataclass
class PlainCredentials:
    """What a script that keeps its own secrets would pass: one password, no files."""

    password: str
    secrets: _Store = field(default_factory=_Store)

    def resolve_secret(self, reference: str) -> Secret:
        raise SecretError(f"{reference}: this script resolves no references")

    def password_for(self, account, side=None) -> Secret:
        return Secret(self.password, "script")


def test_imap_and_smtp_log_in_with_credentials_that_are_no_workspace(sandbox):
    account = sandbox.workspace.get("info")
    password = sandbox.workspace.password_for(account, "receiving").reveal()
    credentials = PlainCredentials(password)
    with imap_login(account, credentials) as imap:
        assert imap.folder_status("INBOX", ["MESSAGES"])[b"MESSAGES"] > 0
    with smtp_login(account, credentials) as smtp:
        assert smtp.noop()[0] == 250


def test_a_wrong_password_from_plain_credentials_is_the_usual_auth_error(sandbox):
    account = sandbox.workspace.get("info")
    with (
        pytest.raises(AuthError, match="check user name and password") as caught,
        imap_login(account, PlainCredentials("not-the-password")),
    ):
        pass
    assert "not-the-password" not in str(caught.value)
