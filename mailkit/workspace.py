"""A workspace: the folder a runbook opens.

Layout::

    mailkit.toml     accounts and settings (no secrets)
    secrets.toml     the workspace's own secret store, mode 0600
    journal.sqlite   the mail journal (with its -wal/-shm files), mode 0600
    keys/            DKIM private keys, mode 0600
    .gitignore       keeps secrets.toml, keys/ and the journal out of version control

The folder holds customers' mail and keys: mailkit creates it 0700 whatever the umask, and
:meth:`Workspace.exposed` names what someone else could read (``check`` and ``diagnose`` warn).

``mailkit.toml`` written by mailkit reads back to an equal workspace; a hand-edited file with
a mistake fails with the file, the line and the field.
"""

from __future__ import annotations

__all__ = ["AutoconfigSettings", "DNSSettings", "Workspace"]

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from .errors import ConfigError, FieldProblem, WorkspaceError
from .model import (
    Account,
    Company,
    DNSSettings,
    Employee,
    Group,
    Project,
    SendPolicy,
    account_from_dict,
    account_to_dict,
    from_dict,
    to_dict,
)
from .secrets import Secret, SecretsFile, resolve

CONFIG_NAME = "mailkit.toml"
FORMAT_VERSION = 1
_GITIGNORE = """\
# written by mailkit: never commit secrets, keys or the journal
secrets.toml
secrets.toml.tmp
keys/
journal.sqlite*
.sandbox/
"""


@dataclass
class AutoconfigSettings:
    """How settings are guessed from an address: where well-known ports are really served, extra CA, ISPDB.

    ``port_map`` sends a well-known port (443 for the autoconfig XML, 993, 587, ...) elsewhere: the
    sandbox serves them on high ports, as an ordinary user cannot bind ports under 1024.
    """

    port_map: dict[int, int] = field(default_factory=dict)
    ca_file: str | None = None
    allow_http: bool = False
    ispdb_url: str | None = None
    timeout: float = 3.0


@dataclass
class Workspace:
    path: Path
    accounts: dict[str, Account] = field(default_factory=dict)
    dns: DNSSettings = field(default_factory=DNSSettings)
    autoconfig: AutoconfigSettings = field(default_factory=AutoconfigSettings)
    company: Company = field(default_factory=Company)
    projects: dict[str, Project] = field(default_factory=dict)
    users: dict[str, Employee] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    policy: SendPolicy = field(default_factory=SendPolicy)

    # -- files ---------------------------------------------------------------------------------
    @property
    def config_file(self) -> Path:
        return self.path / CONFIG_NAME

    @property
    def secrets(self) -> SecretsFile:
        return SecretsFile(self.path / "secrets.toml")

    @property
    def journal_file(self) -> Path:
        return self.path / "journal.sqlite"

    @property
    def keys_dir(self) -> Path:
        return self.path / "keys"

    @classmethod
    def create(cls, path: Path | str, exist_ok: bool = True) -> Workspace:
        """Make the folder with an empty ``mailkit.toml`` and the ``.gitignore``; open it if it exists."""
        path = Path(path)
        if (path / CONFIG_NAME).exists():
            if not exist_ok:
                raise WorkspaceError("a workspace exists here already", str(path / CONFIG_NAME))
            return cls.open(path)
        if not path.exists():
            path.mkdir(parents=True)
            os.chmod(path, 0o700)  # mkdir's mode is cut by the umask, chmod's is not
        (path / ".gitignore").write_text(_GITIGNORE, encoding="utf-8")
        workspace = cls(path)
        workspace.save()
        return workspace

    @classmethod
    def open(cls, path: Path | str) -> Workspace:
        """Load ``mailkit.toml``; every bad field is reported with its line."""
        path = Path(path)
        config = path / CONFIG_NAME
        try:
            text = config.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise WorkspaceError(
                "no workspace here: create one with `mailkit init` or `mailkit sandbox start`", str(config)
            ) from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            line = getattr(exc, "lineno", None) or _line_from_message(str(exc))
            raise WorkspaceError(f"not valid TOML: {exc}", str(config), line) from None
        return cls._from_data(path, data, text)

    @classmethod
    def _from_data(cls, path: Path, data: dict[str, Any], text: str) -> Workspace:
        config = str(path / CONFIG_NAME)
        problems: list[FieldProblem] = []
        lines: list[int] = []

        def report(field_path: str, message: str) -> None:
            line = _locate(text, field_path)
            lines.append(line or 0)
            problems.append(FieldProblem(f"{field_path}" + (f" (line {line})" if line else ""), message))

        version = data.pop("version", FORMAT_VERSION)
        if version != FORMAT_VERSION:
            report("version", f"is {version!r}; this mailkit reads version {FORMAT_VERSION}")
        dns = DNSSettings()
        dns_data = data.pop("dns", {})
        for key, value in dns_data.items():
            if key == "nameservers" and isinstance(value, list) and all(isinstance(v, str) for v in value):
                dns.nameservers = list(value)
            elif key == "port" and isinstance(value, int) and 1 <= value <= 65535:
                dns.port = value
            elif key == "timeout" and isinstance(value, int | float) and value > 0:
                dns.timeout = float(value)
            else:
                report(f"dns.{key}", f"unknown field or bad value {value!r}")
        autoconfig = _read_autoconfig(data.pop("autoconfig", {}), report)
        accounts = {}
        for name, account_data in data.pop("accounts", {}).items():
            try:
                account = account_from_dict(name, account_data)
            except ConfigError as exc:
                for p in exc.problems:
                    report(f"accounts.{name}.{p.field}", p.message)
                continue
            for p in account.problems():
                report(f"accounts.{name}.{p.field}", p.message)
            accounts[name] = account

        def read(cls_, value, where):
            try:
                return from_dict(cls_, value, where)
            except ConfigError as exc:
                for p in exc.problems:
                    report(p.field, p.message)
                return cls_()

        company = read(Company, data.pop("company", {}), "company")
        policy = read(SendPolicy, data.pop("policy", {}), "policy")
        for p in policy.problems():
            report(p.field, p.message)
        tables = {}
        for section, kind in (("projects", Project), ("users", Employee), ("groups", Group)):
            tables[section] = {
                name: read(kind, value, f"{section}.{name}") for name, value in data.pop(section, {}).items()
            }
        for name, user in tables["users"].items():
            for p in user.problems(f"users.{name}"):
                report(p.field, p.message)
        for key in data:
            report(
                key,
                "unknown section (known: version, dns, autoconfig, company, policy, projects, users, groups, accounts)",
            )
        if problems:
            first = min((n for n in lines if n), default=None)
            raise WorkspaceError(f"{len(problems)} problem(s):", config, first, problems)
        return cls(
            path, accounts, dns, autoconfig, company, tables["projects"], tables["users"], tables["groups"], policy
        )

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"version": FORMAT_VERSION}
        if self.dns != DNSSettings():
            data["dns"] = {"nameservers": self.dns.nameservers, "port": self.dns.port, "timeout": self.dns.timeout}
        if self.autoconfig != AutoconfigSettings():
            data["autoconfig"] = {
                k: {str(p): q for p, q in v.items()} if k == "port_map" else v
                for k, v in to_dict(self.autoconfig).items()
            }
        for section, value in (("company", self.company), ("policy", self.policy)):
            if value != type(value)():
                data[section] = to_dict(value)
        for section, table in (("projects", self.projects), ("users", self.users), ("groups", self.groups)):
            if table:
                data[section] = {name: to_dict(item) for name, item in sorted(table.items())}
        data["accounts"] = {name: account_to_dict(acc) for name, acc in sorted(self.accounts.items())}
        return data

    def save(self) -> None:
        """Write ``mailkit.toml`` atomically."""
        self.path.mkdir(parents=True, exist_ok=True)
        body = tomli_w.dumps(self.to_data())
        tmp = self.config_file.with_name(CONFIG_NAME + ".tmp")
        tmp.write_text("# mailkit workspace: accounts and settings; secrets live in secrets.toml\n" + body, "utf-8")
        os.replace(tmp, self.config_file)

    def exposed(self) -> list[str]:
        """Warnings for the workspace folder and journal files that other users can read."""
        candidates = [self.path, *sorted(self.path.glob("journal.sqlite*"))]
        warnings = []
        for path in candidates:
            try:
                mode = path.stat().st_mode & 0o777
            except FileNotFoundError:
                continue
            if mode & 0o077:
                wanted = 0o700 if path.is_dir() else 0o600
                warnings.append(
                    f"{path} is readable by others (mode {mode:04o}): it holds customers' mail; "
                    f"chmod {wanted:04o} {path}"
                )
        return warnings

    # -- accounts ------------------------------------------------------------------------------
    def get(self, name: str) -> Account:
        try:
            return self.accounts[name]
        except KeyError:
            known = ", ".join(sorted(self.accounts)) or "none yet"
            raise ConfigError(f"no account {name!r} in {self.config_file} (accounts: {known})") from None

    def add(self, account: Account, replace: bool = False) -> Account:
        """Validate and add an account; ``replace`` allows overwriting one of the same name."""
        account.validate()
        if account.name in self.accounts and not replace:
            raise ConfigError(f"account {account.name!r} exists already; update it or choose another name")
        self.accounts[account.name] = account
        return account

    def update(self, account: Account) -> Account:
        self.get(account.name)
        return self.add(account, replace=True)

    def remove(self, name: str) -> Account:
        account = self.get(name)
        del self.accounts[name]
        return account

    def resolve_secret(self, reference: str) -> Secret:
        return resolve(reference, self.secrets.path)

    def password_for(self, account: Account, side: str | None = None) -> Secret | None:
        """The password of ``side`` (``sending``/``receiving``), falling back to the account's."""
        own = getattr(getattr(account, side), "password", None) if side else None
        reference = own or account.auth.password
        return self.resolve_secret(reference) if reference else None


def _read_autoconfig(table: dict, report) -> AutoconfigSettings:
    settings = AutoconfigSettings()
    for key, value in table.items():
        if key == "port_map" and isinstance(value, dict):
            try:
                settings.port_map = {int(k): int(v) for k, v in value.items()}
            except (TypeError, ValueError):
                report("autoconfig.port_map", "must map port numbers to port numbers, like { 443 = 8443 }")
        elif key in ("ca_file", "ispdb_url") and isinstance(value, str):
            setattr(settings, key, value)
        elif key == "allow_http" and isinstance(value, bool):
            settings.allow_http = value
        elif key == "timeout" and isinstance(value, int | float) and value > 0:
            settings.timeout = float(value)
        else:
            report(f"autoconfig.{key}", f"unknown field or bad value {value!r}")
    return settings


_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*=""")


def _split_dotted(text: str) -> list[str]:
    return [part.strip().strip("\"'") for part in re.findall(r"""(?:"[^"]*"|'[^']*'|[^.]+)""", text)]


def _locate(text: str, dotted: str) -> int | None:
    """The line of a dotted field (``accounts.info.sending.port``) in TOML text, or of its table.

    Good enough for files in mailkit's own shape (one table per section); returns None when unsure.
    """
    want = _split_dotted(dotted)
    table: list[str] = []
    best: int | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            table = _split_dotted(header.group(1))
            if table == want[: len(table)] and len(table) >= 1 and (best is None or table == want[:-1]):
                best = number
            continue
        key = _KEY.match(line)
        if key and [*table, key.group(1).strip("\"'")] == want:
            return number
    return best


def _line_from_message(message: str) -> int | None:
    found = re.search(r"line (\d+)", message)
    return int(found.group(1)) if found else None
