"""Checking what arrives: the S/MIME status of a message, decryption on demand, harvesting certificates.

The status is one of ``valid`` (the signature holds, its signer is the From address and the
certificate chains to a trust anchor at the signing time), ``invalid`` (changed content, a broken
signature, a signer other than From), ``untrusted`` (no path to an anchor, a certificate not for
e-mail), ``expired`` (the certificate was not valid at the signing time), ``revoked`` (its CA's
revocation list names it) or ``none`` (unsigned, or encrypted for a key this workspace does not hold).
A revocation list that cannot be fetched leaves ``valid`` with a warning. Nothing here raises for a
message: a bad one is a status with its reason.
"""

from __future__ import annotations

__all__ = ["STATUSES", "SmimeResult", "decrypt_message", "examine", "record"]

import datetime as dt
from dataclasses import dataclass

from asn1crypto import cms as asn1_cms
from cryptography.exceptions import UnsupportedAlgorithm

from ..errors import PolicyError
from ..workspace import Workspace
from . import cms, envelope
from .certs import describe
from .mime import Found, canonical, find, split_entity
from .revocation import RevocationChecker
from .store import CertStore

STATUSES = ("valid", "invalid", "untrusted", "expired", "revoked", "none")
_CLOCK_SKEW = dt.timedelta(days=1)  # a signing time further ahead than this is not believed


@dataclass
class SmimeResult:
    status: str = "none"
    signed: bool = False
    encrypted: bool = False
    decrypted: bool = False
    signer: str | None = None  # the signer's addresses, comma-separated
    fingerprint: str | None = None
    signing_time: dt.datetime | None = None
    reason: str = ""
    harvested: bool = False
    cipher: str | None = None  # the content cipher of an encrypted mail (aes256_gcm, aes256_cbc, tripledes_3key…)
    revocation: str | None = None  # good | revoked | unknown, for a signer whose chain holds
    warning: str = ""  # e.g. why revocation could not be checked

    def to_dict(self) -> dict:
        return {
            "status": self.status,
            "signed": self.signed,
            "encrypted": self.encrypted,
            "decrypted": self.decrypted,
            "signer": self.signer,
            "fingerprint": self.fingerprint,
            "signing_time": self.signing_time.isoformat() if self.signing_time else None,
            "reason": self.reason,
            "harvested": self.harvested,
            "cipher": self.cipher,
            "revocation": self.revocation,
            "warning": self.warning,
        }


def _content_type(der: bytes) -> str:
    try:
        return asn1_cms.ContentInfo.load(der)["content_type"].native
    except (ValueError, TypeError, KeyError):
        return "unreadable"


def _decrypt(store: CertStore, der: bytes) -> tuple[bytes | None, str]:
    reason = "encrypted for a key this workspace does not hold"
    for identity in store.identities():
        try:
            return envelope.decrypt(der, identity.cert, identity.private_key()), ""
        except UnsupportedAlgorithm as exc:  # a cipher mailkit does not read (RC2, EC key agreement): say so
            reason = f"cannot be decrypted: {exc}"
        except envelope.NotForThisKey:
            continue
        except ValueError as exc:  # for this key, but it does not decrypt (a changed GCM mail fails its tag)
            reason = f"cannot be decrypted: {exc}"
    return None, reason


def _judge(check: cms.SignatureCheck, result: SmimeResult, store, account: str, from_addr, now) -> None:
    result.signed = True
    if check.signer is not None:
        info = describe(check.signer)
        result.signer, result.fingerprint = ", ".join(info.addresses) or info.subject, info.fingerprint
    result.signing_time = check.signing_time
    if not check.ok or check.signer is None:
        result.status, result.reason = "invalid", check.reason or "no signer"
        return
    if from_addr and from_addr.lower() not in info.addresses:
        result.status = "invalid"
        result.reason = f"signed by {result.signer}, but the From address is {from_addr}"
        return
    when = check.signing_time if check.signing_time and check.signing_time <= now + _CLOCK_SKEW else now
    if not info.valid_at(when):
        result.status = "expired"
        result.reason = (
            f"the certificate was valid {info.not_before:%Y-%m-%d} to {info.not_after:%Y-%m-%d}, signed {when:%Y-%m-%d}"
        )
        return
    if not info.email_protection:
        result.status, result.reason = "untrusted", "the certificate is not meant for e-mail (extended key usage)"
        return
    anchors = store.anchors(account)
    problem = cms.check_chain(check.signer, check.certificates, anchors, when)
    if problem:
        result.status, result.reason = "untrusted", f"no path to a trusted CA: {problem}"
        return
    revocation = RevocationChecker(store).status(check.signer, [*check.certificates, *anchors], now)
    result.revocation = revocation.state
    if revocation.state == "revoked":
        result.status, result.reason = "revoked", f"the signer's certificate was {revocation.reason}"
        return
    result.warning = revocation.reason if revocation.state == "unknown" else ""
    result.status = "valid"


def examine(
    raw: bytes,
    workspace: Workspace,
    account: str,
    from_addr: str | None,
    *,
    harvest: bool = True,
    now: dt.datetime | None = None,
) -> SmimeResult:
    """The S/MIME status of a message; a valid signer's certificate joins the store when ``harvest``."""
    now = now or dt.datetime.now(dt.UTC)
    store = CertStore(workspace)
    result = SmimeResult()
    found = find(raw)
    if found.kind == "enveloped" and _content_type(found.der) == "signed_data":
        found = Found("opaque", der=found.der)  # pkcs7-mime without smime-type
    if found.kind == "enveloped":
        result.encrypted, result.cipher = True, envelope.cipher_of(found.der)
        content, result.reason = _decrypt(store, found.der)
        if content is None:
            return result
        result.decrypted = True
        found = find(content)
    if found.kind == "broken":
        result.signed, result.status, result.reason = True, "invalid", found.reason
    elif found.kind in ("signed", "opaque"):
        check = cms.check_signature(found.der, found.content if found.kind == "signed" else None)
        _judge(check, result, store, account, from_addr, now)
        own = {i.info.fingerprint for i in store.identities()}
        if harvest and check.signer is not None and result.status == "valid" and result.fingerprint not in own:
            _, result.harvested = store.add_person(check.signer, "harvested", cms.capabilities(found.der))
        if harvest and check.signer is not None and result.status == "revoked" and result.fingerprint not in own:
            store.add_person(check.signer, "harvested")  # kept, marked revoked (by status()), never used
    return result


def decrypt_message(raw: bytes, workspace: Workspace) -> bytes:
    """The message with its encrypted content replaced by the decrypted entity (headers kept)."""
    found = find(raw)
    if found.kind != "enveloped":
        raise PolicyError("the message is not encrypted (no application/pkcs7-mime enveloped-data)")
    content, reason = _decrypt(CertStore(workspace), found.der)
    if content is None:
        raise PolicyError(f"the message is {reason}")
    outer, _ = split_entity(raw)
    return outer + canonical(content)


def record(journal, workspace: Workspace, account: str, row: int, raw: bytes, from_addr: str | None) -> SmimeResult:
    """Check a message just stored and write its status to the journal; never raises for the message."""
    try:
        result = examine(raw, workspace, account, from_addr)
    except Exception as exc:  # like the parser: one odd message must not stop an import
        result = SmimeResult("invalid", signed=True, reason=f"the S/MIME check failed: {type(exc).__name__}: {exc}")
    journal.set_smime(row, result.status, result.encrypted, result.to_dict())
    return result
