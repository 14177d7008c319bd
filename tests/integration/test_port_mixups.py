"""The port/security mix-up named in seconds (check and diagnose), and check --all concurrent."""

import dataclasses
import socket
import time

import pytest

from mailkit.check import check_logins
from mailkit.cli import build_parser
from mailkit.diagnose import diagnose
from mailkit.model import Account, Auth, Receiving, Sending, Timeouts
from mailkit.net.tls import InsecureTLSWarning

# (protocol, configured security, the sandbox port it is wrongly pointed at, words the sentence must hold)
MIXUPS = [
    ("smtp", "starttls", "smtps", "speaks TLS from the first byte"),
    ("smtp", "tls", "smtp", "speaks plain text first"),
    ("imap", "starttls", "imaps", "speaks TLS from the first byte"),
    ("imap", "tls", "imap", "speaks plain text first"),
    ("pop3", "starttls", "pop3s", "speaks TLS from the first byte"),
    ("pop3", "tls", "pop3", "speaks plain text first"),
]


def mixed_up(sandbox, protocol: str, security: str, port_name: str) -> Account:
    info = sandbox.workspace.get("info")
    port = sandbox.ports[port_name]
    if protocol == "smtp":
        return dataclasses.replace(
            info, name="mixup", receiving=None, sending=dataclasses.replace(info.sending, port=port, security=security)
        )
    side = Receiving(protocol=protocol, host=info.receiving.host, port=port, security=security)
    return dataclasses.replace(info, name="mixup", sending=None, receiving=side)


@pytest.mark.parametrize(("protocol", "security", "port_name", "words"), MIXUPS)
def test_check_and_diagnose_name_the_mixup_within_3_s(sandbox, protocol, security, port_name, words):
    account = mixed_up(sandbox, protocol, security, port_name)
    began = time.perf_counter()
    (row,) = check_logins(account, sandbox.workspace)
    assert time.perf_counter() - began <= 3.0
    assert not row.ok and words in row.detail and "set security = " in row.detail, row.detail

    began = time.perf_counter()
    report = diagnose(account, sandbox.workspace)
    assert time.perf_counter() - began <= 3.0 + 1.0  # the domain's DNS rows come on top
    failed = [r for r in report.rows if r.status == "fail"]
    assert failed and words in failed[0].detail and failed[0].remedy.startswith("set security = "), failed


def test_a_contradicting_port_is_warned_when_saved():
    sending = Sending(host="smtp.example.com", port=465, security="starttls")
    receiving = Receiving(host="imap.example.com", port=143, security="tls")
    account = Account(name="a", address="a@example.com", sending=sending, receiving=receiving)
    found = {w.field: w.message for w in account.warnings()}
    assert "speaks TLS from the first byte" in found["sending.port"] and "security tls" in found["sending.port"]
    assert "is a STARTTLS port" in found["receiving.port"]


def test_an_unverified_certificate_is_a_warning(sandbox):
    account = dataclasses.replace(sandbox.workspace.get("info"), verify_certificate=False, ca_file=None)
    with pytest.warns(InsecureTLSWarning):
        rows = [r for r in diagnose(account, sandbox.workspace).rows if r.check == "Certificate"]
    assert rows and all(r.status == "warn" for r in rows) and "NOT verified" in rows[0].detail


@pytest.fixture
def filtered_port():
    """A port whose backlog is full: connection attempts hang as if a firewall dropped them."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    for _ in range(3):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        fillers.append(s)
    time.sleep(0.2)
    yield port
    for s in fillers:
        s.close()
    server.close()


def test_check_all_with_a_dead_account_takes_its_timeout_not_the_sum(fresh_sandbox, filtered_port, cli):
    ws = fresh_sandbox.workspace
    dead = Account(
        name="dead",
        address="dead@mailkit.test",
        sending=Sending(host="127.0.0.1", port=filtered_port, security="starttls", authenticate=False),
        receiving=Receiving(host="127.0.0.1", port=filtered_port, security="starttls"),
        auth=Auth(method="none"),
        timeouts=Timeouts(connect=3.0, command=3.0),
    )
    began = time.perf_counter()
    rows = check_logins(dead, ws)
    alone = time.perf_counter() - began
    assert not any(r.ok for r in rows) and alone <= 3.0 + 1.0, (alone, rows)
    ws.add(dead)
    ws.save()
    build_parser()  # the commands' modules imported once (pandas for the journal views): start-up is not checking
    began = time.perf_counter()
    code, out, _ = cli("-w", str(ws.path), "check", "--all")
    elapsed = time.perf_counter() - began
    assert code == 1 and out.count("ok  ") >= 8 and "FAIL dead" in out
    assert elapsed <= 3.0 + 1.0, out
