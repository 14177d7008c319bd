"""A small HTTP(S) GET for autoconfig documents, resolving through mailkit's resolver.

urllib asks the system's resolver; autoconfig must ask the workspace's (the sandbox's zone
has autoconfig.mailkit.test), and may be told to reach port 443 elsewhere. Certificates are
verified against the host name asked for.
"""

from __future__ import annotations

__all__ = ["REDIRECTS", "http_get"]

import socket
import ssl

from ..errors import ConnectError, TLSError
from .dns import addresses
from .tls import describe_tls_error

MAX_BYTES = 1_000_000
REDIRECTS = (301, 302, 303, 307, 308)


def http_get(
    host: str,
    path: str,
    *,
    port: int,
    tls: bool,
    resolver,
    timeout: float,
    ca_file: str | None = None,
) -> tuple[int, bytes, str | None]:
    """``(status, body, location)`` of ``GET path`` at ``host``; :class:`ConnectError` when it cannot be fetched.

    ``location`` is the Location header of a redirect (else None); following it is the caller's choice.
    """
    where = f"{'https' if tls else 'http'}://{host}:{port}{path}"
    address = addresses(host, resolver)[0]
    try:
        sock = socket.create_connection((address, port), timeout=timeout)
    except OSError as exc:
        raise ConnectError(f"{where}: {exc.strerror or exc}") from exc
    try:
        if tls:
            context = ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()
            if ca_file:
                context.load_default_certs()
            try:
                sock = context.wrap_socket(sock, server_hostname=host)
            except ssl.SSLError as exc:
                raise TLSError(f"{where}: {describe_tls_error(exc, host)}") from exc
        request = f"GET {path} HTTP/1.0\r\nHost: {host}\r\nUser-Agent: mailkit\r\nAccept: text/xml\r\n\r\n"
        sock.sendall(request.encode("ascii"))
        chunks, size = [], 0
        while size < MAX_BYTES and (chunk := sock.recv(65536)):
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise ConnectError(f"{where}: {exc.strerror or exc}") from exc
    finally:
        sock.close()
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    try:
        status = int(status_line.split()[1])
    except (IndexError, ValueError):
        raise ConnectError(f"{where}: not an HTTP answer ({status_line[:60]!r})") from None
    location = None
    if status in REDIRECTS:
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "location":
                location = value.strip()
    return status, body, location
