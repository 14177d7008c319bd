"""OAuth2 for mail, the pure part: provider defaults, SASL strings, and what a token's claims tell.

Microsoft 365 and Google switched basic auth off; mail clients log in with an access token
through SASL XOAUTH2 or OAUTHBEARER (RFC 7628). Most failures come from a token that is fine
as a token but wrong for mail: wrong audience, a missing permission, an app without mailbox
access. :func:`token_problems` reads the claims and names the remedy, so an "AUTHENTICATE
failed" becomes something an admin can act on. Token acquisition is in :mod:`mailkit.net.oauth`.
"""

from __future__ import annotations

__all__ = [
    "EXCHANGE_AUDIENCES",
    "FLOWS",
    "PROVIDERS",
    "Problem",
    "decode_claims",
    "default_scopes",
    "effective_flow",
    "pick_mechanism",
    "protocol_off_remedy",
    "sasl_initial_response",
    "token_problems",
]

import base64
import json
from dataclasses import dataclass

from .model import OAuth2

FLOWS = ("client_credentials", "device_code")
EXCHANGE_AUDIENCES = ("https://outlook.office.com", "https://outlook.office365.com")

#: Per provider: the authority, the delegated scope per protocol, and the app-only scope.
PROVIDERS: dict[str, dict] = {
    "microsoft": {
        "authority_url": "https://login.microsoftonline.com",
        "delegated": {
            "imap": "https://outlook.office.com/IMAP.AccessAsUser.All",
            "pop3": "https://outlook.office.com/POP.AccessAsUser.All",
            "smtp": "https://outlook.office.com/SMTP.Send",
        },
        "app_only": "https://outlook.office365.com/.default",
        "app_roles": {"imap": "IMAP.AccessAsApp", "pop3": "POP.AccessAsApp", "smtp": "SMTP.SendAsApp"},
    },
    "google": {
        "authority_url": "https://accounts.google.com",
        "delegated": dict.fromkeys(("imap", "pop3", "smtp"), "https://mail.google.com/"),
        "app_only": "https://mail.google.com/",
        "app_roles": {},
    },
}


def effective_flow(settings: OAuth2) -> str:
    """The flow an account uses: app-only when it has a client secret, else the device code.

    >>> effective_flow(OAuth2(client_id="x", client_secret="env:S")), effective_flow(OAuth2(client_id="x"))
    ('client_credentials', 'device_code')
    """
    return "client_credentials" if settings.client_secret else "device_code"


def default_scopes(settings: OAuth2, protocols: tuple[str, ...] = ("imap", "pop3", "smtp")) -> list[str]:
    """The scopes to ask for: the account's own, else the provider's defaults for the flow.

    >>> default_scopes(OAuth2(provider="microsoft", client_id="x", client_secret="env:S"))
    ['https://outlook.office365.com/.default']
    >>> default_scopes(OAuth2(provider="microsoft", client_id="x"), ("imap", "smtp"))
    ['https://outlook.office.com/IMAP.AccessAsUser.All', 'https://outlook.office.com/SMTP.Send', 'offline_access']
    >>> default_scopes(OAuth2(provider="google", client_id="x"))
    ['https://mail.google.com/']
    """
    if settings.scopes:
        return list(settings.scopes)
    preset = PROVIDERS.get(settings.provider)
    if preset is None:
        return []
    if effective_flow(settings) == "client_credentials":
        return [preset["app_only"]]
    scopes = list(dict.fromkeys(preset["delegated"][p] for p in protocols))
    return [*scopes, "offline_access"] if settings.provider == "microsoft" else scopes


def sasl_initial_response(mechanism: str, user: str, token: str, host: str = "", port: int = 0) -> bytes:
    """The client's first (and only) SASL message for XOAUTH2 or OAUTHBEARER (RFC 7628).

    >>> sasl_initial_response("XOAUTH2", "a@b.test", "T")
    b'user=a@b.test\\x01auth=Bearer T\\x01\\x01'
    >>> sasl_initial_response("OAUTHBEARER", "a,b@c.test", "T", "imap.c.test", 993)
    b'n,a=a=2Cb@c.test,\\x01host=imap.c.test\\x01port=993\\x01auth=Bearer T\\x01\\x01'
    """
    if mechanism == "XOAUTH2":
        return f"user={user}\x01auth=Bearer {token}\x01\x01".encode()
    if mechanism == "OAUTHBEARER":
        authzid = user.replace("=", "=3D").replace(",", "=2C")
        where = (f"host={host}\x01" if host else "") + (f"port={port}\x01" if port else "")
        return f"n,a={authzid},\x01{where}auth=Bearer {token}\x01\x01".encode()
    raise ValueError(f"unknown SASL mechanism {mechanism!r}: use XOAUTH2 or OAUTHBEARER")


def pick_mechanism(offered: set[str] | list[str], wanted: str | None = None) -> str | None:
    """The SASL mechanism to use: ``wanted`` if the server offers it, else OAUTHBEARER, else XOAUTH2.

    >>> pick_mechanism({"PLAIN", "XOAUTH2", "OAUTHBEARER"}), pick_mechanism(["XOAUTH2"]), pick_mechanism({"PLAIN"})
    ('OAUTHBEARER', 'XOAUTH2', None)
    """
    names = {m.upper() for m in offered}
    for candidate in (wanted, "OAUTHBEARER", "XOAUTH2"):
        if candidate and candidate.upper() in names:
            return candidate.upper()
    return None


def protocol_off_remedy(protocol: str, mailbox: str) -> str:
    """What to switch on when a good token is refused: SMTP AUTH, IMAP or POP for the mailbox (Exchange).

    >>> protocol_off_remedy("pop3", "info@example.test")
    'POP3 may be off for the mailbox: Set-CASMailbox -Identity info@example.test -PopEnabled $true'
    """
    if protocol == "smtp":
        return (
            "SMTP AUTH may be disabled for the tenant or the mailbox: Set-TransportConfig "
            "-SmtpClientAuthenticationDisabled $false, or Set-CASMailbox -Identity "
            f"{mailbox} -SmtpClientAuthenticationDisabled $false"
        )
    switch = {"imap": "ImapEnabled", "pop3": "PopEnabled"}[protocol]
    return f"{protocol.upper()} may be off for the mailbox: Set-CASMailbox -Identity {mailbox} -{switch} $true"


def decode_claims(token: str) -> dict:
    """The claims of a JWT access token, read without checking the signature (that is the server's job).

    Google's access tokens are not JWTs: they give ``{}``.

    >>> body = base64.urlsafe_b64encode(b'{"aud": "x"}').rstrip(b"=").decode()
    >>> decode_claims("e30." + body + ".sig"), decode_claims("ya29.opaque")
    ({'aud': 'x'}, {})
    """
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return {}
    return claims if isinstance(claims, dict) else {}


@dataclass(frozen=True)
class Problem:
    """What is wrong with a token for one protocol, and what the admin does about it."""

    check: str
    detail: str
    remedy: str


def token_problems(claims: dict, provider: str, protocol: str, mailbox: str, now: float) -> list[Problem]:
    """Everything in the claims that makes a mail server refuse the token; empty when they look right.

    >>> claims = {"aud": "https://graph.microsoft.com", "roles": ["Mail.Read"], "exp": 10}
    >>> [p.check for p in token_problems(claims, "microsoft", "imap", "info@example.test", now=0)]
    ['audience', 'permission', 'mailbox']
    """
    if not claims or provider != "microsoft":
        return []  # opaque tokens (Google) say nothing; the server's answer will
    found = []
    exp = claims.get("exp")
    if isinstance(exp, int | float) and exp <= now:
        found.append(Problem("expiry", f"the token expired {int(now - exp)} s ago", "get a new token (refresh)"))
    aud = claims.get("aud", "")
    if aud.rstrip("/") not in EXCHANGE_AUDIENCES:
        found.append(
            Problem(
                "audience",
                f"the token is for {aud!r}, not Exchange Online",
                "request the scope https://outlook.office365.com/.default (app-only) or "
                "https://outlook.office.com/IMAP.AccessAsUser.All, .../POP.AccessAsUser.All, .../SMTP.Send "
                "(delegated), not a Microsoft Graph scope",
            )
        )
    app_only = "roles" in claims and "scp" not in claims
    if app_only:
        role = PROVIDERS["microsoft"]["app_roles"][protocol]
        if role not in claims.get("roles", ()):
            found.append(
                Problem(
                    "permission",
                    f"the app has no {role} role (it has: {', '.join(claims.get('roles', ())) or 'none'})",
                    f"in Entra ID, API permissions: add Office 365 Exchange Online > Application > {role} "
                    "and grant admin consent",
                )
            )
        token_mailbox = claims.get("email") or claims.get("upn")
        if not token_mailbox or token_mailbox.lower() != mailbox.lower():
            found.append(
                Problem(
                    "mailbox",
                    f"the app's service principal has no access to {mailbox}",
                    "in Exchange Online PowerShell: New-ServicePrincipal -AppId <client id> -ObjectId "
                    "<enterprise app object id>, then Add-MailboxPermission -Identity "
                    f"{mailbox} -User <service principal id> -AccessRights FullAccess",
                )
            )
    else:
        wanted = PROVIDERS["microsoft"]["delegated"][protocol].rsplit("/", 1)[1]
        if wanted not in claims.get("scp", "").split():
            found.append(
                Problem(
                    "permission",
                    f"the token lacks the {wanted} scope (it has: {claims.get('scp') or 'none'})",
                    f"ask for the scope https://outlook.office.com/{wanted} and let the user (or admin) consent",
                )
            )
    return found
