"""Account settings guessed from an e-mail address, best first, each saying where it came from.

As Thunderbird does it, the sources run concurrently and are ranked by priority:

1. ``preset``: the built-in table of providers (:mod:`mailkit.presets`), by the address's domain;
2. ``autoconfig``: the ISP's XML at ``https://autoconfig.<domain>/mail/config-v1.1.xml``, then
   ``https://<domain>/.well-known/autoconfig/mail/config-v1.1.xml`` (plain http only when the
   workspace allows it), and an ISPDB when one is configured; redirects are followed, never from
   HTTPS to HTTP;
3. ``mx``: the lowest MX host, matched against the presets, then the autoconfig of its next
   subdomain and of its base domain (by the Public Suffix List);
4. ``srv``: RFC 6186 SRV records;
5. ``probe``: imap./pop3./pop./mail./smtp./<domain> on the well-known ports, greeting and capabilities
   read; encrypted before plain, IMAP before POP3.

The workspace's ``[autoconfig]`` settings say where the well-known ports are really served
(``port_map``; the sandbox serves 443, 993, ... on high ports), which CA to trust and the ISPDB.
"""

from __future__ import annotations

__all__ = ["SOURCES", "AutoconfigResult", "Candidate", "Server", "autoconfigure"]

import ssl
import time
import urllib.parse
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from .domains import organizational_domain
from .errors import ConfigError, ConnectError, MailkitError
from .formats.autoconfig_xml import ClientConfig, fill_placeholders, parse_clientconfig
from .model import Account, Auth, Receiving, Sending
from .net import dialogues as d
from .net.conversation import Conversation
from .net.dns import addresses, host_resolver, lookup, make_resolver
from .net.http import REDIRECTS, http_get
from .presets import Preset, preset_for_domain, preset_for_mx
from .workspace import AutoconfigSettings, DNSSettings, Workspace

MAX_REDIRECTS = 5  # Thunderbird's autoconfig fetch follows redirects too
SOURCES = ("preset", "autoconfig", "mx", "srv", "probe")
_PROBES = {  # protocol: (host prefixes, [(port, security)]) in order of preference
    "imap": (("imap.", "mail.", ""), ((993, "tls"), (143, "starttls"))),
    "pop3": (("pop3.", "pop.", "mail.", ""), ((995, "tls"), (110, "starttls"))),
    "smtp": (("smtp.", "mail.", ""), ((465, "tls"), (587, "starttls"), (25, "starttls"))),
}


@dataclass(frozen=True)
class Server:
    protocol: str  # imap | pop3 | smtp
    host: str
    port: int
    security: str  # none | starttls | tls

    def __str__(self) -> str:
        return f"{self.protocol} {self.host}:{self.port} {self.security}"


@dataclass(frozen=True)
class Candidate:
    """One set of settings: incoming and outgoing server, user name, auth method, and hints."""

    source: str
    origin: str  # the URL, record or preset it came from
    incoming: Server | None
    outgoing: Server | None
    username: str
    auth: str = "password"
    provider: str = ""
    hints: tuple[str, ...] = ()
    also_from: tuple[str, ...] = ()  # further sources that found the same settings

    def to_account(self, name: str, address: str, password: str | None = None, **fields) -> Account:
        """An account with these settings (``password`` is a secret reference)."""
        incoming, outgoing = self.incoming, self.outgoing
        return Account(
            name=name,
            address=address,
            sending=Sending(host=outgoing.host, port=outgoing.port, security=outgoing.security) if outgoing else None,
            receiving=Receiving(
                protocol=incoming.protocol, host=incoming.host, port=incoming.port, security=incoming.security
            )
            if incoming
            else None,
            # OAuth2 client settings cannot be guessed: the account starts with a password, the hints say more
            auth=Auth(username=None if self.username == address else self.username, password=password),
            **fields,
        )

    def as_row(self) -> dict:
        return {
            "source": self.source,
            "origin": self.origin,
            "incoming": str(self.incoming) if self.incoming else "",
            "outgoing": str(self.outgoing) if self.outgoing else "",
            "username": self.username,
            "auth": self.auth,
            "provider": self.provider,
            "also_from": ", ".join(self.also_from),
            "hints": " | ".join(self.hints),
        }


@dataclass
class AutoconfigResult:
    address: str
    candidates: list[Candidate]
    attempts: list[dict] = field(default_factory=list)  # source, what, outcome, elapsed_ms
    elapsed_ms: int = 0

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    def candidates_frame(self):
        import pandas as pd

        return pd.DataFrame([c.as_row() for c in self.candidates])

    def attempts_frame(self):
        import pandas as pd

        return pd.DataFrame(self.attempts, columns=["source", "what", "status", "outcome", "elapsed_ms"])

    def candidates_table(self, limit: int = 3):
        """The candidates best first, the rest behind a disclosure (:mod:`mailkit.tables`)."""
        from .tables import table

        return table(self.candidates_frame(), limit=limit, more="{n} more candidates")

    def attempts_table(self, limit: int = 8):
        """The attempts, those that found something first (stable within each status)."""
        from .tables import table

        order = {"ok": 0, "warn": 1, "fail": 2, "skip": 3}
        frame = self.attempts_frame()
        frame = frame.iloc[frame["status"].map(order).argsort(kind="stable")].reset_index(drop=True)
        return table(frame, limit=limit, more="{n} more attempts")

    def to_dict(self) -> dict:
        return {
            "address": self.address,
            "candidates": [c.as_row() for c in self.candidates],
            "attempts": self.attempts,
            "elapsed_ms": self.elapsed_ms,
        }


class _Run:
    """One autoconfiguration: the address, the resolver and settings, and the attempts it logs."""

    def __init__(self, address: str, settings: AutoconfigSettings, dns: DNSSettings) -> None:
        self.address = address
        self.domain = address.rpartition("@")[2].lower()
        self.settings = settings
        self.resolver = make_resolver(dns)
        self.hosts = host_resolver(dns)
        self.attempts: list[dict] = []

    def log(self, source: str, what: str, outcome: str, began: float, status: str = "skip") -> None:
        """One attempt; ``status`` is ok where it found something, warn where that is doubtful, else skip."""
        self.attempts.append(
            {
                "source": source,
                "what": what,
                "status": status,
                "outcome": outcome,
                "elapsed_ms": round((time.perf_counter() - began) * 1000),
            }
        )

    def port(self, port: int) -> int:
        return self.settings.port_map.get(port, port)

    # -- sources -------------------------------------------------------------------------------------
    def from_preset(self, preset: Preset | None = None, source: str = "preset", mx_host: str = "") -> list[Candidate]:
        began = time.perf_counter()
        preset = preset or preset_for_domain(self.domain)
        if preset is None:
            self.log(source, self.domain, "no built-in preset", began)
            return []
        self.log(source, mx_host or self.domain, f"preset {preset.name}", began, "ok")

        def server(protocol: str, spec: tuple[str, int, str]) -> Server:
            host, port, security = spec
            return Server(protocol, mx_host if host == "{mx}" else host, port, security)

        return [
            Candidate(
                source,
                f"preset {preset.name}",
                server("imap", preset.imap),
                server("smtp", preset.smtp),
                fill_placeholders(preset.username, self.address),
                preset.auth,
                preset.name,
                preset.hints,
            )
        ]

    def fetch_xml(self, source: str, host: str, path: str) -> Candidate | None:
        schemes = [True] + ([False] if self.settings.allow_http else [])
        for tls in schemes:
            found = self._fetch_xml(source, tls, host, path)
            if found:
                return found
        return None

    def _fetch_xml(self, source: str, tls: bool, host: str, path: str) -> Candidate | None:
        """Fetch and parse one document, following up to MAX_REDIRECTS redirects, never from HTTPS to HTTP."""
        port = self.port(443 if tls else 80)
        for _ in range(MAX_REDIRECTS + 1):
            began = time.perf_counter()
            url = _url(tls, host, port, self.port(443 if tls else 80)) + path
            try:
                status, body, location = http_get(
                    host,
                    path,
                    port=port,
                    tls=tls,
                    resolver=self.hosts,
                    timeout=self.settings.timeout,
                    ca_file=self.settings.ca_file,
                )
                if status in REDIRECTS and location:
                    target = urllib.parse.urlsplit(urllib.parse.urljoin(url, location))
                    if tls and target.scheme != "https":
                        self.log(source, url, f"HTTP {status} to {location}: refused, it leaves HTTPS", began)
                        return None
                    if target.scheme not in ("https", "http") or not target.hostname:
                        self.log(source, url, f"HTTP {status} to {location!r}: not a web address", began)
                        return None
                    self.log(source, url, f"HTTP {status} to {location}", began)
                    tls, host = target.scheme == "https", target.hostname
                    port = target.port or self.port(443 if tls else 80)
                    path = target.path + (f"?{target.query}" if target.query else "")
                    continue
                if status != 200:
                    self.log(source, url, f"HTTP {status}", began)
                    return None
                config = parse_clientconfig(body, self.address, url)
            except MailkitError as exc:
                self.log(source, url, str(exc), began)
                return None
            self.log(source, url, f"found {config.provider or host}", began, "ok")
            return _from_config(source, url, config, self.address)
        self.log(source, url, f"more than {MAX_REDIRECTS} redirects", began)
        return None

    def from_autoconfig(self, domain: str | None = None, source: str = "autoconfig") -> list[Candidate]:
        domain = domain or self.domain
        for host, path in (
            (f"autoconfig.{domain}", f"/mail/config-v1.1.xml?emailaddress={self.address}"),
            (domain, f"/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress={self.address}"),
        ):
            found = self.fetch_xml(source, host, path)
            if found:
                return [found]
        if self.settings.ispdb_url and source == "autoconfig":  # an ISPDB is asked over HTTPS, by domain
            host, _, prefix = self.settings.ispdb_url.partition("://")[2].rstrip("/").partition("/")
            found = self.fetch_xml("ispdb", host, f"/{prefix}/{domain}" if prefix else f"/{domain}")
            if found:
                return [found]
        return []

    def from_mx(self) -> list[Candidate]:
        began = time.perf_counter()
        try:
            records = sorted((r.preference, r.exchange.to_text().rstrip(".").lower()) for r in self._lookup("MX"))
        except ConnectError as exc:
            self.log("mx", f"MX {self.domain}", str(exc), began)
            return []
        if not records:
            self.log("mx", f"MX {self.domain}", "no MX record", began)
            return []
        host = records[0][1]
        mx_domain = organizational_domain(host)
        self.log("mx", f"MX {self.domain}", f"lowest is {host} ({mx_domain})", began, "ok")
        preset = preset_for_mx(host)
        if preset is not None:
            return self.from_preset(preset, "mx", host)
        for domain in mx_domains(host):
            if domain != self.domain:  # the domain's own autoconfig is asked already
                found = self.from_autoconfig(domain, "mx")
                if found:
                    return found
        return []

    def _lookup(self, rtype: str, name: str | None = None) -> list:
        return lookup(name or self.domain, rtype, self.resolver)

    def from_srv(self) -> list[Candidate]:
        found: dict[str, Server] = {}
        for service, protocol, security in (
            ("_imaps._tcp", "imap", "tls"),
            ("_imap._tcp", "imap", "starttls"),
            ("_pop3s._tcp", "pop3", "tls"),
            ("_submissions._tcp", "smtp", "tls"),
            ("_submission._tcp", "smtp", "starttls"),
        ):
            began = time.perf_counter()
            name = f"{service}.{self.domain}"
            try:
                records = sorted(self._lookup("SRV", name), key=lambda r: (r.priority, -r.weight))
            except ConnectError as exc:
                self.log("srv", name, str(exc), began)
                continue
            usable = [r for r in records if r.target.to_text() != "."]  # "." means: not offered
            self.log("srv", name, f"{len(usable)} record(s)" if usable else "none", began, "ok" if usable else "skip")
            kind = "in" if protocol != "smtp" else "out"
            if usable and kind not in found:
                found[kind] = Server(protocol, usable[0].target.to_text().rstrip("."), usable[0].port, security)
        if not found:
            return []
        return [Candidate("srv", f"SRV {self.domain}", found.get("in"), found.get("out"), self.address)]

    def probe_one(self, protocol: str, host: str, port: int, security: str) -> Server | None:
        began = time.perf_counter()
        where = f"{host}:{port}"
        try:
            address = addresses(host, self.hosts)[0]
        except ConnectError:
            self.log("probe", where, "does not resolve", began)
            return None
        context = (
            ssl.create_default_context(cafile=self.settings.ca_file)
            if self.settings.ca_file
            else ssl.create_default_context()
        )
        timeout = self.settings.timeout
        real_port = self.port(port)
        try:
            with Conversation(host, address, real_port, connect_timeout=timeout, read_timeout=timeout) as conv:
                conv.connect()
                if security == "tls":
                    conv.start_tls(context)
                offers_starttls = _greet(conv, protocol)
        except (OSError, ConnectError, ValueError) as exc:
            self.log("probe", where, str(exc) if isinstance(exc, ConnectError) else type(exc).__name__, began)
            return None
        if security == "starttls" and not offers_starttls:
            self.log("probe", where, "answers, but without STARTTLS", began, "warn")
            return Server(protocol, host, real_port, "none")
        self.log("probe", where, f"answers ({security})", began, "ok")
        return Server(protocol, host, real_port, security)

    def from_probe(self) -> list[Candidate]:
        jobs = []
        for protocol, (prefixes, ports) in _PROBES.items():
            for port, security in ports:
                for prefix in prefixes:
                    jobs.append((protocol, f"{prefix}{self.domain}", port, security))
        with ThreadPoolExecutor(max_workers=16) as pool:
            results = list(pool.map(lambda job: self.probe_one(*job), jobs))
        answered = [s for s in results if s is not None]  # in preference order: encrypted first, IMAP first
        incoming = next((s for s in answered if s.protocol in ("imap", "pop3") and s.security != "none"), None)
        outgoing = next((s for s in answered if s.protocol == "smtp" and s.security != "none"), None)
        incoming = incoming or next((s for s in answered if s.protocol in ("imap", "pop3")), None)
        outgoing = outgoing or next((s for s in answered if s.protocol == "smtp"), None)
        if incoming is None and outgoing is None:
            return []
        hints = tuple(
            f"{s} offers no encryption: the password would travel in the clear"
            for s in (incoming, outgoing)
            if s is not None and s.security == "none"
        )
        return [Candidate("probe", f"probed {self.domain}", incoming, outgoing, self.address, hints=hints)]


def _greet(conv: Conversation, protocol: str) -> bool:
    """Read the greeting and capabilities; whether STARTTLS is offered. ValueError when it is no such server."""
    if protocol == "smtp":
        if not d.smtp_greeting(conv).ok:
            raise ValueError("no SMTP greeting")
        _, ext = d.smtp_ehlo(conv)
        d.smtp_command(conv, "QUIT")
        return "STARTTLS" in ext
    if protocol == "imap":
        if not conv.readline().upper().startswith(("* OK", "* PREAUTH")):
            raise ValueError("no IMAP greeting")
        _, caps = d.imap_capabilities(conv)
        return "STARTTLS" in caps
    if not d.pop3_command(conv, "").ok:
        raise ValueError("no POP3 greeting")
    _, caps = d.pop3_capabilities(conv)
    return "STLS" in caps


def _url(tls: bool, host: str, port: int, default_port: int) -> str:
    """The URL as the user would write it: the scheme's port (where the workspace maps it to) left out."""
    shown = "" if port == default_port else f":{port}"
    return f"{'https' if tls else 'http'}://{host}{shown}"


def mx_domains(mx_host: str) -> list[str]:
    """Where Thunderbird asks for an MX host's settings: its next subdomain, then its base domain.

    >>> mx_domains("mx00.emig.gmx.net")
    ['emig.gmx.net', 'gmx.net']
    >>> mx_domains("mail.firma.co.uk")
    ['firma.co.uk']
    """
    base = organizational_domain(mx_host)
    parent = mx_host.rstrip(".").lower().partition(".")[2]
    return [parent, base] if parent.endswith("." + base) else [base]


def _from_config(source: str, url: str, config: ClientConfig, address: str) -> Candidate:
    incoming = next(iter(config.incoming), None)
    outgoing = next(iter(config.outgoing), None)
    auth = "oauth2" if any(e.authentication == "OAuth2" for e in (incoming, outgoing) if e) else "password"
    if auth == "oauth2":
        password_entry = next((e for e in config.incoming if e.authentication != "OAuth2"), None)
        incoming = password_entry or incoming
    return Candidate(
        source,
        url.partition("?")[0],
        Server(incoming.protocol, incoming.host, incoming.port, incoming.security) if incoming else None,
        Server(outgoing.protocol, outgoing.host, outgoing.port, outgoing.security) if outgoing else None,
        (incoming or outgoing).username if (incoming or outgoing) else address,
        auth,
        config.display_name or config.provider,
        config.notes,
    )


def _settings_key(c: Candidate) -> tuple:
    return (c.incoming, c.outgoing)


def autoconfigure(
    address: str,
    workspace: Workspace | None = None,
    *,
    settings: AutoconfigSettings | None = None,
    sources: Iterable[str] = SOURCES,
) -> AutoconfigResult:
    """Candidates for ``address``, best first; identical settings from several sources are merged."""
    address = address.strip()
    local, _, domain = address.rpartition("@")
    if not local or "." not in domain:
        raise ConfigError(f"{address!r} is not an address like name@example.com")
    wanted = list(sources)
    unknown = [s for s in wanted if s not in SOURCES]
    if unknown:
        raise ConfigError(f"unknown autoconfig source(s) {', '.join(unknown)}: use {', '.join(SOURCES)}")
    settings = settings or (workspace.autoconfig if workspace else AutoconfigSettings())
    run = _Run(address, settings, workspace.dns if workspace else DNSSettings())
    began = time.perf_counter()
    methods = {
        "preset": run.from_preset,
        "autoconfig": run.from_autoconfig,
        "mx": run.from_mx,
        "srv": run.from_srv,
        "probe": run.from_probe,
    }
    with ThreadPoolExecutor(max_workers=len(wanted) or 1) as pool:
        found = list(pool.map(lambda source: methods[source](), wanted))
    merged: dict[tuple, Candidate] = {}
    for candidates in found:  # in priority order
        for candidate in candidates:
            key = _settings_key(candidate)
            if key in merged:
                first = merged[key]
                merged[key] = replace(first, also_from=(*first.also_from, candidate.source))
            else:
                merged[key] = candidate
    return AutoconfigResult(address, list(merged.values()), run.attempts, round((time.perf_counter() - began) * 1000))
