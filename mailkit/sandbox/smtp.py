"""The sandbox's SMTP submission server: aiosmtpd with STARTTLS, implicit TLS and AUTH.

Accepted mail is delivered through Dovecot's LMTP socket, so a message sent to the sandbox
really arrives in the recipient's IMAP mailbox. Policy sits in small handler objects, as
aiosmtpd does it: :class:`Submission` decides who may send and to whom.
"""

from __future__ import annotations

__all__ = ["Received", "SmtpServer", "Submission", "plain_smtp"]

import asyncio
import collections
import contextlib
import logging
import smtplib
import ssl
import threading
import warnings
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

from ..secrets import logger
from .ca import CertPair
from .dsn import delivery_status_notification

log = logger(__name__)
# aiosmtpd warns about its own legacy attribute, and that implicit TLS needs no STARTTLS before AUTH
warnings.filterwarnings("ignore", message="Session.login_data is deprecated")
warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
logging.getLogger("mail.log").setLevel(logging.ERROR)


@dataclass(frozen=True)
class Received:
    """What one accepted transaction carried: the envelope as the server saw it, and the bytes."""

    login: str | None
    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes


class Submission:
    """Handler: authenticated users may send to local mailboxes; other domains get a relay refusal."""

    def __init__(
        self,
        lmtp_socket: Path,
        local_domains: set[str],
        mailbox_exists: Callable[[str], bool],
        keep: int = 1000,
        relay_domains: dict[str, set[str]] | None = None,
        hostname: str = "mail.sandbox",
    ) -> None:
        self.lmtp_socket = lmtp_socket
        self.local_domains = local_domains
        self.mailbox_exists = mailbox_exists
        # "remote" domains the sandbox relays to, with the mailboxes that exist there: mail to any other
        # address is accepted and then bounced with a DSN to the sender, as a real MTA does after relaying
        self.relay_domains = {d.lower(): {m.lower() for m in boxes} for d, boxes in (relay_domains or {}).items()}
        self.hostname = hostname
        self.received: deque[Received] = deque(maxlen=keep)
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        domain = address.rpartition("@")[2].lower()
        if domain in self.relay_domains:
            envelope.rcpt_tos.append(address)
            return "250 2.1.5 OK"
        if domain not in self.local_domains:
            local = ", ".join(sorted(self.local_domains))
            return f"550 5.7.1 <{address}>: relay access denied (the sandbox delivers only to {local})"
        if not self.mailbox_exists(address):
            return f"550 5.1.1 <{address}>: no such mailbox in the sandbox"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content
        loop = asyncio.get_running_loop()
        local = [r for r in envelope.rcpt_tos if r.rpartition("@")[2].lower() not in self.relay_domains]
        try:
            refused = await loop.run_in_executor(None, self._deliver, envelope.mail_from, local, content)
            bounce = self._bounce_unknown_relayed
            await loop.run_in_executor(None, bounce, envelope.mail_from, envelope.rcpt_tos, content)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("LMTP delivery failed: %s", exc)
            return "451 4.3.0 local delivery failed, try again later"
        if refused:
            return "550 5.1.1 delivery refused for " + ", ".join(refused)
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        with self._lock:
            self.received.append(Received(login, envelope.mail_from, tuple(envelope.rcpt_tos), content))
        return "250 2.0.0 OK: delivered"

    def _bounce_unknown_relayed(self, mail_from: str, rcpt_tos: list[str], content: bytes) -> None:
        """Relayed recipients that do not exist "there": a DSN back to the sender's mailbox, if it is one here."""
        failed = {}
        for rcpt in rcpt_tos:
            local_part, _, domain = rcpt.lower().rpartition("@")
            if domain in self.relay_domains and local_part not in self.relay_domains[domain]:
                failed[rcpt] = f"550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in virtual mailbox table"
        if failed and mail_from and self.mailbox_exists(mail_from):
            remote = "mx." + next(iter(failed)).rpartition("@")[2].lower()
            bounce = delivery_status_notification(self.hostname, mail_from, failed, content, remote_host=remote)
            self._deliver("", [mail_from], bounce)

    def _deliver(self, mail_from: str, rcpt_tos: list[str], content: bytes) -> dict:
        """One LMTP transaction per recipient: smtplib reads only one reply after DATA, LMTP sends one each."""
        refused = {}
        if not rcpt_tos:
            return refused
        with smtplib.LMTP(str(self.lmtp_socket)) as lmtp:
            for rcpt in rcpt_tos:
                try:
                    lmtp.sendmail(mail_from, [rcpt], content)
                except smtplib.SMTPRecipientsRefused as exc:
                    refused.update(exc.recipients)
                except smtplib.SMTPDataError as exc:
                    refused[rcpt] = (exc.smtp_code, exc.smtp_error)
        return refused


class _Authenticator:
    """Checks AUTH PLAIN/LOGIN against the sandbox's users (the same passwords Dovecot has)."""

    def __init__(self, passwords: Callable[[], dict[str, str]]) -> None:
        self.passwords = passwords

    def __call__(self, server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8", "replace").lower()
        ok = self.passwords().get(login) == auth_data.password.decode("utf-8", "replace")
        return AuthResult(success=ok, handled=False, auth_data=auth_data)


class _SMTP(SMTP):
    """aiosmtpd's SMTP with room for an OAuth2 token in ``AUTH XOAUTH2 <initial response>`` (RFC 4954 allows 12288)."""

    line_length_limit = 12288  # what the line reader is made with; mail lines keep RFC 5322's limit below

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.line_length_limit = SMTP.line_length_limit
        self.command_size_limits = collections.defaultdict(lambda: SMTP.command_size_limit, AUTH=12288)


class _Controller(Controller):
    def factory(self) -> SMTP:
        return _SMTP(self.handler, **self.SMTP_kwargs)


class SmtpServer:
    """Two listeners on loopback: submission with STARTTLS on ``port``, implicit TLS on ``tls_port``."""

    def __init__(
        self,
        handler: Submission,
        cert: CertPair,
        passwords: Callable[[], dict[str, str]],
        port: int,
        tls_port: int,
        host: str = "127.0.0.1",
        hostname: str = "mail.sandbox",
    ) -> None:
        self.handler = handler
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert.cert_file, cert.key_file)
        common = dict(
            hostname=host,
            server_hostname=hostname,
            authenticator=_Authenticator(passwords),
            auth_required=True,
            ident="mailkit sandbox ESMTP",
        )
        self._controllers = [
            _Controller(
                handler, port=port, tls_context=context, require_starttls=True, auth_require_tls=True, **common
            ),
            # implicit TLS: the connection is encrypted from the first byte, which aiosmtpd does not see
            _Controller(handler, port=tls_port, ssl_context=context, auth_require_tls=False, **common),
        ]

    def start(self) -> None:
        for controller in self._controllers:
            controller.start()

    def stop(self) -> None:
        for controller in self._controllers:
            with contextlib.suppress(AssertionError, RuntimeError):  # never started, or already stopped
                controller.stop()


def plain_smtp(handler: Submission, passwords: Callable[[], dict[str, str]], port: int, host: str) -> Controller:
    """A started SMTP listener that offers no STARTTLS (an old or misconfigured server), AUTH in the clear."""
    controller = Controller(
        handler,
        hostname=host,
        port=port,
        server_hostname="plain.mailkit.test",
        authenticator=_Authenticator(passwords),
        auth_required=True,
        auth_require_tls=False,
        ident="mailkit sandbox ESMTP (no STARTTLS)",
    )
    controller.start()
    return controller
