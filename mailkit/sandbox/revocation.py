"""The sandbox CA's revocation service over plain HTTP, as CAs publish it (RFC 5280 §4.2.1.13, RFC 6960).

``GET /ca.crl`` is the current revocation list (DER); ``POST /ocsp`` answers OCSP requests. Starting it
tells the CA the two addresses, so the S/MIME certificates it issues from then on name them.
"""

from __future__ import annotations

__all__ = ["RevocationServer"]

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import serialization

from .ca import SandboxCA


class _Handler(BaseHTTPRequestHandler):
    server: RevocationServer

    def _answer(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.server.requests.append(("GET", self.path))
        if self.path != "/ca.crl":
            self.send_error(404)
            return
        self._answer(self.server.ca.crl().public_bytes(serialization.Encoding.DER), "application/pkix-crl")

    def do_POST(self) -> None:
        self.server.requests.append(("POST", self.path))
        length = int(self.headers.get("Content-Length") or 0)
        request = self.rfile.read(min(length, 65536))
        if self.path != "/ocsp":
            self.send_error(404)
            return
        self._answer(self.server.ca.ocsp_response(request), "application/ocsp-response")

    def log_message(self, *args) -> None:
        pass


class RevocationServer(ThreadingHTTPServer):
    """HTTP on loopback, serving ``ca``'s CRL and OCSP; ``requests`` records what was asked (for tests)."""

    daemon_threads = True

    def __init__(self, ca: SandboxCA, host: str = "127.0.0.1") -> None:
        super().__init__((host, 0), _Handler)
        self.ca = ca
        self.requests: list[tuple[str, str]] = []
        base = f"http://{host}:{self.server_address[1]}"
        ca.crl_url, ca.ocsp_url = f"{base}/ca.crl", f"{base}/ocsp"
        self._thread: threading.Thread | None = None

    def start(self) -> RevocationServer:
        self._thread = threading.Thread(target=self.serve_forever, name="sandbox-revocation", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
