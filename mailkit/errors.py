"""The one exception tree of mailkit.

Every failure a user can meet is one of these, with a message that names what failed
(host, port, step, field, file) and what to do about it::

    MailkitError
     ├── ConfigError          an account, workspace or config file is wrong
     │    ├── WorkspaceError  mailkit.toml cannot be read: carries file, line and field
     │    └── FormatError     a foreign file (kivitendo.conf, ...) cannot be read: file and line
     ├── SecretError          a secret reference cannot be resolved or is unsafe
     ├── ConnectError         DNS, TCP or a server dropped the connection
     │    ├── TLSError        handshake or certificate verification failed
     │    └── AuthError       the server refused the credentials: carries its code and reply
     ├── PolicyError          an action is not allowed (e.g. a sender address)
     ├── ComposeError         a mail cannot be built (e.g. a line break in a header)
     ├── SendError            the server or sendmail refused a mail: carries code and reply
     ├── SyncError            an import run cannot continue
     │    └── AccountBusyError another worker imports this account now (its lock is held)
     └── SandboxError         the local mail world cannot start or stop

Lower-level exceptions are chained (``raise ... from exc``) so the cause stays visible.
"""

from __future__ import annotations

__all__ = [
    "AccountBusyError",
    "AuthError",
    "ComposeError",
    "ConfigError",
    "ConnectError",
    "FieldProblem",
    "FormatError",
    "MailkitError",
    "PolicyError",
    "SandboxError",
    "SecretError",
    "SendError",
    "SyncError",
    "TLSError",
    "WorkspaceError",
]

from dataclasses import dataclass


class MailkitError(Exception):
    """Base of every error mailkit raises on purpose."""


@dataclass(frozen=True)
class FieldProblem:
    """One bad field: its dotted path (``sending.port``) and what is wrong with it."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class ConfigError(MailkitError):
    """Configuration is invalid; ``problems`` lists every bad field at once."""

    def __init__(self, message: str, problems: list[FieldProblem] | tuple[FieldProblem, ...] = ()):
        self.problems = tuple(problems)
        if self.problems:
            message = message + "\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(message)


class WorkspaceError(ConfigError):
    """A workspace file is unreadable; names the file and, where known, the line."""

    def __init__(self, message: str, path: str, line: int | None = None, problems=()):
        self.path = path
        self.line = line
        where = f"{path}, line {line}" if line else path
        super().__init__(f"{where}: {message}", problems)


class FormatError(ConfigError):
    """A file in another program's format (kivitendo.conf, ...) is unreadable; names the file and line."""

    def __init__(self, message: str, path: str, line: int | None = None):
        self.path = path
        self.line = line
        super().__init__(f"{path}, line {line}: {message}" if line else f"{path}: {message}")


class SecretError(MailkitError):
    """A secret reference cannot be resolved; the message names the reference, never the value."""


class ConnectError(MailkitError):
    """A network step failed: names host, port and step."""


class TLSError(ConnectError):
    """TLS handshake or certificate verification failed."""


class AuthError(ConnectError):
    """The server refused the credentials; ``code`` and ``reply`` carry its answer where it gave one.

    A send that fails at AUTH is journalled with them, so the analysis reads "credentials invalid"
    (535 5.7.8), not "no reply".
    """

    def __init__(self, message: str, code: int | None = None, reply: str = "") -> None:
        self.code = code
        self.reply = reply
        super().__init__(message)


class PolicyError(MailkitError):
    """An action is not allowed by the configured policy."""


class ComposeError(MailkitError):
    """A mail cannot be built from what was given."""


class SendError(MailkitError):
    """Delivery failed; ``code`` and ``reply`` carry the server's answer where there was one."""

    def __init__(self, message: str, code: int | None = None, reply: str = "", step: str = "") -> None:
        self.code = code
        self.reply = reply
        self.step = step
        super().__init__(message)


class SyncError(MailkitError):
    """An import run cannot continue."""


class AccountBusyError(SyncError):
    """Another worker holds the account's lock: try again when it is done."""


class SandboxError(MailkitError):
    """The sandbox mail world cannot start or stop."""
