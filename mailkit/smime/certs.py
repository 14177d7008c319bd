"""Certificates and keys for S/MIME: reading PKCS#12 and PEM, describing, self-signing. Pure, no I/O.

A certificate is described by :class:`CertInfo`, which holds nothing secret: the addresses it covers
(subjectAltName rfc822Name, else the subject's emailAddress), its validity, issuer and fingerprint.
"""

from __future__ import annotations

__all__ = [
    "HASHES",
    "SELF_SIGNED_WARNING",
    "Bundle",
    "CertInfo",
    "describe",
    "fingerprint",
    "identifies",
    "load_bundle",
    "load_certificates",
    "self_signed",
]

import datetime as dt
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ..errors import ConfigError

#: REV+'s warning when it makes its own certificate, and what it means for mailkit's users.
SELF_SIGNED_WARNING = (
    "this certificate is self-signed: recipients' mail programs show a warning on every signed mail "
    "until each recipient trusts it by hand; use a certificate from a CA for mail to customers"
)


#: Digests by asn1crypto's names, as CMS structures name them.
HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the DER certificate, hex, as ``openssl x509 -fingerprint -sha256`` shows it without colons."""
    return cert.fingerprint(hashes.SHA256()).hex()


def identifies(choice, cert: x509.Certificate) -> bool:
    """Whether a CMS identifier (asn1crypto's choice of issuer and serial number, or subject key identifier —
    plain, or inside a key agreement's RecipientKeyIdentifier) names ``cert``."""
    if choice.name == "issuer_and_serial_number":
        named = choice.chosen
        same_issuer = named["issuer"].dump() == cert.issuer.public_bytes()
        return same_issuer and named["serial_number"].native == cert.serial_number
    key_id = choice.chosen["subject_key_identifier"] if choice.name == "r_key_id" else choice.chosen
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest == key_id.native
    except x509.ExtensionNotFound:
        return False


def _addresses(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        found = [a.lower() for a in san.get_values_for_type(x509.RFC822Name)]
    except x509.ExtensionNotFound:
        found = []
    if not found:  # older certificates carry the address in the subject only
        found = [str(a.value).lower() for a in cert.subject.get_attributes_for_oid(NameOID.EMAIL_ADDRESS)]
    return tuple(dict.fromkeys(found))


def _for_email(cert: x509.Certificate) -> bool:
    """Whether the extended key usage allows S/MIME (no EKU at all allows everything)."""
    try:
        usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return ExtendedKeyUsageOID.EMAIL_PROTECTION in usages or ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE in usages


@dataclass(frozen=True)
class CertInfo:
    """What a user needs to know about a certificate; JSON-ready through :meth:`to_dict`."""

    fingerprint: str
    subject: str
    issuer: str
    addresses: tuple[str, ...]
    not_before: dt.datetime
    not_after: dt.datetime
    serial: str
    key_type: str
    self_signed: bool
    email_protection: bool
    can_encrypt: bool  # an RSA key, or EC on a NIST curve (ECDH, RFC 5753): what mail can be encrypted to

    def valid_at(self, when: dt.datetime | None = None) -> bool:
        when = when or dt.datetime.now(dt.UTC)
        return self.not_before <= when <= self.not_after

    def days_left(self, now: dt.datetime | None = None) -> int:
        return (self.not_after - (now or dt.datetime.now(dt.UTC))).days

    def to_dict(self) -> dict:
        return {
            "fingerprint": self.fingerprint,
            "subject": self.subject,
            "issuer": self.issuer,
            "addresses": list(self.addresses),
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "serial": self.serial,
            "key_type": self.key_type,
            "self_signed": self.self_signed,
            "email_protection": self.email_protection,
            "can_encrypt": self.can_encrypt,
        }


def describe(cert: x509.Certificate) -> CertInfo:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        key_type = f"RSA {key.key_size}"
    elif isinstance(key, ec.EllipticCurvePublicKey):
        key_type = f"EC {key.curve.name}"
    else:
        key_type = type(key).__name__.removeprefix("_")
    return CertInfo(
        fingerprint=fingerprint(cert),
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        addresses=_addresses(cert),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        serial=format(cert.serial_number, "x"),
        key_type=key_type,
        self_signed=cert.issuer == cert.subject,
        email_protection=_for_email(cert),
        can_encrypt=isinstance(key, rsa.RSAPublicKey)
        or (isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name in ("secp256r1", "secp384r1", "secp521r1")),
    )


def load_certificates(data: bytes, what: str) -> list[x509.Certificate]:
    """Every certificate in PEM (one or many) or DER bytes; a clear error when there is none."""
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise ConfigError(f"{what} holds no certificate in PEM or DER form") from None


@dataclass(frozen=True)
class Bundle:
    """An own identity as imported: the key (kept out of every repr), its certificate and the chain."""

    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | None = field(default=None, repr=False)

    @property
    def info(self) -> CertInfo:
        return describe(self.cert)


def _key_matches(key, cert: x509.Certificate) -> bool:
    raw = serialization.PublicFormat.SubjectPublicKeyInfo
    return key.public_key().public_bytes(serialization.Encoding.DER, raw) == cert.public_key().public_bytes(
        serialization.Encoding.DER, raw
    )


def load_bundle(data: bytes, what: str, password: str | None = None, key_data: bytes | None = None) -> Bundle:
    """A PKCS#12 file (``password`` may be needed) or PEM holding key and chain (or the key in ``key_data``)."""
    if b"-----BEGIN" not in data and key_data is None:
        try:
            key, cert, extra = pkcs12.load_key_and_certificates(data, password.encode() if password else None)
        except ValueError:
            hint = "check the password (--password-env VAR)" if password else "give its password with --password-env"
            raise ConfigError(f"{what} cannot be opened as PKCS#12: wrong password or a damaged file; {hint}") from None
        if cert is None or key is None:
            raise ConfigError(f"{what} holds no certificate with its private key")
        return _checked(cert, tuple(extra), key, what)
    try:
        key = serialization.load_pem_private_key(
            key_data if key_data is not None else data, password.encode() if password else None
        )
    except TypeError:
        raise ConfigError(f"the key in {what} is encrypted: give its password with --password-env VAR") from None
    except ValueError:
        raise ConfigError(f"{what} holds no readable private key in PEM form (or the password is wrong)") from None
    certs = load_certificates(data, what)
    leaf = next((c for c in certs if _key_matches(key, c)), None)
    if leaf is None:
        raise ConfigError(f"{what}: none of the certificates belongs to the private key")
    return _checked(leaf, tuple(c for c in certs if c is not leaf), key, what)


def _checked(cert: x509.Certificate, chain: tuple[x509.Certificate, ...], key, what: str) -> Bundle:
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ConfigError(f"{what}: only RSA and EC keys can sign S/MIME mail")
    bundle = Bundle(cert, chain, key)
    if not bundle.info.addresses:
        raise ConfigError(f"{what}: the certificate names no e-mail address, so it cannot sign mail")
    return bundle


def self_signed(address: str, name: str = "", *, days: int = 365, bits: int = 3072) -> Bundle:
    """A self-signed RSA certificate for ``address`` (see :data:`SELF_SIGNED_WARNING`)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, name or address),
            x509.NameAttribute(NameOID.EMAIL_ADDRESS, address),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName([x509.RFC822Name(address)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, True, False, False, False, False, False, False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Bundle(cert, (), key)
