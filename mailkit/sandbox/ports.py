"""Free loopback ports for the sandbox's servers, each handed out once per process."""

from __future__ import annotations

__all__ = ["free_ports"]

import secrets as _random
import socket
from pathlib import Path

from ..errors import SandboxError

LISTEN = "127.0.0.1"


def free_ports(count: int) -> list[int]:
    """Ports free now, each bound once to prove it, all different, none handed out before.

    Picked below the kernel's ephemeral range where it leaves room: a server binds its port only
    later, and in between an outgoing connection of any process may take an ephemeral port. For
    the same reason a port is never handed out twice in one process: one sandbox's Dovecot may not
    have bound its ports yet when the next call looks for a free one.
    """
    low = _ephemeral_range_start()
    room = low - _PRIVATE_PORTS_START
    pick = (lambda: _PRIVATE_PORTS_START + _random.randbelow(room)) if room >= 1000 else int
    sockets: list[socket.socket] = []
    try:
        for _ in range(count + 200):
            if len(sockets) == count:
                break
            port = pick()
            if port in _handed_out:
                continue
            s = socket.socket()
            try:
                s.bind((LISTEN, port))
            except OSError:
                s.close()
                continue
            sockets.append(s)
        else:
            raise SandboxError(f"found only {len(sockets)} of {count} free ports on {LISTEN}")
        ports = [s.getsockname()[1] for s in sockets]
        _handed_out.update(ports)
        return ports
    finally:
        for s in sockets:
            s.close()


_handed_out: set[int] = set()


_PRIVATE_PORTS_START = 20000


def _ephemeral_range_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0  # unknown: let the kernel choose (int() is 0)
