"""autoconfigure() finds the sandbox's settings from each source: XML over HTTPS, MX, SRV and probing."""

import dataclasses
import http.server
import json
import subprocess
import sys
import threading

import pytest

from mailkit.autoconfig import autoconfigure
from mailkit.diagnose import diagnose
from mailkit.errors import ConfigError
from mailkit.sandbox.ports import free_ports
from mailkit.workspace import AutoconfigSettings, Workspace


def test_the_isp_xml_over_https(sandbox):
    ws = sandbox.workspace
    result = autoconfigure("vertrieb@mailkit.test", ws, sources=["autoconfig"])
    best = result.best
    assert best.source == "autoconfig" and best.origin == "https://autoconfig.mailkit.test/mail/config-v1.1.xml"
    assert (best.incoming.host, best.incoming.port, best.incoming.security) == (
        "localhost",
        sandbox.ports["imaps"],
        "tls",
    )
    assert (best.outgoing.port, best.outgoing.security) == (sandbox.ports["smtp"], "starttls")
    assert best.username == "vertrieb@mailkit.test"
    # the document is asked for with the address, as Thunderbird does
    assert ("autoconfig.mailkit.test", "/mail/config-v1.1.xml?emailaddress=vertrieb@mailkit.test") in [
        (h, p) for h, p in sandbox.autoconfig_server.requests
    ]


def test_well_known_url_when_there_is_no_autoconfig_host(sandbox):
    result = autoconfigure("einkauf@kunde.test", sandbox.workspace, sources=["autoconfig"])
    assert result.best.origin == "https://kunde.test/.well-known/autoconfig/mail/config-v1.1.xml"
    outcomes = [a["outcome"] for a in result.attempts]
    assert "does not resolve" in outcomes[0]  # autoconfig.kunde.test first, then the .well-known path


def test_redirects_are_followed_but_never_from_https_to_http(sandbox):
    server = sandbox.autoconfig_server
    well_known = ("kunde.test", "/.well-known/autoconfig/mail/config-v1.1.xml")
    try:
        server.redirects[well_known] = f"https://autoconfig.mailkit.test:{server.port}/mail/config-v1.1.xml"
        result = autoconfigure("einkauf@kunde.test", sandbox.workspace, sources=["autoconfig"])
        assert result.best.origin == "https://autoconfig.mailkit.test/mail/config-v1.1.xml"
        assert result.best.username == "einkauf@kunde.test"
        assert result.attempts[1]["outcome"] == f"HTTP 301 to {server.redirects[well_known]}"

        server.redirects[well_known] = "http://kunde.test/config-v1.1.xml"
        result = autoconfigure("einkauf@kunde.test", sandbox.workspace, sources=["autoconfig"])
        assert result.candidates == [] and "refused, it leaves HTTPS" in result.attempts[-1]["outcome"]

        server.redirects[well_known] = well_known[1]  # to itself, relative
        result = autoconfigure("einkauf@kunde.test", sandbox.workspace, sources=["autoconfig"])
        assert result.candidates == [] and result.attempts[-1]["outcome"] == "more than 5 redirects"
        assert len(result.attempts) == 1 + 6 + 1  # autoconfig host, 6 redirects, the verdict
    finally:
        server.redirects.pop(well_known, None)


def test_the_xml_needs_a_trusted_certificate(sandbox):
    ws = sandbox.workspace
    untrusting = AutoconfigSettings(port_map=ws.autoconfig.port_map)  # no sandbox CA
    result = autoconfigure("info@mailkit.test", ws, settings=untrusting, sources=["autoconfig"])
    assert result.candidates == []
    assert "not signed by a trusted CA" in result.attempts[0]["outcome"]


def test_plain_http_only_when_allowed(sandbox):
    """A provider serving its XML over plain http only: asked only with allow_http, after HTTPS failed."""
    ws = sandbox.workspace
    xml = sandbox.autoconfig_server.documents[("autoconfig.mailkit.test", "/mail/config-v1.1.xml")].encode()

    class Plain(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(len(xml)))
            self.end_headers()
            self.wfile.write(xml)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Plain)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        closed = free_ports(1)[0]
        settings = dataclasses.replace(ws.autoconfig, port_map={443: closed, 80: server.server_address[1]})
        assert autoconfigure("info@mailkit.test", ws, settings=settings, sources=["autoconfig"]).candidates == []
        allowed = dataclasses.replace(settings, allow_http=True)
        result = autoconfigure("info@mailkit.test", ws, settings=allowed, sources=["autoconfig"])
    finally:
        server.shutdown()
        server.server_close()
    assert result.best.origin == "http://autoconfig.mailkit.test/mail/config-v1.1.xml"
    assert [a["what"].split("?")[0] for a in result.attempts][:2] == [
        "https://autoconfig.mailkit.test/mail/config-v1.1.xml",
        "http://autoconfig.mailkit.test/mail/config-v1.1.xml",
    ]


def test_mx_of_a_hosted_domain(sandbox):
    result = autoconfigure("chef@filiale.kunde.test", sandbox.workspace, sources=["mx"])
    assert result.best.source == "mx"
    assert result.best.origin == "https://autoconfig.mailkit.test/mail/config-v1.1.xml"
    assert result.best.username == "chef@filiale.kunde.test"
    assert result.attempts[0]["outcome"] == "lowest is mail.mailkit.test (mailkit.test)"


def test_an_ispdb_when_the_domain_has_no_autoconfig(sandbox):
    ws = sandbox.workspace
    docs = sandbox.autoconfig_server.documents
    docs[("autoconfig.mailkit.test", "/ispdb/filiale.kunde.test")] = docs[
        ("autoconfig.mailkit.test", "/mail/config-v1.1.xml")
    ]
    with_ispdb = dataclasses.replace(ws.autoconfig, ispdb_url="https://autoconfig.mailkit.test/ispdb/")
    result = autoconfigure("chef@filiale.kunde.test", ws, settings=with_ispdb, sources=["autoconfig"])
    assert [(c.source, c.origin) for c in result.candidates] == [
        ("ispdb", "https://autoconfig.mailkit.test/ispdb/filiale.kunde.test")
    ]
    assert [a["source"] for a in result.attempts] == ["autoconfig", "autoconfig", "ispdb"]


def test_srv_records(sandbox):
    result = autoconfigure("info@mailkit.test", sandbox.workspace, sources=["srv"])
    best = result.best
    assert best.source == "srv"
    assert (best.incoming.protocol, best.incoming.host, best.incoming.port) == (
        "imap",
        "mail.mailkit.test",
        sandbox.ports["imaps"],
    )
    assert (best.outgoing.port, best.outgoing.security) == (sandbox.ports["smtps"], "tls")  # RFC 8314: TLS first


def test_probing_prefers_encryption_and_imap(sandbox):
    result = autoconfigure("info@mailkit.test", sandbox.workspace, sources=["probe"])
    best = result.best
    assert str(best.incoming) == f"imap imap.mailkit.test:{sandbox.ports['imaps']} tls"
    assert str(best.outgoing) == f"smtp smtp.mailkit.test:{sandbox.ports['smtps']} tls"
    answered = {a["what"] for a in result.attempts if a["outcome"].startswith("answers")}
    assert {"imap.mailkit.test:143", "pop3.mailkit.test:995", "mail.mailkit.test:587"} <= answered
    assert all(a["elapsed_ms"] < 3000 for a in result.attempts)


def test_probing_offers_an_unencrypted_server_last_and_says_so(sandbox):
    ws = sandbox.workspace
    plain = sandbox.serve_smtp_without_starttls()
    settings = dataclasses.replace(ws.autoconfig, port_map={993: sandbox.ports["imaps"], 587: plain})
    result = autoconfigure("info@mailkit.test", ws, settings=settings, sources=["probe"])
    best = result.best
    assert str(best.outgoing) == f"smtp smtp.mailkit.test:{plain} none"
    assert best.hints == (
        f"smtp smtp.mailkit.test:{plain} none offers no encryption: the password would travel in the clear",
    )
    assert "answers, but without STARTTLS" in {a["outcome"] for a in result.attempts}


def test_mx_matched_against_the_presets(sandbox):
    zone = sandbox.zone
    zone.set("filiale.kunde.test", "MX", (0, "hosted-test.mail.protection.outlook.com"))
    try:
        result = autoconfigure("chef@filiale.kunde.test", sandbox.workspace, sources=["mx"])
    finally:
        zone.set("filiale.kunde.test", "MX", (10, "mail.mailkit.test"))
    best = result.best
    assert (best.source, best.provider, best.auth) == ("mx", "Microsoft 365", "oauth2")
    assert str(best.outgoing) == "smtp smtp.office365.com:587 starttls"
    assert any("535 5.7.139" in hint for hint in best.hints)


def test_all_sources_merged_best_first_and_the_best_passes_diagnose(sandbox):
    ws = sandbox.workspace
    result = autoconfigure("buchhaltung@mailkit.test", ws)
    assert [c.source for c in result.candidates] == ["autoconfig", "srv", "probe"]
    assert {a["source"] for a in result.attempts} == {"preset", "autoconfig", "mx", "srv", "probe"}
    account = result.best.to_account(
        "buchhaltung2", "buchhaltung@mailkit.test", "workspace:buchhaltung.password", ca_file=str(sandbox.ca.cert_file)
    )
    report = diagnose(account, ws)
    assert report.ok, str(report)


def test_bad_address_is_a_config_error(sandbox):
    with pytest.raises(ConfigError, match="not an address"):
        autoconfigure("no-at-sign", sandbox.workspace)
    with pytest.raises(ConfigError, match="unknown autoconfig source"):
        autoconfigure("a@mailkit.test", sandbox.workspace, sources=["guess"])


def test_cli_autoconfig_and_diagnose(sandbox):
    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "mailkit", "-w", str(sandbox.folder), *args],
            capture_output=True,
            text=True,
            timeout=60,
        )

    done = run("autoconfig", "info@mailkit.test", "--json", "--source", "autoconfig", "--source", "srv")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)["data"]
    assert [c["source"] for c in data["candidates"]] == ["autoconfig", "srv"]
    done = run("diagnose", "info", "--json", "--verbose", "--dkim-selector", "nokey")
    assert done.returncode == 1  # the DKIM selector has no key: a failure
    data = json.loads(done.stdout)["data"]
    assert data["ok"] is False and data["counts"]["fail"] == 1
    assert any("AUTHENTICATE PLAIN ***" in line for line in data["transcript"])
    assert sandbox.user("info").password not in done.stdout
    done = run("diagnose", "info")
    assert done.returncode == 0 and "ok: " in done.stdout and "SMTP AUTH" in done.stdout
    assert run("diagnose", "nobody").returncode == 2
    assert run("diagnose").returncode == 2


def test_workspace_keeps_the_autoconfig_settings(sandbox):
    reopened = Workspace.open(sandbox.folder)
    assert reopened.autoconfig.port_map[443] == sandbox.ports["https"]
    assert reopened.autoconfig.ca_file == str(sandbox.ca.cert_file)
