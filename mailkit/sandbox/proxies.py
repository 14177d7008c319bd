"""Proxies in front of the sandbox's real servers, for the failures tests must survive.

:class:`TLSProxy` terminates TLS with a chosen (bad) certificate — wrong host name, expired —
and passes the bytes on to a plain port, so diagnostics meet a real server behind it.
:class:`CuttingProxy` passes bytes through untouched and drops the connection after a byte
budget, so an import can be cut at any point of a run.
"""

from __future__ import annotations

__all__ = ["CuttingProxy", "TLSProxy"]

import selectors
import socket
import socketserver
import ssl
import threading

from .ca import CertPair


def _pump(client: socket.socket, backend: socket.socket, budget: list[int] | None = None) -> None:
    """Copy bytes both ways until one side closes; with a budget, cut everything once it is spent."""
    with selectors.DefaultSelector() as sel:
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
                if budget is not None:
                    if budget[0] <= len(data):
                        key.data.sendall(data[: budget[0]])
                        budget[0] = 0
                        return  # the cut: both sockets close mid-conversation
                    budget[0] -= len(data)
                key.data.sendall(data)


class _Proxy(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    class _Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            self.server.relay(self.request)

    def __init__(self, backend: tuple[str, int], host: str, port: int) -> None:
        super().__init__((host, port), self._Handler)
        self.backend = backend
        self._thread = threading.Thread(target=self.serve_forever, args=(0.05,), name=f"proxy-{self.port}", daemon=True)

    def relay(self, request: socket.socket) -> None:
        raise NotImplementedError

    @property
    def port(self) -> int:
        return self.server_address[1]

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class TLSProxy(_Proxy):
    """TLS with the given certificate in front of a plain port."""

    def __init__(self, cert: CertPair, backend: tuple[str, int], host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(backend, host, port)
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(cert.cert_file, cert.key_file)

    def relay(self, request: socket.socket) -> None:
        try:
            client = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return  # the client refused our certificate: exactly what a verifying client should do
        with client, socket.create_connection(self.backend, timeout=10) as backend:
            _pump(client, backend)


class CuttingProxy(_Proxy):
    """Bytes pass through; each connection is dropped after ``budget`` bytes (None: never).

    ``source`` is the address it connects to the backend from: another loopback address makes
    the backend see a client from another host.
    """

    def __init__(
        self, backend: tuple[str, int], host: str = "127.0.0.1", port: int = 0, source: str | None = None
    ) -> None:
        super().__init__(backend, host, port)
        self.source = (source, 0) if source else None
        self.budget: int | None = None
        self.cuts = 0

    def relay(self, request: socket.socket) -> None:
        budget = None if self.budget is None else [self.budget]
        with request, socket.create_connection(self.backend, timeout=10, source_address=self.source) as backend:
            _pump(request, backend, budget)
        if budget is not None and budget[0] == 0:
            self.cuts += 1
