"""The remedy catalogue: a server's answer (or an error's text) mapped to a concrete fix.

Patterns are tried in order; the first that matches wins. They are plain substrings or regular
expressions over what the server said, so a new provider quirk is one line here.

>>> remedy_for("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant")[:40]
'SMTP AUTH is disabled for this Microsoft'
>>> remedy_for("NO [AUTHENTICATIONFAILED] Authentication failed.")
'the server refused the user name or the password; check both (the user name is often the full address)'
>>> remedy_for("all good")
''
"""

from __future__ import annotations

__all__ = ["REMEDIES", "remedy_for"]

import re

#: (pattern, remedy); patterns are case-insensitive regular expressions.
REMEDIES: tuple[tuple[str, str], ...] = (
    (
        r"5\.7\.139|SmtpClientAuthentication is disabled",
        "SMTP AUTH is disabled for this Microsoft 365 tenant or mailbox: enable 'Authenticated SMTP' for the "
        "mailbox in the admin center (or use OAuth2)",
    ),
    (
        r"Application-specific password required|InvalidSecondFactor|534[ -]5\.7\.9",
        "Gmail wants an app password (2-step verification is on): create one at myaccount.google.com "
        "'App passwords', or use OAuth2",
    ),
    (
        r"AUTHENTICATE failed|invalid_grant|AADSTS|XOAUTH2",
        "OAuth2 token refused: check the token's scope (IMAP/SMTP .AccessAsUser.All or https://mail.google.com/) "
        "and audience, then sign in again",
    ),
    (
        r"LOGINDISABLED|Plaintext authentication disallowed|must issue a STARTTLS",
        "the server refuses logins over an unencrypted connection: use security starttls or tls",
    ),
    (
        r"connection refused.*:25\b|:25\b.*connection refused",
        "port 25 is closed or blocked (common for dial-up lines and clouds): submit on 587 with STARTTLS "
        "or 465 with TLS",
    ),
    (
        r"not valid for|Hostname mismatch|IP address mismatch",
        "the certificate names another host: set the account's host to a name the certificate lists",
    ),
    (r"has expired|certificate expired", "the server's certificate has expired: its admin must renew it"),
    (
        r"not signed by a trusted CA|unable to get local issuer|self-signed",
        "the certificate's CA is not trusted here: set the account's ca_file to the issuing CA",
    ),
    (
        r"does not offer STARTTLS|STARTTLS not (offered|advertised)",
        "the server offers no STARTTLS on this port: use port 465/993/995 with security tls, or ask its admin",
    ),
    (
        r"connection refused",
        "nothing listens on this port: check host and port (is the service running, is a firewall rejecting?)",
    ),
    (
        r"no answer within|timed out",
        "no answer in time: a firewall drops the packets or the host is down; check host, port and firewall",
    ),
    (r"does not resolve|NXDOMAIN", "the host name does not resolve: check its spelling and the DNS records"),
    (
        r"wrong version number|did not answer with TLS",
        "the port does not speak TLS right away: use security starttls (or the implicit-TLS port)",
    ),
    (
        r"AUTHENTICATIONFAILED|authentication failed|535|\[AUTH\]|invalid credentials|-ERR.*(password|auth)|"
        r"Authentication unsuccessful",
        "the server refused the user name or the password; check both (the user name is often the full address)",
    ),
)
_COMPILED = tuple((re.compile(pattern, re.IGNORECASE), remedy) for pattern, remedy in REMEDIES)


def remedy_for(said: str) -> str:
    """The fix for what a server said or an error reported; empty when nothing in the catalogue fits."""
    for pattern, remedy in _COMPILED:
        if pattern.search(said):
            return remedy
    return ""
