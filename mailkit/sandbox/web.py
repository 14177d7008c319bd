"""The sandbox's HTTPS server: the autoconfig XML, as an ISP serves it, with a certificate from the sandbox CA.

It answers ``/mail/config-v1.1.xml`` for ``autoconfig.<domain>`` and
``/.well-known/autoconfig/mail/config-v1.1.xml`` for ``<domain>``, choosing the document by the
Host header; ``documents`` maps (host, path) to XML and ``redirects`` (host, path) to a Location;
both can change while it runs. Also here,
for diagnostics: a port that accepts connections and never answers.
"""

from __future__ import annotations

__all__ = ["AutoconfigServer", "BlackHole"]

import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .ca import CertPair


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        host = (self.headers.get("Host") or "").rpartition(":")[0] or self.headers.get("Host", "")
        key = (host.lower(), self.path.partition("?")[0])
        body = self.server.documents.get(key)
        self.server.requests.append((host, self.path))
        if key in self.server.redirects:
            self.send_response(301)
            self.send_header("Location", self.server.redirects[key])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if body is None:
            self.send_error(404)
            return
        data = body.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


class AutoconfigServer(ThreadingHTTPServer):
    """HTTPS on loopback; ``port`` is where a client must go instead of 443."""

    daemon_threads = True

    def __init__(self, cert: CertPair, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__((host, port), _Handler)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert.cert_file, cert.key_file)
        self.socket = context.wrap_socket(self.socket, server_side=True)
        self.documents: dict[tuple[str, str], str] = {}
        self.redirects: dict[tuple[str, str], str] = {}
        self.requests: list[tuple[str, str]] = []
        self._thread = threading.Thread(target=self.serve_forever, args=(0.05,), name="autoconfig-https", daemon=True)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def start(self) -> AutoconfigServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class BlackHole:
    """A port that accepts TCP connections and then never says a word (a hung or filtering server)."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._sock = socket.socket()
        self._sock.bind((host, 0))
        self._sock.listen(64)  # the kernel completes handshakes; nobody ever accepts or answers
        self.port = self._sock.getsockname()[1]

    def stop(self) -> None:
        self._sock.close()
