"""The sandbox's OAuth2 authority: an HTTPS token endpoint on loopback issuing signed JWT access tokens.

It behaves like the parts of Microsoft's identity platform that mail clients meet, so MSAL can
talk to it unchanged: an OpenID configuration document, the token endpoint (client credentials,
refresh token, device code) and the device-code endpoint. Tokens are RS256 JWTs; Dovecot's
oauth2 passdb and the sandbox SMTP server validate them locally with the public key.

Claims follow Exchange Online: ``aud`` is the resource (``https://outlook.office365.com``),
delegated tokens carry ``scp`` (space separated), app-only tokens ``roles``; a ``scope`` claim
lists the protocols those grant (imap, pop3, smtp), which Dovecot checks per protocol. The mailbox a token
opens is its ``email`` claim: for an app-only client that is the mailbox its service principal was
granted (Exchange's ``Add-MailboxPermission``); without a grant the claim is missing and the
server refuses the login, as Exchange does.
"""

from __future__ import annotations

__all__ = [
    "RESOURCE",
    "OAuthAuthority",
    "OAuthClient",
    "OAuthSubmission",
    "add_oauth_app",
    "parse_sasl_bearer",
    "read_clients",
    "running_state",
    "validate_token",
    "write_client",
]

import base64
import dataclasses
import hashlib
import html
import json
import os
import secrets as _random
import ssl
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
from aiosmtpd.smtp import MISSING, AuthResult, LoginPassword
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ..errors import ConfigError
from ..model import Account, Auth, OAuth2, Receiving
from ..secrets import logger
from ..workspace import Workspace
from .ca import CertPair
from .smtp import Submission

log = logger(__name__)

RESOURCE = "https://outlook.office365.com"
#: resources Exchange answers to; a token for either has ``aud`` = RESOURCE here
_EXCHANGE = ("https://outlook.office.com", "https://outlook.office365.com")
KEY_ID = "sandbox-1"
APP_ROLES = ("IMAP.AccessAsApp", "POP.AccessAsApp", "SMTP.SendAsApp")
_PROTOCOL_OF = {
    "IMAP.AccessAsApp": "imap",
    "IMAP.AccessAsUser.All": "imap",
    "POP.AccessAsApp": "pop3",
    "POP.AccessAsUser.All": "pop3",
    "SMTP.SendAsApp": "smtp",
    "SMTP.Send": "smtp",
}


@dataclass
class OAuthClient:
    """An app registration: its secret, the app roles an admin consented to, and the mailbox granted to it."""

    client_id: str
    secret: str
    roles: tuple[str, ...] = APP_ROLES
    mailbox: str | None = None  # app-only: the mailbox its service principal may open

    def __repr__(self) -> str:
        return f"OAuthClient(client_id={self.client_id!r}, roles={self.roles!r}, mailbox={self.mailbox!r})"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def validate_token(token: str, public_key, issuer: str) -> dict:
    """The claims of a token this authority signed, checked for signature, expiry, issuer and audience.

    Raises :class:`jwt.InvalidTokenError` (with the reason) when the token is not good for Exchange.
    """
    return jwt.decode(
        token, public_key, algorithms=["RS256"], audience=RESOURCE, issuer=issuer, options={"require": ["exp", "sub"]}
    )


class OAuthAuthority:
    """The token endpoint: ``start()`` serves it on ``port``; tenants share one signing key."""

    def __init__(
        self,
        cert: CertPair,
        port: int,
        clients_file: Path,
        host: str = "127.0.0.1",
        tenant: str = "mailkit-sandbox",
    ) -> None:
        self.host, self.port, self.tenant = host, port, tenant
        self.clients_file = clients_file  # registrations, also made by other processes (`mailkit oauth sandbox-app`)
        self._cert = cert
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_key = self._key.public_key()
        self.token_lifetime = 3600
        self.expired_tokens = 0  # the next N tokens are issued already expired (for refresh tests)
        self.requests: list[str] = []  # grant types asked for, in order (no secrets)
        self._refresh: dict[str, tuple[str, str, str]] = {}  # refresh token -> client, user, scope
        self._device: dict[str, dict] = {}
        self._codes: dict[str, dict] = {}  # authorization code -> client, redirect, scope, PKCE challenge, user
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()

    # -- addresses -----------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"https://{self.host}:{self.port}"

    @property
    def authority_url(self) -> str:
        """What an account's ``authority_url`` names (like ``https://login.microsoftonline.com``)."""
        return self.base_url

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/{self.tenant}/v2.0"

    def public_key_pem(self) -> str:
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    # -- registrations -------------------------------------------------------------------------
    @property
    def clients(self) -> dict[str, OAuthClient]:
        """The app registrations, read from ``clients_file`` on each use (it is tiny)."""
        return read_clients(self.clients_file)

    def register(self, client_id: str, secret: str | None = None, **kwargs) -> OAuthClient:
        client = OAuthClient(client_id, secret or _random.token_urlsafe(24), **kwargs)
        write_client(self.clients_file, client)
        return client

    def approve_device(self, user_code: str, user: str) -> None:
        """What the user does on the ``/devicelogin`` page: sign in as ``user`` and enter the code."""
        with self._lock:
            for entry in self._device.values():
                if entry["user_code"] == user_code:
                    entry["user"] = user
                    return
        raise KeyError(user_code)

    # -- tokens --------------------------------------------------------------------------------
    def issue(self, client_id: str, *, scopes: list[str], user: str | None = None, lifetime: int | None = None) -> str:
        """A signed access token; also used by tests to make tokens with a wrong audience or scope."""
        now = int(time.time())
        resources = {s.rsplit("/", 1)[0] for s in scopes if s.startswith("https://")}
        resource = next(iter(resources), RESOURCE)
        names = [s.rsplit("/", 1)[-1] for s in scopes if s.startswith("https://")]
        with self._lock:
            expired = self.expired_tokens > 0
            self.expired_tokens -= int(expired)
        exp = now - 60 if expired else now + (lifetime or self.token_lifetime)
        claims: dict = {
            "iss": self.issuer,
            "aud": RESOURCE if resource in _EXCHANGE else resource,
            "iat": now - 1 if not expired else now - 120,
            "nbf": now - 1 if not expired else now - 120,
            "exp": exp,
            "tid": self.tenant,
            "appid": client_id,
            "uti": _random.token_urlsafe(12),  # a unique token id, as Entra ID's
        }
        granted = ()
        if user is None:  # app-only
            client = self.clients.get(client_id)
            claims["sub"] = client_id
            claims["roles"] = list(client.roles if client else ())
            if client and client.mailbox:
                claims["email"] = client.mailbox
            granted = claims["roles"]
        else:
            claims["sub"] = user
            claims["email"] = user
            claims["scp"] = " ".join(n for n in names if n != ".default")
            granted = claims["scp"].split()
        # what Exchange decides inside, said where Dovecot's oauth2 passdb can check it: the protocols
        claims["scope"] = " ".join(sorted({_PROTOCOL_OF[g] for g in granted if g in _PROTOCOL_OF}))
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": KEY_ID})

    def _token_response(self, client_id: str, scope: str, user: str | None, nonce: str | None = None) -> dict:
        scopes = scope.split()
        body = {
            "token_type": "Bearer",
            "access_token": self.issue(client_id, scopes=scopes, user=user),
            "expires_in": self.token_lifetime,
            "ext_expires_in": self.token_lifetime,
            "scope": " ".join(scopes),
        }
        if user is not None:  # what MSAL makes its cached account from
            uid = _b64(user.encode())
            body["client_info"] = _b64(json.dumps({"uid": uid, "utid": self.tenant}).encode())
            now = int(time.time())
            body["id_token"] = jwt.encode(
                {
                    "iss": self.issuer,
                    "aud": client_id,
                    "sub": uid,
                    "oid": uid,
                    "tid": self.tenant,
                    "preferred_username": user,
                    "iat": now,
                    "nbf": now,
                    "exp": now + self.token_lifetime,
                    "ver": "2.0",
                    **({"nonce": nonce} if nonce else {}),
                },
                self._key,
                algorithm="RS256",
                headers={"kid": KEY_ID},
            )
        if user is not None and "offline_access" in scopes:
            refresh = _random.token_urlsafe(32)
            self._refresh[refresh] = (client_id, user, scope)
            body["refresh_token"] = refresh
        return body

    def _grant(self, form: dict[str, str]) -> tuple[int, dict]:
        grant = form.get("grant_type", "")
        self.requests.append(grant)
        client = self.clients.get(form.get("client_id", ""))
        if client is None:
            return 400, _error("unauthorized_client", "AADSTS700016: application not found in the directory")
        if grant == "client_credentials":
            if not _random.compare_digest(form.get("client_secret", ""), client.secret):
                return 401, _error("invalid_client", "AADSTS7000215: invalid client secret provided")
            scope = form.get("scope", "")
            if not scope.endswith("/.default"):
                return 400, _error("invalid_scope", "AADSTS1002012: app-only scopes must end in /.default")
            return 200, self._token_response(client.client_id, scope, None)
        if grant == "refresh_token":
            known = self._refresh.pop(form.get("refresh_token", ""), None)
            if known is None or known[0] != client.client_id:
                return 400, _error("invalid_grant", "AADSTS70000: the refresh token is not valid")
            return 200, self._token_response(client.client_id, form.get("scope") or known[2], known[1])
        if grant == "authorization_code":
            entry = self._codes.pop(form.get("code", ""), None)
            if entry is None or entry["client_id"] != client.client_id:
                return 400, _error("invalid_grant", "AADSTS70008: the authorization code is not valid")
            if form.get("redirect_uri") != entry["redirect_uri"]:
                return 400, _error("invalid_grant", "AADSTS50148: the redirect_uri does not match the authorization")
            verifier = form.get("code_verifier", "").encode()
            if _b64(hashlib.sha256(verifier).digest()) != entry["challenge"]:
                return 400, _error("invalid_grant", "AADSTS501481: the code verifier does not match the challenge")
            return 200, self._token_response(client.client_id, entry["scope"], entry["user"], entry["nonce"])
        if grant in ("device_code", "urn:ietf:params:oauth:grant-type:device_code"):
            entry = self._device.get(form.get("device_code", ""))
            if entry is None:
                return 400, _error("expired_token", "AADSTS70019: the device code has expired")
            if entry["user"] is None:
                return 400, _error("authorization_pending", "AADSTS70016: waiting for the user to sign in")
            del self._device[form["device_code"]]
            return 200, self._token_response(client.client_id, entry["scope"], entry["user"])
        return 400, _error("unsupported_grant_type", f"grant type {grant!r} is not supported here")

    def _device_code(self, form: dict[str, str]) -> tuple[int, dict]:
        self.requests.append("devicecode")
        if form.get("client_id", "") not in self.clients:
            return 400, _error("unauthorized_client", "AADSTS700016: application not found in the directory")
        code = _random.token_urlsafe(24)
        user_code = "".join(_random.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(8))
        with self._lock:
            self._device[code] = {"user_code": user_code, "scope": form.get("scope", ""), "user": None}
        uri = f"{self.base_url}/devicelogin"
        return 200, {
            "device_code": code,
            "user_code": user_code,
            "verification_uri": uri,
            "expires_in": 900,
            "interval": 1,
            "message": f"To sign in, open {uri} and enter the code {user_code} to authenticate.",
        }

    def _authorize_problem(self, query: dict[str, str]) -> str | None:
        """Why an authorization request cannot go on (shown on the page), or None."""
        if query.get("client_id", "") not in self.clients:
            return "AADSTS700016: application not found in the directory"
        if query.get("response_type") != "code":
            return "only response_type=code is supported"
        redirect = urllib.parse.urlsplit(query.get("redirect_uri", ""))
        if redirect.scheme != "http" or redirect.hostname not in ("localhost", "127.0.0.1"):
            return "AADSTS50011: the redirect URI must be a loopback address (http://127.0.0.1:PORT)"
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return "AADSTS9002325: PKCE (code_challenge with method S256) is required"
        return None

    def authorize(self, query: dict[str, str], user: str) -> str:
        """The user signed in: a one-time code, and the redirect that carries it back to the app."""
        code = _random.token_urlsafe(24)
        with self._lock:
            self._codes[code] = {
                "client_id": query["client_id"],
                "redirect_uri": query["redirect_uri"],
                "scope": query.get("scope", ""),
                "challenge": query["code_challenge"],
                "nonce": query.get("nonce"),
                "user": user,
            }
        back = {"code": code, **({"state": query["state"]} if "state" in query else {})}
        return query["redirect_uri"] + ("&" if "?" in query["redirect_uri"] else "?") + urllib.parse.urlencode(back)

    def openid_configuration(self) -> dict:
        base = f"{self.base_url}/{self.tenant}"
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_types_supported": ["code"],
            "grant_types_supported": ["client_credentials", "refresh_token", "device_code", "authorization_code"],
            "code_challenge_methods_supported": ["S256"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def jwks(self) -> dict:
        numbers = self.public_key.public_numbers()
        n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
        e = numbers.e.to_bytes(3, "big")
        return {"keys": [{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": KEY_ID, "n": _b64(n), "e": _b64(e)}]}

    # -- life cycle ----------------------------------------------------------------------------
    def start(self) -> OAuthAuthority:
        authority = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # request lines carry codes; keep them out of logs
                pass

            def _send(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(data)

            def _page(self, body: str, status: int = 200) -> None:
                data = f"<!doctype html><title>mailkit sandbox sign-in</title>{body}".encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                path = urllib.parse.urlsplit(self.path).path
                prefix = f"/{authority.tenant}"
                if path.endswith("/.well-known/openid-configuration") and path.startswith(prefix + "/"):
                    self._send(200, authority.openid_configuration())
                elif path == f"{prefix}/discovery/v2.0/keys":
                    self._send(200, authority.jwks())
                elif path == "/devicelogin":
                    self._page(_DEVICE_PAGE)
                elif path == f"{prefix}/oauth2/v2.0/authorize":
                    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                    problem = authority._authorize_problem(query)
                    if problem:
                        self._page(f"<p>{html.escape(problem)}</p>", 400)
                    else:
                        hidden = "".join(
                            f"<input type=hidden name='{html.escape(k)}' value='{html.escape(v)}'>"
                            for k, v in query.items()
                        )
                        self._page(_SIGNIN_PAGE.format(hidden=hidden))
                else:
                    self._send(404, _error("not_found", f"no such endpoint {path}"))

            def do_POST(self) -> None:
                path = urllib.parse.urlsplit(self.path).path
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode("utf-8", "replace")))
                prefix = f"/{authority.tenant}/oauth2/v2.0"
                if path == "/devicelogin":  # what the user does in the browser: sign in and enter the code
                    try:
                        authority.approve_device(form.get("code", "").strip().upper(), form.get("user", "").strip())
                    except KeyError:
                        self._page("<p>Unknown or expired code.</p>", 400)
                    else:
                        self._page("<p>Signed in. You can close this page and return to the application.</p>")
                elif path == f"{prefix}/authorize":
                    user = form.pop("user", "").strip()
                    problem = authority._authorize_problem(form) or ("" if user else "sign in with a mailbox")
                    if problem:
                        self._page(f"<p>{html.escape(problem)}</p>", 400)
                    else:
                        self.send_response(302)
                        self.send_header("Location", authority.authorize(form, user))
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                elif path == f"{prefix}/token":
                    self._send(*authority._grant(form))
                elif path == f"{prefix}/devicecode":
                    self._send(*authority._device_code(form))
                else:
                    self._send(404, _error("not_found", f"no such endpoint {path}"))

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self._cert.cert_file, self._cert.key_file)
        server = ThreadingHTTPServer((self.host, self.port), Handler)
        server.daemon_threads = True
        server.socket = context.wrap_socket(server.socket, server_side=True)
        self._server = server
        threading.Thread(target=server.serve_forever, args=(0.05,), name=f"oauth-{self.port}", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def write_validation_key(self, folder: Path) -> Path:
        """Dovecot's key dictionary: ``<folder>/default/RS256/<kid>`` holding the PEM public key."""
        path = folder / "default" / "RS256" / KEY_ID
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.public_key_pem(), "ascii")
        return path


def running_state(workspace: Workspace) -> dict:
    """The description a running sandbox wrote into its workspace (``mailkit sandbox start``)."""
    try:
        return json.loads((workspace.path / ".sandbox" / "sandbox.json").read_text("utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{workspace.path} is not a running sandbox: start one with `mailkit sandbox start`"
        ) from None


def add_oauth_app(
    workspace: Workspace,
    state: dict | None,
    address: str,
    *,
    protocol: str = "imap",
    grant_mailbox: bool = True,
    roles: tuple[str, ...] | None = None,
) -> tuple[Account, OAuthClient]:
    """An app-only (client credentials) registration for a sandbox mailbox, and an account that uses it.

    Like REV+'s set-up in Entra ID: the app's secret goes to the workspace's secret store, and
    ``grant_mailbox`` gives its service principal the mailbox (Exchange's Add-MailboxPermission).
    The account copies the mailbox's password account and is saved as ``<local part>-oauth``;
    ``state`` is the sandbox's :meth:`~mailkit.sandbox.Sandbox.describe`; None: the running one's.
    """
    state = state or running_state(workspace)
    base = workspace.get(address.partition("@")[0])
    oauth = state["oauth2"]
    client = OAuthClient(
        f"app-{base.name}-{_random.token_hex(4)}",
        _random.token_urlsafe(24),
        mailbox=base.address if grant_mailbox else None,
        **({} if roles is None else {"roles": tuple(roles)}),
    )
    write_client(Path(oauth["clients_file"]), client)
    secret_ref = workspace.secrets.set(f"{base.name}.oauth-client-secret", client.secret)
    receiving = base.receiving
    if protocol == "pop3":
        receiving = Receiving(
            protocol="pop3", host=state["pop3"]["host"], port=state["pop3"]["tls_port"], security="tls"
        )
    settings = OAuth2(
        provider="microsoft",
        authority_url=oauth["authority_url"],
        tenant=oauth["tenant"],
        client_id=client.client_id,
        client_secret=secret_ref,
    )
    account = dataclasses.replace(
        base, name=f"{base.name}-oauth", receiving=receiving, auth=Auth(method="oauth2", oauth2=settings)
    )
    workspace.add(account, replace=True)
    workspace.save()
    return account, client


def read_clients(path: Path) -> dict[str, OAuthClient]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return {}
    return {c["client_id"]: OAuthClient(**{**c, "roles": tuple(c["roles"])}) for c in data}


def write_client(path: Path, client: OAuthClient) -> None:
    """Add or replace a registration; the file holds client secrets, so it is written 0600."""
    clients = read_clients(path)
    clients[client.client_id] = client
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump([dataclasses.asdict(c) for c in clients.values()], fh)
    os.replace(tmp, path)


_SIGNIN_PAGE = """<h1>Sign in to the mailkit sandbox</h1>
<form method="post">{hidden}<p><label>Mailbox <input name="user" value="info@mailkit.test"></label></p>
<p><button>Sign in and consent</button></p></form>"""
_DEVICE_PAGE = """<h1>Sign in to the mailkit sandbox</h1>
<form method="post"><p><label>Code <input name="code" autofocus></label></p>
<p><label>Mailbox <input name="user" value="info@mailkit.test"></label></p>
<p><button>Sign in</button></p></form>"""


def _error(code: str, description: str) -> dict:
    return {"error": code, "error_description": description}


def parse_sasl_bearer(mechanism: str, data: bytes) -> tuple[str, str]:
    """The user and the token from a client's XOAUTH2 or OAUTHBEARER (RFC 7628) initial response.

    >>> parse_sasl_bearer("XOAUTH2", b"user=a@b.test\\x01auth=Bearer t0k\\x01\\x01")
    ('a@b.test', 't0k')
    >>> parse_sasl_bearer("OAUTHBEARER", b"n,a=a@b.test,\\x01host=h\\x01auth=Bearer t0k\\x01\\x01")
    ('a@b.test', 't0k')
    """
    text = data.decode("utf-8", "replace")
    user = ""
    if mechanism == "OAUTHBEARER":
        gs2, _, text = text.partition("\x01")
        user = next((p[2:].replace("=2C", ",").replace("=3D", "=") for p in gs2.split(",") if p.startswith("a=")), "")
    fields = dict(part.partition("=")[::2] for part in text.split("\x01") if "=" in part)
    user = fields.get("user", user)
    scheme, _, token = fields.get("auth", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ValueError("no Bearer token in the SASL response")
    return user, token


class OAuthSubmission(Submission):
    """The submission handler with XOAUTH2 and OAUTHBEARER: tokens of ``authority`` for the SMTP permission."""

    def __init__(self, *args, authority: OAuthAuthority, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.authority = authority

    def check_token(self, user: str, token: str) -> str | None:
        """None when ``token`` lets ``user`` send, else the reason (as Exchange would log it)."""
        try:
            claims = validate_token(token, self.authority.public_key, self.authority.issuer)
        except jwt.InvalidTokenError as exc:
            return f"invalid token: {exc}"
        if claims.get("email", "").lower() != user.lower():
            return f"the token is not for mailbox {user}"
        granted = set(claims.get("roles", ())) | set(claims.get("scp", "").split())
        if not granted & {"SMTP.Send", "SMTP.SendAsApp"}:
            return "the token lacks the SMTP.Send permission"
        return None

    async def _bearer(self, server, args: list[str], mechanism: str) -> AuthResult:
        if len(args) > 1:
            try:
                data = base64.b64decode(args[1], validate=True)
            except ValueError:
                return AuthResult(success=False, handled=False, message="501 5.5.2 Can't decode base64")
        else:
            data = await server.challenge_auth("")
            if data is MISSING:
                return AuthResult(success=False, handled=False)
        try:
            user, token = parse_sasl_bearer(mechanism, data)
        except ValueError:
            return AuthResult(success=False, handled=False, message="501 5.5.2 malformed " + mechanism)
        reason = self.check_token(user, token)
        if reason is not None:
            log.info("%s refused for %s: %s", mechanism, user, reason)
            # RFC 7628: an error in JSON, which the client acknowledges with an empty response
            await server.challenge_auth(json.dumps({"status": "401", "schemes": "bearer", "scope": reason}))
            return AuthResult(success=False, handled=False, message="535 5.7.3 Authentication unsuccessful")
        return AuthResult(success=True, handled=False, auth_data=LoginPassword(user.encode(), b""))

    async def auth_XOAUTH2(self, server, args: list[str]) -> AuthResult:
        return await self._bearer(server, args, "XOAUTH2")

    async def auth_OAUTHBEARER(self, server, args: list[str]) -> AuthResult:
        return await self._bearer(server, args, "OAUTHBEARER")
