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
    )["data"]
    assert [(row["name"], row["secrets"]) for row in out] == [("info", ["info.password"])]
    # the password went to the secret store only
    assert password not in (workspace / "mailkit.toml").read_text()
    assert password in (workspace / "secrets.toml").read_text()
    assert (workspace / "secrets.toml").stat().st_mode & 0o777 == 0o600

    # the imported settings really work: STARTTLS on kivitendo's "tls", certificates verified
    check = json.loads(mailkit(workspace, "check", "info", "--json").stdout)["data"]
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
    first = json.loads(mailkit(workspace, "accounts", "show", "info", "--json").stdout)["data"]
    second = json.loads(mailkit(fresh, "accounts", "show", "info", "--json").stdout)["data"]
    assert first == second
    assert f"port = {sandbox.ports['smtp']}" in after  # the sandbox's high ports are not kivitendo's defaults


def _sent_subjects(sandbox, account: str, folder: str = "Sent") -> list[str]:
    from mailkit.net.connect import imap_login

    ws = sandbox.workspace
    with imap_login(ws.get(account), ws) as client:
        if not client.folder_exists(folder):
            return []
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        fetched = client.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (SUBJECT)]"]) if uids else {}
        return [v[b"BODY[HEADER.FIELDS (SUBJECT)]"].decode().partition(":")[2].strip() for v in fetched.values()]


def test_default_import_gives_each_address_its_own_sent_mailbox(sandbox, tmp_path):
    """Without --address: one account per address section; vertrieb@'s copies go to its own Sent folder."""
    info, vertrieb, buchhaltung = (sandbox.user(n) for n in ("info", "vertrieb", "buchhaltung"))
    imaps, smtp = sandbox.ports["imaps"], sandbox.ports["smtp"]

    def sent_section(user, folder="Sent"):
        return (
            f"enabled = 1\nhostname = localhost\nport = {imaps}\nssl = 1\n"
            f"username = {user.address}\npassword = {user.password}\nfolder = {folder}\n"
        )

    text = (
        "[system]\n# Müller & Söhne, Lager Süd\nlanguage = de\n\n"
        f"[mail_delivery]\nmethod = smtp\nhostname = localhost\nport = {smtp}\nsecurity = tls\n"
        f"login = {info.address}\npassword = {info.password}\n\n"
        f"[mail_delivery/email/{vertrieb.address}]\nmethod = smtp\nhostname = localhost\nport = {smtp}\n"
        f"security = tls\nlogin = {vertrieb.address}\npassword = {vertrieb.password}\n\n"
        f"[imap_client]\nenabled = 1\nhostname = localhost\nport = {imaps}\nssl = 1\n"
        f"username = {info.address}\npassword = {info.password}\nbase_folder = INBOX\n\n"
        f"[sent_emails_in_imap]\n{sent_section(info)}\n"
        f"[sent_emails_in_imap/email/{vertrieb.address}]\n{sent_section(vertrieb)}\n"
        f"[sent_emails_in_imap/email/{buchhaltung.address}]\n{sent_section(buchhaltung)}\n"
        "[task_server]\nrun_as = www-data\n"
    ).replace("\n", "\r\n")
    conf = tmp_path / "kivitendo.conf"
    conf.write_bytes(text.encode("latin-1"))  # an older installation's file: Latin-1, CRLF
    workspace = tmp_path / "ws"
    mailkit(workspace.parent, "init", str(workspace))

    rows = json.loads(
        mailkit(
            workspace, "accounts", "import-kivitendo", str(conf), "--ca-file", str(sandbox.ca.cert_file), "--json"
        ).stdout
    )["data"]
    assert [r["name"] for r in rows] == ["info", "vertrieb", "buchhaltung"]
    shown = json.loads(mailkit(workspace, "accounts", "show", "vertrieb", "--json").stdout)["data"]
    assert shown["receiving"]["sent_folder"] == "Sent" and shown["auth"]["password"] == "workspace:vertrieb.password"

    subject = f"Angebot {tmp_path.name}"
    mailkit(
        workspace, "send", "vertrieb", "--to", "einkauf@kunde.test", "--subject", subject, "--body", "anbei", "--json"
    )
    assert subject in _sent_subjects(sandbox, "vertrieb")
    assert subject not in _sent_subjects(sandbox, "info")

    # written back with the passwords, nothing changed: the file stays byte for byte, Latin-1 and CRLF
    mailkit(workspace, "accounts", "export-kivitendo", "--into", str(conf), "--with-passwords")
    assert conf.read_bytes() == text.encode("latin-1")
    # and without them: still nothing to change (the passwords in the file stay)
    mailkit(workspace, "accounts", "export-kivitendo", "--into", str(conf))
    assert conf.read_bytes() == text.encode("latin-1")
