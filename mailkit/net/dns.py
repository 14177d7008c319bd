"""mailkit's resolver: the system's, or the one a workspace names (the sandbox's DNS server)."""

from __future__ import annotations

__all__ = ["addresses", "lookup", "make_resolver", "query_text"]

import ipaddress
import socket

import dns.exception
import dns.resolver

from ..errors import ConnectError
from ..workspace import DNSSettings


def make_resolver(settings: DNSSettings | None = None) -> dns.resolver.Resolver:
    """A dnspython resolver; with nameservers set it asks only them, on their port."""
    if settings is None or not settings.nameservers:
        resolver = dns.resolver.Resolver()
    else:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = list(settings.nameservers)
        resolver.port = settings.port
    timeout = settings.timeout if settings else 3.0
    resolver.timeout = resolver.lifetime = timeout
    return resolver


def query_text(name: str, resolver: dns.resolver.Resolver) -> list[str]:
    """The TXT strings of ``name`` joined per record (a record may be split into 255-byte strings).

    An absent name gives an empty list; a server that does not answer raises :class:`ConnectError`.
    """
    try:
        answer = resolver.resolve(name, "TXT")
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except (dns.exception.Timeout, dns.resolver.NoNameservers) as exc:
        servers = ", ".join(f"{ns}:{resolver.port}" for ns in resolver.nameservers)
        raise ConnectError(f"DNS lookup of {name} TXT failed at {servers}: {exc}; check the DNS server") from exc
    return [b"".join(rdata.strings).decode("utf-8", "replace") for rdata in answer]


def lookup(name: str, rtype: str, resolver: dns.resolver.Resolver) -> list:
    """The records of ``name`` and ``rtype`` (dnspython rdata); an absent name gives an empty list.

    A server that does not answer raises :class:`ConnectError`.
    """
    try:
        return list(resolver.resolve(name, rtype))
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except (dns.exception.Timeout, dns.resolver.NoNameservers) as exc:
        servers = ", ".join(f"{ns}:{resolver.port}" for ns in resolver.nameservers)
        raise ConnectError(f"DNS lookup of {name} {rtype} failed at {servers}: {exc}; check the DNS server") from exc


def addresses(host: str, resolver: dns.resolver.Resolver) -> list[str]:
    """The IP addresses of ``host``: an IP literal itself, else A and AAAA from ``resolver``.

    Names the resolver refuses (``localhost``, or any name outside a sandbox zone) fall back to the
    system's resolver, as the protocol clients do. Raises :class:`ConnectError` when nothing resolves.
    """
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        pass
    found: list[str] = []
    try:
        for rtype in ("A", "AAAA"):
            found += [rdata.address for rdata in lookup(host, rtype, resolver)]
    except ConnectError:
        found = []
    if not found:
        try:
            infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise ConnectError(f"{host} does not resolve ({exc.strerror}): check its spelling and DNS") from None
        found = list(dict.fromkeys(info[4][0] for info in infos))
    return found
