"""Opening authenticated IMAP, POP3 and SMTP sessions for an account, with errors that name the step.

Every failure becomes a :class:`~mailkit.errors.ConnectError` (or TLSError / AuthError) whose
message says host, port, step and what to do; the original exception is chained. Secrets come
from the caller's :class:`~mailkit.net.credentials.Credentials` (a workspace, usually).
"""

from __future__ import annotations

__all__ = ["imap_login", "pop3_login", "smtp_login"]

import base64
import contextlib
import imaplib
import logging
import poplib
import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Iterator

import imapclient
import imapclient.exceptions

from ..errors import AuthError, ConfigError, ConnectError, TLSError
from ..model import Account
from ..oauth import pick_mechanism, protocol_off_remedy, sasl_initial_response, token_problems
from ..secrets import redact
from .credentials import Credentials
from .probe import GREETING_WAIT, greeting_within, port_mixup
from .replies import imap_reply, smtp_reply, text_of
from .tls import client_context, describe_tls_error


def _where(host: str, port: int) -> str:
    return f"{host}:{port}"


def _network_error(exc: OSError, host: str, port: int, step: str) -> ConnectError:
    where = _where(host, port)
    if isinstance(exc, ssl.SSLError):
        return TLSError(f"{step} at {where}: {describe_tls_error(exc, host)}")
    if isinstance(exc, ConnectionRefusedError):
        return ConnectError(f"{step} at {where}: connection refused; check host and port (is the server running?)")
    if isinstance(exc, socket.timeout | TimeoutError):
        return ConnectError(f"{step} at {where}: no answer in time; check host, port and firewall")
    if isinstance(exc, socket.gaierror):
        return ConnectError(f"{step} at {where}: the host name does not resolve; check its spelling and DNS")
    if isinstance(exc, ConnectionResetError | BrokenPipeError | EOFError):
        return ConnectError(f"{step} at {where}: the server dropped the connection; try again, then check its logs")
    return ConnectError(f"{step} at {where}: {redact(str(exc)) or type(exc).__name__}")


def preflight(protocol: str, host: str, port: int, security: str, connect_timeout: float) -> None:
    """Before a login: name a port/security mix-up, or an unreachable port, in seconds (:class:`ConnectError`).

    A port configured for STARTTLS (or none) must greet within two seconds or answer no TLS; one
    configured for TLS is asked only after its handshake failed (see :func:`~mailkit.net.probe.port_mixup`).
    A port that does not even connect fails here, so the login does not wait for it a second time.
    """
    if security == "tls":
        return
    try:
        greeting = greeting_within(host, port, GREETING_WAIT, connect_timeout)
    except OSError as exc:
        raise _network_error(exc, host, port, f"{protocol.upper()} connect") from exc
    if greeting is None:
        mixup = port_mixup(protocol, host, port, security, stayed_silent=True)
        if mixup:
            raise TLSError(mixup)


def _login_name(account: Account, side) -> str:
    return side.username or account.login


class _Refused(Exception):
    """The server said no to a SASL exchange; ``args[0]`` is what it said."""


def _oauth_login(
    account: Account,
    credentials: Credentials,
    protocol: str,
    where: str,
    offered: set[str],
    attempt: Callable[[str, bytes], None],
    mechanism: str | None,
    user: str,
) -> str:
    """XOAUTH2 or OAUTHBEARER, chosen from what the server offers; a refused cached token is refreshed once.

    Returns the mechanism used; a final refusal is an :class:`AuthError` naming what the token lacks.
    """
    name = protocol.upper()
    chosen = pick_mechanism(offered, mechanism)
    if chosen is None:
        remedy = protocol_off_remedy(protocol, user)
        raise AuthError(
            f"{name} at {where} offers no XOAUTH2 or OAUTHBEARER (it offers: {', '.join(sorted(offered)) or 'none'}): "
            + remedy
        )
    host, _, port = where.rpartition(":")
    from .oauth import TokenSource  # MSAL and requests only for an OAuth2 login: password logins start faster

    source = TokenSource(account, credentials)
    token = source.token(protocol)
    if token.expires_at <= time.time():
        token = source.token(protocol, force_refresh=True)
    for last in (not token.from_cache, True):
        try:
            attempt(chosen, sasl_initial_response(chosen, user, token.access.reveal(), host, int(port)))
            return chosen
        except _Refused as exc:
            said = redact(str(exc))
            if last:
                problems = token_problems(token.claims, account.auth.oauth2.provider, protocol, user, time.time())
                advice = "; ".join(f"{p.detail}: {p.remedy}" for p in problems) or (
                    "the token looks right for mail; check that the mailbox exists. "
                    + protocol_off_remedy(protocol, user)
                )
                raise AuthError(f"{name} {chosen} at {where} refused for {user!r} ({said}): {advice}") from None
            token = source.token(protocol, force_refresh=True)
    raise AssertionError("unreachable")  # the loop returns or raises


class _NoPortWarning(logging.Filter):
    """imapclient logs TLS on port 143 as a warning, a stray line on stderr and in notebooks; mailkit says
    it in words where it matters: ``Account.warnings`` when the account is saved, the probe on a mix-up."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Attempting to establish an encrypted connection to a port")


logging.getLogger("imapclient.imapclient").addFilter(_NoPortWarning())


def _quiet_imaplib(client: imapclient.IMAPClient) -> None:
    """imaplib's debug level 0 unless imapclient's imaplib logger would print it.

    imapclient sets imaplib's level to 5 so every line can reach that logger, and at that level
    imaplib formats the repr of every literal it reads whether anyone logs it or not: 1.2 s of
    CPU for 2,000 realistic mails (65 MB), half of a raw fetch (bench/bench_sync.py).
    """
    if not logging.getLogger("imapclient.imaplib").isEnabledFor(logging.DEBUG):
        client._imap.debug = 0


@contextlib.contextmanager
def imap_login(
    account: Account, credentials: Credentials, mechanism: str | None = None
) -> Iterator[imapclient.IMAPClient]:
    """An IMAP session logged in per the account's receiving side (TLS, STARTTLS or plain).

    For OAuth2 accounts, ``mechanism`` (XOAUTH2 or OAUTHBEARER) overrides the choice made from
    the server's capabilities; the one used is in the session's ``mailkit_mechanism``.
    """
    side = account.receiving
    if side is None or side.protocol != "imap":
        raise ConfigError(f"account {account.name!r} has no IMAP receiving side")
    host, port = side.host, side.effective_port
    context = client_context(account)
    step = "connect"
    try:
        client = imapclient.IMAPClient(
            host, port=port, ssl=side.security == "tls", ssl_context=context, timeout=account.timeouts.connect
        )
    except (OSError, imapclient.exceptions.IMAPClientError) as exc:
        raise _network_error(exc if isinstance(exc, OSError) else OSError(str(exc)), host, port, step) from exc
    try:
        client._imap.sock.settimeout(account.timeouts.command)
        _quiet_imaplib(client)
        if side.security == "starttls":
            step = "STARTTLS"
            client.starttls(context)
        if account.auth.method == "oauth2":
            step = "AUTHENTICATE"

            def attempt(mech: str, response: bytes) -> None:
                try:
                    client._command_and_check("authenticate", mech, lambda challenge: b"" if challenge else response)
                except imapclient.exceptions.IMAPClientError as exc:
                    raise _Refused(str(exc)) from None

            offered = {c.decode()[5:] for c in client.capabilities() if c.upper().startswith(b"AUTH=")}
            client.mailkit_mechanism = _oauth_login(
                account,
                credentials,
                "imap",
                _where(host, port),
                offered,
                attempt,
                mechanism,
                _login_name(account, side),
            )
            step = "command"
            yield client
            return
        step = "LOGIN"
        password = credentials.password_for(account, "receiving")
        try:
            client.login(_login_name(account, side), password.reveal() if password else "")
        except imapclient.exceptions.LoginError as exc:
            said = redact(imap_reply(exc.args[0] if exc.args else exc))
            if isinstance(exc.__context__, (imaplib.IMAP4.abort, OSError)):  # imapclient calls a lost line a refusal
                raise ConnectError(
                    f"IMAP LOGIN at {_where(host, port)}: the server dropped the connection during the login "
                    f"({said}), so the password was neither accepted nor refused: check the server (its log, a "
                    "connection limit, a firewall or proxy in between), then run again"
                ) from None
            raise AuthError(
                f"IMAP login at {_where(host, port)} refused for {_login_name(account, side)!r} ({said}): "
                "check user name and password"
            ) from None
        step = "command"
        yield client
    except OSError as exc:
        raise _network_error(exc, host, port, f"IMAP {step}") from exc
    except imapclient.exceptions.IMAPClientAbortError as exc:
        raise ConnectError(
            f"IMAP {step} at {_where(host, port)}: the server dropped the connection ({redact(str(exc))}); "
            "run again: what was committed stays"
        ) from exc
    except imapclient.exceptions.IMAPClientError as exc:
        raise ConnectError(
            f"IMAP {step} at {_where(host, port)}: {redact(imap_reply(exc.args[0] if exc.args else exc))}"
        ) from exc
    finally:
        with contextlib.suppress(Exception):
            client.logout()


@contextlib.contextmanager
def pop3_login(account: Account, credentials: Credentials, mechanism: str | None = None) -> Iterator[poplib.POP3]:
    """A POP3 session logged in per the account's receiving side (OAuth2: SASL per RFC 5034)."""
    side = account.receiving
    if side is None or side.protocol != "pop3":
        raise ConfigError(f"account {account.name!r} has no POP3 receiving side")
    host, port = side.host, side.effective_port
    context = client_context(account)
    step = "connect"
    try:
        if side.security == "tls":
            client = poplib.POP3_SSL(host, port, timeout=account.timeouts.connect, context=context)
        else:
            client = poplib.POP3(host, port, timeout=account.timeouts.connect)
    except OSError as exc:
        raise _network_error(exc, host, port, "POP3 connect") from exc
    try:
        client.sock.settimeout(account.timeouts.command)
        if side.security == "starttls":
            step = "STLS"
            client.stls(context)
        if account.auth.method == "oauth2":
            step = "AUTH"

            def attempt(mech: str, response: bytes) -> None:
                try:
                    client._putcmd(f"AUTH {mech}")
                    client._getresp()  # "+ ": go on
                    client._putcmd(base64.b64encode(response).decode("ascii"))
                    if client._getresp().startswith(b"+ "):  # an error in JSON (RFC 7628): acknowledge it
                        client._putcmd("")
                        client._getresp()
                except poplib.error_proto as exc:
                    raise _Refused(exc.args[0].decode("utf-8", "replace") if exc.args else "refused") from None

            sasl = client.capa().get("SASL", [])
            client.mailkit_mechanism = _oauth_login(
                account,
                credentials,
                "pop3",
                _where(host, port),
                set(sasl),
                attempt,
                mechanism,
                _login_name(account, side),
            )
            yield client
            return
        step = "USER/PASS"
        password = credentials.password_for(account, "receiving")
        try:
            client.user(_login_name(account, side))
            client.pass_(password.reveal() if password else "")
        except poplib.error_proto as exc:
            said = redact(text_of(exc.args[0] if exc.args else exc))
            raise AuthError(
                f"POP3 login at {_where(host, port)} refused for {_login_name(account, side)!r} ({said}): "
                "check user name and password"
            ) from None
        yield client
    except OSError as exc:
        raise _network_error(exc, host, port, f"POP3 {step}") from exc
    finally:
        with contextlib.suppress(Exception):
            client.quit()


@contextlib.contextmanager
def smtp_login(account: Account, credentials: Credentials, mechanism: str | None = None) -> Iterator[smtplib.SMTP]:
    """An SMTP session with TLS as configured and AUTH done (when the account authenticates)."""
    side = account.sending
    if side is None or side.method != "smtp":
        raise ConfigError(f"account {account.name!r} does not send by SMTP")
    host, port = side.host, side.effective_port
    context = client_context(account)
    step = "connect"
    try:
        if side.security == "tls":
            client = smtplib.SMTP_SSL(host, port, timeout=account.timeouts.connect, context=context)
        else:
            client = smtplib.SMTP(host, port, timeout=account.timeouts.connect)
    except (OSError, smtplib.SMTPException) as exc:
        raise _network_error(
            exc if isinstance(exc, OSError) else OSError(str(exc)), host, port, "SMTP connect"
        ) from exc
    try:
        client.sock.settimeout(account.timeouts.command)
        step = "EHLO"
        client.ehlo()
        if side.security == "starttls":
            step = "STARTTLS"
            if not client.has_extn("starttls"):
                raise TLSError(
                    f"SMTP at {_where(host, port)} does not offer STARTTLS: "
                    "use security tls on port 465, or ask the admin"
                )
            client.starttls(context=context)
            client.ehlo()
        if account.auth.method == "oauth2" and side.authenticate:
            step = "AUTH"

            def attempt(mech: str, response: bytes) -> None:
                answers = iter((response.decode("utf-8"), ""))  # after an error challenge: an empty response
                try:
                    client.auth(mech, lambda challenge=None: next(answers), initial_response_ok=True)
                except smtplib.SMTPAuthenticationError as exc:
                    raise _Refused(f"{exc.smtp_code} {exc.smtp_error.decode('utf-8', 'replace')}") from None

            offered = set((client.esmtp_features.get("auth") or "").upper().split())
            client.mailkit_mechanism = _oauth_login(
                account,
                credentials,
                "smtp",
                _where(host, port),
                offered,
                attempt,
                mechanism,
                _login_name(account, side),
            )
        elif account.auth.method == "password" and side.authenticate:
            step = "AUTH"
            password = credentials.password_for(account, "sending")
            try:
                client.login(_login_name(account, side), password.reveal() if password else "")
            except smtplib.SMTPAuthenticationError as exc:
                said = redact(smtp_reply(exc.smtp_code, exc.smtp_error))
                raise AuthError(
                    f"SMTP AUTH at {_where(host, port)} refused for {_login_name(account, side)!r}: "
                    f"{said}; check user name and password",
                    exc.smtp_code,
                    redact(text_of(exc.smtp_error)),
                ) from None
            except smtplib.SMTPNotSupportedError:
                raise AuthError(
                    f"SMTP at {_where(host, port)} offers no AUTH here: it may need STARTTLS first (security starttls)"
                ) from None
        yield client
    except smtplib.SMTPResponseException as exc:
        said = redact(smtp_reply(exc.smtp_code, exc.smtp_error))
        raise ConnectError(f"SMTP {step} at {_where(host, port)}: {said}") from exc
    except (OSError, smtplib.SMTPServerDisconnected) as exc:
        err = exc if isinstance(exc, OSError) else ConnectionResetError(str(exc))
        raise _network_error(err, host, port, f"SMTP {step}") from exc
    finally:
        with contextlib.suppress(Exception):
            client.quit()
