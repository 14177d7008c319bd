"""The sandbox's DNS server: dnslib's threaded UDP and TCP servers over a zone that can change at run time.

Tests publish DKIM keys, SPF or DMARC variants while it runs; the answers are authoritative,
NXDOMAIN for unknown names inside the zones, REFUSED for everything else (it is no recursor).
Other processes (a notebook beside ``mailkit sandbox start``, the CLI) change the zone through
:func:`publish`: a small JSON overlay in the sandbox folder whose TXT records the server reads at
each query and puts in place of its own for the names it lists.
"""

from __future__ import annotations

__all__ = ["OVERLAY_NAME", "SandboxDNS", "Zone", "publish", "split_txt"]

import json
import os
import threading
from collections import defaultdict
from pathlib import Path

from dnslib import AAAA, CNAME, MX, NS, PTR, QTYPE, RCODE, RR, SOA, SRV, TXT, A, DNSLabel
from dnslib.server import BaseResolver, DNSLogger, DNSServer

from ..errors import SandboxError

OVERLAY_NAME = "zone-overlay.json"
_TYPES = {"A": A, "AAAA": AAAA, "MX": MX, "NS": NS, "TXT": TXT, "SRV": SRV, "CNAME": CNAME, "PTR": PTR}


def split_txt(value: str) -> list[bytes]:
    """A TXT value as the strings DNS allows: at most 255 bytes each.

    >>> [len(s) for s in split_txt("x" * 600)]
    [255, 255, 90]
    """
    data = value.encode("utf-8")
    return [data[i : i + 255] for i in range(0, len(data), 255)] or [b""]


def _read_overlay(path: Path) -> dict[str, dict[str, list[str]]]:
    try:
        return json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise SandboxError(f"the sandbox's zone overlay {path} is unreadable ({exc}); delete it") from exc


def publish(folder: Path | str, name: str, rtype: str, *values: str) -> Path:
    """Set the TXT records of ``name`` in a sandbox's zone, from any process (no values: remove them).

    For sandboxes only: a real domain's records are pasted into its DNS hosting panel.
    """
    runtime = Path(folder) / ".sandbox"
    if not runtime.is_dir():
        raise SandboxError(
            f"{folder} is no sandbox, so mailkit cannot publish {name} there: "
            "paste the record into the domain's DNS (its hosting panel) instead"
        )
    if rtype.upper() != "TXT":
        raise SandboxError(f"only TXT records can be published into a running sandbox, not {rtype}")
    path = runtime / OVERLAY_NAME
    overlay = _read_overlay(path)
    key = name.rstrip(".").lower() + "."
    if values:
        overlay[key] = {"TXT": list(values)}
    else:
        overlay.pop(key, None)
    tmp = path.with_name(f"{OVERLAY_NAME}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(overlay, indent=1), "utf-8")
    os.replace(tmp, path)  # atomic: the server never reads half a file
    return path


class Zone(BaseResolver):
    """Records by (name, type); thread-safe, since tests change it while the server answers."""

    def __init__(self, origins: list[str], ttl: int = 60, overlay: Path | None = None) -> None:
        self.origins = [DNSLabel(o) for o in origins]
        self.ttl = ttl
        self._records: dict[tuple[DNSLabel, str], list[RR]] = defaultdict(list)
        self._lock = threading.Lock()
        self._overlay_file = overlay
        self._overlay_stamp: tuple | None = None
        self._overlay: dict[tuple[DNSLabel, str], list[RR]] = {}
        for origin in self.origins:
            self._put(origin, "SOA", SOA(f"ns.{origin}", f"hostmaster.{origin}", (1, 3600, 600, 86400, 60)))
            self._put(origin, "NS", NS(f"ns.{origin}"))

    def _put(self, name: DNSLabel, rtype: str, rdata) -> None:
        self._records[(name, rtype)].append(RR(name, getattr(QTYPE, rtype), rdata=rdata, ttl=self.ttl))

    def add(self, name: str, rtype: str, value) -> None:
        """Add one record: A/AAAA an address, MX ``(pref, host)``, SRV ``(prio, weight, port, host)``, TXT text."""
        label = DNSLabel(name)
        if rtype == "TXT":
            rdata = TXT(split_txt(value))
        elif rtype == "MX":
            rdata = MX(value[1], value[0])
        elif rtype == "SRV":
            priority, weight, port, target = value
            rdata = SRV(priority, weight, port, target)
        else:
            rdata = _TYPES[rtype](value)
        with self._lock:
            self._put(label, rtype, rdata)

    def set(self, name: str, rtype: str, *values) -> None:
        """Replace every record of this name and type (none given: remove them)."""
        with self._lock:
            self._records.pop((DNSLabel(name), rtype), None)
        for value in values:
            self.add(name, rtype, value)

    def _refresh_overlay(self) -> None:
        """Reread the overlay file when it changed (os.replace gives each version a new inode)."""
        try:
            st = os.stat(self._overlay_file)
            stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        except (FileNotFoundError, TypeError):
            stamp = None
        if stamp == self._overlay_stamp:
            return
        records = {}
        for name, types in (_read_overlay(self._overlay_file) if stamp else {}).items():
            label = DNSLabel(name)
            for value in types.get("TXT", []):
                records.setdefault((label, "TXT"), []).append(
                    RR(label, QTYPE.TXT, rdata=TXT(split_txt(value)), ttl=self.ttl)
                )
        self._overlay, self._overlay_stamp = records, stamp

    def resolve(self, request, handler):
        reply = request.reply()
        qname, qtype = request.q.qname, QTYPE[request.q.qtype]
        origin = next((o for o in self.origins if qname.matchSuffix(o)), None)
        if origin is None:
            reply.header.rcode = RCODE.REFUSED
            return reply
        with self._lock:
            self._refresh_overlay()
            if (qname, qtype) in self._overlay:
                answers = list(self._overlay[(qname, qtype)])
            else:
                answers = list(self._records.get((qname, qtype), []))
            known = any(name == qname for name, _ in [*self._records, *self._overlay])
            if not answers and qtype != "CNAME":
                answers = list(self._records.get((qname, "CNAME"), []))
            soa = list(self._records.get((origin, "SOA"), []))
        reply.header.aa = 1
        for rr in answers:
            reply.add_answer(rr)
        if not answers:
            reply.add_auth(*soa)
            if not known:
                reply.header.rcode = RCODE.NXDOMAIN
        return reply


class SandboxDNS:
    """UDP and TCP on the same loopback port (TCP for answers too large for UDP, like 4096-bit DKIM keys)."""

    def __init__(self, zone: Zone, port: int, host: str = "127.0.0.1") -> None:
        self.zone = zone
        self.host = host
        self.port = port
        quiet = DNSLogger(log="-request,-reply,-truncated,-error,-recv,-send,-data", prefix=False)
        self._servers = [DNSServer(zone, port=port, address=host, tcp=tcp, logger=quiet) for tcp in (False, True)]

    def start(self) -> None:
        # our own threads: a short poll interval makes stop() quick
        self._threads = [
            threading.Thread(
                target=s.server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"dns-{self.port}", daemon=True
            )
            for s in self._servers
        ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        for server in self._servers:
            server.server.shutdown()
            server.server.server_close()
