"""The CLI against the sandbox's Dovecot as a user runs it (a subprocess): mail with raw 8-bit names
imports with the names right, and no library's log line or byte repr reaches the user."""

import contextlib
import datetime as dt
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time

import pytest

from mailkit.net.connect import imap_login
from mailkit.sandbox.corpus import CorpusMail
from mailkit.sandbox.proxies import CuttingProxy
from mailkit.workspace import Workspace

NAMES = ("Angebot März 2026 – Übersicht €.pdf", "Prüfbericht_Größe.xlsx")


def mailkit(workspace, *argv: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("MAILKIT_DEBUG", "MAILKIT_WORKSPACE")}
    return subprocess.run(
        [sys.executable, "-m", "mailkit", "-w", str(workspace), *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def raw_utf8_attachments(n: int) -> bytes:
    """A mail as some mailers send it: the attachments' names as raw UTF-8 bytes, no RFC 2231 or 2047."""
    parts = "".join(
        f'--b{n}\r\nContent-Type: application/octet-stream; name="{name}"\r\n'
        f'Content-Disposition: attachment; filename="{name}"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        "JVBERi0xLjQKJSVFT0YK\r\n"
        for name in NAMES
    )
    return (
        f"From: Jürgen Müller <jm{n}@kunde.test>\r\nTo: info@mailkit.test\r\nSubject: Unterlagen für Sie {n}\r\n"
        f"Date: Mon, 02 Mar 2026 10:0{n}:00 +0100\r\nMessage-ID: <raw-utf8-{n}@kunde.test>\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/mixed; boundary="b{n}"\r\n\r\n'
        f"--b{n}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        f"Anbei die Unterlagen.\r\n{parts}--b{n}--\r\n"
    ).encode()


def test_sync_imports_mail_with_raw_utf8_attachment_names_and_keeps_the_names(fresh_sandbox):
    sandbox, ws = fresh_sandbox, fresh_sandbox.workspace
    when = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    sandbox.write_maildir(
        "info@mailkit.test", [CorpusMail("Umlaute", raw_utf8_attachments(n), (), when) for n in (1, 2)]
    )
    done = mailkit(ws.path, "sync", "info", "--folder", "Umlaute")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr and "b'" not in done.stdout + done.stderr
    with sqlite3.connect(ws.journal_file) as db:
        names = [row[0] for row in db.execute("SELECT name FROM attachments ORDER BY id")]
        quarantined = db.execute("SELECT count(*) FROM quarantine").fetchone()[0]
    assert names == [*NAMES, *NAMES] and quarantined == 0


@pytest.fixture
def imaps_on_143(fresh_sandbox):
    """The sandbox's implicit-TLS IMAP also on 127.0.0.1:143, as a server that speaks TLS on the plain port."""
    if os.geteuid() != 0:
        pytest.skip("port 143 needs root")
    try:
        proxy = CuttingProxy(("127.0.0.1", fresh_sandbox.ports["imaps"]), "127.0.0.1", 143).start()
    except OSError as exc:
        pytest.skip(f"127.0.0.1:143 is taken: {exc}")
    yield fresh_sandbox
    proxy.stop()


def test_tls_on_port_143_works_without_imapclients_log_line(imaps_on_143):
    ws = imaps_on_143.workspace
    changed = mailkit(ws.path, "accounts", "set", "info", "receiving.port=143", "receiving.security=tls")
    assert changed.returncode == 0 and "imap port 143 is a STARTTLS port" in changed.stdout  # said once, in words
    for argv in (("sync", "info"), ("check", "info")):
        done = mailkit(ws.path, *argv)
        assert done.returncode == 0, done.stderr
        assert "Attempting to establish" not in done.stdout + done.stderr, done.stderr


def test_a_refused_login_is_words_and_a_remedy_not_a_byte_repr(fresh_sandbox):
    ws = fresh_sandbox.workspace
    assert mailkit(ws.path, "accounts", "set", "info", "auth.password=env:MAILKIT_WRONG").returncode == 0
    os.environ["MAILKIT_WRONG"] = "falsch-" + socket.gethostname()
    try:
        done = mailkit(ws.path, "check", "info")
    finally:
        del os.environ["MAILKIT_WRONG"]
    shown = done.stdout + done.stderr
    assert done.returncode == 1
    assert "b'" not in shown and 'b"' not in shown, shown
    assert "AUTHENTICATIONFAILED" in shown and "the user name or password is wrong" in shown
    assert "535" in shown and "credentials invalid" in shown  # the SMTP side's refusal in words too


def test_an_unverified_certificate_is_warned_once_in_words(fresh_sandbox):
    ws = fresh_sandbox.workspace
    assert mailkit(ws.path, "accounts", "set", "info", "verify_certificate=false").returncode == 0
    done = mailkit(ws.path, "check", "info")  # two logins, both unverified
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("certificate verification is OFF") == 1, done.stderr
    assert "InsecureTLSWarning" not in done.stderr and ".py:" not in done.stderr, done.stderr


def test_an_interrupted_send_batch_exits_3_and_a_rerun_sends_the_rest_once(fresh_sandbox, tmp_path):
    """Excel's CSV: semicolons, Windows-1252; Ctrl-C during the pause after the first batch."""
    ws = fresh_sandbox.workspace
    rows = "".join(f"einkauf@kunde.test;Grüße zum Jahresende {n};Sehr geehrte Damen und Herren,\r\n" for n in range(6))
    csv = tmp_path / "rundschreiben.csv"
    csv.write_bytes(("to;subject;body\r\n" + rows).encode("cp1252"))
    argv = [sys.executable, "-m", "mailkit", "-w", str(ws.path), "send-batch", "info", str(csv)]
    running = subprocess.Popen([*argv, "--batch-size", "2", "--pause-ms", "20000"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and sent(ws) < 2:
        time.sleep(0.2)
    running.send_signal(signal.SIGINT)
    out, err = running.communicate(timeout=60)
    assert running.returncode == 3, err
    assert "Traceback" not in out + err and sent(ws) == 2
    again = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert "sent 4" in again.stdout and "skipped 2" in again.stdout
    with sqlite3.connect(ws.journal_file) as db:
        subjects = sorted(s for (s,) in db.execute("SELECT subject FROM sends WHERE status = 'sent'"))
    assert subjects == [f"Grüße zum Jahresende {n}" for n in range(6)]  # each once, the umlauts read right


def sent(ws) -> int:
    if not ws.journal_file.exists():
        return 0
    with contextlib.closing(sqlite3.connect(ws.journal_file)) as db:
        try:
            return db.execute("SELECT count(*) FROM sends WHERE status = 'sent'").fetchone()[0]
        except sqlite3.OperationalError:  # not made yet
            return 0


def test_a_runbook_for_an_unknown_account_fails_in_one_line(fresh_sandbox, tmp_path):
    ws = fresh_sandbox.workspace
    done = mailkit(ws.path, "runbook", "01-account-setup.ipynb", "-p", "WORKSPACE", str(ws.path), "-p", "ACCOUNT",
                   "nope", "--out", str(tmp_path))  # fmt: skip
    assert done.returncode in (1, 2) and "Traceback" not in done.stdout + done.stderr, done.stderr
    said = [line for line in done.stderr.splitlines() if line.startswith("mailkit: ") and "warning" not in line]
    assert len(said) == 1 and "nope" in said[0], done.stderr


def test_retried_sent_copies_are_counted_in_words(fresh_sandbox):
    ws = fresh_sandbox.workspace
    assert mailkit(ws.path, "accounts", "set", "info", "receiving.sent_export=true",
                   "receiving.sent_folder=Sent/Kivitendo").returncode == 0  # fmt: skip
    for n in (1, 2):
        mail = ("--to", "einkauf@kunde.test", "--subject", f"Angebot {n}", "--body", "anbei")
        sent = mailkit(ws.path, "send", "info", *mail)
        assert sent.returncode == 0 and "copy into the Sent folder failed" in sent.stdout  # sent, not copied
    with imap_login(Workspace.open(ws.path).get("info"), ws) as client:
        client.create_folder("Sent/Kivitendo")
    done = mailkit(ws.path, "send-retry-copies", "info")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("2 Sent copies retried") and "(s)" not in done.stdout, done.stdout
