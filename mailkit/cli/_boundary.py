"""The one place a command's failure becomes a line of text and an exit code.

Exit codes (documented in ``mailkit --help``):

====  =====================================================================
0     done
1     a check or part of the work failed (a server refused, a mail bounced)
2     bad usage or input: an option, a file, an account, the workspace
3     interrupted (Ctrl-C, SIGTERM) before the work was done
====  =====================================================================

Every error prints one line ``mailkit: what failed: what to do`` on stderr (with ``--json`` also an
envelope on stdout); the traceback only with ``--debug``. An exception mailkit did not expect is
still one line, marked ``internal error``, so a user never sees a traceback and a test can find it.
"""

from __future__ import annotations

__all__ = ["EXIT_CODES", "Failure", "UsageError", "classify", "show_warnings_once"]

import errno
import warnings
from dataclasses import dataclass

from ..errors import (
    ComposeError,
    ConfigError,
    MailkitError,
    PolicyError,
    SecretError,
)

OK, FAILED, USAGE, INTERRUPTED = 0, 1, 2, 3
EXIT_CODES = {
    OK: "done",
    FAILED: "a check or part of the work failed",
    USAGE: "bad usage or input (option, file, account, workspace)",
    INTERRUPTED: "interrupted before the work was done",
}

# errno values that mean the network, not the user's input, failed
_NETWORK_ERRNOS = {
    errno.ECONNREFUSED,
    errno.ECONNRESET,
    errno.ECONNABORTED,
    errno.EHOSTUNREACH,
    errno.ENETUNREACH,
    errno.ETIMEDOUT,
    errno.EPIPE,
}


class UsageError(Exception):
    """argparse's complaint about the command line, raised instead of printing usage and exiting."""

    def __init__(self, prog: str, message: str) -> None:
        self.prog = prog
        super().__init__(message)


@dataclass(frozen=True)
class Failure:
    """What the boundary tells the user: the exit code, one message, and whether it is mailkit's bug."""

    code: int
    kind: str
    message: str
    internal: bool = False

    def to_dict(self) -> dict:
        return {"kind": self.kind, "message": self.message, "exit_code": self.code}


def _file_message(exc: OSError) -> str:
    name = exc.filename
    if isinstance(exc, FileExistsError):
        return f"{name} exists already: choose another name or remove it first"
    if isinstance(exc, IsADirectoryError):
        return f"{name} is a folder: give a file"
    if isinstance(exc, NotADirectoryError):
        return f"{name}: a part of the path is a file, not a folder"
    if isinstance(exc, FileNotFoundError):
        return f"{name} does not exist: check the path"
    if isinstance(exc, PermissionError):
        return f"{name}: permission denied: check the file's owner and mode"
    return f"{name}: {exc.strerror or exc}"


def _decode_message(exc: UnicodeError) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return (
            f"input is not valid {exc.encoding} text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}): "
            "save it as UTF-8, or name its encoding where the command offers --encoding"
        )
    return f"text cannot be encoded ({exc.reason}): use UTF-8"


def classify(exc: BaseException) -> Failure:
    """The exit code and message for an exception that reached the top of a command."""
    kind = type(exc).__name__
    if isinstance(exc, KeyboardInterrupt):
        return Failure(INTERRUPTED, "Interrupted", "interrupted: what was committed so far is kept; run it again")
    if isinstance(exc, UsageError):
        words = exc.prog.removeprefix("mailkit").strip()
        return Failure(USAGE, kind, f"{words + ': ' if words else ''}{exc}: see `{exc.prog} --help`")
    if isinstance(exc, (ConfigError, SecretError, PolicyError, ComposeError)):
        return Failure(USAGE, kind, str(exc))
    if isinstance(exc, MailkitError):
        return Failure(FAILED, kind, str(exc))
    if isinstance(exc, OSError) and exc.filename is not None:
        return Failure(USAGE, kind, _file_message(exc))
    if isinstance(exc, (TimeoutError, ConnectionError)) or (isinstance(exc, OSError) and exc.errno in _NETWORK_ERRNOS):
        return Failure(FAILED, kind, f"network: {exc.strerror or exc or 'timed out'}: check host, port and firewall")
    if isinstance(exc, UnicodeError):
        return Failure(USAGE, kind, _decode_message(exc))
    return Failure(
        FAILED,
        kind,
        f"internal error ({kind}: {exc}): please report it; `--debug` shows where it happened",
        internal=True,
    )


def show_warnings_once(stream) -> None:
    """Show warnings meant for users as ``mailkit: warning: TEXT``, once each, without source paths.

    Call it inside ``warnings.catch_warnings()``: it replaces the filters and the printer there.
    Deprecation notes of libraries are for developers and stay silent.
    """
    seen: set[str] = set()

    def show(message, category, filename, lineno, file=None, line=None):
        text = str(message)
        if text not in seen:
            seen.add(text)
            print(f"mailkit: warning: {text}", file=stream)

    warnings.simplefilter("ignore")
    warnings.simplefilter("always", UserWarning)
    warnings.showwarning = show
