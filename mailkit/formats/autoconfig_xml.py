"""Thunderbird's clientConfig 1.1 autoconfig XML: parse it into server settings, and write it.

Only what account setup needs is read: incomingServer (imap, pop3) and outgoingServer (smtp)
with hostname, port, socketType (plain, SSL, STARTTLS), authentication and username, whose
placeholders %EMAILADDRESS%, %EMAILLOCALPART% and %EMAILDOMAIN% are filled in.

>>> xml = render_clientconfig("x.test", [ServerEntry("imap", "imap.x.test", 993, "tls", "password-cleartext",
...     "%EMAILADDRESS%")], [ServerEntry("smtp", "smtp.x.test", 587, "starttls", "password-cleartext",
...     "%EMAILLOCALPART%")])
>>> config = parse_clientconfig(xml, "anna@x.test")
>>> [(s.protocol, s.host, s.port, s.security, s.username) for s in config.incoming + config.outgoing]
[('imap', 'imap.x.test', 993, 'tls', 'anna@x.test'), ('smtp', 'smtp.x.test', 587, 'starttls', 'anna')]
"""

from __future__ import annotations

__all__ = ["ClientConfig", "ServerEntry", "fill_placeholders", "parse_clientconfig", "render_clientconfig"]

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from ..errors import ConfigError

_SOCKET_TYPES = {"plain": "none", "ssl": "tls", "tls": "tls", "starttls": "starttls"}
_SOCKET_NAMES = {"none": "plain", "tls": "SSL", "starttls": "STARTTLS"}
_PROTOCOLS = ("imap", "pop3", "smtp")


@dataclass(frozen=True)
class ServerEntry:
    protocol: str  # imap | pop3 | smtp
    host: str
    port: int
    security: str  # none | starttls | tls (mailkit's words)
    authentication: str = "password-cleartext"
    username: str = "%EMAILADDRESS%"


@dataclass(frozen=True)
class ClientConfig:
    provider: str
    domains: tuple[str, ...]
    incoming: tuple[ServerEntry, ...]
    outgoing: tuple[ServerEntry, ...]
    display_name: str = ""
    notes: tuple[str, ...] = field(default=())


def fill_placeholders(template: str, address: str) -> str:
    local, _, domain = address.rpartition("@")
    return (
        template.replace("%EMAILADDRESS%", address).replace("%EMAILLOCALPART%", local).replace("%EMAILDOMAIN%", domain)
    )


def _entry(node: ET.Element, address: str, source: str) -> ServerEntry | None:
    protocol = (node.get("type") or "").lower()
    if protocol not in _PROTOCOLS:
        return None  # exchange, ews, jmap ...: not spoken here
    host = fill_placeholders((node.findtext("hostname") or "").strip(), address)
    socket_type = (node.findtext("socketType") or "plain").strip().lower()
    try:
        port = int((node.findtext("port") or "").strip())
    except ValueError:
        raise ConfigError(f"{source}: {protocol} server {host!r} has no valid port") from None
    if not host or socket_type not in _SOCKET_TYPES:
        raise ConfigError(f"{source}: {protocol} server needs a hostname and socketType plain, SSL or STARTTLS")
    return ServerEntry(
        protocol,
        host,
        port,
        _SOCKET_TYPES[socket_type],
        (node.findtext("authentication") or "password-cleartext").strip(),
        fill_placeholders((node.findtext("username") or "%EMAILADDRESS%").strip(), address),
    )


def parse_clientconfig(text: str | bytes, address: str, source: str = "autoconfig XML") -> ClientConfig:
    """The servers an autoconfig document offers for ``address``, in the document's order."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise ConfigError(f"{source} is not valid XML ({exc})") from None
    provider = root.find("emailProvider") if root.tag == "clientConfig" else None
    if provider is None:
        raise ConfigError(f"{source} is not a clientConfig document with an emailProvider")
    incoming = tuple(
        e for e in (_entry(n, address, source) for n in provider.findall("incomingServer")) if e is not None
    )
    outgoing = tuple(
        e for e in (_entry(n, address, source) for n in provider.findall("outgoingServer")) if e is not None
    )
    return ClientConfig(
        provider.get("id", ""),
        tuple(d.text.strip().lower() for d in provider.findall("domain") if d.text),
        incoming,
        outgoing,
        (provider.findtext("displayName") or "").strip(),
        tuple(
            (n.findtext("descr") or "").strip()
            for n in provider.findall("enable") + provider.findall("documentation")
            if (n.findtext("descr") or "").strip()
        ),
    )


def _server_xml(tag: str, s: ServerEntry) -> str:
    return (
        f'    <{tag} type="{s.protocol}">\n'
        f"      <hostname>{escape(s.host)}</hostname>\n      <port>{s.port}</port>\n"
        f"      <socketType>{_SOCKET_NAMES[s.security]}</socketType>\n"
        f"      <authentication>{escape(s.authentication)}</authentication>\n"
        f"      <username>{escape(s.username)}</username>\n    </{tag}>\n"
    )


def render_clientconfig(domain: str, incoming: list[ServerEntry], outgoing: list[ServerEntry]) -> str:
    """A clientConfig 1.1 document for ``domain`` (what the sandbox serves)."""
    body = "".join(_server_xml("incomingServer", s) for s in incoming)
    body += "".join(_server_xml("outgoingServer", s) for s in outgoing)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<clientConfig version="1.1">\n'
        f'  <emailProvider id="{escape(domain)}">\n    <domain>{escape(domain)}</domain>\n'
        f"    <displayName>{escape(domain)}</displayName>\n{body}  </emailProvider>\n</clientConfig>\n"
    )
