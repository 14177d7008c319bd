"""ECDH key agreement for CMS (RFC 5753 §3.1, ephemeral-static): the KeyAgreeRecipientInfo of an EC recipient.

Written with dhSinglePass-stdDH-sha256kdf-scheme and AES-256 key wrap; read with the SHA-1 … SHA-512
variants (openssl writes the SHA-1 one) and AES-128/192/256 wrap. asn1crypto holds the structures —
it lacks only ECC-CMS-SharedInfo, declared here —, cryptography does ECDH, the X9.63 KDF and the wrap.
"""

from __future__ import annotations

__all__ = ["content_key", "recipient_info"]

from asn1crypto import cms as asn1_cms
from asn1crypto import core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, keywrap, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.x963kdf import X963KDF

from .certs import identifies

#: dhSinglePass-stdDH-*kdf-scheme (RFC 5753 §7.1.4, SEC 1): the hash of the X9.63 KDF
SCHEMES: dict[str, type[hashes.HashAlgorithm]] = {
    "1.3.133.16.840.63.0.2": hashes.SHA1,
    "1.3.132.1.11.0": hashes.SHA224,
    "1.3.132.1.11.1": hashes.SHA256,
    "1.3.132.1.11.2": hashes.SHA384,
    "1.3.132.1.11.3": hashes.SHA512,
}
_SCHEME = "1.3.132.1.11.1"
_WRAPS = {"aes128_wrap": 16, "aes192_wrap": 24, "aes256_wrap": 32}
_WRAP = "aes256_wrap"


class EccCmsSharedInfo(core.Sequence):
    """RFC 5753 §7.2: what the KDF mixes in besides the shared secret."""

    _fields = [  # noqa: RUF012 (asn1crypto's way of declaring a structure)
        ("key_info", asn1_cms.KeyEncryptionAlgorithm),
        ("entity_u_info", core.OctetString, {"explicit": 0, "optional": True}),
        ("supp_pub_info", core.OctetString, {"explicit": 2}),
    ]


def _kek(shared: bytes, digest: type[hashes.HashAlgorithm], wrap: str, ukm: bytes | None) -> bytes:
    size = _WRAPS[wrap]
    info = {"key_info": {"algorithm": wrap}, "supp_pub_info": (size * 8).to_bytes(4, "big")}
    if ukm is not None:
        info["entity_u_info"] = ukm
    return X963KDF(digest(), size, EccCmsSharedInfo(info).dump()).derive(shared)


def recipient_info(cert: x509.Certificate, key: bytes) -> asn1_cms.RecipientInfo:
    """The content ``key`` wrapped for the EC public key of ``cert`` through a fresh ephemeral key."""
    public = cert.public_key()
    if not isinstance(public, ec.EllipticCurvePublicKey):
        raise ValueError(f"{cert.subject.rfc4514_string()} has no EC key")
    ephemeral = ec.generate_private_key(public.curve)
    kek = _kek(ephemeral.exchange(ec.ECDH(), public), SCHEMES[_SCHEME], _WRAP, None)
    point = ephemeral.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    issuer = asn1_x509.Name.load(cert.issuer.public_bytes())
    return asn1_cms.RecipientInfo(
        name="kari",
        value={
            "version": "v3",
            "originator": asn1_cms.OriginatorIdentifierOrKey(
                name="originator_key", value={"algorithm": {"algorithm": "ec"}, "public_key": point}
            ),
            "key_encryption_algorithm": {
                "algorithm": _SCHEME,
                "parameters": asn1_cms.KeyEncryptionAlgorithm({"algorithm": _WRAP}),
            },
            "recipient_encrypted_keys": [
                {
                    "rid": {"issuer_and_serial_number": {"issuer": issuer, "serial_number": cert.serial_number}},
                    "encrypted_key": keywrap.aes_key_wrap(kek, key),
                }
            ],
        },
    )


def content_key(info: asn1_cms.KeyAgreeRecipientInfo, cert: x509.Certificate, key) -> bytes | None:
    """The content key, when an entry of ``info`` is for ``cert``; None when none is.

    ValueError when it is for us but does not unwrap; UnsupportedAlgorithm for a scheme not read here.
    """
    entry = next((e for e in info["recipient_encrypted_keys"] if identifies(e["rid"], cert)), None)
    if entry is None:
        return None
    scheme = info["key_encryption_algorithm"]["algorithm"].dotted
    if scheme not in SCHEMES:
        raise UnsupportedAlgorithm(f"key agreement {scheme} is not supported (only ECDH with an ephemeral key)")
    wrap = asn1_cms.KeyEncryptionAlgorithm.load(info["key_encryption_algorithm"]["parameters"].dump())
    if wrap["algorithm"].native not in _WRAPS:
        raise UnsupportedAlgorithm(f"key wrap {wrap['algorithm'].native} is not supported")
    originator = info["originator"]
    if originator.name != "originator_key" or not isinstance(key, ec.EllipticCurvePrivateKey):
        raise UnsupportedAlgorithm("only ECDH with the sender's ephemeral key (RFC 5753 §3.1) is supported")
    peer = ec.EllipticCurvePublicKey.from_encoded_point(key.curve, originator.chosen["public_key"].native)
    shared = key.exchange(ec.ECDH(), peer)
    kek = _kek(shared, SCHEMES[scheme], wrap["algorithm"].native, info["ukm"].native)
    try:
        return keywrap.aes_key_unwrap(kek, entry["encrypted_key"].native)
    except keywrap.InvalidUnwrap:
        raise ValueError("the content key does not unwrap with this EC key") from None
