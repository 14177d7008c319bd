"""Signing and encrypting a composed message before DKIM signs it (REV+'s "signieren" / "verschlüsseln").

``encrypt`` is ``never``, ``when-possible`` (encrypt when every recipient's certificate is known,
else send unencrypted and say so) or ``always`` (refuse, naming the recipients without one). The
sender's own certificate is always a recipient too, so the Sent copy stays readable.

Every certificate used is checked against its CA's revocation list first: a revoked one is marked
and never used (the next usable certificate of that address, if any, takes its place; signing with a
revoked own one is refused); a list that cannot be fetched is a note, and the mail goes out.

The cipher is AES-256-GCM (AuthEnvelopedData) when every recipient is known to read it — their signed
mail announced it in its SMIMECapabilities, or the certificate is one of this workspace's —, else
AES-256-CBC, which every S/MIME program reads.
"""

from __future__ import annotations

__all__ = ["ENCRYPT_MODES", "Protection", "protect"]

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography import x509

from ..errors import PolicyError
from ..model import SMIME_ENCRYPT as ENCRYPT_MODES
from ..workspace import Workspace
from . import cms, envelope
from .certs import fingerprint
from .mime import enveloped_message, signed_entity, split_entity
from .revocation import RevocationChecker
from .store import CertStore


@dataclass(frozen=True)
class Protection:
    """What was done to a mail: for the journal and the send outcome."""

    signed: bool = False
    signer: str | None = None  # the signing certificate's fingerprint
    encrypted_for: tuple[str, ...] = ()  # recipient addresses (the sender's own included)
    notes: tuple[str, ...] = ()
    cipher: str | None = None  # aes256_gcm | aes256_cbc when encrypted


def _no_identity(address: str, action: str) -> PolicyError:
    return PolicyError(
        f"S/MIME {action} is on, but {address} has no certificate with its key in this workspace: import one "
        f"(`mailkit smime import FILE.p12 --account NAME`) or make a self-signed one (`mailkit smime selfsign "
        "--account NAME`; recipients then see a warning)"
    )


class _Checked:
    """Revocation checks for one mail: revoked certificates are marked in the store, doubts become notes."""

    def __init__(self, store: CertStore, now: dt.datetime, notes: list[str]) -> None:
        self.store, self.now, self.notes = store, now, notes
        self.checker = RevocationChecker(store)

    def revoked(self, cert: x509.Certificate, address: str) -> bool:
        revocation = self.checker.status(cert, now=self.now)
        if revocation.state == "revoked":
            self.notes.append(
                f"the S/MIME certificate {fingerprint(cert)[:16]} of {address} was {revocation.reason}: not used"
            )
            return True
        if revocation.state == "unknown":
            self.notes.append(f"{address}: {revocation.reason}")
        return False

    def recipient(self, address: str) -> x509.Certificate | None:
        """The newest usable certificate of ``address`` that is not revoked."""
        cert = self.store.recipient_cert(address, self.now)
        while cert is not None and self.revoked(cert, address):
            cert = self.store.recipient_cert(address, self.now)  # the revoked one is marked now: the next one
        return cert


def protect(
    data: bytes,
    workspace: Workspace,
    *,
    sender: str,
    recipients: Iterable[str],
    sign: bool,
    encrypt: str,
    now: dt.datetime | None = None,
) -> tuple[bytes, Protection]:
    """The message signed and/or encrypted as asked; ``data`` unchanged when neither applies."""
    if encrypt not in ENCRYPT_MODES:
        raise PolicyError(f"S/MIME encrypt {encrypt!r} is not one of {', '.join(ENCRYPT_MODES)}")
    if not sign and encrypt == "never":
        return data, Protection()
    store = CertStore(workspace)
    now = now or dt.datetime.now(dt.UTC)
    identity = store.identity(sender)
    notes: list[str] = []
    checked = _Checked(store, now, notes)
    if sign:
        if identity is None:
            raise _no_identity(sender, "signing")
        if not identity.info.valid_at(now):
            raise PolicyError(
                f"the S/MIME certificate of {sender} is not valid now (valid {identity.info.not_before:%Y-%m-%d} to "
                f"{identity.info.not_after:%Y-%m-%d}): import a current one"
            )
        if checked.revoked(identity.cert, sender):
            raise PolicyError(
                f"the S/MIME certificate of {sender} was {store.revoked(identity.cert)}: import a new one "
                "(`mailkit smime import FILE.p12 --account NAME`)"
            )
    certs: dict[str, x509.Certificate] = {}
    if encrypt != "never":
        recipients = list(dict.fromkeys(r.lower() for r in recipients))
        found = {r: checked.recipient(r) for r in recipients}
        missing = [r for r, cert in found.items() if cert is None]
        if missing and encrypt == "always":
            raise PolicyError(
                f"encrypt = always, but no usable S/MIME certificate is known for {', '.join(missing)}: import theirs "
                "(`mailkit smime import CERT.pem`), receive a signed mail from them, or send with --encrypt never"
            )
        if missing:
            notes.append(f"sent unencrypted: no S/MIME certificate is known for {', '.join(missing)}")
        else:
            certs = {r: c for r, c in found.items() if c is not None}
            own = identity.cert if identity is not None and identity.info.can_encrypt else None
            if own is not None and checked.revoked(own, sender):
                own = None
            if own is None:
                notes.append(f"{sender} has no certificate of its own to encrypt to: the Sent copy cannot be decrypted")
            elif sender.lower() not in certs:
                certs[sender.lower()] = own
    outer, inner = split_entity(data)
    signer = None
    if sign and identity is not None:  # checked above: signing without an identity was refused
        key = identity.private_key()
        inner = signed_entity(inner, cms.sign(inner, identity.cert, key, identity.chain))
        signer = identity.info.fingerprint
    if certs:
        unique = list({fingerprint(c): c for c in certs.values()}.values())
        cipher = envelope.GCM if all(store.reads(c, envelope.GCM) for c in unique) else envelope.CBC
        return enveloped_message(outer, envelope.encrypt(inner, unique, cipher), cipher), Protection(
            sign, signer, tuple(certs), tuple(notes), cipher
        )
    return outer + inner, Protection(sign, signer, (), tuple(notes))
