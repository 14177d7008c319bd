"""A quick login check per account side: can mailkit reach the servers and log in?

The full step-by-step diagnosis (DNS, TLS details, capabilities, domain records), which the
account form's Test connection shows, is :mod:`mailkit.diagnose`'s; this is the short
answer ``mailkit check`` and a runbook's last cell need.
"""

from __future__ import annotations

__all__ = ["LoginResult", "check_logins"]

import shlex
import shutil
import time
from dataclasses import asdict, dataclass

from .errors import MailkitError
from .model import Account
from .net.connect import imap_login, pop3_login, smtp_login
from .workspace import Workspace


@dataclass(frozen=True)
class LoginResult:
    side: str  # sending | receiving
    protocol: str  # smtp | sendmail | imap | pop3
    target: str  # host:port, or the command
    ok: bool
    detail: str
    elapsed_ms: int

    def to_dict(self) -> dict:
        return asdict(self)


def _timed(side: str, protocol: str, target: str, probe) -> LoginResult:
    began = time.perf_counter()
    try:
        detail, ok = probe(), True
    except MailkitError as exc:
        detail, ok = str(exc), False
    return LoginResult(side, protocol, target, ok, detail, round((time.perf_counter() - began) * 1000))


def check_logins(account: Account, workspace: Workspace) -> list[LoginResult]:
    """Log in on each configured side; nothing is sent, nothing is changed on the server."""
    results = []
    sending, receiving = account.sending, account.receiving
    if sending is not None and sending.method == "smtp":

        def smtp() -> str:
            with smtp_login(account, workspace) as client:
                return f"EHLO ok, {'AUTH accepted' if account.auth.method != 'none' else 'no AUTH configured'}" + (
                    f", SIZE {client.esmtp_features['size']}" if "size" in client.esmtp_features else ""
                )

        results.append(_timed("sending", "smtp", f"{sending.host}:{sending.effective_port}", smtp))
    elif sending is not None:

        def sendmail() -> str:
            program = shlex.split(sending.sendmail_command)[0]
            found = shutil.which(program)
            if not found:
                raise MailkitError(
                    f"sendmail command {program!r} not found: install an MTA or msmtp-mta, or fix the path"
                )
            return f"{found} is executable"

        results.append(_timed("sending", "sendmail", sending.sendmail_command, sendmail))
    if receiving is not None:
        target = f"{receiving.host}:{receiving.effective_port}"
        if receiving.protocol == "imap":

            def imap() -> str:
                with imap_login(account, workspace) as client:
                    status = client.folder_status(receiving.base_folder, ["MESSAGES", "UNSEEN"])
                    messages, unseen = status[b"MESSAGES"], status[b"UNSEEN"]
                    return f"logged in; {receiving.base_folder}: {messages} messages, {unseen} unseen"

            results.append(_timed("receiving", "imap", target, imap))
        else:

            def pop3() -> str:
                with pop3_login(account, workspace) as client:
                    count, size = client.stat()
                    return f"logged in; {count} messages, {size} bytes"

            results.append(_timed("receiving", "pop3", target, pop3))
    return results
