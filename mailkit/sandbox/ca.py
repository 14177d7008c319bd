"""A throw-away certificate authority, so sandbox clients keep certificate verification on.

It also issues the bad certificates diagnostics must recognise: one for the wrong host name
and one that has already expired; and S/MIME certificates for the demo users, which name the CA's
revocation list and OCSP responder (:mod:`.revocation` serves both) once ``crl_url`` is set.
"""

from __future__ import annotations

__all__ = ["CertPair", "SandboxCA"]

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from ..secrets import write_private

GOOD_HOSTS = ("localhost", "127.0.0.1")


@dataclass(frozen=True)
class CertPair:
    cert_file: Path
    key_file: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mailkit sandbox"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    write_private(path, pem)


class SandboxCA:
    """A CA in ``folder``: ``ca.pem`` to trust, and :meth:`issue` for server certificates (EC P-256: fast to make)."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.cert_file = self.folder / "ca.pem"
        now = dt.datetime.now(dt.UTC)
        self._key = ec.generate_private_key(ec.SECP256R1())
        name = _name("mailkit sandbox CA")
        self._cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self._key.public_key()), critical=False)
            .sign(self._key, hashes.SHA256())
        )
        self.cert_file.write_bytes(self._cert.public_bytes(serialization.Encoding.PEM))
        self.crl_url: str | None = None  # where the revocation server publishes crl() (and OCSP at ocsp_url)
        self.ocsp_url: str | None = None
        self.revoked: dict[int, dt.datetime] = {}  # serial number -> when

    @property
    def certificate(self) -> x509.Certificate:
        return self._cert

    def revoke(self, cert: x509.Certificate) -> None:
        """Put ``cert`` on the revocation list (and have OCSP answer ``revoked``) from now on."""
        self.revoked[cert.serial_number] = dt.datetime.now(dt.UTC)

    def crl(self) -> x509.CertificateRevocationList:
        """The current revocation list, signed by the CA, valid for a day."""
        now = dt.datetime.now(dt.UTC)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self._cert.subject)
            .last_update(now - dt.timedelta(minutes=1))
            .next_update(now + dt.timedelta(days=1))
            .add_extension(x509.CRLNumber(len(self.revoked) + 1), critical=False)
        )
        for serial, when in self.revoked.items():
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
            )
        return builder.sign(self._key, hashes.SHA256())

    def ocsp_response(self, request_der: bytes) -> bytes:
        """A signed OCSP answer to a DER request for one of this CA's certificates (RFC 6960)."""
        try:
            request = ocsp.load_der_ocsp_request(request_der)
        except ValueError:
            return ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST).public_bytes(
                serialization.Encoding.DER
            )
        now = dt.datetime.now(dt.UTC)
        when = self.revoked.get(request.serial_number)
        status = ocsp.OCSPCertStatus.REVOKED if when else ocsp.OCSPCertStatus.GOOD
        builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
            request.issuer_name_hash,
            request.issuer_key_hash,
            request.serial_number,
            request.hash_algorithm,
            status,
            now - dt.timedelta(minutes=1),
            now + dt.timedelta(hours=1),
            when,
            None,
        )
        response = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, self._cert).sign(self._key, hashes.SHA256())
        return response.public_bytes(serialization.Encoding.DER)

    def _revocation_extensions(self, builder: x509.CertificateBuilder) -> x509.CertificateBuilder:
        if self.crl_url:
            point = x509.DistributionPoint([x509.UniformResourceIdentifier(self.crl_url)], None, None, None)
            builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
        if self.ocsp_url:
            access = x509.AccessDescription(
                AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(self.ocsp_url)
            )
            builder = builder.add_extension(x509.AuthorityInformationAccess([access]), critical=False)
        return builder

    def issue(
        self,
        label: str,
        hosts: tuple[str, ...] = GOOD_HOSTS,
        *,
        valid_from: dt.datetime | None = None,
        valid_until: dt.datetime | None = None,
    ) -> CertPair:
        """A server certificate for ``hosts`` (names or IP addresses), written as ``label.pem``/``label.key``."""
        now = dt.datetime.now(dt.UTC)
        key = ec.generate_private_key(ec.SECP256R1())
        alt_names: list[x509.GeneralName] = []
        for host in hosts:
            try:
                alt_names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                alt_names.append(x509.DNSName(host))
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(hosts[0]))
            .issuer_name(self._cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(valid_from or now - dt.timedelta(days=1))
            .not_valid_after(valid_until or now + dt.timedelta(days=825))
            .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key()), critical=False)
            .sign(self._key, hashes.SHA256())
        )
        pair = CertPair(self.folder / f"{label}.pem", self.folder / f"{label}.key")
        pair.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        _write_key(key, pair.key_file)
        return pair

    def issue_email(
        self,
        address: str,
        public_key,
        *,
        valid_from: dt.datetime | None = None,
        valid_until: dt.datetime | None = None,
    ) -> x509.Certificate:
        """An S/MIME certificate (emailProtection, rfc822Name) for ``address`` and a key made elsewhere."""
        now = dt.datetime.now(dt.UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(address))
            .issuer_name(self._cert.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(valid_from or now - dt.timedelta(days=1))
            .not_valid_after(valid_until or now + dt.timedelta(days=825))
            .add_extension(x509.SubjectAlternativeName([x509.RFC822Name(address)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, False, True, False, False, False, False, False, False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key()), critical=False)
        )
        return self._revocation_extensions(builder).sign(self._key, hashes.SHA256())

    def issue_expired(self, label: str = "expired") -> CertPair:
        now = dt.datetime.now(dt.UTC)
        return self.issue(label, valid_from=now - dt.timedelta(days=400), valid_until=now - dt.timedelta(days=2))

    def issue_wrong_host(self, label: str = "wronghost") -> CertPair:
        return self.issue(label, hosts=("wrong-host.invalid",))
