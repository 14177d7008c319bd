"""TLS contexts: certificates verified by default; turning that off is explicit and warned about."""

from __future__ import annotations

__all__ = ["client_context", "describe_tls_error"]

import ssl
import warnings

from ..model import Account


class InsecureTLSWarning(UserWarning):
    """Certificate verification is off for an account."""


def client_context(account: Account) -> ssl.SSLContext:
    """The client context for ``account``: system CAs (or its ``ca_file``), TLS 1.2 or newer."""
    context = ssl.create_default_context(cafile=account.ca_file) if account.ca_file else ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if not account.verify_certificate:
        warnings.warn(
            f"account {account.name!r}: certificate verification is OFF; anyone on the path can read the password",
            InsecureTLSWarning,
            stacklevel=2,
        )
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def describe_tls_error(exc: ssl.SSLError, host: str) -> str:
    """A TLS failure in plain words, with what to do."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        reason = exc.verify_message or str(exc)
        if "expired" in reason:
            return f"the certificate of {host} has expired: the server's admin must renew it"
        if "Hostname mismatch" in reason or "IP address mismatch" in reason:
            return f"the certificate is not valid for {host!r}: use the host name the certificate names"
        if "self-signed" in reason or "unable to get local issuer" in reason:
            return f"the certificate of {host} is not signed by a trusted CA: set the account's ca_file to its CA"
        return f"the certificate of {host} failed verification ({reason})"
    if "WRONG_VERSION_NUMBER" in str(exc) or "wrong version number" in str(exc):
        return "the server did not answer with TLS: the port may expect STARTTLS or plain text (check security)"
    return f"TLS handshake with {host} failed ({exc.reason or exc})"
