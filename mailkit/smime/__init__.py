"""S/MIME: own certificates and keys, correspondents' certificates, signing and encrypting what is sent,
verifying and decrypting what arrives (RFC 8551).

Keys live in the workspace's ``keys/smime`` like the DKIM keys (see :mod:`.store`); the CMS work is
cryptography's (signing, encrypting, decrypting) and asn1crypto's reading of SignedData for the
signature check (see :mod:`.cms`). The MIME shapes are in :mod:`.mime`, pure.
"""

from __future__ import annotations

__all__ = [
    "ENCRYPT_MODES",
    "SELF_SIGNED_WARNING",
    "STATUSES",
    "Bundle",
    "CertInfo",
    "CertStore",
    "Identity",
    "Person",
    "Protection",
    "Revocation",
    "RevocationChecker",
    "SmimeResult",
    "decrypt_message",
    "describe",
    "examine",
    "fingerprint",
    "load_bundle",
    "load_certificates",
    "protect",
    "record",
    "self_signed",
]

from .certs import (
    SELF_SIGNED_WARNING,
    Bundle,
    CertInfo,
    describe,
    fingerprint,
    load_bundle,
    load_certificates,
    self_signed,
)
from .incoming import STATUSES, SmimeResult, decrypt_message, examine, record
from .outgoing import ENCRYPT_MODES, Protection, protect
from .revocation import Revocation, RevocationChecker
from .store import CertStore, Identity, Person
