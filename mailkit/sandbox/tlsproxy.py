"""A TLS front for a plain port, serving a chosen (bad) certificate.

Diagnostics must be tested against a real server behind a certificate for the wrong host name
or one that has expired; this proxy terminates TLS with such a certificate and passes the
bytes on to Dovecot's or the SMTP server's plain port.
"""

from __future__ import annotations

__all__ = ["TLSProxy"]

import selectors
import socket
import socketserver
import ssl
import threading

from .ca import CertPair


class _Pump(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        server: TLSProxy = self.server  # type: ignore[assignment]
        try:
            client = server.context.wrap_socket(self.request, server_side=True)
        except (ssl.SSLError, OSError):
            return  # the client refused our certificate: exactly what a verifying client should do
        with (
            client,
            socket.create_connection(server.backend, timeout=10) as backend,
            selectors.DefaultSelector() as sel,
        ):
            sel.register(client, selectors.EVENT_READ, backend)
            sel.register(backend, selectors.EVENT_READ, client)
            while True:
                for key, _ in sel.select(timeout=60):
                    try:
                        data = key.fileobj.recv(65536)
                    except (ssl.SSLError, OSError):
                        return
                    if not data:
                        return
                    key.data.sendall(data)


class TLSProxy(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, cert: CertPair, backend: tuple[str, int], host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__((host, port), _Pump)
        self.backend = backend
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(cert.cert_file, cert.key_file)
        self._thread = threading.Thread(
            target=self.serve_forever, args=(0.05,), name=f"tlsproxy-{self.port}", daemon=True
        )

    @property
    def port(self) -> int:
        return self.server_address[1]

    def start(self) -> TLSProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
