"""An independent DKIM verifier for tests: OpenDKIM's ``opendkim-testmsg``, resolving through the sandbox's DNS.

libopendkim asks the system resolver, which only knows port 53 from ``/etc/resolv.conf``. So the
verifier runs in a private mount namespace (``unshare -m``) where ``/etc/resolv.conf`` names a loopback
address on which a small UDP relay passes queries on to the sandbox's DNS port. Needs root.
"""

from __future__ import annotations

import contextlib
import random
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Outcome:
    ok: bool
    returncode: int
    message: str
    queries: list[bytes]  # the names the verifier asked for, as relayed


@contextlib.contextmanager
def opendkim_verifier(dns_port: int, folder: Path) -> Iterator:
    """Yield ``verify(message_bytes) -> Outcome``; every DNS query of opendkim goes to the sandbox."""
    relay = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(50):  # a loopback address of our own: other test runs may relay on this machine too
        address = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"
        try:
            relay.bind((address, 53))
            break
        except OSError:
            continue
    else:
        relay.close()
        raise RuntimeError("no free loopback address for port 53")
    relay.settimeout(0.2)
    queries: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                query, client = relay.recvfrom(4096)
            except TimeoutError:
                continue
            queries.append(query)
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as upstream:
                upstream.settimeout(3)
                upstream.sendto(query, ("127.0.0.1", dns_port))
                with contextlib.suppress(TimeoutError):
                    relay.sendto(upstream.recvfrom(65535)[0], client)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    resolv = folder / "resolv.conf"
    resolv.write_text(f"nameserver {address}\noptions edns0 attempts:1 timeout:3\n")
    script = f"mount --bind {resolv} /etc/resolv.conf && exec opendkim-testmsg"

    def verify(message: bytes) -> Outcome:
        queries.clear()
        done = subprocess.run(["unshare", "-m", "sh", "-c", script], input=message, capture_output=True, timeout=30)
        text = (done.stdout + done.stderr).decode("utf-8", "replace").strip()
        return Outcome(done.returncode == 0 and not text, done.returncode, text, list(queries))

    try:
        yield verify
    finally:
        stop.set()
        thread.join(timeout=2)
        relay.close()
