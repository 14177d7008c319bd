"""The sandbox's S/MIME: certificates from its CA for the demo users, installed in the workspace, the CA trusted,
its revocation list and OCSP responder served (:mod:`.revocation`).

A key stored by an earlier start is kept; only its certificate is issued again, since every start makes a
new CA (and the account's anchor of the old CA is replaced).
"""

from __future__ import annotations

__all__ = ["enable", "issue"]

import datetime as dt

from cryptography.hazmat.primitives.asymmetric import rsa

from ..smime import Bundle, CertStore, fingerprint, load_certificates
from ..workspace import Workspace
from .ca import SandboxCA
from .revocation import RevocationServer


def issue(
    ca: SandboxCA,
    address: str,
    *,
    key: rsa.RSAPrivateKey | None = None,
    valid_from: dt.datetime | None = None,
    valid_until: dt.datetime | None = None,
) -> Bundle:
    """An emailProtection certificate for ``address`` with an RSA key (what every mail program encrypts to)."""
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return Bundle(ca.issue_email(address, key.public_key(), valid_from=valid_from, valid_until=valid_until), (), key)


def enable(ca: SandboxCA, workspace: Workspace, users: list[tuple[str, str]]) -> list[RevocationServer]:
    """For each (address, account): a certificate with its key in the workspace, and the CA as the account's anchor.

    Returns the revocation server it started for the CA (none when it runs already), for the caller to stop.
    """
    started = [] if ca.crl_url else [RevocationServer(ca).start()]  # first: the certificates name its addresses
    store = CertStore(workspace)
    (anchor,) = load_certificates(ca.cert_file.read_bytes(), str(ca.cert_file))
    for address, account in users:
        old = store.identity(address)
        store.import_identity(issue(ca, address, key=old.private_key() if old else None))
        for earlier in store.own_anchors(account):
            if earlier.subject == anchor.subject and earlier != anchor:
                store.untrust(account, fingerprint(earlier))
        store.trust(account, [anchor])
    return started
