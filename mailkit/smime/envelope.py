"""CMS encryption: EnvelopedData (AES-CBC, RFC 5652) and AuthEnvelopedData (AES-GCM, RFC 5083/5084).

cryptography's PKCS#7 envelope builder writes AES-CBC to RSA recipients only and its decryptor reads
AES-CBC only, so both structures are written and read here: asn1crypto encodes and decodes them,
cryptography does every primitive (RSA key transport — PKCS#1 v1.5 or OAEP —, ECDH key agreement in
:mod:`.agreement`, AES-GCM, AES-CBC, 3DES for old mail). Which cipher a recipient reads is what their
SMIMECapabilities say (:data:`CAPABILITIES`); AES-256-CBC is what every S/MIME client reads.
"""

from __future__ import annotations

__all__ = ["CAPABILITIES", "CBC", "GCM", "NotForThisKey", "cipher_of", "decrypt", "encrypt"]

import os

from asn1crypto import algos, core
from asn1crypto import cms as asn1_cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import padding as block_padding
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from . import agreement
from .certs import HASHES as _HASHES
from .certs import identifies

GCM = "aes256_gcm"
CBC = "aes256_cbc"
#: What mailkit reads, strongest first: the SMIMECapabilities its signatures announce (RFC 8551 §2.5.2).
CAPABILITIES = ("aes256_gcm", "aes128_gcm", "aes256_cbc", "aes192_cbc", "aes128_cbc")
_GCM_NONCE, _GCM_TAG = 12, 16


class NotForThisKey(ValueError):
    """The envelope holds no recipient entry for this certificate."""


class GCMParameters(core.Sequence):
    """RFC 5084's GCMParameters (asn1crypto knows only the CCM twin, without the DEFAULT)."""

    _fields = [("aes_nonce", core.OctetString), ("aes_icvlen", core.Integer, {"default": 12})]  # noqa: RUF012 (asn1crypto)


def encrypt(content: bytes, recipients: list[x509.Certificate], cipher: str = CBC) -> bytes:
    """The content encrypted for every (RSA or EC) recipient: EnvelopedData for ``CBC``, AuthEnvelopedData for
    ``GCM``."""
    if cipher not in (CBC, GCM):
        raise ValueError(f"cipher {cipher!r} is not {CBC} or {GCM}")
    key = os.urandom(32)
    infos = [_recipient_info(cert, key) for cert in recipients]
    if cipher == CBC:
        iv = os.urandom(16)
        padder = block_padding.PKCS7(128).padder()
        encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        sealed = encryptor.update(padder.update(content) + padder.finalize()) + encryptor.finalize()
        enveloped = asn1_cms.EnvelopedData(
            {
                "version": "v2" if any(info.name == "kari" for info in infos) else "v0",  # RFC 5652 §6.1
                "recipient_infos": infos,
                "encrypted_content_info": {
                    "content_type": "data",
                    "content_encryption_algorithm": {"algorithm": CBC, "parameters": iv},
                    "encrypted_content": sealed,
                },
            }
        )
        return asn1_cms.ContentInfo({"content_type": "enveloped_data", "content": enveloped}).dump()
    nonce = os.urandom(_GCM_NONCE)
    encryptor = Cipher(algorithms.AES(key), modes.GCM(nonce)).encryptor()
    sealed = encryptor.update(content) + encryptor.finalize()
    params = GCMParameters({"aes_nonce": nonce, "aes_icvlen": _GCM_TAG})
    auth_enveloped = asn1_cms.AuthEnvelopedData(
        {
            "version": "v0",
            "recipient_infos": infos,
            "auth_encrypted_content_info": {
                "content_type": "data",
                "content_encryption_algorithm": {"algorithm": GCM, "parameters": params},
                "encrypted_content": sealed,
            },
            "mac": encryptor.tag,
        }
    )
    return asn1_cms.ContentInfo({"content_type": "authenticated_enveloped_data", "content": auth_enveloped}).dump()


def _recipient_info(cert: x509.Certificate, key: bytes) -> asn1_cms.RecipientInfo:
    """Key transport to an RSA key, key agreement (ECDH) with an EC one."""
    if isinstance(cert.public_key(), ec.EllipticCurvePublicKey):
        return agreement.recipient_info(cert, key)
    return _key_transport(cert, key)


def _key_transport(cert: x509.Certificate, key: bytes) -> asn1_cms.RecipientInfo:
    public = cert.public_key()
    if not isinstance(public, rsa.RSAPublicKey):
        raise ValueError(f"{cert.subject.rfc4514_string()} has no RSA key")
    issuer = asn1_x509.Name.load(cert.issuer.public_bytes())
    return asn1_cms.RecipientInfo(
        name="ktri",
        value={
            "version": "v0",
            "rid": {"issuer_and_serial_number": {"issuer": issuer, "serial_number": cert.serial_number}},
            "key_encryption_algorithm": {"algorithm": "rsaes_pkcs1v15"},
            "encrypted_key": public.encrypt(key, padding.PKCS1v15()),
        },
    )


def _unwrap(info: asn1_cms.KeyTransRecipientInfo, key) -> bytes:
    algorithm = info["key_encryption_algorithm"]
    name = algorithm["algorithm"].native
    if name == "rsaes_pkcs1v15":
        scheme: padding.AsymmetricPadding = padding.PKCS1v15()
    elif name == "rsaes_oaep":
        params = algos.RSAESOAEPParams.load(algorithm["parameters"].dump()) if algorithm["parameters"] else None
        digest = _HASHES[params["hash_algorithm"]["algorithm"].native]() if params else hashes.SHA1()
        mgf = _HASHES[params["mask_gen_algorithm"]["parameters"]["algorithm"].native]() if params else hashes.SHA1()
        scheme = padding.OAEP(padding.MGF1(mgf), digest, None)
    else:
        raise UnsupportedAlgorithm(f"key transport {name} is not supported")
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the own key is not an RSA key")
    return key.decrypt(info["encrypted_key"].native, scheme)


def _content_key(recipient_infos, cert: x509.Certificate, key) -> bytes:
    for info in recipient_infos:
        if info.name == "ktri" and identifies(info.chosen["rid"], cert):
            return _unwrap(info.chosen, key)
        if info.name == "kari" and (found := agreement.content_key(info.chosen, cert, key)) is not None:
            return found
    raise NotForThisKey("the mail is not encrypted for this certificate")


def _cbc(name: str, key: bytes, iv: bytes, data: bytes) -> bytes:
    if name in ("aes128_cbc", "aes192_cbc", "aes256_cbc"):
        cipher: algorithms.AES | TripleDES = algorithms.AES(key)
    elif name == "tripledes_3key":
        cipher = TripleDES(key)
    else:
        raise UnsupportedAlgorithm(f"content cipher {name} is not supported")
    decryptor = Cipher(cipher, modes.CBC(iv)).decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    unpadder = block_padding.PKCS7(cipher.block_size).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


def cipher_of(der: bytes) -> str | None:
    """The content cipher an envelope names (``aes256_gcm``, ``tripledes_3key``…); None when unreadable."""
    try:
        info = asn1_cms.ContentInfo.load(der)
        field = (
            "auth_encrypted_content_info"
            if info["content_type"].native == "authenticated_enveloped_data"
            else ("encrypted_content_info")
        )
        return str(info["content"][field]["content_encryption_algorithm"]["algorithm"].native)
    except (ValueError, TypeError, KeyError):
        return None


def decrypt(der: bytes, cert: x509.Certificate, key) -> bytes:
    """The content of EnvelopedData or AuthEnvelopedData for our key.

    ValueError when it is not for us or does not decrypt (a changed GCM mail fails its tag);
    UnsupportedAlgorithm for a cipher or key transport mailkit does not read (RC2, key agreement).
    """
    try:
        info = asn1_cms.ContentInfo.load(der)
        kind = info["content_type"].native
        if kind not in ("enveloped_data", "authenticated_enveloped_data"):
            raise ValueError(f"the encrypted part holds {kind}, not enveloped data")
        envelope = info["content"]
        content_info = envelope["encrypted_content_info" if kind == "enveloped_data" else "auth_encrypted_content_info"]
        algorithm = content_info["content_encryption_algorithm"]
        name = algorithm["algorithm"].native
        data = content_info["encrypted_content"].native or b""
        content_key = _content_key(envelope["recipient_infos"], cert, key)
        if kind == "enveloped_data":
            return _cbc(name, content_key, algorithm["parameters"].native, data)
        if name not in ("aes128_gcm", "aes192_gcm", "aes256_gcm"):
            raise UnsupportedAlgorithm(f"authenticated cipher {name} is not supported")
        params = GCMParameters.load(algorithm["parameters"].dump())
        mac = envelope["mac"].native
        decryptor = Cipher(
            algorithms.AES(content_key), modes.GCM(params["aes_nonce"].native, mac, min_tag_length=len(mac))
        ).decryptor()
        if envelope["auth_attrs"]:  # RFC 5083 §2.2: their DER, as a SET OF, is the additional authenticated data
            decryptor.authenticate_additional_data(envelope["auth_attrs"].untag().dump(force=True))
        return decryptor.update(data) + decryptor.finalize()
    except InvalidTag:
        raise ValueError("the encrypted content was changed (its GCM tag does not match)") from None
    except NotForThisKey:
        raise
    except (TypeError, KeyError, IndexError) as exc:
        raise ValueError(f"the encrypted part cannot be read: {exc}") from None
