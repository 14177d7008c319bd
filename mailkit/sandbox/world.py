"""The sandbox mail world: Dovecot, the SMTP server, the DNS server and a CA, on loopback.

Used by demos, notebooks, tests and benchmarks::

    with Sandbox() as sb:            # a temporary folder, removed afterwards
        ws = sb.workspace            # demo accounts, passwords in its secrets.toml
        ...

The workspace it writes records the DNS server, so everything run in it resolves the sandbox
domains through the sandbox. Mail data survives a restart in the same folder.
"""

from __future__ import annotations

__all__ = ["DEMO_USERS", "Sandbox", "SandboxUser"]

import json
import os
import secrets as _random
import shutil
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import SandboxError
from ..formats.autoconfig_xml import ServerEntry, render_clientconfig
from ..model import Account, Auth, Receiving, Sending
from ..secrets import SecretError
from ..smime import Bundle
from ..workspace import AutoconfigSettings, DNSSettings, Workspace
from . import maildir, smime
from .ca import SandboxCA
from .dns import OVERLAY_NAME, SandboxDNS, Zone
from .dovecot import Dovecot, DovecotPorts, oauth2_config
from .oauth import RESOURCE, OAuthAuthority, OAuthClient, OAuthSubmission, add_oauth_app
from .ports import LISTEN, free_ports
from .postgres import PostgresServer
from .proxies import CuttingProxy, TLSProxy
from .reports import ptr_names
from .smtp import SmtpServer, plain_smtp
from .web import AutoconfigServer, BlackHole

DOMAIN = "mailkit.test"
CUSTOMER_DOMAIN = "kunde.test"
HOSTED_DOMAIN = f"filiale.{CUSTOMER_DOMAIN}"
# a "remote" domain the sandbox relays to: mail to its other addresses comes back as a DSN (issue 16)
PARTNER_DOMAIN = "partner.test"
PARTNER_MAILBOXES = ("einkauf", "buchhaltung", "info")  # its mail is hosted at mailkit.test: found through its MX only
HOST = "localhost"  # what accounts name; the certificate is valid for it and for 127.0.0.1
OTHER_LOOPBACK = "127.0.0.2"  # a client "from another host" without leaving the machine
JOURNAL_DATABASE = "journal"  # the database a --postgres sandbox makes for the shared journal

#: (address, display name, description): the company's mailboxes and one customer's.
DEMO_USERS = (
    ("info@mailkit.test", "Mailkit Demo GmbH", "Zentrale Adresse: Anfragen, Angebote"),
    ("vertrieb@mailkit.test", "Vertrieb Mailkit Demo", "Vertrieb: Angebote und Aufträge"),
    ("buchhaltung@mailkit.test", "Buchhaltung Mailkit Demo", "Rechnungen und Mahnungen"),
    ("einkauf@kunde.test", "Einkauf Kunde AG", "Ein Kunde, um Zustellung zu prüfen"),
)


@dataclass(frozen=True)
class SandboxUser:
    address: str
    password: str  # throw-away, generated per sandbox folder
    account: str  # the workspace account's name

    def __repr__(self) -> str:
        return f"SandboxUser(address={self.address!r}, account={self.account!r})"


class Sandbox:
    """Real servers on loopback; ``folder`` holds the workspace and, in ``.sandbox/``, the servers' files."""

    def __init__(
        self,
        folder: Path | str | None = None,
        *,
        users: Iterable[tuple[str, str, str]] = DEMO_USERS,
        demo_mail: int = 300,
        seed: int = 0,
        postgres: bool = False,
        smime: bool = False,
    ) -> None:
        self._temporary = folder is None
        self.folder = Path(folder or tempfile.mkdtemp(prefix="mailkit-sandbox-")).resolve()
        self.runtime = self.folder / ".sandbox"
        self.domain = DOMAIN
        self._user_specs = tuple(users)
        self._demo_mail = demo_mail
        self._seed = seed
        self._postgres = postgres
        self.postgres: PostgresServer | None = None
        self._smime = smime
        self.users: list[SandboxUser] = []
        self._started: list = []
        self._proxies: list = []  # proxies and extra servers, each with stop()
        self.start_seconds: float | None = None

    # -- life cycle ----------------------------------------------------------------------------
    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> Sandbox:
        began = time.monotonic()
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - began
        return self

    def _start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.runtime.mkdir(exist_ok=True)
        if os.geteuid() == 0:  # Dovecot's unprivileged processes must reach their files
            for path in (self.folder, self.runtime):
                os.chmod(path, 0o755)
        tls = self.runtime / "tls"
        shutil.rmtree(tls, ignore_errors=True)
        self.ca = SandboxCA(tls)
        os.chmod(tls, 0o755)
        named = [f"{p}{d}" for d in (DOMAIN, CUSTOMER_DOMAIN) for p in ("", "mail.", "imap.", "smtp.", "pop3.")]
        self.cert = self.ca.issue("server", (HOST, LISTEN, *named, f"autoconfig.{DOMAIN}"))
        imap, imaps, pop3, pop3s, smtp, smtps, dns_port, oauth_port = free_ports(8)
        self.ports = {
            "imap": imap,
            "imaps": imaps,
            "pop3": pop3,
            "pop3s": pop3s,
            "smtp": smtp,
            "smtps": smtps,
            "dns": dns_port,
        }

        self.dovecot = Dovecot(
            self.runtime / "dovecot", DovecotPorts(imap, imaps, pop3, pop3s), self.cert, f"postmaster@{DOMAIN}"
        )
        self.dovecot.folder.mkdir(exist_ok=True)
        self.ports["oauth"] = oauth_port
        self.oauth = OAuthAuthority(self.cert, oauth_port, self.runtime / "oauth" / "clients.json", LISTEN)
        # beside the users file: Dovecot's auth process reaches it also when the folder is private
        key_dir = self.dovecot.data_dir / "oauth-keys"
        os.chmod(self.oauth.write_validation_key(key_dir), 0o644)
        self.dovecot.oauth2_settings = {
            protocol: oauth2_config(key_dir=key_dir, issuer=self.oauth.issuer, audience=RESOURCE, scope=protocol)
            for protocol in ("imap", "pop3")
        }
        self.workspace = Workspace.create(self.folder)
        for address, display_name, description in self._user_specs:
            self._add_user(address, display_name, description)
        self.workspace.dns = DNSSettings(nameservers=[LISTEN], port=dns_port)
        self.autoconfig_server = AutoconfigServer(self.cert, LISTEN)
        self.ports["https"] = self.autoconfig_server.port
        self.workspace.autoconfig = AutoconfigSettings(port_map=self._port_map(), ca_file=str(self.ca.cert_file))
        self.workspace.save()

        self.dovecot.start()
        self._started.append(self.dovecot)
        self._seed_demo_mail()
        if self._smime:
            self.enable_smime()

        # in-addr.arpa: reverse DNS of the hosts the seeded DMARC reports name (mailkit.sandbox.reports)
        self.zone = Zone([DOMAIN, CUSTOMER_DOMAIN, "in-addr.arpa"], overlay=self.runtime / OVERLAY_NAME)
        self._fill_zone()
        self.dns = SandboxDNS(self.zone, dns_port, LISTEN)
        self.dns.start()
        self._started.append(self.dns)

        self.oauth.start()
        self._started.append(self.oauth)
        self.submission = OAuthSubmission(
            self.dovecot.lmtp_socket,
            {DOMAIN, CUSTOMER_DOMAIN},
            lambda address: address.lower() in self._passwords(),
            authority=self.oauth,
            relay_domains={PARTNER_DOMAIN: set(PARTNER_MAILBOXES)},
            hostname=f"mail.{DOMAIN}",
        )
        self.smtp = SmtpServer(self.submission, self.cert, self._passwords, smtp, smtps, LISTEN, f"mail.{DOMAIN}")
        self.smtp.start()
        self._started.append(self.smtp)

        self._publish_autoconfig()
        self.autoconfig_server.start()
        self._started.append(self.autoconfig_server)
        if self._postgres:
            self._start_postgres()

    def _start_postgres(self) -> None:
        """A PostgreSQL cluster with an empty ``journal`` database; its password in the workspace's secrets."""
        folder = self.runtime / "postgres"
        state = folder / "port"
        port = int(state.read_text()) if state.exists() else free_ports(1)[0]
        self.postgres = PostgresServer(folder, port).start()
        self._started.append(self.postgres)
        state.write_text(str(port))
        if not (folder / "journal-created").exists():
            self.postgres.create_database(JOURNAL_DATABASE)
            (folder / "journal-created").touch()
        self.workspace.secrets.set("journal.password", self.postgres.password)

    def stop(self) -> None:
        """Stop every server; a temporary sandbox also removes its folder."""
        for proxy in self._proxies:
            proxy.stop()
        self._proxies.clear()
        while self._started:
            self._started.pop().stop()
        if self._temporary:
            if hasattr(self, "dovecot"):
                self.dovecot.remove_data()
            shutil.rmtree(self.folder, ignore_errors=True)

    # -- users and accounts --------------------------------------------------------------------
    def _passwords(self) -> dict[str, str]:
        return {u.address: u.password for u in self.users}

    def _add_user(self, address: str, display_name: str = "", description: str = "") -> SandboxUser:
        name = address.partition("@")[0]
        key = f"{name}.password"
        try:
            password = self.workspace.secrets.get(key).reveal()  # keep passwords across restarts
        except SecretError:
            password = _random.token_urlsafe(12)
            self.workspace.secrets.set(key, password)
        self.dovecot.set_user(address, password)
        user = SandboxUser(address, password, name)
        self.users = [u for u in self.users if u.address != address] + [user]
        self.workspace.add(self.account_for(user, display_name, description), replace=True)
        return user

    def add_user(self, address: str, password: str | None = None) -> SandboxUser:
        """A further mailbox (for tests), with a workspace account named by its local part."""
        if password is not None:
            self.workspace.secrets.set(f"{address.partition('@')[0]}.password", password)
        user = self._add_user(address)
        self.workspace.save()
        # Dovecot rereads its passwd-file at most once a second: let that second pass
        time.sleep(1.01 - time.time() % 1)
        return user

    def account_for(self, user: SandboxUser, display_name: str = "", description: str = "") -> Account:
        return Account(
            name=user.account,
            address=user.address,
            display_name=display_name,
            description=description,
            sending=Sending(host=HOST, port=self.ports["smtp"], security="starttls"),
            receiving=Receiving(
                protocol="imap",
                host=HOST,
                port=self.ports["imaps"],
                security="tls",
                sent_export=True,
                sent_folder="Sent",
            ),
            auth=Auth(method="password", password=f"workspace:{user.account}.password"),
            ca_file=str(self.ca.cert_file),
        )

    def oauth_app(
        self, address: str, *, protocol: str = "imap", grant_mailbox: bool = True, roles: tuple[str, ...] | None = None
    ) -> tuple[Account, OAuthClient]:
        """An app-only registration for ``address`` and a ``<local part>-oauth`` account (see :func:`add_oauth_app`)."""
        return add_oauth_app(
            self.workspace, self.describe(), address, protocol=protocol, grant_mailbox=grant_mailbox, roles=roles
        )

    def user(self, address_or_account: str) -> SandboxUser:
        for u in self.users:
            if address_or_account in (u.address, u.account):
                return u
        raise SandboxError(f"no sandbox user {address_or_account!r}")

    def issue_smime(self, address: str, **validity) -> Bundle:
        """An S/MIME certificate from the sandbox CA with a new RSA key (see :func:`.smime.issue`)."""
        return smime.issue(self.ca, address, **validity)

    def enable_smime(self) -> None:
        """Every user gets a CA-issued S/MIME certificate and every account trusts the CA (:func:`.smime.enable`)."""
        self._started += smime.enable(self.ca, self.workspace, [(u.address, u.account) for u in self.users])

    # -- mail ----------------------------------------------------------------------------------
    def _seed_demo_mail(self) -> None:
        if not self._demo_mail or not self.users:
            return
        from .corpus import demo_mailbox

        first = self.users[0]
        if self.dovecot.home(first.address).exists():
            return  # a restart: the mailbox is there already
        colleagues = [u.address for u in self.users[1:] if u.address.endswith("@" + DOMAIN)]
        self.write_maildir(
            first.address, demo_mailbox(first.address, colleagues=colleagues, count=self._demo_mail, seed=self._seed)
        )

    def write_maildir(self, address: str, mails: Iterable) -> int:
        """Put corpus mails straight into the user's Maildir: see :func:`.maildir.write_maildir`."""
        return maildir.write_maildir(self.dovecot, address, mails)

    def reset_uidvalidity(self, address: str, folder: str) -> None:
        """A new UIDVALIDITY and new UIDs for the same mail: see :func:`.maildir.reset_uidvalidity`."""
        maildir.reset_uidvalidity(self.dovecot, address, folder)

    def deliver(self, raw: bytes, to: list[str], mail_from: str = f"postmaster@{DOMAIN}") -> None:
        """Deliver a message through Dovecot's LMTP, as the MTA of a real server would."""
        refused = self.submission._deliver(mail_from, to, raw)
        if refused:
            raise SandboxError(f"LMTP refused {', '.join(refused)}")

    # -- DNS -----------------------------------------------------------------------------------
    def _fill_zone(self) -> None:
        for domain in (DOMAIN, CUSTOMER_DOMAIN):
            for host in (
                domain,
                f"mail.{domain}",
                f"imap.{domain}",
                f"smtp.{domain}",
                f"pop3.{domain}",
                f"ns.{domain}",
            ):
                self.zone.add(host, "A", LISTEN)
            self.zone.add(domain, "MX", (10, f"mail.{domain}"))
            self.zone.add(domain, "TXT", "v=spf1 a mx ip4:127.0.0.1 -all")
            self.zone.add(
                f"_dmarc.{domain}", "TXT", f"v=DMARC1; p=quarantine; rua=mailto:dmarc@{domain}; adkim=r; aspf=r"
            )
            self.zone.add(f"_mta-sts.{domain}", "TXT", "v=STSv1; id=20261101")
            self.zone.add(f"_smtp._tls.{domain}", "TXT", f"v=TLSRPTv1; rua=mailto:tlsrpt@{domain}")
        self.zone.add(f"autoconfig.{DOMAIN}", "A", LISTEN)
        self.zone.add(HOSTED_DOMAIN, "MX", (10, f"mail.{DOMAIN}"))
        for ip, name in ptr_names(DOMAIN).items():
            self.zone.add(".".join(reversed(ip.split("."))) + ".in-addr.arpa", "PTR", name)
        for service, port in (
            ("_submission._tcp", self.ports["smtp"]),
            ("_submissions._tcp", self.ports["smtps"]),
            ("_imap._tcp", self.ports["imap"]),
            ("_imaps._tcp", self.ports["imaps"]),
            ("_pop3._tcp", self.ports["pop3"]),
            ("_pop3s._tcp", self.ports["pop3s"]),
        ):
            self.zone.add(f"{service}.{DOMAIN}", "SRV", (0, 1, port, f"mail.{DOMAIN}"))

    # -- autoconfiguration ---------------------------------------------------------------------------
    def _port_map(self) -> dict[int, int]:
        """Where the well-known ports are served here (an ordinary user cannot bind those under 1024)."""
        p = self.ports
        return {443: p["https"], 993: p["imaps"], 143: p["imap"], 995: p["pop3s"], 110: p["pop3"]} | {
            465: p["smtps"],
            587: p["smtp"],
        }

    def _publish_autoconfig(self) -> None:
        """The ISP's XML: at autoconfig.mailkit.test, and for kunde.test only under .well-known."""
        p = self.ports
        incoming = [
            ServerEntry("imap", HOST, p["imaps"], "tls"),
            ServerEntry("imap", HOST, p["imap"], "starttls"),
            ServerEntry("pop3", HOST, p["pop3s"], "tls"),
        ]
        outgoing = [ServerEntry("smtp", HOST, p["smtp"], "starttls"), ServerEntry("smtp", HOST, p["smtps"], "tls")]
        docs = self.autoconfig_server.documents
        docs[(f"autoconfig.{DOMAIN}", "/mail/config-v1.1.xml")] = render_clientconfig(DOMAIN, incoming, outgoing)
        docs[(CUSTOMER_DOMAIN, "/.well-known/autoconfig/mail/config-v1.1.xml")] = render_clientconfig(
            CUSTOMER_DOMAIN, incoming, outgoing
        )

    # -- servers that misbehave, for diagnostics ------------------------------------------------------
    def serve_smtp_without_starttls(self) -> int:
        """An SMTP port that offers AUTH but no STARTTLS; returns it."""
        port = free_ports(1)[0]
        self._proxies.append(plain_smtp(self.submission, self._passwords, port, LISTEN))
        return port

    def serve_black_hole(self) -> int:
        """A port that accepts connections and never answers; returns it."""
        hole = BlackHole(LISTEN)
        self._proxies.append(hole)
        return hole.port

    # -- bad certificates, for diagnostics ----------------------------------------------------------
    def serve_bad_certificate(self, kind: str, backend: str = "imap") -> int:
        """A TLS port with an ``expired`` or ``wronghost`` certificate in front of a plain port; returns it."""
        issue = {"expired": self.ca.issue_expired, "wronghost": self.ca.issue_wrong_host}.get(kind)
        if issue is None:
            raise SandboxError(f"unknown bad certificate {kind!r}: use expired or wronghost")
        if backend not in ("imap", "pop3", "smtp"):
            raise SandboxError(f"unknown backend {backend!r}: use imap, pop3 or smtp")
        proxy = TLSProxy(issue(), (LISTEN, self.ports[backend]), LISTEN).start()
        self._proxies.append(proxy)
        return proxy.port

    def serve_cutting_proxy(self, backend: str = "imaps") -> CuttingProxy:
        """A pass-through port to ``backend`` that can cut connections after a byte budget (for crash tests)."""
        proxy = CuttingProxy((LISTEN, self.ports[backend]), LISTEN).start()
        self._proxies.append(proxy)
        return proxy

    def serve_as_from_another_host(self, backend: str = "imap") -> int:
        """The plain ``backend`` port as a client on another host reaches it; returns the port.

        Dovecot trusts a connection from the address it listens on and allows plaintext logins
        there; through this port (connected from 127.0.0.2) it does what a real server does to a
        remote client: IMAP says LOGINDISABLED and POP3 refuses USER until STARTTLS/STLS.
        """
        if backend not in ("imap", "pop3"):
            raise SandboxError(f"unknown backend {backend!r}: use imap or pop3")
        proxy = CuttingProxy((LISTEN, self.ports[backend]), LISTEN, source=OTHER_LOOPBACK).start()
        self._proxies.append(proxy)
        return proxy.port

    # -- description ---------------------------------------------------------------------------
    def describe(self) -> dict:
        """The endpoints as JSON-ready data; the demo users' throw-away passwords included."""
        return {
            "workspace": str(self.folder),
            "ca_file": str(self.ca.cert_file),
            "domain": self.domain,
            "domains": [DOMAIN, CUSTOMER_DOMAIN],
            "dns": {"host": LISTEN, "port": self.ports["dns"]},
            "imap": {"host": HOST, "port": self.ports["imap"], "tls_port": self.ports["imaps"]},
            "pop3": {"host": HOST, "port": self.ports["pop3"], "tls_port": self.ports["pop3s"]},
            "smtp": {"host": HOST, "port": self.ports["smtp"], "tls_port": self.ports["smtps"]},
            "oauth2": {
                "authority_url": self.oauth.authority_url,
                "tenant": self.oauth.tenant,
                "clients_file": str(self.oauth.clients_file),
            },
            "autoconfig": {"url": f"https://autoconfig.{DOMAIN}/mail/config-v1.1.xml", "port": self.ports["https"]},
            "users": [{"address": u.address, "password": u.password, "account": u.account} for u in self.users],
            "start_seconds": round(self.start_seconds or 0.0, 3),
        } | (
            {
                "postgres": {
                    "url": self.postgres.url(JOURNAL_DATABASE),
                    "socket_url": self.postgres.socket_url(JOURNAL_DATABASE),
                    "secret": "workspace:journal.password",
                }
            }
            if self.postgres
            else {}
        )

    def write_state(self, pid: int) -> Path:
        state = self.runtime / "sandbox.json"
        tmp = state.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # holds the throw-away passwords
        with os.fdopen(fd, "w") as fh:
            json.dump({**self.describe(), "pid": pid}, fh, indent=2)
        os.replace(tmp, state)
        return state
