"""DKIM benchmark: sign + verify per message, mailkit against dkimpy called directly, for RSA 2048 and Ed25519.

Run: ``.venv/bin/python bench/bench_dkim.py [--messages 200] [--repeat 3]``.
Not a test: figures vary with the machine; the ratio is the point (mailkit adds reading the key file,
its checks and the resolver; the cryptography is dkimpy's in both).

Both sides sign the same ~4 KB invoice mail with relaxed/relaxed over the same header list and verify
it with the key fetched over UDP from a real DNS server on loopback (the sandbox's dnslib server): mailkit
through :func:`mailkit.dkim.verify_message` with the workspace's resolver, dkimpy through a plain
dnspython lookup as its ``dnsfunc``. The best of ``--repeat`` runs is reported.
"""

from __future__ import annotations

import argparse
import base64
import os
import tempfile
import time

import dkim as dkimpy
import dns.resolver
from cryptography.hazmat.primitives import serialization

from mailkit.dkim import generate_key, key_path, sign_message, verify_message
from mailkit.sandbox.dns import SandboxDNS, Zone
from mailkit.sandbox.ports import free_ports
from mailkit.workspace import DNSSettings, Workspace

DOMAIN, HEADERS = "bench.test", [b"from", b"to", b"subject", b"date", b"message-id", b"mime-version", b"content-type"]


def invoice(number: int) -> bytes:
    body = "".join(f"Position {i}: Zahnrad Typ {i * 7}, 12 Stück à 4,20 EUR\r\n" for i in range(80))
    return (
        f"From: Buchhaltung <buchhaltung@{DOMAIN}>\r\nTo: einkauf@kunde.test\r\nSubject: Rechnung 2026-{number:04d}\r\n"
        f"Date: Mon, 23 Nov 2026 10:00:00 +0100\r\nMessage-ID: <r{number}@{DOMAIN}>\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}"
    ).encode()


def dkimpy_secret(path, algorithm: str) -> bytes:
    """What dkimpy.sign takes: the PEM for RSA, the base64 seed for Ed25519."""
    if algorithm == "rsa":
        return path.read_bytes()
    private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    raw = serialization.Encoding.Raw
    return base64.b64encode(private.private_bytes(raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()))


def run_mailkit(ws: Workspace, selector: str, messages: list[bytes]) -> float:
    began = time.perf_counter()
    for data in messages:
        if not verify_message(sign_message(data, ws, DOMAIN, selector), ws).ok:
            raise SystemExit("mailkit: a signature did not verify")
    return (time.perf_counter() - began) / len(messages)


def run_dkimpy(secret: bytes, algorithm: str, selector: str, resolver, messages: list[bytes]) -> float:
    def dnsfunc(name: bytes, timeout: float = 5) -> bytes | None:
        answer = resolver.resolve(name.decode(), "TXT")
        return b"".join(next(iter(answer)).strings)

    signature_algorithm = b"rsa-sha256" if algorithm == "rsa" else b"ed25519-sha256"
    began = time.perf_counter()
    for data in messages:
        header = dkimpy.sign(
            data,
            selector.encode(),
            DOMAIN.encode(),
            secret,
            canonicalize=(b"relaxed", b"relaxed"),
            signature_algorithm=signature_algorithm,
            include_headers=HEADERS,
        )
        if not dkimpy.verify(header + data, dnsfunc=dnsfunc):
            raise SystemExit("dkimpy: a signature did not verify")
    return (time.perf_counter() - began) / len(messages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    messages = [invoice(n) for n in range(args.messages)]
    with tempfile.TemporaryDirectory(prefix="mailkit-bench-dkim-") as folder:
        (port,) = free_ports(1)
        zone = Zone([DOMAIN])
        server = SandboxDNS(zone, port)
        server.start()
        try:
            ws = Workspace.create(folder)
            ws.dns = DNSSettings(nameservers=["127.0.0.1"], port=port)
            resolver = dns.resolver.Resolver(configure=False)
            resolver.nameservers, resolver.port, resolver.lifetime = ["127.0.0.1"], port, 3.0
            size = len(messages[0])
            print(f"{os.cpu_count()} cores; {args.messages} messages of {size} bytes; best of {args.repeat}")
            print(f"{'key':<10} {'mailkit ms/msg':>15} {'dkimpy ms/msg':>14} {'ratio':>6}")
            for algorithm, selector in (("rsa", "rsa2048"), ("ed25519", "ed25519")):
                key = generate_key(ws, DOMAIN, selector, algorithm=algorithm)
                zone.set(key.record_name, "TXT", key.record().value)
                secret = dkimpy_secret(key_path(ws, DOMAIN, selector), algorithm)
                ours = min(run_mailkit(ws, selector, messages) for _ in range(args.repeat))
                theirs = min(run_dkimpy(secret, algorithm, selector, resolver, messages) for _ in range(args.repeat))
                label = "RSA 2048" if algorithm == "rsa" else "Ed25519"
                print(f"{label:<10} {ours * 1000:>15.2f} {theirs * 1000:>14.2f} {ours / theirs:>6.2f}")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
