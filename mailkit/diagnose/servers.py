"""The checks of one server (SMTP, IMAP or POP3): DNS, TCP, TLS, greeting, capabilities, STARTTLS, login.

Each step becomes a :class:`Row`; the first failing step ends the walk (later steps would only
repeat it), and what the server said is matched against the remedy catalogue. Nothing is
changed on a server, except the optional record folder, which is created and deleted again.
"""

from __future__ import annotations

__all__ = ["ServerCheck", "Timeouts"]

import re
import select
import ssl
import time
from dataclasses import dataclass, field

from ..errors import ConnectError, MailkitError
from ..model import Account
from ..net import dialogues as d
from ..net.conversation import Conversation, TLSFacts
from ..net.dns import addresses
from ..net.probe import GREETING_WAIT, port_mixup
from ..net.tls import client_context, describe_tls_error
from ..workspace import Workspace
from .remedies import remedy_for
from .report import Row

_CAPABILITY_CODE = re.compile(r"\[CAPABILITY [^\]]*\]\s*")  # the list gets its own row: IMAP capabilities

EXPIRY_WARN_DAYS = 21
IMAP_EXTENSIONS = ("CONDSTORE", "QRESYNC", "UIDPLUS", "MOVE", "IDLE")


@dataclass(frozen=True)
class Timeouts:
    connect: float
    read: float


class _Stop(Exception):
    """A step failed; its row is written, the walk ends."""


@dataclass
class ServerCheck:
    """One walk through a server; ``rows`` and ``transcript`` are its result."""

    protocol: str  # smtp | imap | pop3
    host: str
    port: int
    security: str
    account: Account
    workspace: Workspace
    resolver: object
    timeouts: Timeouts
    side: str = "receiving"
    rows: list[Row] = field(default_factory=list)
    transcript: list[str] = field(default_factory=list)
    base_folder: str = "INBOX"
    sent_folder: str | None = None
    record_folder: bool = False

    @property
    def target(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def name(self) -> str:
        return self.protocol.upper()

    def _row(self, check: str, status: str, detail: str, remedy: str = "", began: float | None = None) -> None:
        elapsed = round((time.perf_counter() - began) * 1000) if began is not None else 0
        self.rows.append(Row(check, self.target, status, detail, remedy, elapsed))
        if status == "fail":
            raise _Stop

    def _fail(self, check: str, detail: str, began: float, remedy: str = "") -> None:
        self._row(check, "fail", detail, remedy or remedy_for(detail), began)

    def run(self) -> ServerCheck:
        conv = None
        try:
            began = time.perf_counter()
            try:
                found = addresses(self.host, self.resolver)
            except ConnectError as exc:
                self._fail("DNS", str(exc), began)
            self._row("DNS", "ok", ", ".join(found), began=began)
            conv = Conversation(
                self.host, found[0], self.port, connect_timeout=self.timeouts.connect, read_timeout=self.timeouts.read
            )
            self._connect(conv)
            if self.security == "tls":
                self._tls(conv, "TLS")
            else:
                self._await_greeting(conv)
            getattr(self, f"_{self.protocol}")(conv)
        except _Stop:
            pass
        except (ConnectError, OSError) as exc:  # a dropped connection or a silent server mid-walk
            detail = str(exc) if isinstance(exc, ConnectError) else f"{self.target}: {exc}"
            self.rows.append(Row(f"{self.name} session", self.target, "fail", detail, remedy_for(detail)))
        finally:
            if conv is not None:
                self.transcript += [f"[{self.name} {self.target}] {line}" for line in conv.transcript]
                conv.close()
        return self

    # -- transport -------------------------------------------------------------------------------
    def _connect(self, conv: Conversation) -> None:
        began = time.perf_counter()
        try:
            conv.connect()
        except ConnectionRefusedError:
            self._fail("TCP", f"{self.target}: connection refused", began)
        except TimeoutError:
            self._fail("TCP", f"{self.target}: no answer within {self.timeouts.connect:g} s", began)
        except OSError as exc:
            self._fail("TCP", f"{self.target}: {exc.strerror or exc}", began)
        self._row("TCP", "ok", f"connected to {conv.address}", began=began)

    def _await_greeting(self, conv: Conversation) -> None:
        """A server that stays silent for two seconds may be waiting for TLS: ask it on a second connection."""
        began = time.perf_counter()
        assert conv.sock is not None
        readable, _, _ = select.select([conv.sock], [], [], GREETING_WAIT)
        if readable:
            return
        mixup = port_mixup(self.protocol, self.host, self.port, self.security, address=conv.address, stayed_silent=True)
        if mixup:
            self._fail(f"{self.name} greeting", mixup, began, mixup.rpartition(": ")[2])

    def _tls(self, conv: Conversation, check: str) -> None:
        began = time.perf_counter()
        try:
            facts = conv.start_tls(client_context(self.account))
        except ssl.SSLCertVerificationError as exc:
            said = describe_tls_error(exc, self.host)
            seen = self._unverified_facts()
            detail = f"{said}; {self._describe(seen)}" if seen else said
            self._fail("Certificate", detail, began)
        except TimeoutError:
            self._fail(check, f"{self.target}: no answer within {self.timeouts.read:g} s (TLS handshake)", began)
        except (ssl.SSLError, OSError) as exc:
            said = describe_tls_error(exc, self.host) if isinstance(exc, ssl.SSLError) else str(exc)
            mixup = (
                port_mixup(self.protocol, self.host, self.port, "tls", address=conv.address) if check == "TLS" else None
            )
            if mixup:
                self._fail(check, mixup, began, mixup.rpartition(": ")[2])
            self._fail(check, said, began)
        self._row(check, "ok", f"{facts.version}, {facts.cipher} ({facts.bits} bits)", began=began)
        detail = self._describe(facts)
        if not facts.verified:
            self._row(
                "Certificate",
                "warn",
                detail,
                "verification is off (verify_certificate = false): anyone between here and the server can read "
                "the password; give the server's CA as ca_file and turn verification on",
            )
        elif facts.days_left < EXPIRY_WARN_DAYS:
            self._row("Certificate", "warn", detail, "the certificate expires soon: its admin must renew it")
        else:
            self._row("Certificate", "ok", detail)

    def _describe(self, facts: TLSFacts) -> str:
        days = facts.days_left
        expiry = f"expires in {days} days" if days >= 0 else f"expired {-days} days ago"
        verdict = "verified, matches " + self.host if facts.verified else "NOT verified"
        names = ", ".join(facts.names[:4]) + (f" (+{len(facts.names) - 4} more)" if len(facts.names) > 4 else "")
        names = names or "(no subjectAltName)"
        return f"{verdict}; subject {facts.subject}, names {names}; issuer {facts.issuer}; {expiry}"

    def _unverified_facts(self) -> TLSFacts | None:
        """The certificate as served, read over a second, unverified connection (only to describe it)."""
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        try:
            address = addresses(self.host, self.resolver)[0]
            with Conversation(
                self.host, address, self.port, connect_timeout=self.timeouts.connect, read_timeout=self.timeouts.read
            ) as conv:
                conv.connect()
                if self.security == "starttls":
                    if self.protocol == "smtp":
                        d.smtp_greeting(conv)
                        d.smtp_ehlo(conv)
                        d.smtp_command(conv, "STARTTLS")
                    elif self.protocol == "imap":
                        conv.readline()
                        d.imap_command(conv, "STARTTLS")
                    else:
                        conv.readline()
                        d.pop3_command(conv, "STLS")
                return conv.start_tls(context)
        except (OSError, ConnectError, ValueError):
            return None

    def _starttls(self, conv: Conversation, offered: bool, command) -> bool:
        """STARTTLS as configured; True when the session is now encrypted."""
        if self.security != "starttls":
            if self.security == "none" and self.account.auth.method != "none":
                self._row(
                    "Encryption",
                    "warn",
                    "security none: the login travels unencrypted" + (" (STARTTLS is offered)" if offered else ""),
                    "use security starttls or tls",
                )
            return self.security == "tls"
        began = time.perf_counter()
        if not offered:
            self._fail("STARTTLS", f"{self.target} does not offer STARTTLS", began)
        reply = command()
        if not reply.ok:
            self._fail("STARTTLS", f"STARTTLS refused: {reply}", began)
        self._tls(conv, "STARTTLS")
        return True

    def _password(self) -> str | None:
        """The password for this side; None (with a skip or fail row) when there is none to try."""
        method = self.account.auth.method
        if method == "oauth2":
            self._row(f"{self.name} login", "skip", "OAuth2: see the oauth2 rows (token, claims, SASL login)")
            return None
        if method == "none":
            self._row(f"{self.name} login", "skip", "the account does not log in")
            return None
        began = time.perf_counter()
        try:
            secret = self.workspace.password_for(self.account, self.side)
        except MailkitError as exc:
            self._fail(f"{self.name} login", str(exc), began, "store the password: mailkit secrets set NAME")
        return secret.reveal() if secret else ""

    @property
    def login_name(self) -> str:
        side = self.account.sending if self.side == "sending" else self.account.receiving
        return (side.username if side is not None else None) or self.account.login

    # -- SMTP ------------------------------------------------------------------------------------
    def _smtp(self, conv: Conversation) -> None:
        began = time.perf_counter()
        greeting = d.smtp_greeting(conv)
        if not greeting.ok:
            self._fail("SMTP greeting", greeting.text, began)
        self._row("SMTP greeting", "ok", greeting.text, began=began)
        began = time.perf_counter()
        reply, ext = d.smtp_ehlo(conv)
        if not reply.ok:
            self._fail("SMTP EHLO", reply.text, began)
        encrypted = self._starttls(conv, "STARTTLS" in ext, lambda: d.smtp_command(conv, "STARTTLS"))
        if self.security == "starttls":
            began = time.perf_counter()
            reply, ext = d.smtp_ehlo(conv)
        mechanisms = ext.get("AUTH", "").upper().split()
        listed = [f"SIZE {ext['SIZE']}".strip()] if "SIZE" in ext else []
        listed += [k for k in ("PIPELINING", "8BITMIME", "SMTPUTF8", "CHUNKING") if k in ext]
        listed.append(f"AUTH {' '.join(mechanisms)}" if mechanisms else "no AUTH")
        self._row("SMTP EHLO", "ok", ", ".join(listed), began=began)
        password = self._password()
        if password is not None:
            began = time.perf_counter()
            if not mechanisms:
                hint = "" if encrypted else ": it may need STARTTLS first (security starttls)"
                self._fail("SMTP AUTH", f"{self.target} offers no AUTH{hint}", began, "use security starttls or tls")
            reply = d.smtp_auth(conv, mechanisms, self.login_name, password)
            if not reply.ok:
                self._fail("SMTP AUTH", f"{self.login_name}: {reply.text}", began)
            self._row("SMTP AUTH", "ok", f"{self.login_name}: {reply.text}", began=began)
        d.smtp_command(conv, "QUIT")

    # -- IMAP ------------------------------------------------------------------------------------
    def _imap(self, conv: Conversation) -> None:
        began = time.perf_counter()
        greeting = conv.readline()
        if not greeting.upper().startswith(("* OK", "* PREAUTH")):
            self._fail("IMAP greeting", greeting, began)
        self._row("IMAP greeting", "ok", _CAPABILITY_CODE.sub("[CAPABILITY …] ", greeting), began=began)
        began = time.perf_counter()
        _, caps = d.imap_capabilities(conv)
        disabled = "LOGINDISABLED" in caps
        self._starttls(conv, "STARTTLS" in caps, lambda: d.imap_command(conv, "STARTTLS"))
        if self.security == "starttls":
            _, caps = d.imap_capabilities(conv)
        detail = ", ".join(sorted(c for c in caps if c.startswith("AUTH=") or c in ("SASL-IR", "STARTTLS")))
        if disabled and self.security != "none":
            detail += "; LOGINDISABLED before TLS (good)"
        if "LOGINDISABLED" in caps:
            self._fail("IMAP capabilities", (detail + "; " if detail else "") + "LOGINDISABLED", began)
        self._row("IMAP capabilities", "ok", detail or "no AUTH= mechanisms listed", began=began)
        password = self._password()
        if password is None:
            return
        began = time.perf_counter()
        reply = d.imap_login(conv, caps, self.login_name, password)
        if not reply.ok:
            self._fail("IMAP login", f"{self.login_name}: {reply.text}", began)
        self._row("IMAP login", "ok", f"{self.login_name} logged in", began=began)
        _, caps = d.imap_capabilities(conv)
        present = [e for e in IMAP_EXTENSIONS if e in caps]
        missing = [e for e in IMAP_EXTENSIONS if e not in caps]
        detail = ", ".join(present) or "none of " + ", ".join(IMAP_EXTENSIONS)
        self._row("IMAP extensions", "ok", detail + (f"; missing {', '.join(missing)}" if missing else ""))
        self._imap_folders(conv)
        d.imap_command(conv, "LOGOUT")

    def _imap_folders(self, conv: Conversation) -> None:
        began = time.perf_counter()
        listing = d.imap_command(conv, 'LIST "" "*"')
        folders = {}
        for line in listing.lines:
            parsed = _parse_list(line)
            if parsed:
                folders[parsed[1]] = parsed[0]
        if self.base_folder not in folders and not (self.base_folder.upper() == "INBOX" and "INBOX" in folders):
            self._row(
                "IMAP base folder",
                "fail",
                f"{self.base_folder!r} does not exist ({len(folders)} folders: {', '.join(sorted(folders)[:6])}...)",
                "create the folder, or set the account's base_folder to an existing one",
                began,
            )
        self._row("IMAP base folder", "ok", f"{self.base_folder!r} exists ({len(folders)} folders)", began=began)
        if self.sent_folder:
            special = [name for name, flags in folders.items() if "\\SENT" in flags]
            if self.sent_folder in folders:
                self._row("IMAP sent folder", "ok", f"{self.sent_folder!r} exists")
            elif special:
                self._row(
                    "IMAP sent folder",
                    "warn",
                    f"{self.sent_folder!r} is missing; SPECIAL-USE \\Sent is {special[0]!r}",
                    f"set the account's sent_folder to {special[0]!r}",
                )
            else:
                self._fail(
                    "IMAP sent folder", f"{self.sent_folder!r} does not exist", began, "create it or name another"
                )
        if self.record_folder:
            began = time.perf_counter()
            name = f"{self.base_folder}/mailkit-diagnose-{int(time.time())}"
            created = d.imap_command(conv, f'CREATE "{name}"')
            deleted = d.imap_command(conv, f'DELETE "{name}"') if created.ok else None
            if created.ok and deleted is not None and deleted.ok:
                self._row("IMAP record folder", "ok", f"created and deleted {name!r}", began=began)
            else:
                said = created.text if not created.ok else deleted.text if deleted else ""
                self._row(
                    "IMAP record folder",
                    "warn",
                    f"cannot create/delete {name!r}: {said}",
                    "record subfolders need CREATE rights under the base folder: ask the admin",
                    began,
                )

    # -- POP3 ------------------------------------------------------------------------------------
    def _pop3(self, conv: Conversation) -> None:
        began = time.perf_counter()
        greeting = d.pop3_command(conv, "")
        if not greeting.ok:
            self._fail("POP3 greeting", greeting.text, began)
        self._row("POP3 greeting", "ok", greeting.text, began=began)
        began = time.perf_counter()
        reply, caps = d.pop3_capabilities(conv)
        offered = "STLS" in caps
        self._starttls(conv, offered, lambda: d.pop3_command(conv, "STLS"))
        if self.security == "starttls":
            reply, caps = d.pop3_capabilities(conv)
        detail = ", ".join(sorted(caps)) if reply.ok else "no CAPA"
        self._row("POP3 CAPA", "ok", detail + ("; STLS offered" if offered else ""), began=began)
        password = self._password()
        if password is None:
            return
        began = time.perf_counter()
        reply = d.pop3_login(conv, self.login_name, password)
        if not reply.ok:
            self._fail("POP3 login", f"{self.login_name}: {reply.text}", began)
        self._row("POP3 login", "ok", f"{self.login_name} logged in", began=began)
        began = time.perf_counter()
        stat = d.pop3_command(conv, "STAT")
        if not stat.ok:
            self._fail("POP3 STAT", stat.text, began)
        count, _, size = stat.text[4:].partition(" ")
        self._row("POP3 STAT", "ok", f"{count} messages, {size} bytes", began=began)
        d.pop3_command(conv, "QUIT")


_LIST = re.compile(r'^\* LIST \(([^)]*)\) (?:NIL|"(?:\\.|[^"])*") (.*)$', re.IGNORECASE)


def _parse_list(line: str) -> tuple[str, str] | None:
    r"""``(flags, name)`` of one LIST response line.

    >>> _parse_list('* LIST (\\HasNoChildren \\Sent) "/" "Sent Items"')
    ('\\HASNOCHILDREN \\SENT', 'Sent Items')
    >>> _parse_list('* LIST (\\HasChildren) "." INBOX')
    ('\\HASCHILDREN', 'INBOX')
    """
    found = _LIST.match(line)
    if not found:
        return None
    name = found.group(2).strip()
    if name.startswith('"') and name.endswith('"'):
        name = name[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return found.group(1).upper(), name
