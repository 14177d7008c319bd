"""mailkit's resolver: the system's, or the servers a :class:`~mailkit.model.DNSSettings` names (the sandbox's)."""

from __future__ import annotations

__all__ = ["addresses", "host_resolver", "lookup", "make_resolver", "query_text"]

import ipaddress
import socket

import dns.exception
import dns.resolver

from ..errors import ConnectError
from ..model import DNSSettings


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


def host_resolver(settings: DNSSettings | None) -> dns.resolver.Resolver | None:
    """The resolver for host names: the workspace's own DNS server, else None (the system's, hosts file included)."""
    return make_resolver(settings) if settings is not None and settings.nameservers else None


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


def addresses(host: str, resolver: dns.resolver.Resolver | None) -> list[str]:
    """The IP addresses of ``host``: an IP literal itself, else A and AAAA.

    ``resolver`` None asks the system (hosts file included), as the protocol clients do. A given
    resolver (a workspace's own DNS server) is asked first; a name it refuses to answer
    (``localhost``, a name outside a sandbox zone) falls back to the system. Raises
    :class:`ConnectError` when nothing resolves.
    """
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        pass
    if resolver is not None:
        try:
            found = [rdata.address for rtype in ("A", "AAAA") for rdata in lookup(host, rtype, resolver)]
        except ConnectError:
            found = []  # refused or silent: the system may know the name
        else:
            if not found:
                raise ConnectError(f"{host} does not resolve (no A/AAAA record): check its spelling and DNS")
            return found
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ConnectError(f"{host} does not resolve ({exc.strerror}): check its spelling and DNS") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))
