"""CMS (PKCS#7) signatures: made and checked with asn1crypto for the structure and cryptography for the
mathematics — cryptography's own builder cannot announce the ciphers mailkit reads, and it offers no
signature check. Checking goes the way CMS libraries do it: the digest, the signature over the DER of
the signed attributes (RFC 5652 §5.4), and the certificate path (``x509.verification``). Encryption
is in :mod:`.envelope`.
"""

from __future__ import annotations

__all__ = ["SignatureCheck", "capabilities", "check_chain", "check_signature", "sign"]

import datetime as dt
from dataclasses import dataclass, field

from asn1crypto import cms as asn1_cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import verification

from .certs import HASHES as _HASHES
from .certs import identifies
from .envelope import CAPABILITIES

_DER = serialization.Encoding.DER


def _signature(key, data: bytes) -> tuple[str, bytes]:
    """(asn1crypto's name of the algorithm, the SHA-256 signature of ``data``)."""
    if isinstance(key, rsa.RSAPrivateKey):
        return "sha256_rsa", key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return "sha256_ecdsa", key.sign(data, ec.ECDSA(hashes.SHA256()))
    raise ValueError(f"cannot sign with a {type(key).__name__}")


def sign(
    content: bytes,
    cert: x509.Certificate,
    key,
    chain: tuple[x509.Certificate, ...] = (),
    *,
    when: dt.datetime | None = None,
) -> bytes:
    """A detached SHA-256 SignedData over ``content`` exactly as given (already canonical CRLF), with the chain.

    Its SMIMECapabilities announce what mailkit reads, AES-GCM first, so correspondents encrypt to us with it.
    """
    digest = hashes.Hash(hashes.SHA256())
    digest.update(content)
    signed_attrs = asn1_cms.CMSAttributes(
        [
            {"type": "content_type", "values": ["data"]},
            {"type": "signing_time", "values": [asn1_cms.Time({"utc_time": when or dt.datetime.now(dt.UTC)})]},
            {"type": "message_digest", "values": [digest.finalize()]},
            {"type": "smime_capabilities", "values": [[{"capability_id": c} for c in CAPABILITIES]]},
        ]
    )
    algorithm, signature = _signature(key, signed_attrs.dump())  # the SET OF is signed, not the [0] it goes in
    signer_info = {
        "version": "v1",
        "sid": {
            "issuer_and_serial_number": {
                "issuer": asn1_x509.Name.load(cert.issuer.public_bytes()),
                "serial_number": cert.serial_number,
            }
        },
        "digest_algorithm": {"algorithm": "sha256"},
        "signed_attrs": signed_attrs,
        "signature_algorithm": {"algorithm": algorithm},
        "signature": signature,
    }
    signed_data = asn1_cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [{"algorithm": "sha256"}],
            "encap_content_info": {"content_type": "data"},
            "certificates": [asn1_x509.Certificate.load(c.public_bytes(_DER)) for c in (cert, *chain)],
            "signer_infos": [signer_info],
        }
    )
    return asn1_cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()


def capabilities(der: bytes) -> tuple[str, ...]:
    """The ciphers the first signer of a SignedData says it reads (SMIMECapabilities), in its order; () if none."""
    try:
        signer_info = asn1_cms.ContentInfo.load(der)["content"]["signer_infos"][0]
        for attr in signer_info["signed_attrs"] or []:
            if attr["type"].native == "smime_capabilities":
                return tuple(str(c["capability_id"].native) for c in attr["values"][0])
    except (ValueError, TypeError, KeyError, IndexError):
        pass
    return ()


@dataclass
class SignatureCheck:
    """The outcome of checking a CMS signature's mathematics (not yet the certificate path)."""

    ok: bool
    reason: str = ""
    signer: x509.Certificate | None = None
    certificates: list[x509.Certificate] = field(default_factory=list)
    signing_time: dt.datetime | None = None
    content: bytes | None = None  # the signed content (for opaque signed-data)
    digest: str = ""


def _verify_raw(public_key, signature: bytes, data: bytes, digest, algorithm: asn1_cms.SignedDigestAlgorithm) -> None:
    name = algorithm.signature_algo
    if isinstance(public_key, rsa.RSAPublicKey):
        if name == "rsassa_pss":
            params = algorithm["parameters"]
            pss_hash = _HASHES[params["hash_algorithm"]["algorithm"].native]()
            salt = params["salt_length"].native
            public_key.verify(signature, data, padding.PSS(padding.MGF1(pss_hash), salt), pss_hash)
        else:
            public_key.verify(signature, data, padding.PKCS1v15(), digest)
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        public_key.verify(signature, data, ec.ECDSA(digest))
    else:
        raise InvalidSignature(f"unsupported signer key {type(public_key).__name__}")


def _find_signer(sid, certs: list[x509.Certificate]) -> x509.Certificate | None:
    return next((cert for cert in certs if identifies(sid, cert)), None)


def check_signature(der: bytes, detached_content: bytes | None) -> SignatureCheck:
    """Check the first signer of a SignedData over ``detached_content`` (or the content it carries)."""
    try:
        info = asn1_cms.ContentInfo.load(der)
        if info["content_type"].native != "signed_data":
            return SignatureCheck(False, f"the signature part is {info['content_type'].native}, not signed data")
        signed = info["content"]
        certs = [
            x509.load_der_x509_certificate(c.chosen.dump())
            for c in (signed["certificates"] or [])
            if c.name == "certificate"
        ]
        content = detached_content
        if content is None:
            content = signed["encap_content_info"]["content"].native
        if content is None:
            return SignatureCheck(
                False, "the signature covers content that the mail does not carry", certificates=certs
            )
        signer_infos = list(signed["signer_infos"])
        if not signer_infos:
            return SignatureCheck(False, "the signature holds no signer", certificates=certs)
        signer_info = signer_infos[0]
        signer = _find_signer(signer_info["sid"], certs)
        if signer is None:
            return SignatureCheck(False, "the signer's certificate is not in the signature", certificates=certs)
        digest_name = signer_info["digest_algorithm"]["algorithm"].native
        if digest_name not in _HASHES:
            return SignatureCheck(False, f"digest {digest_name} is not supported", signer, certs)
        digest = _HASHES[digest_name]()
        hasher = hashes.Hash(digest)
        hasher.update(content)
        content_digest = hasher.finalize()
        signed_attrs = signer_info["signed_attrs"]
        signing_time = None
        if signed_attrs:
            attrs = {a["type"].native: a["values"][0].native for a in signed_attrs}
            if attrs.get("message_digest") != content_digest:
                return SignatureCheck(False, "the content was changed after signing (digest mismatch)", signer, certs)
            signing_time = attrs.get("signing_time")
            to_verify = signed_attrs.untag().dump(force=True)  # signed as a SET OF, not as [0]
        else:
            to_verify = content
        _verify_raw(
            signer.public_key(), signer_info["signature"].native, to_verify, digest, signer_info["signature_algorithm"]
        )
    except InvalidSignature:
        return SignatureCheck(False, "the signature does not match the content", signer, certs)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        return SignatureCheck(False, f"the signature cannot be read: {exc}")
    if isinstance(signing_time, dt.datetime) and signing_time.tzinfo is None:
        signing_time = signing_time.replace(tzinfo=dt.UTC)
    return SignatureCheck(True, "", signer, certs, signing_time, content, digest_name)


def check_chain(
    leaf: x509.Certificate,
    intermediates: list[x509.Certificate],
    anchors: list[x509.Certificate],
    when: dt.datetime,
) -> str:
    """Why the certificate path does not hold at ``when``, or "" when it chains to an anchor."""
    if leaf in anchors:
        return ""  # trusted by hand (a self-signed certificate, say)
    if not anchors:
        return "no trust anchor is configured"
    builder = (
        verification.PolicyBuilder()
        .store(verification.Store(anchors))
        .time(when)
        .extension_policies(
            ca_policy=verification.ExtensionPolicy.webpki_defaults_ca(),
            ee_policy=verification.ExtensionPolicy.permit_all(),  # S/MIME's EKU is checked by the caller
        )
    )
    try:
        builder.build_client_verifier().verify(leaf, [c for c in intermediates if c != leaf])
    except verification.VerificationError as exc:
        return str(exc)
    return ""
