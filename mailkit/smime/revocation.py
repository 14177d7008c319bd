"""Whether a certificate was revoked: its CA's revocation list (CRL, RFC 5280 §5), fetched from the
distribution point the certificate names, checked with cryptography, cached in ``keys/smime/crl/``.

A list is fetched once and used until its ``nextUpdate``; an unreachable one is asked again after
:data:`RETRY_SECONDS` at the earliest, so a sync of many signed mails does not wait on it for each. A
certificate whose revocation cannot be checked (no distribution point, the list unreachable, its
issuer unknown) is ``unknown``: a warning in words, never a failure.
"""

from __future__ import annotations

__all__ = ["RETRY_SECONDS", "Revocation", "RevocationChecker", "crl_urls"]

import datetime as dt
import hashlib
import time
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from ..errors import ConnectError, TLSError
from ..net.dns import host_resolver
from ..net.http import http_get
from ..secrets import write_private
from .store import CertStore

RETRY_SECONDS = 300
_DER = serialization.Encoding.DER
_FAILED: dict[str, tuple[float, str]] = {}  # URL -> (when, why) it could not be fetched, for this process


@dataclass(frozen=True)
class Revocation:
    """``good`` (on a current list, not revoked), ``revoked`` or ``unknown``; ``reason`` says why in words."""

    state: str
    reason: str = ""
    revoked_at: dt.datetime | None = None
    source: str | None = None  # the list's URL

    def to_dict(self) -> dict:
        return {
            "state": self.state,
            "reason": self.reason,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "source": self.source,
        }


def crl_urls(cert: x509.Certificate) -> list[str]:
    """The http(s) URLs of the certificate's CRL distribution points (LDAP ones are not fetched)."""
    try:
        points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except x509.ExtensionNotFound:
        return []
    return [
        name.value
        for point in points
        for name in point.full_name or ()
        if isinstance(name, x509.UniformResourceIdentifier) and name.value.lower().startswith(("http://", "https://"))
    ]


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    if issuer.subject != cert.issuer:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


class RevocationChecker:
    """Checks certificates of one workspace against their CAs' lists; ``timeout`` bounds each fetch."""

    def __init__(self, store: CertStore, *, timeout: float = 5.0) -> None:
        self.store = store
        self.timeout = timeout
        self.resolver = host_resolver(store.workspace.dns)
        self._issuers: list[x509.Certificate] | None = None

    def status(
        self, cert: x509.Certificate, issuers: Iterable[x509.Certificate] | None = None, now: dt.datetime | None = None
    ) -> Revocation:
        """:meth:`check`, after the store's marks (by hand, or found before); a new revocation is marked there."""
        known = self.store.revoked(cert)
        if known:
            return Revocation("revoked", known)
        if issuers is None:
            if self._issuers is None:
                self._issuers = self.store.issuers()
            issuers = self._issuers
        revocation = self.check(cert, issuers, now)
        if revocation.state == "revoked":
            self.store.mark_revoked(cert, revocation.reason)
        return revocation

    def __repr__(self) -> str:
        return f"RevocationChecker({self.store!r})"

    def check(
        self, cert: x509.Certificate, issuers: Iterable[x509.Certificate], now: dt.datetime | None = None
    ) -> Revocation:
        now = now or dt.datetime.now(dt.UTC)
        urls = crl_urls(cert)
        if not urls:
            return Revocation("unknown", "revocation not checked: the certificate names no revocation list")
        issuer = next((i for i in issuers if _issued_by(cert, i)), None)
        if issuer is None:
            return Revocation(
                "unknown", f"revocation not checked: the issuing CA ({cert.issuer.rfc4514_string()}) is not known here"
            )
        problems = []
        for url in urls:
            crl, stale, problem = self._crl(url, issuer, now)
            if crl is None:
                problems.append(problem)
                continue
            entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
            if entry is not None:  # a revocation stays one, even on a list that is out of date
                when = entry.revocation_date_utc
                return Revocation("revoked", f"revoked by its CA on {when:%Y-%m-%d %H:%M} UTC ({url})", when, url)
            if not stale:
                return Revocation(
                    "good", f"not on the CA's revocation list of {crl.last_update_utc:%Y-%m-%d %H:%M} UTC", None, url
                )
            problems.append(problem)
        return Revocation("unknown", "revocation not checked: " + "; ".join(problems), None, urls[0])

    def _cache_file(self, url: str):
        return self.store.folder("crl") / f"{hashlib.sha256(url.encode()).hexdigest()[:32]}.crl"

    def _crl(self, url: str, issuer: x509.Certificate, now: dt.datetime):
        """(the list, whether it is out of date, why not usable or current) for ``url``: cached, else fetched."""
        cache = self._cache_file(url)
        cached = self._load(cache.read_bytes(), issuer) if cache.exists() else None
        if cached is not None and (cached.next_update_utc is None or cached.next_update_utc > now):
            return cached, False, ""
        failed = _FAILED.get(url)
        if failed is not None and time.monotonic() - failed[0] < RETRY_SECONDS:
            problem = failed[1]
        else:
            fetched, problem = self._fetch(url, issuer)
            if fetched is not None:
                _FAILED.pop(url, None)
                write_private(cache, fetched.public_bytes(_DER))
                up_to_date = fetched.next_update_utc is None or fetched.next_update_utc > now
                return fetched, not up_to_date, "" if up_to_date else f"the revocation list at {url} is out of date"
            _FAILED[url] = (time.monotonic(), problem)
        if cached is not None:
            return cached, True, f"{problem}; the copy kept from {cached.last_update_utc:%Y-%m-%d} is out of date"
        return None, True, problem

    def _fetch(self, url: str, issuer: x509.Certificate):
        parts = urllib.parse.urlsplit(url)
        tls = parts.scheme == "https"
        try:
            status, body, _ = http_get(
                parts.hostname or "",
                parts.path + (f"?{parts.query}" if parts.query else "") or "/",
                port=parts.port or (443 if tls else 80),
                tls=tls,
                resolver=self.resolver,
                timeout=self.timeout,
            )
        except (ConnectError, TLSError) as exc:
            return None, f"the revocation list at {url} cannot be fetched ({exc})"
        if status != 200:
            return None, f"the revocation list at {url} answered HTTP {status}"
        crl = self._load(body, issuer)
        if crl is None:
            return None, f"{url} sent no revocation list signed by the certificate's CA"
        return crl, ""

    @staticmethod
    def _load(data: bytes, issuer: x509.Certificate) -> x509.CertificateRevocationList | None:
        """The list when it is one and its CA signed it; None otherwise."""
        try:
            crl = x509.load_pem_x509_crl(data) if data.lstrip().startswith(b"-----") else x509.load_der_x509_crl(data)
        except ValueError:
            return None
        key = issuer.public_key()
        if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey):
            return None  # CAs sign lists with these; cryptography checks no other kind here
        if crl.issuer != issuer.subject or not crl.is_signature_valid(key):
            return None
        return crl
