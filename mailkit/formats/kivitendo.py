"""kivitendo.conf's mail sections, read into mailkit accounts and written back.

kivitendo keeps its mail settings in ``config/kivitendo.conf`` (read by Perl's Config::Std):

- ``[mail_delivery]``: ``method = smtp|sendmail`` (empty: mail is off), ``sendmail``, ``host``,
  ``port``, ``security = none|tls|ssl``, ``login``, ``password``;
- ``[imap_client]``: the import: ``enabled``, ``hostname``, ``port``, ``ssl = 0|1``,
  ``username``, ``password``, ``base_folder``;
- ``[sent_emails_in_imap]``: the sent-mail export: ``enabled``, ``hostname``, ``port``, ``ssl``,
  ``username``, ``password``, ``folder``;
- ``[mail_delivery/email/ADDR]`` and ``[sent_emails_in_imap/email/ADDR]``: the same for one address.

Its words differ from mailkit's: SMTP ``tls`` is STARTTLS and ``ssl`` implicit TLS; the SMTP
port defaults to 25 also for STARTTLS; its IMAP knows no STARTTLS. A per-address section
replaces the general one as a whole; the export takes the sender's section, else the user's,
else the general one (:func:`section_for`).

Passwords found on import are handed back apart from the account (:attr:`Imported.secrets`),
for the workspace's secret store; the account holds references. Export writes a password only
when the caller passes a way to read it.

>>> conf = parse('''
... [mail_delivery]
... method = smtp
... host = mail.example.test
... security = tls
... login = info@example.test
... password = geheim
... ''')
>>> imported = import_account(conf, "info@example.test")
>>> s, auth = imported.account.sending, imported.account.auth
>>> s.host, s.security, s.effective_port, auth.password
('mail.example.test', 'starttls', 25, 'workspace:info.password')
>>> imported
Imported(account='info', secrets=['info.password'], notes=[])
"""

from __future__ import annotations

__all__ = [
    "IMAP_CLIENT",
    "MAIL_DELIVERY",
    "SENT_EMAILS",
    "Export",
    "Imported",
    "KivitendoConf",
    "Section",
    "decode",
    "export",
    "import_account",
    "import_accounts",
    "merge",
    "parse",
    "receiver_address_of",
    "section_for",
]

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ..errors import FormatError
from ..model import Account, Auth, Receiving, Sending, default_port

MAIL_DELIVERY = "mail_delivery"
IMAP_CLIENT = "imap_client"
SENT_EMAILS = "sent_emails_in_imap"
_FAMILIES = (MAIL_DELIVERY, IMAP_CLIENT, SENT_EMAILS)

#: kivitendo's SMTP ``security`` in mailkit's words, and its default port for each
_SMTP_SECURITY = {"none": "none", "tls": "starttls", "ssl": "tls"}
_SMTP_SECURITY_BACK = {v: k for k, v in _SMTP_SECURITY.items()}
_SMTP_PORT = {"none": 25, "tls": 25, "ssl": 465}
_SENDMAIL = "/usr/sbin/sendmail -t"
#: the template kivitendo.conf.default puts into the sendmail command
_SENDMAIL_FROM = re.compile(r"<%if myconfig_email%>(.*?)<%end%>")
_SENT_FOLDER = "Sent/Kivitendo"

_HEADER = re.compile(r"^\[\s*(?P<name>[^\]]+?)\s*\]$")
_ENTRY = re.compile(r"^(?P<key>[A-Za-z0-9_.-]+)\s*[=:]\s*(?P<value>.*?)$")


@dataclass
class Section:
    """One ``[name]`` section: its values and where each came from (for error messages)."""

    name: str
    values: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    line: int = 0

    def get(self, key: str, default: str = "") -> str:
        return self.values.get(key, default)


@dataclass
class KivitendoConf:
    """The sections of a kivitendo.conf, by lower-cased name, in file order."""

    sections: dict[str, Section]
    path: str = "kivitendo.conf"

    def section(self, name: str) -> Section | None:
        return self.sections.get(name.lower())

    def addresses(self) -> list[str]:
        """The addresses that have a section of their own, in file order."""
        found: dict[str, str] = {}
        for section in self.sections.values():
            family, sep, address = section.name.partition("/email/")
            if sep and family.lower() in _FAMILIES and address:
                found.setdefault(address.lower(), address)
        return list(found.values())

    def error(self, section: Section, key: str, message: str) -> FormatError:
        return FormatError(f"[{section.name}] {key}: {message}", self.path, section.lines.get(key, section.line))


def parse(text: str, path: str = "kivitendo.conf") -> KivitendoConf:
    """Read a kivitendo.conf; a line that is neither a section, a ``key = value`` nor a comment is an error.

    >>> parse("[a]\\nx = 1\\noops\\n").sections  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    mailkit.errors.FormatError: kivitendo.conf, line 3: expected '[section]' or 'key = value', got 'oops'
    """
    sections: dict[str, Section] = {}
    current = Section("", line=0)
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if header := _HEADER.match(line):
            name = header["name"]
            current = sections.setdefault(name.lower(), Section(name, line=number))
            continue
        entry = _ENTRY.match(line)
        if entry is None:
            raise FormatError(f"expected '[section]' or 'key = value', got {line[:60]!r}", path, number)
        key = entry["key"].lower()
        if key in current.values and current.name.partition("/")[0].lower() in _FAMILIES:
            raise FormatError(
                f"[{current.name}] {key} is given twice (first on line {current.lines[key]})", path, number
            )
        current.values[key] = entry["value"]
        current.lines[key] = number
    return KivitendoConf(sections, path)


def section_for(conf: KivitendoConf, family: str, *addresses: str | None) -> Section | None:
    """kivitendo's choice: the first address with a section of its own, else the general section.

    >>> conf = parse("[sent_emails_in_imap]\\nfolder = A\\n[sent_emails_in_imap/email/u@x.test]\\nfolder = U\\n")
    >>> [section_for(conf, SENT_EMAILS, *a).get("folder") for a in (("s@x.test", "u@x.test"), ("s@x.test",))]
    ['U', 'A']
    """
    for address in addresses:
        if address and (own := conf.section(f"{family}/email/{address}")) is not None:
            return own
    return conf.section(family)


@dataclass
class Imported:
    """An account read from kivitendo.conf, the passwords to store (key → value) and what to know about it."""

    account: Account
    secrets: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def __repr__(self) -> str:  # never the passwords
        return f"Imported(account={self.account.name!r}, secrets={sorted(self.secrets)}, notes={self.notes})"


def _flag(conf: KivitendoConf, section: Section, key: str, default: bool) -> bool:
    value = section.get(key).strip()
    if not value:
        return default
    if value not in ("0", "1"):
        raise conf.error(section, key, f"{value!r} must be 0 or 1")
    return value == "1"


def _port(conf: KivitendoConf, section: Section, default: int) -> int:
    value = section.get("port").strip()
    if not value:
        return default
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise conf.error(section, "port", f"{value!r} is not a port number (1-65535)")
    return int(value)


def _account_name(address: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "-", address.partition("@")[0]).strip("-._") or "account"


class _Credentials:
    """Collects the passwords of one import under workspace secret keys, one per distinct password."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.secrets: dict[str, str] = {}

    def reference(self, side: str, password: str) -> str | None:
        if not password:
            return None
        for key, value in self.secrets.items():
            if value == password:
                return f"workspace:{key}"
        key = f"{self.name}.{side}-password" if self.secrets else f"{self.name}.password"
        self.secrets[key] = password
        return f"workspace:{key}"


def _sending(conf: KivitendoConf, address: str, creds: _Credentials, notes: list[str]) -> Sending | None:
    section = section_for(conf, MAIL_DELIVERY, address)
    if section is None:
        notes.append("no [mail_delivery] section: kivitendo sends with its default, sendmail")
        section = Section(MAIL_DELIVERY)
    method = section.get("method", "sendmail").strip()
    if method == "":
        notes.append(f"[{section.name}] method is empty: kivitendo's mail delivery is off, no sending side")
        return None
    if method == "sendmail":
        command = section.get("sendmail").strip() or _SENDMAIL
        return Sending(
            method="sendmail",
            sendmail_command=_SENDMAIL_FROM.sub(r"\1", command).replace("<%myconfig_email%>", address),
        )
    if method != "smtp":
        raise conf.error(section, "method", f"{method!r} must be smtp, sendmail or empty")
    kivi_security = section.get("security").strip().lower() or "none"
    if kivi_security not in _SMTP_SECURITY:
        raise conf.error(section, "security", f"{kivi_security!r} must be none, tls (STARTTLS) or ssl")
    security = _SMTP_SECURITY[kivi_security]
    port = _port(conf, section, _SMTP_PORT[kivi_security])
    login = section.get("login").strip()
    if login and kivi_security == "none":
        notes.append(f"[{section.name}] sends the password unencrypted (security = none): use tls or ssl")
    return Sending(
        host=(section.get("host") or section.get("hostname") or "localhost").strip(),
        port=None if port == default_port("smtp", security) else port,
        security=security,
        username=login or None,
        password=creds.reference("smtp", section.get("password")),
        authenticate=bool(login),
    )


def _imap(conf: KivitendoConf, section: Section, creds: _Credentials, kind: str) -> Receiving:
    tls = _flag(conf, section, "ssl", True)
    security = "tls" if tls else "none"
    port = _port(conf, section, 993 if tls else 143)
    return Receiving(
        host=(section.get("hostname") or section.get("host") or "localhost").strip(),
        port=None if port == default_port("imap", security) else port,
        security=security,
        base_folder=section.get("base_folder").strip() or "INBOX",
        username=section.get("username").strip() or None,
        password=creds.reference(kind, section.get("password")),
    )


def import_account(
    conf: KivitendoConf,
    address: str,
    *,
    name: str | None = None,
    user_address: str | None = None,
    receive: bool = True,
) -> Imported:
    """The account kivitendo would use for sender ``address`` (``user_address``: the user's own address).

    ``receive`` takes ``[imap_client]`` as the receiving side; kivitendo has one import mailbox,
    so only one account should (see :func:`import_accounts`).
    """
    name = name or _account_name(address)
    creds, notes = _Credentials(name), []
    sending = _sending(conf, address, creds, notes)

    receiving = None
    client = conf.section(IMAP_CLIENT)
    if receive and client is not None:
        if _flag(conf, client, "enabled", False):
            receiving = _imap(conf, client, creds, "imap")
        else:
            notes.append("[imap_client] is disabled (enabled = 0): no receiving side imported")

    sent = section_for(conf, SENT_EMAILS, address, user_address)
    if sent is not None and _flag(conf, sent, "enabled", False):
        server = _imap(conf, sent, creds, "sent")
        if receiving is None:
            receiving = replace(server, base_folder="INBOX")
            notes.append(f"[{sent.name}]'s server becomes the receiving side, since it is where sent mail goes")
        elif (server.host, server.effective_port, server.username) != (
            receiving.host,
            receiving.effective_port,
            receiving.username,
        ):
            notes.append(
                f"[{sent.name}] exports to {server.username or address} on {server.host}, not the import mailbox; "
                "mailkit appends sent mail to the receiving side: make that server an account of its own if needed"
            )
        receiving.sent_export = True
        receiving.sent_folder = sent.get("folder").strip() or _SENT_FOLDER

    # the login shared by both sides becomes the account's; a side keeps its own only where it differs
    users = [s.username for s in (sending, receiving) if s is not None and s.username]
    refs = [s.password for s in (sending, receiving) if s is not None and s.password]
    auth = Auth(method="password" if users or refs else "none")
    if users and len(set(users)) == 1 and len(set(refs)) <= 1:
        auth = Auth(
            method="password", username=None if users[0] == address else users[0], password=refs[0] if refs else None
        )
        for side in (sending, receiving):
            if side is not None:
                side.username = side.password = None
    account = Account(
        name=name,
        address=address,
        description="imported from kivitendo.conf",
        sending=sending,
        receiving=receiving,
        auth=auth,
    )
    return Imported(account, creds.secrets, notes)


def receiver_address_of(conf: KivitendoConf) -> str | None:
    """The address whose mailbox ``[imap_client]`` imports: its user name, else the general SMTP login."""
    client = conf.section(IMAP_CLIENT)
    if client is None or client.get("enabled").strip() != "1":
        return None
    delivery = conf.section(MAIL_DELIVERY)
    for candidate in (client.get("username"), delivery.get("login") if delivery else ""):
        candidate = candidate.strip()
        if "@" in candidate:
            return candidate
    return None


def import_accounts(
    conf: KivitendoConf, addresses: list[str] | None = None, *, user_address: str | None = None
) -> list[Imported]:
    """One account per address (default: the import mailbox's address, then each with a section of its own).

    The account whose address is ``[imap_client]``'s user name — else the first — gets the import mailbox;
    every other account keeps its own ``[sent_emails_in_imap/email/ADDR]`` mailbox (and password) for sent copies.
    """
    receiver_address = receiver_address_of(conf)
    if not addresses:
        addresses = conf.addresses()
        if receiver_address and receiver_address.lower() not in {a.lower() for a in addresses}:
            addresses = [receiver_address, *addresses]
    if not addresses:
        raise FormatError(
            "names no sender address ([mail_delivery/email/ADDR] or [sent_emails_in_imap/email/ADDR]): "
            "give the address the accounts send as",
            conf.path,
        )
    imap_user = (receiver_address or "").lower()
    receiver = next((a for a in addresses if a.lower() == imap_user), addresses[0])
    names = [_account_name(a) for a in addresses]
    imported = []
    for address, name in zip(addresses, names, strict=True):
        if names.count(name) > 1:
            name = re.sub(r"[^A-Za-z0-9._-]", "-", address)
        imported.append(
            import_account(conf, address, name=name, user_address=user_address, receive=address == receiver)
        )
    return imported


@dataclass
class Export:
    """The mail sections for kivitendo.conf, and what could not be said in kivitendo's words."""

    text: str
    notes: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)  # the accounts' addresses, for :func:`merge`

    def __str__(self) -> str:
        return self.text


#: reads a password for (account, side "sending" / "receiving"); None: leave it out
PasswordReader = Callable[[Account, str], str | None]


def _credentials(account: Account, side, kind: str, passwords: PasswordReader | None) -> tuple[str, str, str]:
    """(user name, password line value, comment) for one side."""
    user = side.username or account.login
    reference = side.password or account.auth.password
    if passwords is not None and reference:
        return user, passwords(account, kind) or "", ""
    comment = f"# password: kept by mailkit as {reference}; enter it here by hand" if reference else ""
    return user, "", comment


def _smtp_lines(account: Account, passwords: PasswordReader | None, notes: list[str]) -> list[str]:
    sending = account.sending
    if sending is None:
        return ["method ="]
    if sending.method == "sendmail":
        return ["method = sendmail", f"sendmail = {sending.sendmail_command}"]
    kivi_security = _SMTP_SECURITY_BACK[sending.security]
    lines = ["method = smtp", f"host = {sending.host}", f"security = {kivi_security}"]
    if sending.effective_port != _SMTP_PORT[kivi_security]:
        lines.append(f"port = {sending.effective_port}")
    if account.auth.method == "oauth2":
        notes.append(f"{account.name}: kivitendo cannot send with OAuth2; the SMTP login is left empty")
    elif account.auth.method == "password" and sending.authenticate:
        user, password, comment = _credentials(account, sending, "sending", passwords)
        lines += [f"login = {user}", *([comment] if comment else []), f"password = {password}"]
    return lines


def _imap_lines(account: Account, passwords: PasswordReader | None, notes: list[str]) -> list[str]:
    receiving = account.receiving
    assert receiving is not None and receiving.protocol == "imap"
    security = receiving.security
    if security == "starttls":
        notes.append(
            f"{account.name}: kivitendo's IMAP knows no STARTTLS; exported as ssl = 1 (implicit TLS"
            + (", port 993)" if receiving.effective_port == 143 else f", port {receiving.effective_port})")
        )
        security = "tls"
    port = 993 if security == "tls" and receiving.effective_port == 143 else receiving.effective_port
    lines = ["enabled = 1", f"hostname = {receiving.host}", f"ssl = {1 if security == 'tls' else 0}"]
    if port != (993 if security == "tls" else 143):
        lines.append(f"port = {port}")
    if account.auth.method == "oauth2":
        notes.append(f"{account.name}: kivitendo's IMAP cannot log in with OAuth2; the login is left empty")
    elif account.auth.method == "password":
        user, password, comment = _credentials(account, receiving, "receiving", passwords)
        lines += [f"username = {user}", *([comment] if comment else []), f"password = {password}"]
    return lines


def _differs(lines: list[str], general: list[str], passwords: PasswordReader | None) -> bool:
    """Whether an account needs a section of its own; unread passwords do not count (one login, one password)."""
    if passwords is None:
        lines, general = (
            [x for x in side if not x.startswith(("password =", "# password:"))] for side in (lines, general)
        )
    return lines != general


def export(accounts: list[Account], *, passwords: PasswordReader | None = None) -> Export:
    """The mail sections for these accounts; the first gives the general sections, the rest their own.

    Every other account whose settings differ from the first's gets its own address sections, so
    kivitendo's fall-back (sender, user, general) never lands on a wrong one. ``passwords`` reads
    each side's password; without it none is written (a comment names where mailkit keeps it).
    """
    if not accounts:
        raise ValueError("export needs at least one account")
    notes: list[str] = []
    general, *others = accounts
    blocks: list[tuple[str, list[str]]] = [(MAIL_DELIVERY, _smtp_lines(general, passwords, notes))]
    general_smtp = blocks[0][1]
    for account in others:
        lines = _smtp_lines(account, passwords, notes)
        if _differs(lines, general_smtp, passwords):
            blocks.append((f"{MAIL_DELIVERY}/email/{account.address}", lines))

    receiving = general.receiving
    if receiving is not None and receiving.protocol == "imap":
        blocks.append(
            (IMAP_CLIENT, [*_imap_lines(general, passwords, notes), f"base_folder = {receiving.base_folder}"])
        )
    else:
        if receiving is not None:
            notes.append(f"{general.name}: kivitendo imports over IMAP only; its POP3 side is not exported")
        blocks.append((IMAP_CLIENT, ["enabled = 0"]))
    for account in others:
        if account.receiving is not None and not account.receiving.sent_export:
            notes.append(
                f"{account.name}: kivitendo has one import mailbox ([imap_client]); this one's is not exported"
            )

    def sent_lines(account: Account) -> list[str]:
        side = account.receiving
        if side is None or not side.sent_export or side.protocol != "imap":
            return ["enabled = 0"]
        lines = _imap_lines(account, passwords, [])  # STARTTLS already noted for the import side
        return [*lines, f"folder = {side.sent_folder}"]

    general_sent = sent_lines(general)
    blocks.append((SENT_EMAILS, general_sent))
    for account in others:
        lines = sent_lines(account)
        if _differs(lines, general_sent, passwords):
            blocks.append((f"{SENT_EMAILS}/email/{account.address}", lines))

    text = "\n\n".join(f"[{name}]\n" + "\n".join(lines) for name, lines in blocks) + "\n"
    return Export(text, notes, [a.address for a in accounts])


def _is_mail_section(name: str) -> bool:
    family = name.partition("/email/")[0].lower()
    return family in _FAMILIES


def _meaning(name: str, values: dict[str, str]) -> dict[str, object]:
    """What kivitendo makes of a mail section, defaults applied: two sections that mean the same are equal.

    >>> _meaning("mail_delivery", {"method": "smtp", "security": "tls"}) == _meaning(
    ...     "mail_delivery", {"method": "smtp", "hostname": "localhost", "port": "25", "security": "tls"})
    True
    """

    def value(*keys: str) -> str:
        return next((values[k].strip() for k in keys if values.get(k, "").strip()), "")

    def port(default: int) -> object:
        given = value("port")
        return int(given) if given.isdigit() else given or default

    family = name.partition("/email/")[0].lower()
    if family == MAIL_DELIVERY:
        method = values.get("method", "sendmail").strip()
        if method == "sendmail":
            return {"method": method, "sendmail": value("sendmail") or _SENDMAIL}
        if method != "smtp":
            return {"method": method}
        security = value("security").lower() or "none"
        return {
            "method": method,
            "host": value("host", "hostname") or "localhost",
            "security": security,
            "port": port(_SMTP_PORT.get(security, 25)),
            "login": value("login"),
            "password": values.get("password", "").strip(),
        }
    if value("enabled") != "1":
        return {"enabled": "0"}
    ssl = value("ssl") or "1"
    folder = value("base_folder") or "INBOX" if family == IMAP_CLIENT else value("folder") or _SENT_FOLDER
    return {
        "enabled": "1",
        "host": value("hostname", "host") or "localhost",
        "ssl": ssl,
        "port": port(993 if ssl == "1" else 143),
        "login": value("username"),
        "password": values.get("password", "").strip(),
        "folder": folder,
    }


def _same(old: Section, new: Section, password_unknown: bool) -> bool:
    ours, theirs = _meaning(new.name, new.values), _meaning(new.name, old.values)
    if password_unknown:
        ours.pop("password", None)
        theirs.pop("password", None)
    return ours == theirs


@dataclass
class _Block:
    """One section of a file as its lines: the comments leading into it, its header and its body."""

    lead: list[str]
    header: str | None
    body: list[str]
    section: Section | None = None

    @property
    def lines(self) -> list[str]:
        return [*self.lead, *([self.header] if self.header is not None else []), *self.body]


def _blocks(text: str) -> list[_Block]:
    """The file cut into sections; comments and blank lines right before a header go with that section."""
    blocks = [_Block([], None, [])]
    for line in text.splitlines(keepends=True):
        header = _HEADER.match(line.strip())
        if not header:
            blocks[-1].body.append(line)
            continue
        previous = blocks[-1].body
        keep = len(previous)
        while keep and (not previous[keep - 1].strip() or previous[keep - 1].lstrip().startswith(("#", ";"))):
            keep -= 1
        lead = previous[keep:] if blocks[-1].header is not None else []
        del previous[keep : keep + len(lead)]
        blocks.append(_Block(lead, line, []))
    for block in blocks[1:]:
        block.section = next(iter(parse("".join([block.header, *block.body])).sections.values()))
    return blocks


_KEY_LINE = re.compile(r"^(?P<prefix>\s*(?P<key>[A-Za-z0-9_.-]+)\s*[=:][ \t]*)(?P<value>.*?)(?P<end>[ \t]*\r?\n?)$")
_ALIASES = {"host": "hostname", "hostname": "host"}


def _edit(block: _Block, new: Section, new_lines: list[str], newline: str) -> list[str]:
    """The old section changed to mean what ``new`` says: lines of unchanged keys and comments stay as they were."""
    body = list(block.body)
    where = {}
    for index, line in enumerate(body):
        found = _KEY_LINE.match(line)
        if found and not line.lstrip().startswith(("#", ";")):
            where.setdefault(found["key"].lower(), index)
    password_unknown = any(line.startswith("# password: kept by mailkit") for line in new_lines)
    last = max(where.values(), default=-1)
    inserted: list[str] = []
    for key, value in new.values.items():
        index = where.get(key, where.get(_ALIASES.get(key, "")))
        if index is None:
            if key == "password" and password_unknown:
                inserted += [next(x for x in new_lines if x.startswith("# password: kept")) + newline]
            inserted.append(f"{key} = {value}{newline}")
            continue
        found = _KEY_LINE.match(body[index])
        if found["value"].strip() != value and not (key == "password" and password_unknown):
            body[index] = f"{found['prefix']}{value}{found['end'] or newline}"
    if last >= 0 and not body[last].endswith("\n"):
        body[last] += newline
    body[last + 1 : last + 1] = inserted
    # keys the new section leaves out are dropped only where they would change what the section means
    target = _meaning(new.name, new.values)
    for key in [k for k in where if k not in new.values and _ALIASES.get(k) not in new.values]:
        current = next(iter(parse("".join([block.header, *body])).sections.values()))
        without = {k: v for k, v in current.values.items() if k != key}
        meant = _meaning(new.name, current.values)
        if meant != target and meant != _meaning(new.name, without):
            body = [line for line in body if not ((m := _KEY_LINE.match(line)) and m["key"].lower() == key)]
    return [*block.lead, block.header, *body]


def merge(existing: str, sections: str | Export) -> str:
    """``existing`` kivitendo.conf with its mail sections set to ``sections``; everything else kept byte for byte.

    A section that means what the export says stays as it was (comments, spelling, order); a changed
    one is edited key by key; per-address sections of addresses not exported are left alone, and so
    are those the export leaves out because the general one says the same. New sections go after the
    last mail section (at the end if there was none). The file's line ends are kept.

    >>> old = "[system]\\nx = 1\\n\\n[mail_delivery]\\n# how\\nmethod = sendmail\\n\\n# db\\n[db]\\n"
    >>> print(merge(old, "[mail_delivery]\\nmethod = smtp\\nhost = mail.x.test\\n"))
    [system]
    x = 1
    <BLANKLINE>
    [mail_delivery]
    # how
    method = smtp
    host = mail.x.test
    <BLANKLINE>
    # db
    [db]
    <BLANKLINE>
    >>> merge(old, "[mail_delivery]\\nmethod = sendmail\\n") == old
    True
    """
    exported = sections.addresses if isinstance(sections, Export) else None
    text = sections.text if isinstance(sections, Export) else sections
    newline = "\r\n" if "\r\n" in existing else "\n"
    new_blocks = [b for b in _blocks(text) if b.section is not None]
    wanted = {b.section.name.lower(): b for b in new_blocks}
    out: list[str] = []
    done: set[str] = set()
    last_mail = -1
    for block in _blocks(existing):
        name = block.section.name.lower() if block.section is not None else None
        if name is None or not _is_mail_section(name):
            out += block.lines
            continue
        new = wanted.get(name)
        if new is None:
            family, _, address = name.partition("/email/")
            general = wanted.get(family)
            mine = exported is None or address in {a.lower() for a in exported}
            if not mine or (general is not None and _same(block.section, general.section, _unknown(general))):
                out += block.lines  # not the export's to change, or it changes nothing
            else:
                out += block.lead
            last_mail = len(out)
            continue
        done.add(name)
        if _same(block.section, new.section, _unknown(new)):
            out += block.lines
        else:
            out += _edit(block, new.section, [x.rstrip("\r\n") for x in new.body], newline)
        last_mail = len(out)
    missing = [b for b in new_blocks if b.section.name.lower() not in done]
    if missing:
        added = []
        for block in missing:
            body = [x.rstrip("\r\n") + newline for x in block.body if x.strip()]
            added += [newline, block.header.rstrip("\r\n") + newline, *body]
        at = last_mail if last_mail >= 0 else len(out)
        if at and not out[at - 1].endswith("\n"):
            out[at - 1] += newline
        if at == 0 or not out[at - 1].strip():
            added = added[1:]
        out[at:at] = added
    return "".join(out)


def _unknown(block: _Block) -> bool:
    """Whether the export left this section's password out (a comment names where mailkit keeps it)."""
    return any(line.startswith("# password: kept by mailkit") for line in block.body)


def decode(data: bytes) -> tuple[str, str]:
    """A kivitendo.conf's text and its encoding: UTF-8 (with or without BOM), else Windows-1252 or Latin-1.

    Bytes 0x80-0x9F are control characters in Latin-1 that no one types; in Windows-1252 they are
    letters like € and „, so their presence decides between the two.

    >>> decode("Müller".encode("utf-8")), decode("Müller".encode("latin-1")), decode("„€“".encode("cp1252"))
    (('Müller', 'utf-8'), ('Müller', 'latin-1'), ('„€“', 'cp1252'))
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if any(0x80 <= byte <= 0x9F for byte in data):
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
    return data.decode("latin-1"), "latin-1"
