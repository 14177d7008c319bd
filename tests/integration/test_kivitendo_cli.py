"""A kivitendo installation's mail settings, imported by the CLI, log in to real servers and go back out."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

MAILKIT = [sys.executable, "-m", "mailkit"]


def mailkit(workspace: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([*MAILKIT, "-w", str(workspace), *args], capture_output=True, text=True, timeout=120)
    if check and done.returncode != 0:
        raise AssertionError(f"mailkit {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


@pytest.fixture
def kivitendo_conf(sandbox, tmp_path) -> tuple[Path, str, str]:
    """kivitendo.conf as an admin would write it for the sandbox's info mailbox (STARTTLS out, TLS in)."""
    user = sandbox.user("info")
    text = f"""\
[authentication]
admin_password = do-not-touch

[mail_delivery]
method = smtp
host = localhost
port = {sandbox.ports["smtp"]}
security = tls
login = {user.address}
password = {user.password}

[imap_client]
enabled = 1
hostname = localhost
port = {sandbox.ports["imaps"]}
ssl = 1
username = {user.address}
password = {user.password}
base_folder = INBOX

[sent_emails_in_imap]
enabled = 1
hostname = localhost
port = {sandbox.ports["imaps"]}
ssl = 1
username = {user.address}
password = {user.password}
folder = Sent

[task_server]
run_as = www-data
"""
    path = tmp_path / "kivitendo.conf"
    path.write_text(text)
    path.chmod(0o640)
    return path, user.address, user.password


def test_import_check_and_export_against_the_sandbox(sandbox, kivitendo_conf, tmp_path):
    conf, address, password = kivitendo_conf
    workspace = tmp_path / "ws"
    mailkit(workspace.parent, "init", str(workspace))
    ca = str(sandbox.ca.cert_file)

    out = json.loads(
        mailkit(
            workspace, "accounts", "import-kivitendo", str(conf), "--address", address, "--ca-file", ca, "--json"
        ).stdout
    )
    assert [(row["name"], row["secrets"]) for row in out] == [("info", ["info.password"])]
    # the password went to the secret store only
    assert password not in (workspace / "mailkit.toml").read_text()
    assert password in (workspace / "secrets.toml").read_text()
    assert (workspace / "secrets.toml").stat().st_mode & 0o777 == 0o600

    # the imported settings really work: STARTTLS on kivitendo's "tls", certificates verified
    check = json.loads(mailkit(workspace, "check", "info", "--json").stdout)
    assert check["ok"] is True
    assert {row["side"] for row in check["accounts"]["info"]} == {"sending", "receiving"}

    # a second import of the same account is refused, not silently merged
    again = mailkit(workspace, "accounts", "import-kivitendo", str(conf), "--address", address, check=False)
    assert again.returncode == 2 and "exists already: use --replace" in again.stderr

    # export without passwords prints the sections, names where the password is, never the password
    printed = mailkit(workspace, "accounts", "export-kivitendo", "info").stdout
    assert password not in printed and "kept by mailkit as workspace:info.password" in printed
    assert "[mail_delivery]\nmethod = smtp\nhost = localhost\nsecurity = tls\n" in printed

    # written back into kivitendo.conf with the passwords: the rest of the file and its mode stay
    done = mailkit(workspace, "accounts", "export-kivitendo", "info", "--into", str(conf), "--with-passwords")
    assert "plain text" in done.stderr
    after = conf.read_text()
    assert "admin_password = do-not-touch" in after and "[task_server]\nrun_as = www-data" in after
    assert conf.stat().st_mode & 0o777 == 0o640
    fresh = tmp_path / "ws2"
    mailkit(fresh.parent, "init", str(fresh))
    mailkit(fresh, "accounts", "import-kivitendo", str(conf), "--address", address, "--ca-file", ca)
    first = json.loads(mailkit(workspace, "accounts", "show", "info", "--json").stdout)
    second = json.loads(mailkit(fresh, "accounts", "show", "info", "--json").stdout)
    assert first == second
    assert f"port = {sandbox.ports['smtp']}" in after  # the sandbox's high ports are not kivitendo's defaults
