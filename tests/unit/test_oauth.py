"""OAuth2's pure part: provider defaults, SASL strings both ways, and what a token's claims tell."""

from pathlib import Path

import pytest

from mailkit.model import OAuth2
from mailkit.oauth import default_scopes, pick_mechanism, sasl_initial_response, token_problems
from mailkit.sandbox.ca import CertPair
from mailkit.sandbox.dovecot import DovecotPorts, RunAs, dovecot_config, oauth2_config
from mailkit.sandbox.oauth import parse_sasl_bearer

APP = OAuth2(provider="microsoft", client_id="c", client_secret="env:SECRET")
USER = OAuth2(provider="microsoft", client_id="c")


def test_microsoft_defaults_per_flow_and_protocol():
    assert default_scopes(APP) == ["https://outlook.office365.com/.default"]
    assert default_scopes(USER, ("pop3",)) == ["https://outlook.office.com/POP.AccessAsUser.All", "offline_access"]
    assert default_scopes(USER) == [
        "https://outlook.office.com/IMAP.AccessAsUser.All",
        "https://outlook.office.com/POP.AccessAsUser.All",
        "https://outlook.office.com/SMTP.Send",
        "offline_access",
    ]


def test_own_scopes_win_and_generic_has_no_defaults():
    assert default_scopes(OAuth2(provider="microsoft", client_id="c", scopes=("a", "b"))) == ["a", "b"]
    assert default_scopes(OAuth2(provider="generic", client_id="c")) == []
    assert default_scopes(OAuth2(provider="google", client_id="c", client_secret="env:S")) == [
        "https://mail.google.com/"
    ]


@pytest.mark.parametrize("mechanism", ["XOAUTH2", "OAUTHBEARER"])
@pytest.mark.parametrize("user", ["info@example.test", "a,b=c@example.test"])
def test_what_the_client_sends_is_what_the_server_reads(mechanism, user):
    sent = sasl_initial_response(mechanism, user, "eyJ.tok.en", "mail.example.test", 587)
    assert parse_sasl_bearer(mechanism, sent) == (user, "eyJ.tok.en")


def test_unknown_mechanism_and_missing_token_are_errors():
    with pytest.raises(ValueError, match="XOAUTH2 or OAUTHBEARER"):
        sasl_initial_response("PLAIN", "u", "t")
    with pytest.raises(ValueError, match="no Bearer token"):
        parse_sasl_bearer("XOAUTH2", b"user=u\x01auth=Basic x\x01\x01")


def test_mechanism_choice():
    assert pick_mechanism({"XOAUTH2", "OAUTHBEARER"}, "xoauth2") == "XOAUTH2"
    assert pick_mechanism({"XOAUTH2"}, "OAUTHBEARER") == "XOAUTH2"  # the wish is not offered: the next best
    assert pick_mechanism(set()) is None


APP_TOKEN = {
    "aud": "https://outlook.office365.com",
    "roles": ["IMAP.AccessAsApp", "POP.AccessAsApp", "SMTP.SendAsApp"],
    "email": "info@example.test",
    "exp": 2000,
}


def test_a_good_app_token_has_no_problems():
    for protocol in ("imap", "pop3", "smtp"):
        assert token_problems(APP_TOKEN, "microsoft", protocol, "INFO@example.test", now=1000) == []


def test_app_token_problems_name_the_admin_steps():
    claims = {**APP_TOKEN, "roles": ["IMAP.AccessAsApp"], "email": "other@example.test", "exp": 999}
    problems = {p.check: p for p in token_problems(claims, "microsoft", "pop3", "info@example.test", now=1000)}
    assert set(problems) == {"expiry", "permission", "mailbox"}
    assert "POP.AccessAsApp" in problems["permission"].remedy and "admin consent" in problems["permission"].remedy
    assert "Add-MailboxPermission -Identity info@example.test" in problems["mailbox"].remedy
    assert "New-ServicePrincipal" in problems["mailbox"].remedy


def test_delegated_token_needs_the_protocol_scope():
    claims = {"aud": "https://outlook.office.com", "scp": "IMAP.AccessAsUser.All", "exp": 2000}
    assert token_problems(claims, "microsoft", "imap", "u@example.test", now=1000) == []
    (problem,) = token_problems(claims, "microsoft", "smtp", "u@example.test", now=1000)
    assert problem.check == "permission" and "https://outlook.office.com/SMTP.Send" in problem.remedy


def test_graph_audience_is_named():
    claims = {**APP_TOKEN, "aud": "https://graph.microsoft.com"}
    (problem,) = token_problems(claims, "microsoft", "imap", "info@example.test", now=1000)
    assert problem.check == "audience" and "not a Microsoft Graph scope" in problem.remedy


def test_dovecot_config_gets_the_oauth2_passdb_beside_passwd_file(tmp_path: Path):
    common = dict(
        folder=tmp_path,
        ports=DovecotPorts(1, 2, 3, 4),
        cert=CertPair(tmp_path / "c.pem", tmp_path / "c.key"),
        run_as=RunAs("u", "u", 1000, 1000),
        postmaster="postmaster@example.test",
        base_dir=tmp_path / "run",
        data_dir=tmp_path / "data",
    )
    plain = dovecot_config(**common)
    assert "driver = oauth2" not in plain and "auth_mechanisms = plain login\n" in plain
    files = {"imap": tmp_path / "i.conf.ext", "pop3": tmp_path / "p.conf.ext"}
    with_oauth = dovecot_config(**common, oauth2_files=files)
    assert "auth_mechanisms = plain login xoauth2 oauthbearer" in with_oauth
    assert with_oauth.count("driver = oauth2") == 2 and "driver = passwd-file" in with_oauth
    pop3_block = with_oauth[with_oauth.index("protocol pop3 {") :]
    assert pop3_block.index("driver = oauth2") < pop3_block.index(f"args = {files['pop3']}") < pop3_block.index("}")
    settings = oauth2_config(key_dir=tmp_path / "keys", issuer="https://i/t/v2.0", audience="https://aud", scope="imap")
    assert f"local_validation_key_dict = fs:posix:prefix={tmp_path}/keys/" in settings
    assert "client_id = https://aud" in settings and "issuers = https://i/t/v2.0" in settings
    assert "scope = imap" in settings


def test_the_oauth2_notebook_saved_no_token():
    saved = (Path(__file__).resolve().parents[2] / "notebooks" / "06-oauth2.ipynb").read_text()
    assert "oauth2 imap login" in saved  # its outputs are there: the check ran
    assert "eyJhbGci" not in saved and "Bearer " not in saved  # a JWT's header, a SASL response
