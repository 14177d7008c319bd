"""The account model: pure dataclasses, port defaults, validation and dict conversion.

No I/O happens here. An :class:`Account` describes one mail account the way the seed ERPs
do (kivitendo, OpenXE, desk4, REV+): a sending side (SMTP or a local sendmail command), a
receiving side (IMAP or POP3), how to authenticate, and which sender address each document
type uses. Passwords and client secrets are never held here, only *references* to them
(see :mod:`mailkit.secrets`).

>>> acc = Account(name="info", address="info@example.test",
...               sending=Sending(host="mail.example.test", security="tls"))
>>> acc.sending.effective_port
465
>>> [str(p) for p in Account(name="", address="nope").problems()]
['name: must not be empty', "address: 'nope' has no @"]
"""

from __future__ import annotations

__all__ = [
    "AUTH_METHODS",
    "DEFAULT_PORTS",
    "SECURITIES",
    "Account",
    "Auth",
    "Autoresponder",
    "Company",
    "DNSSettings",
    "Documents",
    "Employee",
    "Group",
    "OAuth2",
    "Project",
    "Receiving",
    "SendPolicy",
    "Sending",
    "Smime",
    "Tickets",
    "Timeouts",
    "account_from_dict",
    "account_to_dict",
    "default_port",
    "field_type",
    "from_dict",
    "is_optional",
    "to_dict",
]

import dataclasses
import datetime as dt
import re
import types
import typing
from dataclasses import dataclass, field
from typing import Any

from .errors import ConfigError, FieldProblem
from .secrets import is_reference

SECURITIES = ("none", "starttls", "tls")
SEND_METHODS = ("smtp", "sendmail")
RECEIVE_PROTOCOLS = ("imap", "pop3")
AUTH_METHODS = ("none", "password", "oauth2")
OAUTH2_PROVIDERS = ("microsoft", "google", "generic")
SMIME_ENCRYPT = ("never", "when-possible", "always")

#: Port by protocol and security: submission 587 for STARTTLS, 465 for implicit TLS (RFC 8314).
DEFAULT_PORTS: dict[str, dict[str, int]] = {
    "smtp": {"none": 25, "starttls": 587, "tls": 465},
    "imap": {"none": 143, "starttls": 143, "tls": 993},
    "pop3": {"none": 110, "starttls": 110, "tls": 995},
}

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_DOC_TYPE = re.compile(r"^[a-z][a-z0-9_]*$")
_HOST = re.compile(r"^[A-Za-z0-9._:\[\]-]+$")


def default_port(protocol: str, security: str) -> int:
    """The well-known port for ``protocol`` (smtp/imap/pop3) under ``security``.

    >>> default_port("imap", "starttls"), default_port("pop3", "tls"), default_port("smtp", "none")
    (143, 995, 25)
    """
    try:
        return DEFAULT_PORTS[protocol][security]
    except KeyError:
        raise ValueError(f"no default port for protocol {protocol!r} with security {security!r}") from None


def _check_address(value: str, where: str) -> list[FieldProblem]:
    if not value:
        return [FieldProblem(where, "must not be empty")]
    if "@" not in value:
        return [FieldProblem(where, f"{value!r} has no @")]
    local, _, domain = value.rpartition("@")
    if not local or not domain or "." not in domain.strip(".") or any(c.isspace() for c in value):
        return [FieldProblem(where, f"{value!r} is not an address like name@example.com")]
    return []


# the ports whose security everyone knows: port -> (protocol, what it speaks)
_KNOWN_PORT_SECURITY = {
    ("smtp", 465): "tls",
    ("smtp", 587): "starttls",
    ("imap", 993): "tls",
    ("imap", 143): "starttls",
    ("pop3", 995): "tls",
    ("pop3", 110): "starttls",
}


def _port_contradiction(protocol: str, port: int | None, security: str) -> str:
    """Why a port/security pair looks mixed up (465 with STARTTLS, 143 with TLS), or ''.

    >>> _port_contradiction("smtp", 465, "starttls")
    'smtp port 465 speaks TLS from the first byte, but security is starttls: use security tls (or port 587)'
    >>> _port_contradiction("imap", 993, "tls")
    ''
    """
    speaks = _KNOWN_PORT_SECURITY.get((protocol, port))
    if speaks is None or security == speaks or (security == "none" and speaks == "starttls"):
        return ""
    wanted = "starttls" if security == "none" else security
    other = next(p for (proto, p), s in _KNOWN_PORT_SECURITY.items() if proto == protocol and s == wanted)
    if speaks == "tls":
        return (
            f"{protocol} port {port} speaks TLS from the first byte, but security is {security}: "
            f"use security tls (or port {other})"
        )
    return (
        f"{protocol} port {port} is a STARTTLS port, but security is {security}: "
        f"use security starttls (or port {other})"
    )


def _check_server(side: str, protocol: str, host: str, port: int | None, security: str) -> list[FieldProblem]:
    problems = []
    if not host:
        problems.append(FieldProblem(f"{side}.host", "must not be empty"))
    elif not _HOST.match(host):
        problems.append(FieldProblem(f"{side}.host", f"{host!r} is not a host name or IP address"))
    if port is not None and not (isinstance(port, int) and 1 <= port <= 65535):
        problems.append(FieldProblem(f"{side}.port", f"{port!r} is out of range 1-65535"))
    if security not in SECURITIES:
        problems.append(FieldProblem(f"{side}.security", f"{security!r} is not one of {', '.join(SECURITIES)}"))
    return problems


def _check_ref(value: str | None, where: str) -> list[FieldProblem]:
    if value is not None and not is_reference(value):
        return [
            FieldProblem(
                where,
                "is not a secret reference (env:NAME, file:PATH, keyring:SERVICE/USER or workspace:KEY); "
                "store the secret with `mailkit secrets set` and put its reference here",
            )
        ]
    return []


@dataclass
class Sending:
    """How mail leaves: SMTP submission, or a local sendmail command (kivitendo's default)."""

    method: str = "smtp"
    host: str = ""
    port: int | None = None  # None: the default for ``security``
    security: str = "starttls"
    sendmail_command: str = "/usr/sbin/sendmail -t -i"
    username: str | None = None  # None: the account's auth user name
    password: str | None = None  # secret reference; None: the account's
    authenticate: bool = True  # False: a relay that takes mail without AUTH (kivitendo's empty ``login``)

    @property
    def effective_port(self) -> int:
        return self.port if self.port is not None else default_port("smtp", self.security)

    @property
    def logs_in(self) -> bool:
        """Whether this side talks to a server (sendmail hands mail to a local program)."""
        return self.method == "smtp"

    def problems(self) -> list[FieldProblem]:
        if self.method not in SEND_METHODS:
            return [FieldProblem("sending.method", f"{self.method!r} is not one of {', '.join(SEND_METHODS)}")]
        if self.method == "sendmail":
            if not self.sendmail_command.strip():
                return [FieldProblem("sending.sendmail_command", "must not be empty for method sendmail")]
            return []
        return _check_server("sending", "smtp", self.host, self.port, self.security) + _check_ref(
            self.password, "sending.password"
        )


AFTER_IMPORT = ("keep", "seen", "delete")
_QUIET = {"omit_default": True}  # a field left out of the saved dict while it holds its default
DOCUMENT_TARGETS = ("folder", "hook")


@dataclass
class Autoresponder:
    """OpenXE's automatic answer: once per calendar day per sender (in ``timezone``), never to automatic mail."""

    subject: str = "Ihre Nachricht: {BETREFF} [{TICKET}]"
    text: str = "Vielen Dank für Ihre Nachricht. Wir bearbeiten sie unter der Nummer {TICKET}.\n"
    timezone: str = "Europe/Berlin"

    def problems(self) -> list[FieldProblem]:
        import zoneinfo

        problems = []
        if not self.subject.strip():
            problems.append(FieldProblem("receiving.autoresponder.subject", "must not be empty"))
        try:
            zoneinfo.ZoneInfo(self.timezone)
        except (ValueError, zoneinfo.ZoneInfoNotFoundError):
            problems.append(
                FieldProblem(
                    "receiving.autoresponder.timezone", f"{self.timezone!r} is not a time zone like Europe/Berlin"
                )
            )
        return problems


@dataclass
class Tickets:
    """OpenXE's ticket import: every new mail a ticket number, a queue and a project."""

    queue: str = ""  # the default queue; a route may choose another
    project: str = ""
    mark_closed: bool = False  # import as closed (mail that needs no work, e.g. an archive mailbox)
    reply_from_receiving_address: bool = True  # answer from the address the mail came in on
    prefix: str = ""  # ticket numbers are <prefix><YYYYMMDD>-<sequence>, e.g. T20261201-0001

    def problems(self) -> list[FieldProblem]:
        if self.prefix and not re.match(r"^[A-Za-z0-9_-]+$", self.prefix):
            return [FieldProblem("receiving.tickets.prefix", f"{self.prefix!r} may hold only letters, digits, _ and -")]
        return []


@dataclass
class Documents:
    """REV+'s document intake: attachments filed into ``documents/<record or ticket>/`` or handed to a hook."""

    target: str = "folder"  # folder | hook
    hook: str = ""  # MODULE:FUNCTION in the workspace folder, for target hook

    def problems(self) -> list[FieldProblem]:
        if self.target not in DOCUMENT_TARGETS:
            return [
                FieldProblem(
                    "receiving.documents.target", f"{self.target!r} is not one of {', '.join(DOCUMENT_TARGETS)}"
                )
            ]
        if self.target == "hook" and ":" not in self.hook:
            return [FieldProblem("receiving.documents.hook", "must be MODULE:FUNCTION for target hook")]
        return []


@dataclass
class Receiving:
    """How mail comes in: IMAP (folders, Sent export) or POP3 (one mailbox), and what happens to new mail."""

    protocol: str = "imap"
    host: str = ""
    port: int | None = None
    security: str = "tls"
    base_folder: str = "INBOX"
    sent_export: bool = False
    sent_folder: str = "Sent"
    username: str | None = None
    password: str | None = None
    # what happens to new mail; saved only where it differs from the default
    after_import: str = field(default="keep", metadata=_QUIET)  # keep | seen | delete | move:FOLDER
    since: str = field(default="", metadata=_QUIET)  # YYYY-MM-DD: import only mail received from this day on
    poll_interval: float = field(default=5.0, metadata=_QUIET)  # minutes between polls of `mailkit watch`
    retention_days: int = field(default=0, metadata=_QUIET)  # purge journal entries older than this; 0: never
    autoresponder: Autoresponder | None = None
    tickets: Tickets | None = None
    documents: Documents | None = None

    @property
    def effective_port(self) -> int:
        return self.port if self.port is not None else default_port(self.protocol, self.security)

    logs_in = True

    def _intake_problems(self) -> list[FieldProblem]:
        problems = []
        action = self.after_import
        allowed = AFTER_IMPORT if self.protocol == "imap" else ("keep", "delete")
        if action not in allowed and not (self.protocol == "imap" and action.startswith("move:") and len(action) > 5):
            choices = ", ".join(allowed) + (" or move:FOLDER" if self.protocol == "imap" else "")
            problems.append(FieldProblem("receiving.after_import", f"{action!r} is not one of {choices}"))
        if self.since:
            try:
                dt.date.fromisoformat(self.since)
            except ValueError:
                problems.append(FieldProblem("receiving.since", f"{self.since!r} is not a date like 2026-01-31"))
        if not (isinstance(self.poll_interval, int | float) and self.poll_interval > 0):
            problems.append(FieldProblem("receiving.poll_interval", "must be a positive number of minutes"))
        if not (isinstance(self.retention_days, int) and self.retention_days >= 0):
            problems.append(FieldProblem("receiving.retention_days", "must be 0 (keep for ever) or a number of days"))
        for part in (self.autoresponder, self.tickets, self.documents):
            if part is not None:
                problems += part.problems()
        return problems

    def problems(self) -> list[FieldProblem]:
        if self.protocol not in RECEIVE_PROTOCOLS:
            return [
                FieldProblem("receiving.protocol", f"{self.protocol!r} is not one of {', '.join(RECEIVE_PROTOCOLS)}")
            ]
        problems = _check_server("receiving", self.protocol, self.host, self.port, self.security)
        if self.protocol == "imap" and not self.base_folder:
            problems.append(FieldProblem("receiving.base_folder", "must not be empty (INBOX is the usual one)"))
        if self.sent_export:
            if self.protocol != "imap":
                problems.append(FieldProblem("receiving.sent_export", "needs IMAP; POP3 has no folders"))
            elif not self.sent_folder:
                problems.append(FieldProblem("receiving.sent_folder", "must not be empty when sent_export is on"))
        return problems + self._intake_problems() + _check_ref(self.password, "receiving.password")


@dataclass
class OAuth2:
    """OAuth2 client settings; the client secret is a reference."""

    provider: str = "generic"
    authority_url: str = ""
    tenant: str = ""
    client_id: str = ""
    client_secret: str | None = None
    scopes: tuple[str, ...] = ()

    def problems(self) -> list[FieldProblem]:
        problems = []
        if self.provider not in OAUTH2_PROVIDERS:
            problems.append(
                FieldProblem("auth.oauth2.provider", f"{self.provider!r} is not one of {', '.join(OAUTH2_PROVIDERS)}")
            )
        if not self.client_id:
            problems.append(FieldProblem("auth.oauth2.client_id", "must not be empty"))
        if self.authority_url and not self.authority_url.startswith("https://"):
            problems.append(FieldProblem("auth.oauth2.authority_url", "must start with https://"))
        return problems + _check_ref(self.client_secret, "auth.oauth2.client_secret")


@dataclass
class Auth:
    """How to log in: none, user name and password, or OAuth2."""

    method: str = "password"
    username: str | None = None  # None: the account's address
    password: str | None = None  # secret reference
    oauth2: OAuth2 | None = None

    def problems(self) -> list[FieldProblem]:
        if self.method not in AUTH_METHODS:
            return [FieldProblem("auth.method", f"{self.method!r} is not one of {', '.join(AUTH_METHODS)}")]
        problems = _check_ref(self.password, "auth.password")
        if self.method == "oauth2":
            if self.oauth2 is None:
                problems.append(FieldProblem("auth.oauth2", "is required for method oauth2"))
            else:
                problems += self.oauth2.problems()
        return problems


@dataclass
class Timeouts:
    """Seconds: to connect, and for any one command once connected."""

    connect: float = 10.0
    command: float = 30.0

    def problems(self) -> list[FieldProblem]:
        return [
            FieldProblem(f"timeouts.{name}", f"{value!r} must be a positive number of seconds")
            for name, value in (("connect", self.connect), ("command", self.command))
            if not (isinstance(value, int | float) and not isinstance(value, bool) and value > 0)
        ]


@dataclass
class Smime:
    """REV+'s "Abgehende E-Mails signieren / verschlüsseln": sign with the sender's certificate; encrypt
    never, when every recipient's certificate is known (``when-possible``), or ``always`` (else refuse)."""

    sign: bool = False
    encrypt: str = "never"

    def problems(self) -> list[FieldProblem]:
        if self.encrypt not in SMIME_ENCRYPT:
            return [FieldProblem("smime.encrypt", f"{self.encrypt!r} is not one of {', '.join(SMIME_ENCRYPT)}")]
        return []


@dataclass
class DNSSettings:
    """Where mailkit's resolver asks: empty means the system's resolver (a workspace's ``[dns]`` table)."""

    nameservers: list[str] = field(default_factory=list)
    port: int = 53
    timeout: float = 3.0


@dataclass
class Account:
    """One mail account; ``senders`` maps a document type (invoice, quote, ...) to its sender address."""

    name: str
    address: str
    display_name: str = ""
    description: str = ""
    owner: str = ""
    sending: Sending | None = None
    receiving: Receiving | None = None
    auth: Auth = field(default_factory=Auth)
    senders: dict[str, str] = field(default_factory=dict)
    verify_certificate: bool = True
    ca_file: str | None = None
    timeouts: Timeouts = field(default_factory=Timeouts)
    signature: str = ""  # OpenXE's order: the account's signature, else the project's, else the company's
    signature_html: str = ""
    dkim_selector: str | None = None  # sign outgoing mail with keys/<sender domain>/<selector>.pem
    smime: Smime | None = None  # S/MIME for outgoing mail; None: neither signed nor encrypted

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2].lower()

    @property
    def login(self) -> str:
        """The user name for the servers: the configured one, else the address."""
        return self.auth.username or self.address

    def sender_for(self, document_type: str) -> str:
        """The sender address for a document type, falling back to the account's address."""
        return self.senders.get(document_type, self.address)

    def problems(self) -> list[FieldProblem]:
        """Every bad field at once, each with its dotted path."""
        problems = []
        if not self.name:
            problems.append(FieldProblem("name", "must not be empty"))
        elif not _NAME.match(self.name):
            problems.append(FieldProblem("name", f"{self.name!r} may hold only letters, digits, '.', '_' and '-'"))
        problems += _check_address(self.address, "address")
        for part in (self.sending, self.receiving, self.auth, self.timeouts, self.smime):
            if part is not None:
                problems += part.problems()
        if self.auth.method == "password" and self.auth.password is None:
            logging_in = [
                s
                for s in (self.sending, self.receiving)
                if s is not None and s.logs_in and getattr(s, "authenticate", True)
            ]
            if any(s.password is None for s in logging_in):
                problems.append(FieldProblem("auth.password", "is required for method password (a secret reference)"))
        for doc_type, sender in self.senders.items():
            if not _DOC_TYPE.match(doc_type):
                problems.append(FieldProblem(f"senders.{doc_type}", "document type must be lower-case like 'invoice'"))
            problems += _check_address(sender, f"senders.{doc_type}")
        if self.ca_file == "":
            problems.append(FieldProblem("ca_file", "must not be empty; leave it out to use the system's CAs"))
        return problems

    def warnings(self) -> list[FieldProblem]:
        """Settings that work but weaken security; shown, not refused."""
        found = []
        if not self.verify_certificate:
            found.append(FieldProblem("verify_certificate", "is off: a man in the middle can read the password"))
        for side in (self.sending, self.receiving):
            if side is None or not side.logs_in:
                continue
            name = "sending" if isinstance(side, Sending) else "receiving"
            if side.security == "none" and self.auth.method != "none" and getattr(side, "authenticate", True):
                found.append(FieldProblem(f"{name}.security", "is none: the login travels unencrypted"))
            protocol = "smtp" if isinstance(side, Sending) else side.protocol
            contradiction = _port_contradiction(protocol, side.port, side.security)
            if contradiction:
                found.append(FieldProblem(f"{name}.port", contradiction))
        return found

    def validate(self) -> Account:
        """Raise :class:`ConfigError` listing every problem; return self when there is none."""
        problems = self.problems()
        if problems:
            raise ConfigError(f"account {self.name or '(unnamed)'!r} is invalid:", problems)
        return self


@dataclass
class Employee:
    """A user of the ERP: who sends, the {MITARBEITER...} signature variables, and what they may send as."""

    full_name: str = ""
    email: str = ""
    phone: str = ""
    fax: str = ""
    mobile: str = ""
    groups: tuple[str, ...] = ()
    senders: tuple[str, ...] = ()  # addresses this user may send as, besides their own

    def problems(self, where: str) -> list[FieldProblem]:
        found = _check_address(self.email, f"{where}.email") if self.email else []
        for i, address in enumerate(self.senders):
            found += _check_address(address, f"{where}.senders[{i}]")
        return found


@dataclass
class Group:
    """A group of users and the sender addresses all of them may use (desk4)."""

    senders: tuple[str, ...] = ()


@dataclass
class Company:
    name: str = ""
    signature: str = ""
    signature_html: str = ""


@dataclass
class Project:
    signature: str = ""
    signature_html: str = ""


@dataclass
class SendPolicy:
    """Workspace-wide sending rules: an archive copy for every mail, and the record's clerk in CC."""

    bcc_archive: str | None = None
    clerk_cc: bool = True

    def problems(self) -> list[FieldProblem]:
        return _check_address(self.bcc_archive, "policy.bcc_archive") if self.bcc_archive is not None else []


# -- dict conversion (the workspace stores these dicts as TOML) -----------------------------------


def account_to_dict(account: Account) -> dict[str, Any]:
    """A plain dict for TOML: None and empty tables left out, tuples as lists, name as the key outside."""
    return _to_plain(account, skip=("name",))


def _to_plain(obj: Any, skip: tuple[str, ...] = ()) -> Any:
    if dataclasses.is_dataclass(obj):
        out = {}
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if f.name in skip or value is None or value == {}:
                continue
            if f.metadata.get("omit_default") and value == f.default:
                continue
            out[f.name] = _to_plain(value)
        return out
    if isinstance(obj, tuple | list):
        return [_to_plain(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _to_plain(v) for k, v in obj.items()}
    return obj


def field_type(cls: type, path: list[str]) -> Any:
    """The type hint of the field at ``path`` below dataclass ``cls`` (a dict's value type for a key below it).

    The CLI's ``accounts set`` and the account form both type what the user gives by it.

    >>> field_type(Account, ["sending", "port"]), field_type(Account, ["senders", "invoice"])
    (int | None, <class 'str'>)
    >>> field_type(Account, ["sending", "prot"])
    Traceback (most recent call last):
    ...
    mailkit.errors.ConfigError: sending.prot: unknown field 'prot' (known: method, host, port, security, \
sendmail_command, username, password, authenticate)
    """
    hint: Any = cls
    for part in path:
        hint = next(a for a in typing.get_args(hint) if a is not type(None)) if is_optional(hint) else hint
        if typing.get_origin(hint) is dict:
            hint = typing.get_args(hint)[1]
            continue
        if not dataclasses.is_dataclass(hint):
            raise ConfigError(f"{'.'.join(path)}: {part!r} is below a plain value")
        fields = {f.name: f for f in dataclasses.fields(hint)}
        if part not in fields:
            raise ConfigError(f"{'.'.join(path)}: unknown field {part!r} (known: {', '.join(fields)})")
        hint = typing.get_type_hints(hint)[part]
    return hint


def is_optional(hint: Any) -> bool:
    """Whether a type hint allows None (``str | None``)."""
    return typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in typing.get_args(hint)


def to_dict(obj: Any) -> dict[str, Any]:
    """Any of the model's dataclasses as a plain dict for TOML."""
    return _to_plain(obj)


def from_dict(cls: type, data: Any, where: str) -> Any:
    """One of the model's dataclasses from a dict; every unknown or mistyped field reported at once."""
    problems: list[FieldProblem] = []
    made = _from_plain(cls, data, f"{where}." if where else "", problems)
    if problems:
        raise ConfigError(f"{where or cls.__name__} cannot be read:", problems)
    return made


def account_from_dict(name: str, data: dict[str, Any]) -> Account:
    """Build an account from its stored dict; unknown keys and wrong types are all reported together.

    The account is not validated here (see :meth:`Account.problems`), but when a field cannot be
    read, the problems of the rest are reported with it, so one edit fixes them all.

    >>> account_from_dict("x", {"address": "x@example.test", "timeouts": {"conect": 5}, "sending": {"port": 25}})
    Traceback (most recent call last):
    ...
    mailkit.errors.ConfigError: account 'x' cannot be read:
      - timeouts.conect: unknown field (known: connect, command)
      - sending.host: must not be empty
      - auth.password: is required for method password (a secret reference)
    """
    problems: list[FieldProblem] = []
    account = _from_plain(Account, {"name": name, **data}, "", problems)
    if problems:
        if account is not None:
            known = {p.field for p in problems}
            problems += [p for p in account.problems() if p.field not in known]
        raise ConfigError(f"account {name!r} cannot be read:", problems)
    return account


def _from_plain(cls: type, data: Any, path: str, problems: list[FieldProblem]) -> Any:
    if not isinstance(data, dict):
        problems.append(FieldProblem(path.rstrip("."), f"must be a table, not {type(data).__name__}"))
        return None
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    kwargs = {}
    for key, value in data.items():
        where = f"{path}{key}"
        if key not in hints:
            problems.append(FieldProblem(where, f"unknown field (known: {', '.join(n for n in names if n != 'name')})"))
            continue
        converted = _convert(hints[key], value, where, problems)
        if converted is not _BAD:
            kwargs[key] = converted
    missing = [
        f.name
        for f in dataclasses.fields(cls)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING and f.name not in data
    ]
    for name in missing:
        problems.append(FieldProblem(f"{path}{name}", "is required"))
    # fields that could not be read keep their defaults, so the rest can still be checked
    return None if missing else cls(**kwargs)


_BAD = object()
_TYPE_NAMES = {str: "text", int: "a whole number", float: "a number", bool: "true or false"}


def _convert(hint: Any, value: Any, where: str, problems: list[FieldProblem]) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return _convert(options[0], value, where, problems)
    if dataclasses.is_dataclass(hint):
        made = _from_plain(hint, value, f"{where}.", problems)
        return _BAD if made is None else made
    if origin is tuple:
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            problems.append(FieldProblem(where, "must be a list of texts"))
            return _BAD
        return tuple(value)
    if origin is dict:
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            problems.append(FieldProblem(where, "must be a table of texts"))
            return _BAD
        return dict(value)
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, hint) and not (hint is int and isinstance(value, bool)):
        return value
    problems.append(FieldProblem(where, f"must be {_TYPE_NAMES.get(hint, hint.__name__)}, not {value!r}"))
    return _BAD
