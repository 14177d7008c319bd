"""Name the classic port/security mix-up in seconds, not after a 20-second timeout.

Two mistakes look like a dead firewall from the client's side:

* STARTTLS (or no TLS) configured against an implicit-TLS port (465, 993, 995): the client waits
  for a plain greeting, the server waits for a TLS ClientHello; both wait until the timeout.
* implicit TLS configured against a STARTTLS port (587, 143, 110): the client's ClientHello is
  answered with a plain greeting (``220 ...``), which the TLS library reports as a "wrong version
  number".

:func:`port_mixup` asks the port directly: does a plain greeting come within two seconds, and if
not, does the port answer a TLS ClientHello? It returns the sentence naming the mix-up and its fix,
or None when the port behaves as configured (or is silent for both, which is another problem).
"""

from __future__ import annotations

__all__ = ["GREETING_WAIT", "WELL_KNOWN_PORTS", "answers_tls", "greeting_within", "port_mixup"]

import contextlib
import select
import socket
import ssl

GREETING_WAIT = 2.0  # seconds a server has to greet before the TLS probe asks whether it waits for TLS

# protocol -> security -> the port that speaks it
WELL_KNOWN_PORTS = {
    "smtp": {"tls": 465, "starttls": 587},
    "imap": {"tls": 993, "starttls": 143},
    "pop3": {"tls": 995, "starttls": 110},
}
_GREETINGS = (b"220", b"* OK", b"* PREAUTH", b"* BYE", b"+OK", b"421", b"554", b"-ERR")


def greeting_within(host: str, port: int, wait: float = GREETING_WAIT, connect_timeout: float = 5.0) -> bytes | None:
    """The first bytes the server sends on its own within ``wait`` seconds; None if it stays silent."""
    with socket.create_connection((host, port), timeout=connect_timeout) as sock:
        readable, _, _ = select.select([sock], [], [], wait)
        if not readable:
            return None
        sock.settimeout(wait)
        try:
            return sock.recv(512)
        except OSError:
            return None


def answers_tls(host: str, port: int, timeout: float = GREETING_WAIT) -> bool:
    """Whether the port answers a TLS ClientHello with TLS (a handshake or a TLS alert), unverified."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw:
            raw.settimeout(timeout)
            with context.wrap_socket(raw, server_hostname=host if not _is_address(host) else None):
                return True
    except ssl.SSLError as exc:  # an alert is TLS talking; a plain-text answer is a "wrong version number"
        return "ALERT" in (exc.reason or "").upper()
    except OSError:
        return False


def _is_address(host: str) -> bool:
    with contextlib.suppress(OSError):
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
        return True
    return False


def _fix(protocol: str, speaks: str) -> str:
    """What to configure for a port that ``speaks`` tls (from the first byte) or starttls (plain first)."""
    ports = WELL_KNOWN_PORTS.get(protocol, {})
    if speaks == "tls":
        return f"set security = tls for this port (or use port {ports.get('starttls', '?')} with STARTTLS)"
    return f"set security = starttls for this port (or use port {ports.get('tls', '?')} with security = tls)"


def port_mixup(
    protocol: str,
    host: str,
    port: int,
    security: str,
    wait: float = GREETING_WAIT,
    *,
    address: str | None = None,
    stayed_silent: bool = False,
) -> str | None:
    """The port/security mix-up at ``host:port`` in one sentence with its fix, or None (see the module).

    ``address`` is where to connect (default: ``host``); ``stayed_silent`` says the caller saw no
    greeting for ``wait`` seconds already, so only the TLS probe is left to do.
    """
    name, where = protocol.upper(), address or host
    try:
        if security == "tls":
            first = greeting_within(where, port, wait)
            if first is not None and first.startswith(_GREETINGS):
                said = first.decode("ascii", "replace").splitlines()[0][:60]
                return (
                    f"{name} at {host}:{port} speaks plain text first (it greeted {said!r}): it is a STARTTLS "
                    f"port, not implicit TLS: {_fix(protocol, 'starttls')}"
                )
            return None
        silent = stayed_silent or greeting_within(where, port, wait) is None
        if silent and answers_tls(where, port, wait):
            return (
                f"{name} at {host}:{port} sent no greeting in {wait:g} s but answers TLS: the port speaks TLS "
                f"from the first byte (implicit TLS), not {security}: {_fix(protocol, 'tls')}"
            )
    except OSError:
        return None
    return None
