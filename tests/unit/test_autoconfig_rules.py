"""The pure parts of autoconfiguration: the preset table, the clientConfig XML, candidates to accounts."""

import pytest

from mailkit.autoconfig import Candidate, Server, autoconfigure
from mailkit.errors import ConfigError
from mailkit.formats.autoconfig_xml import parse_clientconfig
from mailkit.presets import PRESETS, preset_for_domain, preset_for_mx

THUNDERBIRD_STYLE = b"""<?xml version="1.0"?>
<clientConfig version="1.1">
  <emailProvider id="example.test">
    <domain>example.test</domain>
    <displayName>Example Mail</displayName>
    <incomingServer type="exchange"><hostname>ews.example.test</hostname><port>443</port>
      <socketType>SSL</socketType></incomingServer>
    <incomingServer type="imap">
      <hostname>imap.%EMAILDOMAIN%</hostname><port>993</port><socketType>SSL</socketType>
      <authentication>password-cleartext</authentication><username>%EMAILLOCALPART%</username>
    </incomingServer>
    <incomingServer type="pop3">
      <hostname>pop.example.test</hostname><port>110</port><socketType>STARTTLS</socketType>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.example.test</hostname><port>587</port><socketType>STARTTLS</socketType>
      <authentication>OAuth2</authentication><username>%EMAILADDRESS%</username>
    </outgoingServer>
    <enable visiturl="https://example.test/settings"><instruction>Turn on IMAP</instruction>
      <descr lang="en">Enable IMAP in the web mailer first</descr></enable>
  </emailProvider>
</clientConfig>"""


def test_clientconfig_parsing():
    config = parse_clientconfig(THUNDERBIRD_STYLE, "anna@example.test")
    assert config.provider == "example.test" and config.display_name == "Example Mail"
    assert [(s.protocol, s.host, s.port, s.security, s.username) for s in config.incoming] == [
        ("imap", "imap.example.test", 993, "tls", "anna"),
        ("pop3", "pop.example.test", 110, "starttls", "anna@example.test"),
    ]
    assert config.outgoing[0].authentication == "OAuth2"
    assert config.notes == ("Enable IMAP in the web mailer first",)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b"<clientConfig", "not valid XML"),
        (b"<html><body>404</body></html>", "not a clientConfig"),
        (
            b"<clientConfig><emailProvider id='x'><incomingServer type='imap'><hostname>h</hostname>"
            b"<port>x</port><socketType>SSL</socketType></incomingServer></emailProvider></clientConfig>",
            "no valid port",
        ),
        (
            b"<clientConfig><emailProvider id='x'><incomingServer type='imap'><hostname>h</hostname>"
            b"<port>1</port><socketType>TLS1.3</socketType></incomingServer></emailProvider></clientConfig>",
            "socketType",
        ),
    ],
)
def test_clientconfig_errors(document, message):
    with pytest.raises(ConfigError, match=message):
        parse_clientconfig(document, "a@x.test", "https://x.test/config")


def test_presets_cover_the_providers_and_their_hints():
    names = {p.name for p in PRESETS}
    assert names == {
        "Gmail",
        "Microsoft 365",
        "Outlook.com",
        "IONOS",
        "1&1",
        "Strato",
        "GMX",
        "web.de",
        "T-Online",
        "Hetzner",
        "All-Inkl",
    }
    for preset in PRESETS:
        assert preset.imap[1] in (993, 143) and preset.smtp[1] in (465, 587), preset.name
        assert preset.hints, preset.name
    assert "separate e-mail password" in preset_for_domain("x@t-online.de").hints[0]
    assert "app password" in preset_for_domain("x@googlemail.com").hints[0]
    assert "535 5.7.139" in preset_for_mx("firma-de.mail.protection.outlook.com").hints[0]
    assert "web mailer" in preset_for_domain("x@web.de").hints[0]
    assert preset_for_mx("outlook-com.olc.protection.outlook.com").name == "Outlook.com"
    assert preset_for_mx("mx01.ionos.de").name == "IONOS" and preset_for_mx("smtpin.rzone.de").name == "Strato"
    assert preset_for_mx("mx1.your-server.de").name == "Hetzner" and preset_for_domain("x@firma.de") is None


def test_preset_source_without_network():
    result = autoconfigure("Buero@GMX.de", sources=["preset"])
    best = result.best
    assert (best.source, best.provider) == ("preset", "GMX")
    assert str(best.incoming) == "imap imap.gmx.net:993 tls" and str(best.outgoing) == "smtp mail.gmx.net:587 starttls"
    assert best.username == "Buero@GMX.de"
    assert autoconfigure("x@unknown.test", sources=["preset"]).candidates == []


def test_candidate_to_account():
    candidate = Candidate(
        "preset",
        "preset T-Online",
        Server("imap", "secureimap.t-online.de", 993, "tls"),
        Server("smtp", "securesmtp.t-online.de", 465, "tls"),
        "anna@t-online.de",
    )
    account = candidate.to_account("anna", "anna@t-online.de", "env:ANNA_PW").validate()
    assert account.receiving.host == "secureimap.t-online.de" and account.sending.effective_port == 465
    assert account.auth.username is None and account.auth.password == "env:ANNA_PW"
    other = Candidate("probe", "x", Server("pop3", "pop.x.test", 995, "tls"), None, "m0123")
    account = other.to_account("m", "m@x.test", "env:PW")
    assert account.auth.username == "m0123" and account.sending is None and account.receiving.protocol == "pop3"
