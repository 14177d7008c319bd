"""Diagnostics of an OAuth2 account: getting the token, what it grants, and the SASL logins with it."""

from __future__ import annotations

__all__ = ["oauth2_checks"]

import time

from ..errors import AuthError, ConfigError, ConnectError, SecretError
from ..model import Account
from ..net import connect
from ..net.oauth import TokenSource
from ..oauth import protocol_off_remedy, token_problems
from ..secrets import redact
from ..workspace import Workspace


def oauth2_checks(account: Account, workspace: Workspace, protocols: tuple[str, ...] | None = None) -> list[dict]:
    """Diagnostics for an OAuth2 account, as rows ``{check, status, detail, remedy}`` (status ok|warn|fail).

    One row for getting the token, then per protocol the token's audience/permissions/mailbox and
    expiry, and the SASL login itself (``mailkit.net.connect``) with its mechanism. No row holds a token.
    """
    rows: list[dict] = []

    def row(check: str, status: str, detail: str, remedy: str = "") -> None:
        rows.append({"check": check, "status": status, "detail": redact(detail), "remedy": remedy})

    try:
        source = TokenSource(account, workspace)
        token = source.token()
    except (ConfigError, SecretError, AuthError, ConnectError) as exc:
        row("oauth2 token", "fail", str(exc), _token_remedy(str(exc)))
        return rows
    row(
        "oauth2 token",
        "ok",
        f"{source.flow} token from {source.authority_url} ({'cache' if token.from_cache else 'new'})",
    )
    left = token.expires_at - time.time()
    row(
        "oauth2 expiry",
        "ok" if left > 300 else "warn",
        f"expires in {int(left)} s",
        "" if left > 300 else "the token is about to expire; mailkit refreshes it on the next login",
    )
    if protocols is None:
        sending, receiving = account.sending, account.receiving
        protocols = (
            *(("smtp",) if sending is not None and sending.logs_in and sending.method == "smtp" else ()),
            *((receiving.protocol,) if receiving is not None and receiving.logs_in else ()),
        )
    provider = account.auth.oauth2.provider if account.auth.oauth2 else ""
    if token.claims:
        row(
            "oauth2 claims",
            "ok",
            f"audience {token.claims.get('aud')!r}, "
            + (
                f"roles {token.claims.get('roles')}"
                if "roles" in token.claims
                else f"scopes {token.claims.get('scp')!r}"
            ),
        )
    for protocol in protocols:
        problems = token_problems(token.claims, provider, protocol, account.login, time.time())
        for problem in problems:
            row(f"oauth2 {protocol} {problem.check}", "fail", problem.detail, problem.remedy)
        login = {"imap": connect.imap_login, "pop3": connect.pop3_login, "smtp": connect.smtp_login}[protocol]
        try:
            with login(account, workspace) as session:
                mechanism = getattr(session, "mailkit_mechanism", "")
            row(f"oauth2 {protocol} login", "ok", f"SASL {mechanism} accepted for {account.login}")
        except (AuthError, ConnectError, ConfigError) as exc:
            remedy = (
                f"fix the oauth2 {protocol} rows above first"
                if problems
                else protocol_off_remedy(protocol, account.login)
                if isinstance(exc, AuthError)
                else "check host, port and TLS settings of the account"
            )
            row(f"oauth2 {protocol} login", "fail", str(exc), remedy)
    return rows


def _token_remedy(message: str) -> str:
    if "invalid_client" in message or "7000215" in message:
        return "the client secret is wrong or expired: create a new one under Certificates & secrets and store it"
    if "unauthorized_client" in message or "700016" in message:
        return "the client id is not registered in this tenant: check client id and tenant"
    if "invalid_scope" in message:
        return "app-only access needs the scope https://outlook.office365.com/.default"
    return "check authority URL, tenant, client id and client secret"
