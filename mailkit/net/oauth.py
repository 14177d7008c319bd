"""Getting OAuth2 access tokens for an account, with a token cache kept in the caller's secret store.

Microsoft goes through MSAL (client credentials, as REV+ sets it up; device code for a user in
a notebook; authorization code with PKCE on a loopback redirect for a browser); Google and other
providers through requests-oauthlib. The cache (MSAL's, or the refresh token) is stored as the
secret ``oauth2.<account>.cache`` of the caller's :class:`~mailkit.net.credentials.Credentials`
(a workspace's ``secrets.toml``, mode 0600), never in ``mailkit.toml``; tokens are handed out
as :class:`~mailkit.secrets.Secret` so no repr, log line or error message shows one.
"""

from __future__ import annotations

__all__ = ["BrowserSignIn", "DeviceCode", "Token", "TokenSource"]

import contextlib
import json
import time
import urllib.parse
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer

import msal
import requests
from oauthlib.oauth2 import BackendApplicationClient, OAuth2Error
from requests_oauthlib import OAuth2Session

from ..errors import AuthError, ConfigError, ConnectError, SecretError
from ..model import Account
from ..oauth import PROVIDERS, decode_claims, default_scopes, effective_flow
from ..secrets import Secret, logger, redact
from .credentials import Credentials

log = logger(__name__)
_MSAL_RESERVED = ("openid", "profile", "offline_access")
_MICROSOFT_HOSTS = ("login.microsoftonline.com", "login.microsoftonline.us", "login.partner.microsoftonline.cn")


@dataclass(frozen=True)
class Token:
    """An access token: the value as a :class:`Secret`, when it ends, and where it came from."""

    access: Secret
    expires_at: float
    scopes: tuple[str, ...]
    from_cache: bool
    claims: dict = field(default_factory=dict, repr=False)  # unverified; JWT claims hold no secret

    def __repr__(self) -> str:
        return f"Token(***, expires in {int(self.expires_at - time.time())} s, scopes={self.scopes!r})"


@dataclass(frozen=True)
class DeviceCode:
    """What the user must do for the device-code flow: open ``url`` and enter ``user_code``."""

    user_code: str
    url: str
    message: str
    expires_at: float
    flow: dict = field(repr=False)


class _RedirectCatcher:
    """A one-shot HTTP listener on 127.0.0.1 for the authorization code's redirect (RFC 8252 loopback)."""

    def __init__(self) -> None:
        caught: dict[str, str] = {}

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # the query holds the code: keep it out of logs
                pass

            def do_GET(self) -> None:
                caught.update(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                body = b"Signed in. You can close this window and return to mailkit."
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.caught = caught
        self.server = HTTPServer(("127.0.0.1", 0), Handler)

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def wait(self, timeout: float) -> dict[str, str]:
        """The redirect's query (``code`` and ``state``, or ``error``); closes the listener."""
        deadline = time.monotonic() + timeout
        try:
            while not ("code" in self.caught or "error" in self.caught):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AuthError(f"no sign-in arrived at {self.redirect_uri} within {int(timeout)} s; try again")
                self.server.timeout = left
                self.server.handle_request()
        finally:
            self.server.server_close()
        return dict(self.caught)


@dataclass(frozen=True)
class BrowserSignIn:
    """The authorization-code flow with PKCE: open ``url`` in a browser; the redirect comes back to us."""

    url: str
    redirect_uri: str
    flow: dict = field(repr=False)
    catcher: _RedirectCatcher = field(repr=False)


class TokenSource:
    """Access tokens for one account: cached, refreshed, fetched again when the server refuses one."""

    def __init__(self, account: Account, credentials: Credentials, timeout: float | None = None) -> None:
        if account.auth.method != "oauth2" or account.auth.oauth2 is None:
            raise ConfigError(f"account {account.name!r} does not use OAuth2 (auth.method is {account.auth.method!r})")
        self.account = account
        self.settings = account.auth.oauth2
        self.credentials = credentials
        self.timeout = timeout or account.timeouts.connect
        self.flow = effective_flow(self.settings)
        self.cache_key = f"oauth2.{account.name}.cache"
        preset = PROVIDERS.get(self.settings.provider, {})
        self.authority_url = (self.settings.authority_url or preset.get("authority_url", "")).rstrip("/")
        if not self.authority_url:
            raise ConfigError(
                f"account {account.name!r}: auth.oauth2.authority_url is empty; "
                "a generic provider needs the URL its /.well-known/openid-configuration lives under"
            )
        self._verify: str | bool = account.ca_file or True
        self._msal_app: msal.ClientApplication | None = None
        self._msal_cache: msal.SerializableTokenCache | None = None

    def __repr__(self) -> str:
        return f"TokenSource(account={self.account.name!r}, provider={self.settings.provider!r}, flow={self.flow!r})"

    # -- public --------------------------------------------------------------------------------
    def scopes(self, protocol: str | None = None) -> list[str]:
        """The scopes to request; MSAL adds offline_access, openid and profile itself and refuses them."""
        scopes = default_scopes(self.settings, (protocol,) if protocol else ("imap", "pop3", "smtp"))
        if self.settings.provider == "microsoft":
            scopes = [s for s in scopes if s not in _MSAL_RESERVED]
        return scopes

    def token(self, protocol: str | None = None, *, force_refresh: bool = False) -> Token:
        """A valid access token for ``protocol`` (imap/pop3/smtp): from the cache, refreshed, or new."""
        scopes = self.scopes(protocol)
        with self._http_errors():
            if self.settings.provider == "microsoft":
                result, cached = self._msal_token(scopes, force_refresh)
            else:
                result, cached = self._oauthlib_token(scopes, force_refresh)
        access = Secret(result["access_token"], f"oauth2:{self.account.name}")
        claims = decode_claims(access.reveal())
        expires_at = float(claims.get("exp") or time.time() + float(result.get("expires_in") or 0))
        log.info("OAuth2 token for %s (%s, %s)", self.account.name, self.flow, "cache" if cached else "new")
        return Token(access, expires_at, tuple(scopes), cached, claims)

    @contextlib.contextmanager
    def _http_errors(self) -> Iterator[None]:
        """A failed HTTPS exchange with the authority as a :class:`ConnectError` that says what to check."""
        try:
            yield
        except (requests.RequestException, OSError) as exc:
            raise ConnectError(
                f"OAuth2 request to {self.authority_url} failed ({type(exc).__name__}: {redact(str(exc))}); "
                "check the authority URL, the network and the CA (ca_file)"
            ) from None

    def start_device_code(self, protocol: str | None = None) -> DeviceCode:
        """Begin the device-code flow; show the result to the user, then call :meth:`finish_device_code`."""
        if self.settings.provider != "microsoft":
            raise ConfigError("the device-code flow is implemented for provider microsoft (MSAL) only")
        with self._http_errors():
            flow = self._msal().initiate_device_flow(scopes=self.scopes(protocol))
        if "user_code" not in flow:
            raise AuthError(f"OAuth2 device code refused by {self.authority_url}: {_described(flow)}")
        return DeviceCode(flow["user_code"], flow["verification_uri"], flow["message"], flow["expires_at"], flow)

    def finish_device_code(self, code: DeviceCode, should_stop: Callable[[], bool] | None = None) -> Token:
        """Wait until the user has signed in (polling as the server asks), then cache and return the token."""
        stop = should_stop or (lambda: False)
        with self._http_errors():
            result = self._msal().acquire_token_by_device_flow(
                code.flow, exit_condition=lambda flow: stop() or flow.get("expires_at", 0) < time.time()
            )
        if "access_token" not in result:
            raise AuthError(f"OAuth2 device sign-in did not complete: {_described(result)}")
        self._save_msal()
        return self.token(force_refresh=False)

    def start_browser_sign_in(self, protocol: str | None = None) -> BrowserSignIn:
        """Begin the authorization-code flow with PKCE on a loopback redirect; open the URL in a browser."""
        catcher = _RedirectCatcher()
        if self.settings.provider != "microsoft":
            session = OAuth2Session(
                self.settings.client_id, redirect_uri=catcher.redirect_uri, scope=self.scopes(protocol), pkce="S256"
            )
            with self._http_errors():
                authorize, _token = self._endpoints()
            extra = {"access_type": "offline", "prompt": "consent"} if self.settings.provider == "google" else {}
            url, state = session.authorization_url(authorize, **extra)
            return BrowserSignIn(url, catcher.redirect_uri, {"state": state, "session": session}, catcher)
        with warnings.catch_warnings():  # MSAL suggests form_post; a loopback listener takes the query, as MSAL's own
            warnings.filterwarnings("ignore", message="response_mode='form_post' is recommended")
            with self._http_errors():
                flow = self._msal().initiate_auth_code_flow(self.scopes(protocol), redirect_uri=catcher.redirect_uri)
        return BrowserSignIn(flow["auth_uri"], catcher.redirect_uri, flow, catcher)

    def finish_browser_sign_in(self, signin: BrowserSignIn, timeout: float = 300) -> Token:
        """Wait for the redirect, redeem the code (MSAL sends the PKCE verifier), cache and return the token."""
        reply = signin.catcher.wait(timeout)
        with self._http_errors():
            if "session" in signin.flow:
                return self._redeem_code(signin, reply)
            result = self._msal().acquire_token_by_auth_code_flow(signin.flow, reply)
        if "access_token" not in result:
            raise AuthError(f"OAuth2 browser sign-in did not complete: {_described(result)}")
        self._save_msal()
        return self.token()

    def forget(self) -> None:
        """Drop the cached tokens (they stay valid at the provider until they expire)."""
        self.credentials.secrets.delete(self.cache_key)
        self._msal_app = self._msal_cache = None

    # -- MSAL ----------------------------------------------------------------------------------
    def _secret(self) -> str | None:
        ref = self.settings.client_secret
        return self.credentials.resolve_secret(ref).reveal() if ref else None

    def _stored_cache(self) -> str | None:
        with contextlib.suppress(SecretError):
            return self.credentials.secrets.get(self.cache_key).reveal()
        return None

    def _msal(self) -> msal.ClientApplication:
        if self._msal_app is not None:
            return self._msal_app
        cache = msal.SerializableTokenCache()
        stored = self._stored_cache()
        if stored:
            cache.deserialize(stored)
        host = urllib.parse.urlsplit(self.authority_url).hostname or ""
        known = host in _MICROSOFT_HOSTS
        common = dict(
            authority=f"{self.authority_url}/{self.settings.tenant or 'organizations'}",
            token_cache=cache,
            http_client=_Session(self._verify, self.timeout),
            validate_authority=known,
            instance_discovery=known,
        )
        secret = self._secret()
        if secret:
            app = msal.ConfidentialClientApplication(self.settings.client_id, client_credential=secret, **common)
        else:
            app = msal.PublicClientApplication(self.settings.client_id, **common)
        self._msal_app, self._msal_cache = app, cache
        return app

    def _save_msal(self) -> None:
        if self._msal_cache is not None and self._msal_cache.has_state_changed:
            self.credentials.secrets.set(self.cache_key, self._msal_cache.serialize())
            self._msal_cache.has_state_changed = False

    def _msal_token(self, scopes: list[str], force_refresh: bool) -> tuple[dict, bool]:
        app = self._msal()
        if self.flow == "client_credentials":
            if force_refresh and (cache := self._msal_cache) is not None:
                for item in list(cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN)):
                    cache.remove_at(item)
            result = app.acquire_token_for_client(scopes=scopes)
        else:
            accounts = app.get_accounts()
            if not accounts:
                raise AuthError(
                    f"account {self.account.name!r} has no signed-in user yet: run the device-code sign-in "
                    "(`mailkit oauth login` or the account form's OAuth2 button)"
                )
            result = app.acquire_token_silent_with_error(scopes, account=accounts[0], force_refresh=force_refresh)
            if result is None:
                raise AuthError(f"account {self.account.name!r}: no cached token and no refresh token; sign in again")
        if "access_token" not in result:
            raise AuthError(f"OAuth2 token refused by {self.authority_url}: {_described(result)}")
        self._save_msal()
        return result, result.get("token_source") == "cache"

    # -- other providers: requests-oauthlib ----------------------------------------------------
    def _endpoints(self) -> tuple[str, str]:
        """The authorization and token endpoints: Google's, or from the OpenID configuration document."""
        if self.settings.provider == "google":
            return "https://accounts.google.com/o/oauth2/v2/auth", "https://oauth2.googleapis.com/token"
        url = f"{self.authority_url}/.well-known/openid-configuration"
        reply = requests.get(url, timeout=self.timeout, verify=self._verify)
        if reply.status_code != 200:
            raise ConfigError(f"{url} answered {reply.status_code}: check auth.oauth2.authority_url")
        document = reply.json()
        return document.get("authorization_endpoint", ""), document["token_endpoint"]

    def _redeem_code(self, signin: BrowserSignIn, reply: dict[str, str]) -> Token:
        if reply.get("state") != signin.flow["state"]:
            raise AuthError("the sign-in's answer does not belong to this request (state differs); sign in again")
        if "code" not in reply:
            raise AuthError(f"OAuth2 browser sign-in refused: {reply.get('error')} ({reply.get('error_description')})")
        _authorize, endpoint = self._endpoints()
        try:
            result = _granted(
                signin.flow["session"].fetch_token,
                endpoint,
                code=reply["code"],
                client_secret=self._secret(),
                include_client_id=True,
                timeout=self.timeout,
                verify=self._verify,
            )
        except OAuth2Error as exc:
            raise AuthError(f"OAuth2 token refused by {endpoint}: {exc.error} ({exc.description})") from None
        self.credentials.secrets.set(self.cache_key, json.dumps(dict(result)))
        return self.token()

    def _oauthlib_token(self, scopes: list[str], force_refresh: bool) -> tuple[dict, bool]:
        stored = json.loads(self._stored_cache() or "{}")
        if not force_refresh and stored.get("access_token") and stored.get("expires_at", 0) > time.time() + 60:
            return stored, True
        _authorize, endpoint = self._endpoints()
        secret = self._secret()
        try:
            if stored.get("refresh_token"):
                session = OAuth2Session(self.settings.client_id, token=stored, scope=scopes)
                result = _granted(
                    session.refresh_token,
                    endpoint,
                    client_id=self.settings.client_id,
                    client_secret=secret,
                    timeout=self.timeout,
                    verify=self._verify,
                )
            elif self.flow == "client_credentials":
                session = OAuth2Session(
                    client=BackendApplicationClient(client_id=self.settings.client_id), scope=scopes
                )
                result = _granted(
                    session.fetch_token,
                    endpoint,
                    client_id=self.settings.client_id,
                    client_secret=secret,
                    include_client_id=True,
                    scope=scopes,
                    timeout=self.timeout,
                    verify=self._verify,
                )
            else:
                raise AuthError(
                    f"account {self.account.name!r}: no refresh token stored; sign the user in once "
                    "(`mailkit oauth login --browser`)"
                )
        except OAuth2Error as exc:
            raise AuthError(f"OAuth2 token refused by {endpoint}: {exc.error} ({exc.description})") from None
        if stored.get("refresh_token"):  # Google keeps its refresh token and sends no new one
            result.setdefault("refresh_token", stored["refresh_token"])
        self.credentials.secrets.set(self.cache_key, json.dumps(result))
        return result, False


class _Session(requests.Session):
    """MSAL's HTTP client: our CA file (over REQUESTS_CA_BUNDLE, which requests prefers) and a timeout."""

    def __init__(self, verify: str | bool, timeout: float) -> None:
        super().__init__()
        self.verify = verify
        self._timeout = timeout

    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", self._timeout)
        kwargs.setdefault("verify", self.verify)
        return super().request(*args, **kwargs)


def _granted(request, *args, **kwargs) -> dict:
    """The token from a requests-oauthlib call, also when the provider granted other scopes than asked for.

    oauthlib raises a ``Warning`` carrying the token then; what the token lacks is named at login.
    """
    try:
        return dict(request(*args, **kwargs))
    except Warning as changed:
        token = getattr(changed, "token", None)
        if not isinstance(token, dict):
            raise
        log.warning(
            "OAuth2: the provider granted other scopes than requested (%s)", changed.args[0] if changed.args else ""
        )
        return dict(token)


def _described(result: dict) -> str:
    """An MSAL error result in one line; its description never holds a secret."""
    return f"{result.get('error', 'error')}: {(result.get('error_description') or '').splitlines()[0][:300]}"
