"""Where S/MIME certificates and keys live in a workspace, like the DKIM keys (``keys/``, mode 0600)::

    keys/smime/own/<address>/key.pem     an own private key (0600), read only to sign and decrypt
    keys/smime/own/<address>/cert.pem    its certificate, then the chain
    keys/smime/trust/<account>/<fp>.pem  extra trust anchors of an account
    keys/smime/people/<fp>.pem           correspondents' certificates
    keys/smime/people.json               where each came from (imported, harvested), the ciphers its owner's
                                         signed mail announced (SMIMECapabilities), and revoked ones (by
                                         hand or found on their CA's list; own certificates too)
    keys/smime/crl/                      the CAs' revocation lists as last fetched (see :mod:`.revocation`)

Correspondents: the newest certificate per address that is valid now and not revoked is used;
expired and revoked ones are kept, never used.
"""

from __future__ import annotations

__all__ = ["CertStore", "Identity", "Person"]

import datetime as dt
import functools
import json
import re
import shutil
import ssl
import warnings
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.utils import CryptographyDeprecationWarning

from ..errors import ConfigError
from ..secrets import write_private
from ..workspace import Workspace
from .certs import Bundle, CertInfo, describe, fingerprint, load_certificates
from .envelope import CAPABILITIES

_PEM = serialization.Encoding.PEM
_SAFE = re.compile(r"^[A-Za-z0-9._@+-]+$")


def _pem(certs) -> bytes:
    return b"".join(c.public_bytes(_PEM) for c in certs)


def _safe(name: str, what: str) -> str:
    if not _SAFE.match(name) or name.startswith("."):
        raise ConfigError(f"{what} {name!r} cannot name a file: use letters, digits and . _ @ + -")
    return name.lower() if "@" in name else name


@dataclass(frozen=True)
class Identity:
    """An own certificate with its chain; where its key is, never the key itself."""

    address: str
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    key_file: Path

    @property
    def info(self) -> CertInfo:
        return describe(self.cert)

    def private_key(self):
        """Read the key: only for signing and decrypting, never to show.

        The RSA consistency check (hundreds of milliseconds) ran when the key was imported; the file is
        mailkit's own, mode 0600, so it is not repeated for every mail.
        """
        return serialization.load_pem_private_key(self.key_file.read_bytes(), None, unsafe_skip_rsa_key_validation=True)

    def to_dict(self) -> dict:
        return {
            "address": self.address,
            "kind": "own",
            **self.info.to_dict(),
            "chain": [describe(c).subject for c in self.chain],
            "key_file": str(self.key_file),
        }


@dataclass(frozen=True)
class Person:
    """A correspondent's certificate in the store."""

    cert: x509.Certificate
    source: str  # imported | harvested
    added: str
    revoked: bool = False
    capabilities: tuple[str, ...] = ()  # the ciphers its owner reads, from their signed mail; () = not known
    revoked_reason: str = ""

    @property
    def info(self) -> CertInfo:
        return describe(self.cert)

    def usable(self, now: dt.datetime | None = None) -> bool:
        info = self.info
        return not self.revoked and info.valid_at(now) and info.can_encrypt

    def to_dict(self) -> dict:
        return {
            "kind": "person",
            "source": self.source,
            "added": self.added,
            "revoked": self.revoked,
            "revoked_reason": self.revoked_reason,
            "capabilities": list(self.capabilities),
        } | self.info.to_dict()


@functools.cache
def _system_anchors() -> tuple[x509.Certificate, ...]:
    paths = ssl.get_default_verify_paths()
    try:
        with warnings.catch_warnings():  # a system CA with a non-positive serial is still the system's choice
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            return tuple(x509.load_pem_x509_certificates(Path(paths.cafile or paths.openssl_cafile).read_bytes()))
    except (OSError, ValueError):
        return ()


class CertStore:
    """The S/MIME certificates and keys of one workspace."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.root = workspace.keys_dir / "smime"

    def __repr__(self) -> str:
        return f"CertStore({str(self.root)!r})"

    def folder(self, *parts: str) -> Path:
        """A folder under ``keys/smime``, it and every folder above it up to ``keys/`` private (0700)."""
        path = self.root.joinpath(*parts)
        for folder in [
            self.workspace.keys_dir,
            self.root,
            *(self.root.joinpath(*parts[: i + 1]) for i in range(len(parts))),
        ]:
            folder.mkdir(mode=0o700, exist_ok=True)
        return path

    # -- own identities ------------------------------------------------------------------------
    def import_identity(self, bundle: Bundle, address: str | None = None) -> Identity:
        """Store an own key and chain for ``address`` (default: the certificate's first address)."""
        address = _safe((address or bundle.info.addresses[0]).lower(), "address")
        if address not in bundle.info.addresses:
            raise ConfigError(
                f"the certificate covers {', '.join(bundle.info.addresses)}, not {address}: mail signed with it "
                "would show a signer that differs from the sender"
            )
        if bundle.key is None:
            raise ConfigError(f"the certificate for {address} comes without its private key")
        folder = self.folder("own", address)
        key_pem = bundle.key.private_bytes(_PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        write_private(folder / "key.pem", key_pem)
        write_private(folder / "cert.pem", _pem([bundle.cert, *bundle.chain]))
        return Identity(address, bundle.cert, bundle.chain, folder / "key.pem")

    def identity(self, address: str) -> Identity | None:
        folder = self.root / "own" / address.lower()
        if not (folder / "key.pem").exists() or not (folder / "cert.pem").exists():
            return None
        certs = load_certificates((folder / "cert.pem").read_bytes(), str(folder / "cert.pem"))
        return Identity(address.lower(), certs[0], tuple(certs[1:]), folder / "key.pem")

    def identities(self) -> list[Identity]:
        folder = self.root / "own"
        found = (self.identity(p.name) for p in sorted(folder.iterdir())) if folder.is_dir() else ()
        return [i for i in found if i is not None]

    def forget_identity(self, address: str) -> bool:
        folder = self.root / "own" / _safe(address, "address")
        existed = folder.is_dir()
        shutil.rmtree(folder, ignore_errors=True)
        return existed

    # -- trust anchors -------------------------------------------------------------------------
    def trust(self, account: str, certs: list[x509.Certificate]) -> list[CertInfo]:
        folder = self.folder("trust", _safe(account, "account"))
        for cert in certs:
            write_private(folder / f"{fingerprint(cert)}.pem", _pem([cert]))
        return [describe(c) for c in certs]

    def anchors(self, account: str, *, system: bool = True) -> list[x509.Certificate]:
        """The account's own trust anchors, then the system's CAs."""
        folder = self.root / "trust" / account
        own = [c for p in sorted(folder.glob("*.pem")) for c in x509.load_pem_x509_certificates(p.read_bytes())]
        return own + (list(_system_anchors()) if system else [])

    def own_anchors(self, account: str) -> list[x509.Certificate]:
        return self.anchors(account, system=False)

    def untrust(self, account: str, fp: str) -> bool:
        found = list((self.root / "trust" / account).glob(f"{fp.lower()}*.pem")) if fp else []
        for path in found:
            path.unlink()
        return bool(found)

    # -- correspondents ------------------------------------------------------------------------
    def _index(self) -> dict:
        path = self.root / "people.json"
        return json.loads(path.read_text("utf-8")) if path.exists() else {}

    def _save_index(self, index: dict) -> None:
        self.folder("people")
        write_private(self.root / "people.json", json.dumps(index, indent=1, sort_keys=True).encode())

    def add_person(
        self, cert: x509.Certificate, source: str = "imported", capabilities: tuple[str, ...] = ()
    ) -> tuple[Person, bool]:
        """Keep a correspondent's certificate; returns it and whether it was new.

        ``capabilities`` (from a signed mail of theirs) replace the ones known: the latest mail tells what
        their program reads now.
        """
        fp = fingerprint(cert)
        index = self._index()
        new = "source" not in index.get(fp, {})  # a revocation mark may be there before the certificate
        if new:
            write_private(self.folder("people") / f"{fp}.pem", _pem([cert]))
            added = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            index.setdefault(fp, {}).update(source=source, added=added)
        if new or (capabilities and index[fp].get("capabilities") != list(capabilities)):
            if capabilities:
                index[fp]["capabilities"] = list(capabilities)
            self._save_index(index)
        return self._person(cert, index[fp]), new

    @staticmethod
    def _person(cert: x509.Certificate, entry: dict) -> Person:
        return Person(
            cert,
            entry["source"],
            entry["added"],
            entry.get("revoked", False),
            tuple(entry.get("capabilities", ())),
            entry.get("revoked_reason", ""),
        )

    def people(self) -> list[Person]:
        index = self._index()
        found = []
        for fp, entry in sorted(index.items()):
            path = self.root / "people" / f"{fp}.pem"
            if path.exists():
                cert = x509.load_pem_x509_certificate(path.read_bytes())
                found.append(self._person(cert, entry))
        return found

    def recipient_cert(self, address: str, now: dt.datetime | None = None) -> x509.Certificate | None:
        """The certificate to encrypt for: a correspondent's newest usable one, else an own identity's."""
        address = address.lower()
        usable = [p.cert for p in self.people() if address in p.info.addresses and p.usable(now)]
        own = self.identity(address) if _SAFE.match(address) else None
        if own is not None and own.info.valid_at(now) and own.info.can_encrypt and not self.revoked(own.cert):
            usable.append(own.cert)
        return max(usable, key=lambda c: (c.not_valid_before_utc, c.not_valid_after_utc), default=None)

    def reads(self, cert: x509.Certificate, cipher: str) -> bool:
        """Whether the holder of ``cert`` is known to read ``cipher``: an own identity (mailkit reads it), or a
        correspondent whose signed mail announced it."""
        fp = fingerprint(cert)
        if any(i.info.fingerprint == fp for i in self.identities()):
            return cipher in CAPABILITIES
        return cipher in self._index().get(fp, {}).get("capabilities", ())

    def find(self, fp: str) -> list[Person]:
        fp = fp.lower().replace(":", "")
        return [p for p in self.people() if p.info.fingerprint.startswith(fp)] if len(fp) >= 8 else []

    def revoke(self, fp: str) -> int:
        """Mark correspondents' certificates revoked by hand: kept, never used again."""
        found = self.find(fp)
        for person in found:
            self.mark_revoked(person.cert, "revoked by hand")
        return len(found)

    def mark_revoked(self, cert: x509.Certificate, reason: str) -> None:
        """Remember that ``cert`` (a correspondent's or an own one) is revoked, and why: it is never used again."""
        index = self._index()
        entry = index.setdefault(fingerprint(cert), {})
        if not entry.get("revoked"):
            entry.update(revoked=True, revoked_reason=reason)
            self._save_index(index)

    def revoked(self, cert: x509.Certificate) -> str:
        """Why ``cert`` is known to be revoked; "" when it is not."""
        entry = self._index().get(fingerprint(cert), {})
        return (entry.get("revoked_reason") or "revoked by hand") if entry.get("revoked") else ""

    def issuers(self) -> list[x509.Certificate]:
        """Every CA certificate this workspace knows: own chains, the anchors under trust/, the system's."""
        trust = self.root / "trust"
        accounts = sorted(p.name for p in trust.iterdir() if p.is_dir()) if trust.is_dir() else []
        own = [c for i in self.identities() for c in i.chain]
        return own + [c for a in accounts for c in self.own_anchors(a)] + list(_system_anchors())

    def forget_person(self, fp: str) -> int:
        index = self._index()
        found = self.find(fp)
        for person in found:
            index.pop(person.info.fingerprint, None)
            (self.root / "people" / f"{person.info.fingerprint}.pem").unlink(missing_ok=True)
        self._save_index(index)
        return len(found)
