"""``mailkit oauth ...``: set an account up for OAuth2, sign in, look at its token, check it end to end.

No command prints a token: ``token`` shows when it ends and what it is for.
"""

from __future__ import annotations

# The commands import what they need (network, OAuth, DKIM, the sync engine) when they run:
# `mailkit --help` and every other command stay fast.
import dataclasses
import sys
import time
from typing import TYPE_CHECKING

from ..errors import ConfigError
from ..model import Auth, OAuth2
from ._common import open_workspace, print_json, read_secret

if TYPE_CHECKING:
    from ..net.oauth import TokenSource


def cmd_setup(args) -> int:
    from ..net.oauth import TokenSource

    workspace = open_workspace(args)
    account = workspace.get(args.name)
    secret = args.client_secret_ref
    if secret is None and (args.client_secret_env or args.client_secret_stdin):
        args.password_env = args.client_secret_env
        secret = workspace.secrets.set(f"{account.name}.oauth-client-secret", read_secret(args, "Client secret: "))
    settings = OAuth2(
        provider=args.provider,
        authority_url=args.authority_url or "",
        tenant=args.tenant or "",
        client_id=args.client_id,
        client_secret=secret,
        scopes=tuple(args.scope or ()),
    )
    account = dataclasses.replace(account, auth=Auth(method="oauth2", username=account.auth.username, oauth2=settings))
    workspace.update(account.validate())
    workspace.save()
    source = TokenSource(account, workspace)
    print_json({"account": account.name, "provider": args.provider, "flow": source.flow, "scopes": source.scopes()})
    print(f"Account {account.name!r} uses OAuth2 ({args.provider}, {source.flow}); scopes: {' '.join(source.scopes())}")
    return 0


def _token_facts(token, source: TokenSource) -> dict:
    claims = token.claims
    return {
        "account": source.account.name,
        "flow": source.flow,
        "from_cache": token.from_cache,
        "expires_in_s": int(token.expires_at - time.time()),
        "scopes_requested": list(token.scopes),
        "audience": claims.get("aud"),
        "roles": claims.get("roles"),
        "scp": claims.get("scp"),
        "mailbox": claims.get("email") or claims.get("upn") or claims.get("preferred_username"),
    }


def cmd_token(args) -> int:
    from ..net.oauth import TokenSource

    workspace = open_workspace(args)
    source = TokenSource(workspace.get(args.name), workspace)
    facts = _token_facts(source.token(args.protocol, force_refresh=args.refresh), source)
    if args.json:
        print_json(facts)
    else:
        for key, value in facts.items():
            print(f"{key:<17} {value}")
    return 0


def cmd_login(args) -> int:
    from ..signin import sign_in_source

    workspace = open_workspace(args)
    source = sign_in_source(workspace.get(args.name), workspace)
    if args.browser:
        signin = source.start_browser_sign_in()
        print(f"Open this address in a browser on this machine and sign in:\n{signin.url}", file=sys.stderr, flush=True)
        token = source.finish_browser_sign_in(signin, timeout=args.timeout)
    else:
        code = source.start_device_code()
        print(code.message, file=sys.stderr, flush=True)
        token = source.finish_device_code(code)
    facts = _token_facts(token, source)
    if args.json:
        print_json(facts)
    else:
        print(f"Signed in as {facts['mailbox']}; the token is cached in the workspace's secret store.")
    return 0


def cmd_check(args) -> int:
    from ..diagnose.oauth import oauth2_checks

    workspace = open_workspace(args)
    account = workspace.get(args.name)
    if account.auth.method != "oauth2":
        raise ConfigError(
            f"account {account.name!r} does not use OAuth2 (auth {account.auth.method}): "
            f"`mailkit oauth setup {account.name} --client-id ID` switches it"
        )
    rows = oauth2_checks(account, workspace)
    ok = all(r["status"] != "fail" for r in rows)
    if args.json:
        print_json({"ok": ok, "rows": rows})
    else:
        for r in rows:
            print(f"{r['status']:<5} {r['check']:<24} {r['detail']}")
            if r["remedy"] and r["status"] != "ok":
                print(f"      -> {r['remedy']}")
    return 0 if ok else 1


def cmd_forget(args) -> int:
    from ..net.oauth import TokenSource

    workspace = open_workspace(args)
    TokenSource(workspace.get(args.name), workspace).forget()
    print_json({"account": args.name, "forgotten": True})
    print(f"Cached tokens of {args.name!r} removed.")
    return 0


def cmd_sandbox_app(args) -> int:
    from ..sandbox.oauth import add_oauth_app  # the sandbox only when asked for

    workspace = open_workspace(args)
    account, client = add_oauth_app(
        workspace, None, args.address, protocol="pop3" if args.pop3 else "imap", grant_mailbox=not args.no_grant
    )
    facts = {"account": account.name, "client_id": client.client_id, "mailbox_granted": client.mailbox is not None}
    if args.json:
        print_json(facts)
    else:
        print(f"App {client.client_id} registered; account {account.name!r} uses it (client credentials).")
    return 0


def add_commands(sub, command) -> None:
    oauth = sub.add_parser("oauth", help="OAuth2 for an account").add_subparsers(dest="action", required=True)
    p = command(oauth, "setup", cmd_setup, "switch an account to OAuth2 (Microsoft 365, Google or generic)")
    p.add_argument("name", help="the account's name in mailkit.toml")
    p.add_argument(
        "--provider", default="microsoft", choices=("microsoft", "google", "generic"), help="default microsoft"
    )
    p.add_argument("--tenant", help="Microsoft: the tenant id or domain")
    p.add_argument("--client-id", required=True, help="the app's client (application) id")
    p.add_argument("--authority-url", help="default: the provider's")
    p.add_argument("--scope", action="append", help="a scope (repeat); default: the provider's for the flow")
    secret = p.add_mutually_exclusive_group()
    secret.add_argument("--client-secret-ref", help="app-only: a secret reference (env:, file:, keyring:)")
    secret.add_argument("--client-secret-env", metavar="VAR", help="app-only: take it from $VAR, keep it in the store")
    secret.add_argument("--client-secret-stdin", action="store_true", help="app-only: read it, keep it in the store")
    p = command(oauth, "token", cmd_token, "get a token (cached or new) and show what it is for, never its value")
    p.add_argument("name", help="the account's name in mailkit.toml")
    p.add_argument(
        "--protocol",
        choices=("imap", "pop3", "smtp"),
        help="a token for this protocol only (default: one for all three)",
    )
    p.add_argument("--refresh", action="store_true", help="do not use the cache")
    p.add_argument("--json", action="store_true")
    p = command(oauth, "login", cmd_login, "sign a user in with the device code (prints the code and URL)")
    p.add_argument("name", help="the account's name in mailkit.toml")
    p.add_argument("--browser", action="store_true", help="authorization code with PKCE on a loopback redirect")
    p.add_argument("--timeout", type=float, default=300, help="seconds to wait for the browser (default 300)")
    p.add_argument("--json", action="store_true")
    p = command(oauth, "check", cmd_check, "token, audience, permissions, expiry and SASL login, with remedies")
    p.add_argument("name", help="the account's name in mailkit.toml")
    p.add_argument("--json", action="store_true")
    p = command(oauth, "forget", cmd_forget, "remove the account's cached tokens")
    p.add_argument("name", help="the account's name in mailkit.toml")
    p = command(oauth, "sandbox-app", cmd_sandbox_app, "sandbox: register an app-only client for a mailbox")
    p.add_argument("address", help="the sandbox mailbox's address, e.g. info@mailkit.test")
    p.add_argument("--pop3", action="store_true", help="the account receives by POP3")
    p.add_argument("--no-grant", action="store_true", help="do not give the app the mailbox (to see the remedy)")
    p.add_argument("--json", action="store_true")
