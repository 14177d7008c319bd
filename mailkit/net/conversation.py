"""A line-by-line talk with a mail server, for diagnostics and probing: every step timed and kept.

The protocol clients (imapclient, smtplib, poplib) hide the greeting, the exact answer and the
TLS details a diagnosis needs, so here one socket is driven by hand: connect to a resolved
address, read the greeting, send commands, switch to TLS (implicitly or after STARTTLS) and
describe the handshake and the certificate. Lines that carry credentials are kept in the
transcript only as ``shown``; every kept line is redacted again.
"""

from __future__ import annotations

__all__ = ["Conversation", "TLSFacts", "certificate_facts"]

import contextlib
import datetime as dt
import io
import socket
import ssl
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import NameOID

from ..errors import ConnectError
from ..secrets import redact


@dataclass(frozen=True)
class TLSFacts:
    """What one handshake showed: protocol version, cipher and the server's certificate."""

    version: str
    cipher: str
    bits: int
    subject: str
    issuer: str
    names: tuple[str, ...]  # subjectAltName DNS names and IP addresses
    not_after: dt.datetime
    verified: bool

    @property
    def days_left(self) -> int:
        """Whole days until expiry; negative once expired (-2: expired two days ago)."""
        return int((self.not_after - dt.datetime.now(dt.UTC)).total_seconds() / 86400)


def _common_name(name: x509.Name) -> str:
    found = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(found[0].value) if found else name.rfc4514_string()


def certificate_facts(der: bytes) -> tuple[str, str, tuple[str, ...], dt.datetime]:
    """Subject CN, issuer CN, the names the certificate is valid for, and its expiry."""
    cert = x509.load_der_x509_certificate(der)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = tuple(san.get_values_for_type(x509.DNSName)) + tuple(
            str(ip) for ip in san.get_values_for_type(x509.IPAddress)
        )
    except x509.ExtensionNotFound:
        names = ()
    return _common_name(cert.subject), _common_name(cert.issuer), names, cert.not_valid_after_utc


class Conversation:
    """One connection to ``host`` (reached at ``address``) on ``port``; use as a context manager."""

    def __init__(self, host: str, address: str, port: int, *, connect_timeout: float, read_timeout: float) -> None:
        self.host = host
        self.address = address
        self.port = port
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.transcript: list[str] = []
        self.sock: socket.socket | None = None
        self._file: io.BufferedReader | None = None

    def __enter__(self) -> Conversation:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    def connect(self) -> None:
        """TCP connect within the connect timeout; errors are left to the caller to explain."""
        self.sock = socket.create_connection((self.address, self.port), timeout=self.connect_timeout)
        self.sock.settimeout(self.read_timeout)
        self._file = self.sock.makefile("rb")
        self.transcript.append(f"-- connected to {self.address}:{self.port}")

    def start_tls(self, context: ssl.SSLContext) -> TLSFacts:
        """The TLS handshake on the open connection (implicit TLS, or after STARTTLS was accepted)."""
        assert self.sock is not None
        self._file = None
        self.sock = context.wrap_socket(self.sock, server_hostname=self.host)
        self._file = self.sock.makefile("rb")
        facts = self.tls_facts(context.verify_mode != ssl.CERT_NONE)
        self.transcript.append(f"-- TLS {facts.version} {facts.cipher}")
        return facts

    def tls_facts(self, verified: bool) -> TLSFacts:
        assert isinstance(self.sock, ssl.SSLSocket)
        cipher, version, bits = self.sock.cipher() or ("?", "?", 0)
        subject, issuer, names, not_after = certificate_facts(self.sock.getpeercert(binary_form=True) or b"")
        return TLSFacts(self.sock.version() or version, cipher, bits or 0, subject, issuer, names, not_after, verified)

    def send(self, line: str, shown: str | None = None) -> None:
        """Send one command line; ``shown`` is what the transcript keeps instead (for credentials)."""
        assert self.sock is not None
        self.sock.sendall(line.encode("utf-8") + b"\r\n")
        self.transcript.append("C: " + redact(shown if shown is not None else line))

    def readline(self) -> str:
        """One line from the server; :class:`ConnectError` when it closes or stays silent."""
        assert self._file is not None
        try:
            raw = self._file.readline(65536)
        except TimeoutError:
            raise ConnectError(
                f"{self.where}: no answer within {self.read_timeout:g} s; the port may be filtered or the "
                "service hung: check host, port and firewall"
            ) from None
        if not raw:
            raise ConnectError(f"{self.where}: the server closed the connection")
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        self.transcript.append("S: " + redact(line))
        return line

    def close(self) -> None:
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.close()
            self.sock = None
