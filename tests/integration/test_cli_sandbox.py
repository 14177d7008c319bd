"""`mailkit sandbox start/status/stop` as a user runs them, as root and as an ordinary user."""

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MAILKIT = [sys.executable, "-m", "mailkit"]


def run(*args, user: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    command = [*MAILKIT, *args]
    if user:
        command = ["runuser", "-u", user, "--", *command]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=REPO)
    if check and done.returncode != 0:
        raise AssertionError(f"{command} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


def dovecot_processes(folder: Path) -> list[str]:
    found = subprocess.run(["pgrep", "-a", "-f", str(folder / ".sandbox" / "dovecot")], capture_output=True, text=True)
    return found.stdout.splitlines()


def start_check_stop(folder: Path, user: str | None = None) -> dict:
    state = json.loads(run("sandbox", "start", "--dir", str(folder), "--json", "--demo-mail", "20", user=user).stdout)[
        "data"
    ]
    try:
        for key in ("workspace", "ca_file", "domain", "dns", "imap", "pop3", "smtp", "users"):
            assert key in state, key
        assert set(state["imap"]) >= {"host", "port", "tls_port"} and set(state["dns"]) == {"host", "port"}
        assert {u["account"] for u in state["users"]} == {"info", "vertrieb", "buchhaltung", "einkauf"}
        assert all(len(u["password"]) >= 12 for u in state["users"])
        status = json.loads(run("sandbox", "status", "--dir", str(folder), "--json", user=user).stdout)["data"]
        assert status["running"] is True and "password" not in json.dumps(status)
        check = json.loads(run("-w", str(folder), "check", "--all", "--json", user=user).stdout)["data"]
        assert check["ok"] is True and len(check["accounts"]) == 4
        listed = json.loads(run("-w", str(folder), "accounts", "list", "--json", user=user).stdout)["data"]
        assert [a["name"] for a in listed] == ["buchhaltung", "einkauf", "info", "vertrieb"]
        assert dovecot_processes(folder)
        state["process_owner"] = subprocess.run(
            ["ps", "-o", "user=", "-p", str(state["pid"])], capture_output=True, text=True
        ).stdout.strip()
    finally:
        run("sandbox", "stop", "--dir", str(folder), user=user)
    assert dovecot_processes(folder) == []
    assert run("sandbox", "status", "--dir", str(folder), user=user, check=False).returncode == 1
    return state


def test_start_status_check_stop_and_again(tmp_path):
    first = start_check_stop(tmp_path / "ws")
    second = start_check_stop(tmp_path / "ws")  # a second start in the same folder works too
    assert [u["password"] for u in second["users"]] == [u["password"] for u in first["users"]]
    secrets = tmp_path / "ws" / "secrets.toml"
    assert os.stat(secrets).st_mode & 0o777 == 0o600
    for user in first["users"]:
        assert user["password"] not in (tmp_path / "ws" / "mailkit.toml").read_text()


def test_start_reports_a_running_sandbox_instead_of_a_second_one(tmp_path):
    first = json.loads(run("sandbox", "start", "--dir", str(tmp_path), "--json", "--demo-mail", "0").stdout)["data"]
    try:
        again = json.loads(run("sandbox", "start", "--dir", str(tmp_path), "--json").stdout)["data"]
        assert again["pid"] == first["pid"]
    finally:
        run("sandbox", "stop", "--dir", str(tmp_path))


def test_stop_without_a_sandbox_is_harmless(tmp_path):
    assert "No sandbox is running" in run("sandbox", "stop", "--dir", str(tmp_path)).stdout


NONROOT = "mailkit-sandbox-test"


@pytest.mark.skipif(os.geteuid() != 0, reason="this whole run is an ordinary user's: every sandbox test covers it")
def test_sandbox_as_an_ordinary_user():
    try:
        pwd.getpwnam(NONROOT)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", NONROOT], check=True)
    probe = subprocess.run(
        ["runuser", "-u", NONROOT, "--", sys.executable, "-c", "import mailkit"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        pytest.skip(f"the checkout or its Python is not readable by other users: {probe.stderr.strip()[-200:]}")
    folder = Path(tempfile.mkdtemp(prefix="mailkit-nonroot-"))
    shutil.chown(folder, NONROOT)
    try:
        state = start_check_stop(folder / "ws", user=NONROOT)
        assert state["process_owner"] == NONROOT
        config = (folder / "ws" / ".sandbox" / "dovecot" / "dovecot.conf").read_text()
        assert f"default_login_user = {NONROOT}" in config
    finally:
        shutil.rmtree(folder, ignore_errors=True)
