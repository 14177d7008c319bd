"""OAuth2 end to end: tokens from the sandbox authority (through MSAL), SASL logins at real Dovecot and SMTP."""

import base64
import dataclasses
import hashlib
import html
import json
import logging
import re
import subprocess
import sys
import threading
import urllib.parse
import uuid

import pytest
import requests

from mailkit.diagnose.oauth import oauth2_checks
from mailkit.errors import AuthError, ConnectError
from mailkit.model import Account, Auth, OAuth2, Receiving, Timeouts
from mailkit.net.connect import imap_login, pop3_login, smtp_login
from mailkit.net.oauth import TokenSource
from mailkit.oauth import decode_claims, sasl_initial_response
from mailkit.sandbox import Sandbox
from mailkit.widgets.oauth_signin import DeviceCodeSignIn
from mailkit.workspace import Workspace


@pytest.fixture(scope="module")
def sandbox():
    """This module's own sandbox: it adds accounts and mail the shared one's tests count."""
    with Sandbox(demo_mail=0) as world:
        yield world


@pytest.fixture(scope="module")
def apps(sandbox):
    """App-only registrations as REV+ sets them up: one for IMAP, one for POP3 (their own mailboxes)."""
    imap_account, imap_app = sandbox.oauth_app("buchhaltung@mailkit.test")
    pop_account, pop_app = sandbox.oauth_app("vertrieb@mailkit.test", protocol="pop3")
    return {"imap": (imap_account, imap_app), "pop3": (pop_account, pop_app)}


@pytest.mark.parametrize("mechanism", ["XOAUTH2", "OAUTHBEARER"])
def test_client_credentials_token_logs_in_to_imap(sandbox, apps, mechanism):
    account, _ = apps["imap"]
    with imap_login(account, sandbox.workspace, mechanism) as imap:
        assert imap.mailkit_mechanism == mechanism
        assert imap.select_folder("INBOX", readonly=True)[b"EXISTS"] == 0
    assert f"method={mechanism}, " in (sandbox.dovecot.folder / "dovecot.log").read_text()


@pytest.mark.parametrize("mechanism", ["XOAUTH2", "OAUTHBEARER"])
def test_client_credentials_token_logs_in_to_pop3(sandbox, apps, mechanism):
    account, _ = apps["pop3"]
    subject = f"pop3 {mechanism}"
    sandbox.deliver(f"Subject: {subject}\r\n\r\nHallo\r\n".encode(), [account.address])
    with pop3_login(account, sandbox.workspace, mechanism) as pop:
        assert pop.mailkit_mechanism == mechanism
        count, _size = pop.stat()
        assert subject.encode() in b"\n".join(pop.retr(count)[1])


def test_mechanism_is_chosen_from_capabilities(sandbox, apps):
    account, _ = apps["imap"]
    with imap_login(account, sandbox.workspace) as imap:
        assert imap.mailkit_mechanism == "OAUTHBEARER"  # the standard one, when offered


def test_smtp_send_with_xoauth2_arrives(sandbox, apps):
    account, _ = apps["imap"]
    ws = sandbox.workspace
    subject = f"oauth {uuid.uuid4().hex}"
    with smtp_login(account, ws, "XOAUTH2") as smtp:
        assert smtp.mailkit_mechanism == "XOAUTH2"
        smtp.sendmail(account.address, ["info@mailkit.test"], f"Subject: {subject}\r\n\r\nHallo\r\n".encode())
    assert sandbox.submission.received[-1].login == account.address
    with imap_login(ws.get("info"), ws) as imap:
        imap.select_folder("INBOX", readonly=True)
        assert imap.search(["SUBJECT", subject])


def test_token_is_cached_in_the_secret_store(sandbox, apps):
    account, app = apps["imap"]
    ws = sandbox.workspace
    TokenSource(account, ws).forget()
    before = sandbox.oauth.requests.count("client_credentials")
    first = TokenSource(account, ws).token("imap")
    second = TokenSource(account, ws).token("imap")  # a new process would do the same: read secrets.toml
    assert sandbox.oauth.requests.count("client_credentials") == before + 1
    assert not first.from_cache and second.from_cache
    assert first.access == second.access
    assert decode_claims(second.access.reveal())["roles"] == list(app.roles)
    assert f"oauth2.{account.name}.cache" in ws.secrets.names()


def test_expired_token_is_refreshed_once_and_login_succeeds(fresh_sandbox):
    account, _ = fresh_sandbox.oauth_app("info@mailkit.test")
    ws = fresh_sandbox.workspace
    fresh_sandbox.oauth.expired_tokens = 1  # the authority says 3600 s, the JWT inside has expired
    with imap_login(account, ws, "XOAUTH2") as imap:
        imap.select_folder("INBOX", readonly=True)
    assert fresh_sandbox.oauth.requests == ["client_credentials", "client_credentials"]


def test_refused_cached_token_is_fetched_again_once(fresh_sandbox):
    account, _ = fresh_sandbox.oauth_app("info@mailkit.test")
    ws = fresh_sandbox.workspace
    TokenSource(account, ws).token("smtp")  # cached; then the server stops trusting it
    fresh_sandbox.submission.check_token = lambda user, token, check=fresh_sandbox.submission.check_token: (
        "revoked" if token == first_token else check(user, token)
    )
    first_token = TokenSource(account, ws).token("smtp").access.reveal()
    with smtp_login(account, ws, "XOAUTH2") as smtp:
        assert smtp.noop()[0] == 250
    assert fresh_sandbox.oauth.requests == ["client_credentials", "client_credentials"]


def test_wrong_audience_fails_with_the_remedy(fresh_sandbox):
    account, _ = fresh_sandbox.oauth_app("info@mailkit.test")
    graph = dataclasses.replace(account.auth.oauth2, scopes=("https://graph.microsoft.com/.default",))
    account = dataclasses.replace(account, auth=dataclasses.replace(account.auth, oauth2=graph))
    with pytest.raises(AuthError) as caught, imap_login(account, fresh_sandbox.workspace):
        pass
    message = str(caught.value)
    assert "AUTHENTICATIONFAILED" in message  # Dovecot's own answer
    assert "'https://graph.microsoft.com', not Exchange Online" in message
    assert "https://outlook.office365.com/.default" in message


def test_app_without_mailbox_permission_fails_with_service_principal_steps(fresh_sandbox):
    account, _ = fresh_sandbox.oauth_app("info@mailkit.test", protocol="pop3", grant_mailbox=False)
    with pytest.raises(AuthError) as caught, pop3_login(account, fresh_sandbox.workspace):
        pass
    message = str(caught.value)
    assert "has no access to info@mailkit.test" in message
    assert "New-ServicePrincipal" in message and "Add-MailboxPermission -Identity info@mailkit.test" in message


@pytest.mark.parametrize(("protocol", "role"), [("imap", "IMAP.AccessAsApp"), ("pop3", "POP.AccessAsApp")])
def test_app_without_the_protocol_role_is_refused_by_dovecot(fresh_sandbox, protocol, role):
    account, _ = fresh_sandbox.oauth_app("info@mailkit.test", protocol=protocol, roles=("SMTP.SendAsApp",))
    login = imap_login if protocol == "imap" else pop3_login
    with pytest.raises(AuthError) as caught, login(account, fresh_sandbox.workspace):
        pass
    message = str(caught.value)
    assert f"the app has no {role} role" in message and f"Application > {role}" in message
    with smtp_login(account, fresh_sandbox.workspace) as smtp:  # the token itself is good: it may send
        assert smtp.noop()[0] == 250


def test_app_without_smtp_permission_fails_with_the_role_to_add(fresh_sandbox):
    account, _ = fresh_sandbox.oauth_app("info@mailkit.test", roles=("IMAP.AccessAsApp",))
    with pytest.raises(AuthError) as caught, smtp_login(account, fresh_sandbox.workspace):
        pass
    message = str(caught.value)
    assert "535 5.7.3" in message
    assert "no SMTP.SendAsApp role" in message and "grant admin consent" in message
    # the same token still opens IMAP: the refusal was about the permission, not the token
    with imap_login(account, fresh_sandbox.workspace) as imap:
        assert imap.mailkit_mechanism == "OAUTHBEARER"


def _user_signed_account(sandbox, mailbox: str, name: str) -> Account:
    """A copy of account ``mailbox`` that signs a user in (device code): an app registration without a secret."""
    ws = sandbox.workspace
    _, app = sandbox.oauth_app(ws.get(mailbox).address)
    settings = OAuth2(
        provider="microsoft",
        authority_url=sandbox.oauth.authority_url,
        tenant=sandbox.oauth.tenant,
        client_id=app.client_id,
    )
    account = dataclasses.replace(ws.get(mailbox), name=name, auth=Auth(method="oauth2", oauth2=settings))
    ws.add(account)
    return account


def test_device_code_sign_in_then_silent_refresh(fresh_sandbox):
    ws = fresh_sandbox.workspace
    account = _user_signed_account(fresh_sandbox, "info", "info-user")
    source = TokenSource(account, ws)
    code = source.start_device_code()
    assert code.user_code in code.message and code.url.startswith("https://127.0.0.1:")
    threading.Timer(0.3, fresh_sandbox.oauth.approve_device, (code.user_code, "info@mailkit.test")).start()
    token = source.finish_device_code(code)
    assert "IMAP.AccessAsUser.All" in token.claims["scp"]
    with imap_login(account, ws) as imap, smtp_login(account, ws) as smtp:
        assert imap.mailkit_mechanism == "OAUTHBEARER" and smtp.mailkit_mechanism in ("XOAUTH2", "OAUTHBEARER")
    refreshed = TokenSource(account, ws).token("imap", force_refresh=True)
    assert not refreshed.from_cache and refreshed.access != token.access
    assert fresh_sandbox.oauth.requests[-1] == "refresh_token"


def test_generic_provider_through_requests_oauthlib(fresh_sandbox):
    account, _ = fresh_sandbox.oauth_app("info@mailkit.test")
    generic = dataclasses.replace(
        account.auth.oauth2,
        provider="generic",
        authority_url=f"{fresh_sandbox.oauth.authority_url}/{fresh_sandbox.oauth.tenant}",
        scopes=("https://outlook.office365.com/.default",),
    )
    account = dataclasses.replace(account, auth=dataclasses.replace(account.auth, oauth2=generic))
    for _ in range(2):
        with imap_login(account, fresh_sandbox.workspace) as imap:
            assert imap.mailkit_mechanism == "OAUTHBEARER"
    assert fresh_sandbox.oauth.requests == ["client_credentials"]  # the second login used the cache


def test_oauth2_checks_rows(fresh_sandbox):
    account, _ = fresh_sandbox.oauth_app("info@mailkit.test", roles=("IMAP.AccessAsApp",))
    rows = oauth2_checks(account, fresh_sandbox.workspace)
    by_check = {r["check"]: r for r in rows}
    assert set(rows[0]) == {"check", "status", "detail", "remedy"}
    assert by_check["oauth2 token"]["status"] == "ok"
    assert by_check["oauth2 expiry"]["status"] == "ok"
    assert "IMAP.AccessAsApp" in by_check["oauth2 claims"]["detail"]
    assert by_check["oauth2 imap login"]["status"] == "ok"
    assert by_check["oauth2 smtp permission"]["status"] == "fail"
    assert "SMTP.SendAsApp" in by_check["oauth2 smtp permission"]["remedy"]
    assert by_check["oauth2 smtp login"]["status"] == "fail"


def test_oauth2_checks_name_a_wrong_client_secret(fresh_sandbox):
    account, _ = fresh_sandbox.oauth_app("info@mailkit.test")
    fresh_sandbox.workspace.secrets.set("info.oauth-client-secret", "not-the-secret")
    rows = oauth2_checks(account, fresh_sandbox.workspace)
    assert [r["status"] for r in rows] == ["fail"]
    assert "invalid_client" in rows[0]["detail"] and "client secret" in rows[0]["remedy"]


def test_no_token_in_logs_reprs_or_workspace_files(fresh_sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    account, app = fresh_sandbox.oauth_app("info@mailkit.test", roles=("IMAP.AccessAsApp",))
    ws = fresh_sandbox.workspace
    source = TokenSource(account, ws)
    token = source.token("imap")
    with imap_login(account, ws):
        pass
    with pytest.raises(AuthError) as refused, smtp_login(account, ws):
        pass
    rows = oauth2_checks(account, ws)
    value = token.access.reveal()
    assert len(value) > 100 and value.count(".") == 2
    on_the_wire = [
        base64.b64encode(sasl_initial_response(m, account.address, value, "localhost", port)).decode()
        for m in ("XOAUTH2", "OAUTHBEARER")
        for port in (account.receiving.effective_port, account.sending.effective_port)
    ]
    shown = [repr(token), str(token), repr(source), repr(account), repr(app), str(refused.value), repr(rows)]
    shown += [r.getMessage() for r in caplog.records]
    for text in shown:
        assert value not in text and app.secret not in text
        assert not any(wire[:60] in text for wire in on_the_wire)
    assert any("OAuth2 token for info-oauth" in r.getMessage() for r in caplog.records)  # logging did run
    for path in ws.path.rglob("*"):  # mailkit.toml, the journal, and the sandbox's own files and logs
        if path.is_file() and path.name != "secrets.toml":
            data = path.read_bytes()
            assert value.encode() not in data, path
            # the sandbox authority's own registry knows the client secret, as Entra ID does; nothing else
            assert app.secret.encode() not in data or path == fresh_sandbox.oauth.clients_file, path
    assert fresh_sandbox.oauth.clients_file.stat().st_mode & 0o077 == 0
    assert f"oauth2.{account.name}.cache" in ws.secrets.names()  # the cache is in the 0600 secret store only
    assert ws.secrets.path.stat().st_mode & 0o077 == 0


def test_cli_registers_an_app_in_a_running_sandbox_and_checks_it(tmp_path):
    def mailkit(*args, check=True):
        done = subprocess.run(
            [sys.executable, "-m", "mailkit", "-w", str(folder), *args], capture_output=True, text=True, timeout=120
        )
        assert not check or done.returncode == 0, done.stderr
        return done

    folder = tmp_path / "ws"
    subprocess.run(
        [sys.executable, "-m", "mailkit", "sandbox", "start", "--dir", str(folder), "--demo-mail", "0"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    try:
        made = json.loads(mailkit("oauth", "sandbox-app", "info@mailkit.test", "--json").stdout)["data"]
        assert made["account"] == "info-oauth" and made["mailbox_granted"] is True
        token = json.loads(mailkit("oauth", "token", "info-oauth", "--protocol", "imap", "--json").stdout)["data"]
        assert token["audience"] == "https://outlook.office365.com" and "IMAP.AccessAsApp" in token["roles"]
        assert token["from_cache"] is False and token["expires_in_s"] > 3000
        checked = mailkit("oauth", "check", "info-oauth", "--json")
        rows = json.loads(checked.stdout)["data"]["rows"]
        assert {r["check"]: r["status"] for r in rows}["oauth2 imap login"] == "ok"
        assert "ok  " in mailkit("check", "info-oauth").stdout
        mailkit("oauth", "sandbox-app", "vertrieb@mailkit.test", "--pop3", "--no-grant")
        refused = mailkit("oauth", "check", "vertrieb-oauth", check=False)
        assert refused.returncode == 1 and "Add-MailboxPermission -Identity vertrieb@mailkit.test" in refused.stdout
        everything = checked.stdout + refused.stdout + refused.stderr + (folder / "mailkit.toml").read_text()
        secrets = (folder / "secrets.toml").read_text()
        cache = next(line for line in secrets.splitlines() if line.startswith('"oauth2.info-oauth.cache"'))
        access = re.search(r'\\"secret\\": \\"(ey[^\\]+)\\"', cache).group(1)
        assert access not in everything
    finally:
        subprocess.run(
            [sys.executable, "-m", "mailkit", "sandbox", "stop", "--dir", str(folder)], capture_output=True, timeout=60
        )


def test_device_code_widget_shows_code_and_link_then_signs_in(fresh_sandbox):
    ws = fresh_sandbox.workspace
    account = _user_signed_account(fresh_sandbox, "einkauf", "einkauf-user")
    widget = DeviceCodeSignIn(account, ws)
    widget.button.click()
    code = widget.code
    assert code.user_code in widget.instructions.value and code.url in widget.instructions.value
    assert "waiting" in widget.status.value and widget.button.disabled
    fresh_sandbox.oauth.approve_device(code.user_code, "einkauf@kunde.test")
    widget.thread.join(timeout=20)
    assert "signed in as einkauf@kunde.test" in widget.status.value and not widget.button.disabled
    with imap_login(account, ws) as imap:
        assert imap.mailkit_mechanism == "OAUTHBEARER"


def test_browser_sign_in_with_pkce_on_a_loopback_redirect(fresh_sandbox):
    _, app = fresh_sandbox.oauth_app("info@mailkit.test")
    ws = fresh_sandbox.workspace
    account = dataclasses.replace(
        ws.get("info-oauth"),
        name="info-browser",
        auth=Auth(method="oauth2", oauth2=dataclasses.replace(ws.get("info-oauth").auth.oauth2, client_secret=None)),
    )
    ws.add(account)
    source = TokenSource(account, ws)
    signin = source.start_browser_sign_in()
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(signin.url).query))
    assert query["code_challenge_method"] == "S256" and query["redirect_uri"] == signin.redirect_uri
    assert signin.redirect_uri.startswith("http://127.0.0.1:")

    def browser():  # what the user's browser does: show the page, post the form, follow the redirect
        page = requests.get(signin.url, verify=account.ca_file, timeout=10)
        form = {k: html.unescape(v) for k, v in re.findall(r"name='([^']+)' value='([^']*)'", page.text)}
        done = requests.post(
            signin.url.split("?")[0], data={**form, "user": "info@mailkit.test"}, verify=account.ca_file, timeout=10
        )
        landed.append(done.text)

    landed: list[str] = []
    threading.Thread(target=browser).start()
    token = source.finish_browser_sign_in(signin, timeout=20)
    assert "Signed in" in landed[0]
    assert token.claims["email"] == "info@mailkit.test" and "SMTP.Send" in token.claims["scp"]
    assert fresh_sandbox.oauth.requests == ["authorization_code"]
    with imap_login(account, ws) as imap:
        assert imap.mailkit_mechanism == "OAUTHBEARER"


def test_authorization_code_without_the_right_verifier_is_refused(fresh_sandbox):
    _, app = fresh_sandbox.oauth_app("info@mailkit.test")
    authority = fresh_sandbox.oauth
    query = {
        "client_id": app.client_id,
        "response_type": "code",
        "redirect_uri": "http://127.0.0.1:9",
        "scope": "https://outlook.office.com/IMAP.AccessAsUser.All",
        "code_challenge": base64.urlsafe_b64encode(hashlib.sha256(b"the-verifier").digest()).rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }
    assert authority._authorize_problem({**query, "redirect_uri": "https://evil.example/cb"}).startswith("AADSTS50011")
    assert authority._authorize_problem({**query, "code_challenge_method": "plain"}).startswith("AADSTS9002325")
    token_url = authority.openid_configuration()["token_endpoint"]
    for verifier, status in (("another-verifier", 400), ("the-verifier", 200)):
        redirect = authority.authorize(query, "info@mailkit.test")  # the user signed in
        code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(redirect).query))
        reply = requests.post(
            token_url,
            data={
                "grant_type": "authorization_code",
                "client_id": app.client_id,
                "code": code["code"],
                "redirect_uri": query["redirect_uri"],
                "code_verifier": verifier,
            },
            verify=str(fresh_sandbox.ca.cert_file),
            timeout=10,
        )
        assert reply.status_code == status, reply.text


def test_generic_provider_browser_sign_in_and_refresh(fresh_sandbox):
    _, app = fresh_sandbox.oauth_app("info@mailkit.test")
    ws = fresh_sandbox.workspace
    settings = OAuth2(
        provider="generic",
        authority_url=f"{fresh_sandbox.oauth.authority_url}/{fresh_sandbox.oauth.tenant}",
        client_id=app.client_id,
        scopes=("https://outlook.office.com/IMAP.AccessAsUser.All", "offline_access"),
    )
    account = dataclasses.replace(ws.get("info"), name="info-generic", auth=Auth(method="oauth2", oauth2=settings))
    ws.add(account)
    source = TokenSource(account, ws)
    signin = source.start_browser_sign_in()
    assert "code_challenge_method=S256" in signin.url

    def browser():
        page = requests.get(signin.url, verify=account.ca_file, timeout=10)
        form = {k: html.unescape(v) for k, v in re.findall(r"name='([^']+)' value='([^']*)'", page.text)}
        requests.post(signin.url.split("?")[0], data={**form, "user": "info@mailkit.test"}, verify=account.ca_file)

    threading.Thread(target=browser).start()
    token = source.finish_browser_sign_in(signin, timeout=20)
    assert token.claims["scp"] == "IMAP.AccessAsUser.All"
    with imap_login(account, ws) as imap:
        assert imap.mailkit_mechanism == "OAUTHBEARER"
    refreshed = TokenSource(account, ws).token("imap", force_refresh=True)
    assert refreshed.access != token.access and not refreshed.from_cache
    assert fresh_sandbox.oauth.requests == ["authorization_code", "refresh_token"]


def test_unreachable_authority_is_a_connect_error_naming_what_to_check(tmp_path):
    ws = Workspace.create(tmp_path)
    secret = ws.secrets.set("x.secret", "s3cret-value")
    settings = OAuth2(provider="microsoft", authority_url="https://127.0.0.1:9", client_id="c", client_secret=secret)
    account = Account(
        name="x",
        address="x@firma.test",
        receiving=Receiving(host="localhost"),
        auth=Auth(method="oauth2", oauth2=settings),
        timeouts=Timeouts(connect=2),
    )
    with pytest.raises(ConnectError) as caught:
        TokenSource(account, ws).token("imap")
    assert "https://127.0.0.1:9" in str(caught.value) and "check the authority URL" in str(caught.value)
    assert "s3cret-value" not in str(caught.value)
