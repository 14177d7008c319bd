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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from functools import partial

from .errors import ConnectError, MailkitError
from .model import Account
from .net.connect import imap_login, pop3_login, preflight, smtp_login
from .net.probe import port_mixup
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


def _timed(
    side: str, protocol: str, target: str, probe, server: tuple[str, int, str] | None = None, timeout: float = 10.0
) -> LoginResult:
    """Run one side's login; ``server`` (host, port, security) lets a port/security mix-up be named fast."""
    began = time.perf_counter()
    try:
        if server is not None:
            preflight(protocol, server[0], server[1], server[2], timeout)
        detail, ok = probe(), True
    except MailkitError as exc:
        detail, ok = str(exc), False
        if server is not None and server[2] == "tls" and isinstance(exc, ConnectError):
            detail = port_mixup(protocol, *server) or detail
    return LoginResult(side, protocol, target, ok, detail, round((time.perf_counter() - began) * 1000))


def check_logins(account: Account, workspace: Workspace) -> list[LoginResult]:
    """Log in on each configured side (both at once); nothing is sent, nothing is changed on the server."""
    checks: list = []  # one per side, run concurrently below
    sending, receiving = account.sending, account.receiving
    if sending is not None and sending.method == "smtp":

        def smtp() -> str:
            with smtp_login(account, workspace) as client:
                return f"EHLO ok, {'AUTH accepted' if account.auth.method != 'none' else 'no AUTH configured'}" + (
                    f", SIZE {client.esmtp_features['size']}" if "size" in client.esmtp_features else ""
                )

        server = (sending.host, sending.effective_port, sending.security)
        checks.append(
            partial(
                _timed,
                "sending",
                "smtp",
                f"{sending.host}:{sending.effective_port}",
                smtp,
                server,
                account.timeouts.connect,
            )
        )
    elif sending is not None:

        def sendmail() -> str:
            program = shlex.split(sending.sendmail_command)[0]
            found = shutil.which(program)
            if not found:
                raise MailkitError(
                    f"sendmail command {program!r} not found: install an MTA or msmtp-mta, or fix the path"
                )
            return f"{found} is executable"

        checks.append(partial(_timed, "sending", "sendmail", sending.sendmail_command, sendmail))
    if receiving is not None:
        target = f"{receiving.host}:{receiving.effective_port}"
        server = (receiving.host, receiving.effective_port, receiving.security)
        if receiving.protocol == "imap":

            def imap() -> str:
                with imap_login(account, workspace) as client:
                    status = client.folder_status(receiving.base_folder, ["MESSAGES", "UNSEEN"])
                    messages, unseen = status[b"MESSAGES"], status[b"UNSEEN"]
                    return f"logged in; {receiving.base_folder}: {messages} messages, {unseen} unseen"

            checks.append(partial(_timed, "receiving", "imap", target, imap, server, account.timeouts.connect))
        else:

            def pop3() -> str:
                with pop3_login(account, workspace) as client:
                    count, size = client.stat()
                    return f"logged in; {count} messages, {size} bytes"

            checks.append(partial(_timed, "receiving", "pop3", target, pop3, server, account.timeouts.connect))
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda check: check(), checks))
