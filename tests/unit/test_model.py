import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailkit.errors import ConfigError
from mailkit.model import (
    DEFAULT_PORTS,
    Account,
    Auth,
    OAuth2,
    Receiving,
    Sending,
    Timeouts,
    account_from_dict,
    account_to_dict,
    default_port,
)


def good_account(**changes) -> Account:
    fields = dict(
        name="info",
        address="info@example.test",
        sending=Sending(host="smtp.example.test"),
        receiving=Receiving(host="imap.example.test"),
        auth=Auth(password="env:MAIL_PASSWORD"),
    )
    fields.update(changes)
    return Account(**fields)


@pytest.mark.parametrize(
    ("protocol", "security", "port"),
    [
        ("smtp", "starttls", 587),
        ("smtp", "tls", 465),
        ("smtp", "none", 25),
        ("imap", "tls", 993),
        ("imap", "starttls", 143),
        ("imap", "none", 143),
        ("pop3", "tls", 995),
        ("pop3", "starttls", 110),
        ("pop3", "none", 110),
    ],
)
def test_port_defaults_follow_security(protocol, security, port):
    assert default_port(protocol, security) == port
    if protocol == "smtp":
        assert Sending(host="h", security=security).effective_port == port
    else:
        assert Receiving(protocol=protocol, host="h", security=security).effective_port == port


def test_explicit_port_wins_over_default():
    assert Sending(host="h", port=2525, security="tls").effective_port == 2525


def test_unknown_protocol_has_no_default_port():
    with pytest.raises(ValueError, match="no default port"):
        default_port("nntp", "tls")


def test_good_account_has_no_problems():
    assert good_account().problems() == []
    assert good_account().validate().name == "info"


def test_every_bad_field_is_reported_at_once():
    account = Account(
        name="bad name!",
        address="info(at)example.test",
        sending=Sending(host="", port=70000, security="ssl"),
        receiving=Receiving(protocol="imap", host="imap example", security="tls", base_folder=""),
        auth=Auth(method="password", password="hunter2"),
        senders={"Invoice": "nope"},
        timeouts=Timeouts(connect=0),
    )
    with pytest.raises(ConfigError) as caught:
        account.validate()
    fields = [p.field for p in caught.value.problems]
    assert fields == [
        "name",
        "address",
        "sending.host",
        "sending.port",
        "sending.security",
        "receiving.host",
        "receiving.base_folder",
        "auth.password",
        "timeouts.connect",
        "senders.Invoice",
        "senders.Invoice",
    ]
    # the message lists them all, and never repeats the pasted password
    assert str(caught.value).count("\n  - ") == len(fields)
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(
    ("address", "fragment"),
    [("", "must not be empty"), ("info", "has no @"), ("@example.test", "not an address"), ("a b@x.test", "not an")],
)
def test_address_validation(address, fragment):
    problems = good_account(address=address).problems()
    assert [p.field for p in problems] == ["address"]
    assert fragment in problems[0].message


def test_sendmail_needs_a_command_but_no_host():
    assert good_account(sending=Sending(method="sendmail")).problems() == []
    problems = good_account(sending=Sending(method="sendmail", sendmail_command=" ")).problems()
    assert [p.field for p in problems] == ["sending.sendmail_command"]


def test_password_auth_needs_a_reference_unless_each_side_has_its_own():
    bare = good_account(auth=Auth(method="password"))
    assert [p.field for p in bare.problems()] == ["auth.password"]
    both_sides = good_account(
        auth=Auth(method="password"),
        sending=Sending(host="s.example.test", password="env:A"),
        receiving=Receiving(host="i.example.test", password="env:B"),
    )
    assert both_sides.problems() == []
    assert good_account(auth=Auth(method="none")).problems() == []


def test_sent_export_needs_imap():
    problems = good_account(receiving=Receiving(protocol="pop3", host="pop.example.test", sent_export=True)).problems()
    assert [p.field for p in problems] == ["receiving.sent_export"]


def test_oauth2_settings_are_checked():
    account = good_account(
        auth=Auth(method="oauth2", oauth2=OAuth2(provider="yahoo", authority_url="http://login", client_secret="x"))
    )
    assert [p.field for p in account.problems()] == [
        "auth.oauth2.provider",
        "auth.oauth2.client_id",
        "auth.oauth2.authority_url",
        "auth.oauth2.client_secret",
    ]
    assert [p.field for p in good_account(auth=Auth(method="oauth2")).problems()] == ["auth.oauth2"]


def test_warnings_flag_weak_security_without_refusing():
    account = good_account(verify_certificate=False, sending=Sending(host="smtp.example.test", security="none"))
    assert account.problems() == []
    assert [w.field for w in account.warnings()] == ["verify_certificate", "sending.security"]


def test_sender_per_document_type_falls_back_to_the_address():
    account = good_account(senders={"invoice": "rechnung@example.test"})
    assert account.sender_for("invoice") == "rechnung@example.test"
    assert account.sender_for("quote") == "info@example.test"


def test_dict_round_trip_keeps_everything():
    account = good_account(
        display_name="Info Müller GmbH",
        senders={"invoice": "rechnung@example.test"},
        auth=Auth(
            method="oauth2",
            username="info",
            oauth2=OAuth2(provider="microsoft", tenant="t", client_id="c", client_secret="env:S", scopes=("a", "b")),
        ),
        ca_file="/etc/ssl/ca.pem",
    )
    data = account_to_dict(account)
    assert "name" not in data and "port" not in data["sending"]
    assert account_from_dict("info", data) == account


def test_from_dict_reports_unknown_and_mistyped_fields_together():
    with pytest.raises(ConfigError) as caught:
        account_from_dict(
            "x",
            {
                "address": "x@example.test",
                "sending": {"host": "h", "port": "587", "prot": "smtp"},
                "verify_certificate": "yes",
                "receiving": "imap.example.test",
            },
        )
    assert [p.field for p in caught.value.problems] == [
        "sending.port",
        "sending.prot",
        "verify_certificate",
        "receiving",
        "auth.password",  # the readable rest is validated in the same pass
    ]


def test_bool_is_not_accepted_as_a_port():
    with pytest.raises(ConfigError, match="sending.port"):
        account_from_dict("x", {"address": "x@example.test", "sending": {"host": "h", "port": True}})


@given(
    security=st.sampled_from(["none", "starttls", "tls"]),
    port=st.one_of(st.none(), st.integers(min_value=-5, max_value=70000)),
)
def test_port_validity_matches_range(security, port):
    problems = good_account(sending=Sending(host="h.example.test", port=port, security=security)).problems()
    in_range = port is None or 1 <= port <= 65535
    assert (problems == []) == in_range
    if in_range:
        expected = port if port is not None else DEFAULT_PORTS["smtp"][security]
        assert Sending(host="h", port=port, security=security).effective_port == expected
