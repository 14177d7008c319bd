"""DKIM: keys per domain and selector, the DNS record to publish, checks of what is published, signing, verifying.

A key lives in the workspace as ``keys/<domain>/<selector>.pem`` (mode 0600) and is read only to sign:
:class:`DkimKey` carries the public half alone, so no repr, log or notebook output can show the private
one. Record formatting and judging a published record are pure; DNS goes through mailkit's resolver
(the sandbox's DNS server in tests and demos), signing and verifying through dkimpy.

>>> record = DkimRecord("mk2026._domainkey.firma.test", "v=DKIM1; k=rsa; p=" + "A" * 392)
>>> [len(s) for s in record.strings], record.host("firma.test")
([255, 155], 'mk2026._domainkey')
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_HEADERS",
    "DkimKey",
    "DkimRecord",
    "Rotation",
    "Suggestion",
    "Verdict",
    "Verification",
    "check_published",
    "dkim_record",
    "generate_key",
    "judge_record",
    "key_path",
    "load_key",
    "rotate_key",
    "sending_hosts",
    "sign_message",
    "split_txt",
    "suggest_dmarc",
    "suggest_spf",
    "txt_lookup",
    "verify_message",
]

import base64
import binascii
import datetime as dt
import functools
import ipaddress
import os
import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import dkim as dkimpy
import dns.resolver
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from .errors import ComposeError, ConfigError, SecretError
from .net.dns import make_resolver, query_text
from .secrets import write_private
from .workspace import Workspace

RSA_BITS = (1024, 2048, 3072, 4096)
ALGORITHMS = ("rsa", "ed25519")
#: Signed when present (From always): what identifies a mail and what a forger would change.
DEFAULT_HEADERS = (
    "from",
    "sender",
    "reply-to",
    "to",
    "cc",
    "subject",
    "date",
    "message-id",
    "in-reply-to",
    "references",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "list-unsubscribe",
)
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def _check_name(kind: str, value: str) -> str:
    value = (value or "").strip().rstrip(".").lower()
    labels = value.split(".") if value else []
    if not labels or not all(_LABEL.match(label) for label in labels) or (kind == "domain" and len(labels) < 2):
        example = "firma.de" if kind == "domain" else "mk2026"
        raise ConfigError(f"DKIM {kind} {value!r} is not a valid DNS name: use letters, digits and hyphens ({example})")
    return value


def key_path(workspace: Workspace, domain: str, selector: str) -> Path:
    """Where the private key of (domain, selector) lives."""
    return workspace.keys_dir / _check_name("domain", domain) / f"{_check_name('selector', selector)}.pem"


# -- records: pure ---------------------------------------------------------------------------------------


def split_txt(value: str) -> list[str]:
    """A TXT value as the strings DNS allows (at most 255 bytes each); receivers join them again.

    >>> [len(s) for s in split_txt("p=" + "A" * 400)]
    [255, 147]
    """
    data = value.encode("ascii")
    return [data[i : i + 255].decode("ascii") for i in range(0, len(data), 255)] or [""]


@dataclass(frozen=True)
class DkimRecord:
    """One TXT record to publish: its full name and value, and the forms a consultant pastes."""

    name: str
    value: str

    @property
    def strings(self) -> list[str]:
        return split_txt(self.value)

    def host(self, domain: str) -> str:
        """The name relative to the domain, as most hosting panels ask for it (``mk2026._domainkey``)."""
        return self.name[: -len(domain) - 1] if self.name.endswith("." + domain) else self.name

    def zone_line(self) -> str:
        """A BIND zone-file line, the value in quoted strings of at most 255 bytes (like opendkim-genkey)."""
        quoted = " ".join(f'"{s}"' for s in self.strings)
        return f"{self.name}. IN TXT ( {quoted} )"

    def panel_text(self, domain: str) -> str:
        """What to type into a hosting panel's DNS form: name, type, value in one piece."""
        return f"Name:  {self.host(domain)}\nType:  TXT\nValue: {self.value}"

    def to_dict(self) -> dict:
        return {"name": self.name, "type": "TXT", "value": self.value, "strings": self.strings}


@dataclass(frozen=True)
class DkimKey:
    """A key's public half and where its private half is; holds nothing secret."""

    domain: str
    selector: str
    algorithm: str  # rsa | ed25519
    bits: int
    public: str  # the p= value: base64 of SubjectPublicKeyInfo (RSA) or of the raw 32 bytes (Ed25519)
    path: Path
    notes: tuple[str, ...] = ()

    @property
    def record_name(self) -> str:
        return f"{self.selector}._domainkey.{self.domain}"

    def record(self, *, testing: bool = False, hashes: Iterable[str] = (), services: Iterable[str] = ()) -> DkimRecord:
        return dkim_record(self, testing=testing, hashes=hashes, services=services)

    def to_dict(self) -> dict:
        return {
            "domain": self.domain,
            "selector": self.selector,
            "algorithm": self.algorithm,
            "bits": self.bits,
            "key_file": str(self.path),
            "record": self.record().to_dict(),
            "notes": list(self.notes),
        }


def dkim_record(
    key: DkimKey, *, testing: bool = False, hashes: Iterable[str] = (), services: Iterable[str] = ()
) -> DkimRecord:
    """The TXT record of a key: ``v=DKIM1; k=...; [h=...;] [s=...;] [t=y;] p=...``."""
    tags = ["v=DKIM1", f"k={key.algorithm}"]
    if hashes:
        tags.append("h=" + ":".join(hashes))
    if services:
        tags.append("s=" + ":".join(services))
    if testing:
        tags.append("t=y")
    tags.append(f"p={key.public}")
    return DkimRecord(key.record_name, "; ".join(tags))


def _parse_tags(value: str) -> dict[str, str]:
    """RFC 6376 tag=value list; raises ValueError on a malformed one."""
    tags: dict[str, str] = {}
    for part in value.split(";"):
        if not part.strip():
            continue
        name, eq, tag_value = part.partition("=")
        name = name.strip()
        if not eq or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
            raise ValueError(f"{part.strip()!r} is no tag=value pair")
        if name in tags:
            raise ValueError(f"tag {name} appears twice")
        tags[name] = re.sub(r"\s+", "", tag_value)
    return tags


def _key_bits(algorithm: str, public: bytes) -> int:
    """The size of a published public key; ValueError when it is no key of that algorithm."""
    if algorithm == "ed25519":
        ed25519.Ed25519PublicKey.from_public_bytes(public)
        return 256
    try:
        key = serialization.load_der_public_key(public)
    except ValueError:  # some publish the bare RSAPublicKey (PKCS#1), which verifiers accept too
        key = serialization.load_der_public_key(_spki_from_pkcs1(public))
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("p= holds no RSA key")
    return key.key_size


def _spki_from_pkcs1(der: bytes) -> bytes:
    pem = b"-----BEGIN RSA PUBLIC KEY-----\n" + base64.encodebytes(der) + b"-----END RSA PUBLIC KEY-----\n"
    key = serialization.load_pem_public_key(pem)
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


@dataclass(frozen=True)
class Verdict:
    """What the published record says about the local key; ``status`` is one of :data:`Verdict.STATUSES`."""

    STATUSES = ("matches", "testing", "missing", "different key", "revoked", "syntax error", "too short", "no key")

    status: str
    level: str  # ok | warn | fail
    message: str
    remedy: str = ""
    name: str = ""
    published: str | None = None

    @property
    def ok(self) -> bool:
        return self.level == "ok"

    def to_dict(self) -> dict:
        return {
            "status": self.status,
            "level": self.level,
            "message": self.message,
            "remedy": self.remedy,
            "name": self.name,
            "published": self.published,
        }

    def __str__(self) -> str:
        return f"{self.status}: {self.message}" + (f" — {self.remedy}" if self.remedy else "")


def judge_record(name: str, published: list[str], key: DkimKey | None) -> Verdict:
    """Compare the TXT records found at ``name`` with the local key (None: none here, judge the record alone).

    >>> judge_record("s._domainkey.firma.test", [], None).status
    'missing'
    >>> judge_record("s._domainkey.firma.test", ["v=DKIM1; k=rsa; p="], None).status
    'revoked'
    >>> judge_record("s._domainkey.firma.test", ["v=DKIM1; k=rsa; p=!!"], None).status
    'syntax error'
    """
    paste = "publish the record from `mailkit dkim record` at the domain's DNS (hosting panel)"

    def verdict(status, level, message, remedy="", value=None):
        return Verdict(status, level, message, remedy, name, value)

    records = [r for r in published if r.lstrip().startswith("v=DKIM1") or "p=" in r]
    if not records:
        return verdict("missing", "fail", f"no DKIM record at {name}", paste)
    if len(records) > 1:
        return verdict(
            "syntax error", "fail", f"{len(records)} DKIM records at {name}; verifiers fail on that", "keep one"
        )
    value = records[0]
    try:
        tags = _parse_tags(value)
        if "v" in tags and (tags["v"] != "DKIM1" or not value.lstrip().startswith("v=")):
            raise ValueError("v= must come first and be DKIM1")
        if "p" not in tags:
            raise ValueError("there is no p= tag")
        algorithm = tags.get("k", "rsa")
        if algorithm not in ALGORITHMS:
            raise ValueError(f"k={algorithm} is no known key type (rsa, ed25519)")
        if tags["p"] == "":
            return verdict(
                "revoked", "fail", f"{name} publishes an empty p=: the key is revoked", "generate a new selector", value
            )
        public = base64.b64decode(tags["p"], validate=True)
        bits = _key_bits(algorithm, public)
    except (ValueError, binascii.Error) as exc:
        return verdict("syntax error", "fail", f"the record at {name} is broken: {exc}", paste, value)
    if algorithm == "rsa" and bits < 1024:
        return verdict(
            "too short", "fail", f"RSA {bits} bits: verifiers reject keys under 1024 bits (RFC 8301)",
            "generate a 2048-bit key under a new selector", value,
        )  # fmt: skip
    testing = "y" in tags.get("t", "").split(":")
    if key is not None:
        if algorithm != key.algorithm or base64.b64decode(key.public) != public:
            mine = "an RSA" if key.algorithm == "rsa" else "an Ed25519"
            return verdict(
                "different key",
                "fail",
                f"{name} publishes another key than {mine} key in {key.path.name}",
                "replace the record's value with the one from `mailkit dkim record`",
                value,
            )
    elif not testing:
        return verdict(
            "no key", "warn", f"{name} publishes a valid {algorithm} key, but there is no local key to compare",
            "generate the key here or copy its .pem into the workspace's keys/", value,
        )  # fmt: skip
    weak = f"; RSA {bits} bits is weak, use 2048" if algorithm == "rsa" and bits < 2048 else ""
    if testing:
        return verdict(
            "testing", "warn", f"{name} is valid but in testing mode (t=y): receivers treat failures as unsigned{weak}",
            "remove t=y once signed test mails verify", value,
        )  # fmt: skip
    return verdict("matches", "warn" if weak else "ok", f"{name} publishes the local {algorithm} key{weak}", "", value)


# -- keys: files -----------------------------------------------------------------------------------------


def generate_key(
    workspace: Workspace,
    domain: str,
    selector: str,
    *,
    algorithm: str = "rsa",
    bits: int = 2048,
    overwrite: bool = False,
) -> DkimKey:
    """Make a key pair and write the private key as PEM (mode 0600); 1024-bit RSA only with a warning."""
    path = key_path(workspace, domain, selector)
    if algorithm not in ALGORITHMS:
        raise ConfigError(f"DKIM algorithm {algorithm!r} unknown: use rsa or ed25519")
    notes: list[str] = []
    if algorithm == "rsa":
        if bits not in RSA_BITS:
            raise ConfigError(f"RSA keys of {bits} bits are not offered: use 2048 (default), 3072 or 4096")
        if bits == 1024:
            note = (
                "RSA 1024 bits is weak and some receivers distrust it (RFC 8301): use 2048 unless the DNS panel cannot"
            )
            warnings.warn(note, UserWarning, stacklevel=2)
            notes.append(note)
        private = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        pem_format = serialization.PrivateFormat.TraditionalOpenSSL  # PKCS#1, as opendkim-genkey writes
    else:
        bits = 256
        private = ed25519.Ed25519PrivateKey.generate()
        pem_format = serialization.PrivateFormat.PKCS8
        notes.append("Ed25519 (RFC 8463): not every receiver verifies it yet; sign with an RSA selector as well")
    if path.exists() and not overwrite:
        raise ConfigError(
            f"a DKIM key for selector {selector!r} of {domain} exists already ({path}); "
            "choose a new selector for a rotation (`mailkit dkim rotate`) instead of replacing it"
        )
    pem = private.private_bytes(serialization.Encoding.PEM, pem_format, serialization.NoEncryption())
    _write_private(path, pem)
    return _public_of(private, domain, selector, path, tuple(notes))


def _write_private(path: Path, pem: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent.parent, 0o700)
    write_private(path, pem)


def _public_of(private, domain: str, selector: str, path: Path, notes: tuple[str, ...] = ()) -> DkimKey:
    public = private.public_key()
    if isinstance(private, ed25519.Ed25519PrivateKey):
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return DkimKey(domain, selector, "ed25519", 256, base64.b64encode(raw).decode(), path, notes)
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return DkimKey(domain, selector, "rsa", private.key_size, base64.b64encode(der).decode(), path, notes)


def _read_private(workspace: Workspace, domain: str, selector: str):
    path = key_path(workspace, domain, selector)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise ConfigError(
            f"no DKIM key for selector {selector!r} of {domain} (expected {path}): "
            f"create it with `mailkit dkim generate --domain {domain} --selector {selector}`"
        ) from None
    if st.st_mode & 0o077:
        raise SecretError(f"the DKIM key {path} is readable by others: `chmod 600 {path}`, then try again")
    pem, private = _parse_private(str(path), (st.st_ino, st.st_mtime_ns, st.st_size))
    return path, pem, private


@functools.lru_cache(maxsize=16)
def _parse_private(path: str, version: tuple[int, int, int]):
    """The key file's PEM and key object, parsed once per version of the file (checking an RSA key takes ~0.1 s)."""
    pem = Path(path).read_bytes()
    try:
        private = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise SecretError(f"{path} holds no readable unencrypted private key; generate a new selector") from exc
    if not isinstance(private, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        raise SecretError(f"{path} holds neither an RSA nor an Ed25519 key; DKIM needs one of them")
    return pem, private


def load_key(workspace: Workspace, domain: str, selector: str) -> DkimKey:
    """The public half of a key in the workspace."""
    path, _, private = _read_private(workspace, domain, selector)
    return _public_of(private, _check_name("domain", domain), _check_name("selector", selector), path)


# -- DNS -------------------------------------------------------------------------------------------------


def _resolver_for(workspace: Workspace | None, resolver: dns.resolver.Resolver | None) -> dns.resolver.Resolver:
    if resolver is not None:
        return resolver
    return make_resolver(workspace.dns if workspace is not None else None)


def txt_lookup(resolver: dns.resolver.Resolver) -> Callable[..., bytes | None]:
    """A dkimpy ``dnsfunc`` asking mailkit's resolver (the sandbox's DNS in tests) instead of the system's."""

    def get_txt(name: bytes, timeout: float = 5) -> bytes | None:
        records = query_text(name.decode("ascii", "replace").rstrip("."), resolver)
        dkim_records = [r for r in records if r.lstrip().startswith("v=DKIM1")] or records
        return dkim_records[0].encode("utf-8") if dkim_records else None

    return get_txt


def check_published(
    workspace: Workspace, domain: str, selector: str, *, resolver: dns.resolver.Resolver | None = None
) -> Verdict:
    """Look the selector's record up and judge it against the key in the workspace."""
    name = f"{_check_name('selector', selector)}._domainkey.{_check_name('domain', domain)}"
    try:
        key = load_key(workspace, domain, selector)
    except ConfigError:
        key = None
    return judge_record(name, query_text(name, _resolver_for(workspace, resolver)), key)


# -- signing and verifying -------------------------------------------------------------------------------


def sign_message(
    data: bytes, workspace: Workspace, domain: str, selector: str, *, headers: Iterable[str] = DEFAULT_HEADERS
) -> bytes:
    """The message with a DKIM-Signature (relaxed/relaxed) by the workspace's key for (domain, selector)."""
    path, pem, private = _read_private(workspace, domain, selector)
    head = data.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    present = {m.group(1).lower().decode() for m in re.finditer(rb"^([A-Za-z0-9-]+)[ \t]*:", head, re.M)}
    if "from" not in present:
        raise ComposeError("a mail without a From header cannot be DKIM-signed; add the sender")
    include = [h for h in headers if h.lower() in present]
    linesep = b"\r\n" if b"\r\n" in head else b"\n"
    if isinstance(private, ed25519.Ed25519PrivateKey):
        seed = private.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        algorithm, secret = b"ed25519-sha256", base64.b64encode(seed)
    else:
        algorithm, secret = b"rsa-sha256", pem
    try:
        signature = dkimpy.sign(
            data,
            selector.encode("ascii"),
            domain.encode("ascii"),
            secret,
            canonicalize=(b"relaxed", b"relaxed"),
            signature_algorithm=algorithm,
            include_headers=[h.encode() for h in include],
            linesep=linesep,
        )
    except dkimpy.DKIMException as exc:
        raise ComposeError(f"DKIM signing with {path} failed: {exc}") from None  # the key stays out of the chain
    return signature + data


@dataclass(frozen=True)
class Verification:
    """The result of verifying a message's first DKIM signature."""

    ok: bool
    domain: str | None = None
    selector: str | None = None
    algorithm: str | None = None
    reason: str = ""
    headers: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "domain": self.domain,
            "selector": self.selector,
            "algorithm": self.algorithm,
            "reason": self.reason,
            "headers": list(self.headers),
        }


def verify_message(
    data: bytes, workspace: Workspace | None = None, *, resolver: dns.resolver.Resolver | None = None
) -> Verification:
    """Verify the first DKIM signature, fetching the key through mailkit's resolver (the workspace's DNS)."""
    lookup = txt_lookup(_resolver_for(workspace, resolver))
    answers: dict[bytes, bytes | None] = {}

    def remembering_lookup(name: bytes, timeout: float = 5) -> bytes | None:
        answers[name] = lookup(name, timeout)
        return answers[name]

    reason = ""
    try:
        checker = dkimpy.DKIM(data, minkey=1024, timeout=5)
    except dkimpy.DKIMException as exc:
        return Verification(False, reason=f"not a mail message: {exc}")
    try:
        ok = checker.verify(dnsfunc=remembering_lookup)
    except dkimpy.DKIMException as exc:
        ok, reason = False, str(exc)
        if "body hash mismatch" in reason:
            reason = "the body was changed after signing (body hash mismatch)"
    if not checker.present():
        return Verification(False, reason="the message has no DKIM-Signature header")
    fields = getattr(checker, "signature_fields", None) or {}
    missing = [name.decode("ascii", "replace").rstrip(".") for name, value in answers.items() if value is None]
    if not ok and not reason:
        reason = (
            f"no DKIM key is published at {missing[0]}"
            if missing
            else "the signature does not match the message (changed on the way, or another key)"
        )
    return Verification(
        bool(ok),
        domain=(fields.get(b"d") or b"").decode() or None,
        selector=(fields.get(b"s") or b"").decode() or None,
        algorithm=(fields.get(b"a") or b"").decode() or None,
        reason=reason,
        headers=tuple(h.decode() for h in checker.include_headers or ()),
    )


# -- rotation --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rotation:
    """A new selector beside the old one: both records, and the steps in order."""

    old: DkimKey
    new: DkimKey
    steps: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"old": self.old.to_dict(), "new": self.new.to_dict(), "steps": list(self.steps)}


def rotate_key(
    workspace: Workspace,
    domain: str,
    old_selector: str,
    new_selector: str | None = None,
    *,
    algorithm: str | None = None,
    bits: int | None = None,
    today: dt.date | None = None,
) -> Rotation:
    """Generate the next selector's key (default ``mkYYYYMM``) next to the current one and say what to do when."""
    old = load_key(workspace, domain, old_selector)
    new_selector = new_selector or f"mk{(today or dt.date.today()):%Y%m}"
    if _check_name("selector", new_selector) == old.selector:
        raise ConfigError(f"the new selector must differ from the old one ({old.selector!r})")
    new = generate_key(
        workspace,
        domain,
        new_selector,
        algorithm=algorithm or old.algorithm,
        bits=bits or max(old.bits if old.algorithm == "rsa" else 0, 2048),  # a 1024-bit key is not renewed as such
    )
    steps = (
        f"1. Publish the new record {new.record_name} now; keep {old.record_name} as it is.",
        "2. Wait until the new record is visible everywhere (`mailkit dkim check` says matches; allow the TTL, "
        "at most a day).",
        f"3. Switch the accounts to selector {new.selector!r} (dkim_selector in mailkit.toml); new mail is signed "
        "with the new key.",
        f"4. Keep {old.record_name} published for 7 more days, so mail signed before the switch still verifies.",
        f"5. Then remove {old.record_name} (or publish it with an empty p= to revoke it) and delete {old.path.name}.",
    )
    return Rotation(old, new, steps)


# -- SPF and DMARC suggestions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """A record for the consultant to paste, with why it looks as it does."""

    record: DkimRecord
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {**self.record.to_dict(), "notes": list(self.notes)}


def _spf_term(host: str) -> str:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "ip4:127.0.0.1" if host == "localhost" else f"a:{host}"
    return f"ip{address.version}:{address}"


def suggest_spf(
    domain: str, sending_hosts: Iterable[str], *, include_mx: bool = True, includes: Iterable[str] = (), strict=False
) -> Suggestion:
    """An SPF record admitting the servers the accounts send through (``~all`` until the consultant is sure).

    >>> suggest_spf("firma.test", ["smtp.firma.test", "192.0.2.7"]).record.value
    'v=spf1 mx a:smtp.firma.test ip4:192.0.2.7 ~all'
    """
    domain = _check_name("domain", domain)
    terms = ["mx"] if include_mx else []
    for term in [_spf_term(h) for h in sending_hosts] + [f"include:{i}" for i in includes]:
        if term not in terms:
            terms.append(term)
    notes = [
        "every server that sends as this domain must be listed: also the ERP's and web shop's own mail servers",
        "at most 10 DNS-querying terms (a, mx, include) are allowed",
    ]
    if not strict:
        notes.append("~all (soft fail) while checking; change to -all once all senders are listed")
    value = "v=spf1 " + " ".join([*terms, "-all" if strict else "~all"])
    return Suggestion(DkimRecord(domain, value), tuple(notes))


def sending_hosts(workspace: Workspace, domain: str) -> list[str]:
    """The SMTP hosts of the workspace's accounts that send as ``domain``."""
    hosts = []
    for account in workspace.accounts.values():
        sending = account.sending
        if sending is None or sending.method != "smtp":
            continue
        sends_as = [account.address, *account.senders.values()]
        if any(a.lower().endswith("@" + domain.lower()) for a in sends_as) and sending.host not in hosts:
            hosts.append(sending.host)
    return hosts


def suggest_dmarc(
    domain: str, *, policy: str = "none", report_to: str | None = None, alignment: str = "r", percent: int = 100
) -> Suggestion:
    """A DMARC record: start with ``p=none`` and reports, tighten to quarantine and reject once reports are clean.

    >>> suggest_dmarc("firma.test").record.value
    'v=DMARC1; p=none; rua=mailto:dmarc@firma.test; adkim=r; aspf=r'
    """
    domain = _check_name("domain", domain)
    if policy not in ("none", "quarantine", "reject"):
        raise ConfigError(f"DMARC policy {policy!r} unknown: use none, quarantine or reject")
    if alignment not in ("r", "s"):
        raise ConfigError("DMARC alignment is r (relaxed) or s (strict)")
    tags = [
        "v=DMARC1",
        f"p={policy}",
        f"rua=mailto:{report_to or 'dmarc@' + domain}",
        f"adkim={alignment}",
        f"aspf={alignment}",
    ]
    if percent != 100:
        tags.append(f"pct={percent}")
    notes = ["reports arrive daily at the rua address: read them before tightening the policy"]
    if policy == "none":
        notes.append("p=none only observes; move to quarantine, then reject, when SPF and DKIM pass for all senders")
    return Suggestion(DkimRecord(f"_dmarc.{domain}", "; ".join(tags)), tuple(notes))
