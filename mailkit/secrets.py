"""Secret references, their resolution, and redaction.

An account never holds a password or client secret, only a reference to it::

    env:NAME                 an environment variable
    file:PATH                a file of mode 0600 (or stricter) holding the secret
    keyring:SERVICE/USER     the system keyring (where a backend exists)
    workspace:KEY            the workspace's own ``secrets.toml`` (mode 0600, git-ignored)

A resolved secret is a :class:`Secret`, whose repr and str are ``'***'``; only
:meth:`Secret.reveal` gives the value, at the moment a protocol needs it. Every revealed
value is remembered so :func:`redact` (and the logging filter) can blank it out of any text.
"""

from __future__ import annotations

__all__ = [
    "SCHEMES",
    "RedactingFilter",
    "Secret",
    "SecretRef",
    "SecretsFile",
    "is_reference",
    "logger",
    "redact",
    "resolve",
    "write_private",
]

import logging
import os
import stat
import tomllib
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from .errors import SecretError

SCHEMES = ("env", "file", "keyring", "workspace")
MASK = "***"

_revealed: set[str] = set()


def is_reference(value: object) -> bool:
    """Whether ``value`` is a well-formed secret reference.

    >>> is_reference("env:SMTP_PASSWORD"), is_reference("hunter2"), is_reference("keyring:svc")
    (True, False, False)
    """
    try:
        SecretRef.parse(value)  # type: ignore[arg-type]
    except SecretError:
        return False
    return True


@dataclass(frozen=True)
class SecretRef:
    """A parsed reference: scheme and target (``env`` / ``SMTP_PASSWORD``)."""

    scheme: str
    target: str

    @classmethod
    def parse(cls, text: str) -> SecretRef:
        """Parse ``scheme:target``; the error never repeats the text, which may be a pasted password.

        >>> SecretRef.parse("keyring:mailkit/info@example.test")
        SecretRef(scheme='keyring', target='mailkit/info@example.test')
        """
        if not isinstance(text, str) or ":" not in text:
            raise SecretError(f"not a secret reference: use one of {', '.join(s + ':...' for s in SCHEMES)}")
        scheme, _, target = text.partition(":")
        if scheme not in SCHEMES:
            raise SecretError(f"unknown secret scheme {scheme!r}: use one of {', '.join(SCHEMES)}")
        if not target:
            raise SecretError(f"secret reference {scheme}: names nothing")
        if scheme == "keyring" and "/" not in target.strip("/"):
            raise SecretError(f"keyring reference needs SERVICE/USER, got keyring:{target}")
        return cls(scheme, target)

    def __str__(self) -> str:
        return f"{self.scheme}:{self.target}"


class Secret:
    """A secret value that does not show itself."""

    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: str = "") -> None:
        self._value = value
        self.source = source
        if value:
            _revealed.add(value)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK}{', from ' + self.source if self.source else ''})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self):
        raise TypeError("a Secret cannot be pickled")


def resolve(reference: str, workspace_secrets: Path | str | None = None) -> Secret:
    """Resolve a reference to its :class:`Secret`; errors name the reference, never a value."""
    ref = SecretRef.parse(reference)
    if ref.scheme == "env":
        value = os.environ.get(ref.target)
        if value is None:
            raise SecretError(f"secret {ref} is missing: set the environment variable {ref.target}")
        return Secret(value, str(ref))
    if ref.scheme == "file":
        return Secret(_read_private_file(Path(ref.target).expanduser(), str(ref)), str(ref))
    if ref.scheme == "keyring":
        return Secret(_read_keyring(ref), str(ref))
    if workspace_secrets is None:
        raise SecretError(f"secret {ref} needs a workspace, and none is open")
    return SecretsFile(workspace_secrets).get(ref.target)


def _check_private(path: Path, what: str) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise SecretError(
            f"{what}: {path} has mode {mode:04o}, readable by others; run `chmod 600 {path}` and try again"
        )


def _read_private_file(path: Path, what: str) -> str:
    try:
        _check_private(path, what)
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SecretError(f"secret {what} is missing: no file {path}") from None
    except OSError as exc:
        raise SecretError(f"secret {what} cannot be read: {exc.strerror}") from None
    return text.rstrip("\r\n")


def _read_keyring(ref: SecretRef) -> str:
    service, _, user = ref.target.rpartition("/")
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        raise SecretError(f"secret {ref} needs the keyring package: pip install keyring") from None
    if isinstance(keyring.get_keyring(), fail.Keyring):
        raise SecretError(f"secret {ref}: no keyring backend on this machine; use env:, file: or workspace: instead")
    try:
        value = keyring.get_password(service, user)
    except Exception as exc:  # backends raise their own types
        raise SecretError(f"secret {ref}: the keyring failed ({type(exc).__name__})") from None
    if value is None:
        raise SecretError(f"secret {ref} is missing: store it with `keyring set {service} {user}`")
    return value


class SecretsFile:
    """The workspace's ``secrets.toml``: a flat table of key = secret, kept at mode 0600."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"SecretsFile({str(self.path)!r})"

    def _load(self) -> dict[str, str]:
        if not self.path.exists():
            return {}
        _check_private(self.path, "workspace secrets")
        try:
            with self.path.open("rb") as fh:
                data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            # The message of tomllib quotes no value, only the position.
            raise SecretError(f"{self.path} is not valid TOML ({exc})") from None
        return {k: v for k, v in data.items() if isinstance(v, str)}

    def names(self) -> list[str]:
        return sorted(self._load())

    def get(self, key: str) -> Secret:
        data = self._load()
        if key not in data:
            raise SecretError(
                f"secret workspace:{key} is missing from {self.path}: store it with `mailkit secrets set {key}`"
            )
        return Secret(data[key], f"workspace:{key}")

    def set(self, key: str, value: str) -> str:
        """Store a secret and return its reference; the file is written 0600 before any byte goes in."""
        if not key or any(c in key for c in "\r\n\"'"):
            raise SecretError("a workspace secret key must be a plain name like 'info.password'")
        data = self._load()
        data[key] = value
        self._write(data)
        _revealed.add(value)
        return f"workspace:{key}"

    def delete(self, key: str) -> None:
        data = self._load()
        if data.pop(key, None) is not None:
            self._write(data)

    def _write(self, data: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        header = b"# mailkit secrets: keep this file private (mode 0600) and out of version control\n"
        write_private(self.path, header + tomli_w.dumps(dict(sorted(data.items()))).encode())


def write_private(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Replace ``path`` atomically with ``data``; the file has ``mode`` before any byte goes in.

    A reader sees the old file or the new one, never half of one; a stale temporary file from an
    interrupted run cannot pass on a wider mode, since the mode is set on the open descriptor.
    """
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), mode)
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def redact(text: str, extra: tuple[str, ...] | list[str] = ()) -> str:
    """Blank out every secret mailkit has revealed (and ``extra`` values) in ``text``.

    >>> redact("login bob hunter2", extra=["hunter2"])
    'login bob ***'
    """
    for value in sorted({*_revealed, *extra}, key=len, reverse=True):
        if value and len(value) >= 3:
            text = text.replace(value, MASK)
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that redacts revealed secrets from every record; installed on the ``mailkit`` logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_filter = RedactingFilter()


def logger(name: str) -> logging.Logger:
    """A module's logger with the redacting filter on it (logger filters do not reach child loggers)."""
    log = logging.getLogger(name)
    if _filter not in log.filters:
        log.addFilter(_filter)
    return log
