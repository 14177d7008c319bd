"""The S/MIME rows of the diagnose report: certificate present, key matches, chain, revocation, expiry,
address covered.

Each row is ``(check, target, status, detail, remedy)`` with status ok / warn / fail / skip; the
diagnose package turns them into its rows. Reads the workspace's files, and the CA's revocation list
(fetched once, then cached: see :mod:`.revocation`).
"""

from __future__ import annotations

__all__ = ["EXPIRY_WARN_DAYS", "smime_rows"]

import datetime as dt

from cryptography.hazmat.primitives import serialization

from ..model import Account
from ..workspace import Workspace
from . import cms
from .revocation import RevocationChecker
from .store import CertStore

EXPIRY_WARN_DAYS = 30
_SPKI = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _identity_rows(store: CertStore, account: Account, address: str, now: dt.datetime) -> list[tuple]:
    identity = store.identity(address)
    if identity is None:
        remedy = f"mailkit smime import FILE.p12 --account {account.name} --address {address}"
        return [("S/MIME certificate", address, "fail", "no S/MIME certificate with its key", remedy)]
    info = identity.info
    rows = [("S/MIME certificate", address, "ok", f"{info.subject}, {info.key_type}, {info.fingerprint[:16]}", "")]
    try:
        matches = identity.private_key().public_key().public_bytes(*_SPKI) == identity.cert.public_key().public_bytes(
            *_SPKI
        )
    except (OSError, ValueError) as exc:
        matches, reason = False, f"the key cannot be read: {exc}"
    else:
        reason = "the key is not the certificate's"
    rows.append(
        ("S/MIME key", address, "ok", "the key belongs to the certificate", "")
        if matches
        else ("S/MIME key", address, "fail", reason, "import the certificate again with its own key")
    )
    if info.self_signed:
        rows.append(
            (
                "S/MIME chain",
                address,
                "warn",
                "self-signed: recipients see a warning",
                "import a certificate from a CA for mail to customers",
            )
        )
    else:
        problem = cms.check_chain(identity.cert, list(identity.chain), store.anchors(account.name), now)
        rows.append(
            ("S/MIME chain", address, "ok", f"issued by {info.issuer}", "")
            if not problem
            else (
                "S/MIME chain",
                address,
                "fail",
                f"no path to a trusted CA: {problem}",
                f"import the chain with the certificate, or `mailkit smime trust CA.pem --account {account.name}`",
            )
        )
        rows.append(_revocation_row(store, identity.cert, [*identity.chain, *store.anchors(account.name)], address))
    days = info.days_left(now)
    if days < 0:
        rows.append(("S/MIME expiry", address, "fail", f"expired on {info.not_after:%Y-%m-%d}", "import a new one"))
    elif days <= EXPIRY_WARN_DAYS:
        rows.append(("S/MIME expiry", address, "warn", f"expires in {days} days", "renew it before it expires"))
    else:
        rows.append(("S/MIME expiry", address, "ok", f"valid until {info.not_after:%Y-%m-%d} ({days} days)", ""))
    covered = address in info.addresses
    rows.append(
        ("S/MIME address", address, "ok", f"covers {', '.join(info.addresses)}", "")
        if covered
        else (
            "S/MIME address",
            address,
            "fail",
            f"covers {', '.join(info.addresses)}, not {address}",
            "a certificate for this address",
        )
    )
    return rows


def _revocation_row(store: CertStore, cert, issuers, address: str) -> tuple:
    revocation = RevocationChecker(store).status(cert, issuers)
    if revocation.state == "good":
        return ("S/MIME revocation", address, "ok", revocation.reason, "")
    if revocation.state == "revoked":
        return ("S/MIME revocation", address, "fail", revocation.reason, "import a new certificate from the CA")
    remedy = f"let this machine reach {revocation.source}" if revocation.source else ""
    return ("S/MIME revocation", address, "warn", revocation.reason, remedy)


def smime_rows(account: Account, workspace: Workspace, now: dt.datetime | None = None) -> list[tuple]:
    """Rows for the account's address and its document types' sender addresses that have a certificate, or
    all of them when the account signs or encrypts; none for an account that does not use S/MIME.

    Only an account that signs or encrypts fails on its certificate; for one that does not (yet), the
    rows say the same as warnings.
    """
    now = now or dt.datetime.now(dt.UTC)
    store = CertStore(workspace)
    wanted = account.smime is not None and (account.smime.sign or account.smime.encrypt != "never")
    addresses = [
        a
        for a in dict.fromkeys(a.lower() for a in (account.address, *account.senders.values()))
        if wanted or store.identity(a) is not None
    ]
    rows = [row for address in addresses for row in _identity_rows(store, account, address, now)]
    if wanted:
        return rows
    # a certificate the account does not use yet: its problems are worth a warning, not a failed account
    return [
        (check, target, "warn" if status == "fail" else status, detail, remedy)
        for check, target, status, detail, remedy in rows
    ]
