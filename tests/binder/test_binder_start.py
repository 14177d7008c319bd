"""A Binder launch reproduced on this machine: an ordinary user installs from binder/, runs binder/start
and executes the runbooks. (repo2docker installs apt.txt as root at build time; everything else runs
as the user, as here.)"""

import contextlib
import json
import os
import pwd
import shutil
import sqlite3
import subprocess
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
USER = "mailkit-binder"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="creating the Binder user needs root")


def as_user(home: Path, *command: str, timeout: float = 900, check: bool = True) -> subprocess.CompletedProcess:
    env = {"HOME": str(home), "PATH": f"{home}/venv/bin:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
    done = subprocess.run(
        ["runuser", "-u", USER, "--", "env", "-i", *(f"{k}={v}" for k, v in env.items()), *command],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=home / "repo",
    )
    if check and done.returncode != 0:
        # the head of stderr too: a kernel that dies on start says why there, before papermill's traceback
        err = done.stderr if len(done.stderr) < 6000 else f"{done.stderr[:2500]}\n[…]\n{done.stderr[-3500:]}"
        raise AssertionError(f"{command} exited {done.returncode}:\n{done.stdout[-3000:]}\n{err}")
    return done


def test_binder_launch_as_an_ordinary_user():
    for package in (REPO / "binder" / "apt.txt").read_text().split():
        status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True).stdout
        assert "install ok installed" in status, f"{package} from binder/apt.txt is not installed"
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", USER], check=True)
    home = Path(pwd.getpwnam(USER).pw_dir)
    shutil.rmtree(home / "repo", ignore_errors=True)
    shutil.copytree(
        REPO,
        home / "repo",
        ignore=shutil.ignore_patterns(".venv", "build", "workspace", "*.egg-info", ".git", "__pycache__"),
    )
    subprocess.run(["chown", "-R", f"{USER}:{USER}", str(home)], check=True)
    workspace, out = home / "sandbox", home / "out"
    if not (home / "venv" / "bin" / "mailkit").exists():
        as_user(home, "/usr/bin/python3", "-m", "venv", str(home / "venv"))
    else:  # a launch starts from an empty home: no sandbox, journal or reports of an earlier run
        as_user(home, "mailkit", "sandbox", "stop", "--dir", str(workspace), check=False)
    shutil.rmtree(workspace, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    as_user(home, f"{home}/venv/bin/pip", "install", "-q", "-r", "binder/requirements.txt")
    # JupyterLab asks no "Jupyter news?" question on Binder either (pyproject's data-files)
    assert (home / "venv" / "etc" / "jupyter" / "labconfig" / "page_config.json").exists()
    # the app link (urlpath=voila/render/notebooks/apps/onboarding.ipynb) needs Voila's server extension
    extensions = as_user(home, f"{home}/venv/bin/jupyter", "server", "extension", "list")
    assert "voila" in extensions.stdout + extensions.stderr and "enabled" in extensions.stdout + extensions.stderr

    env_out = as_user(home, "binder/start", "env").stdout
    assert f"MAILKIT_WORKSPACE={workspace}" in env_out
    try:
        status = json.loads(as_user(home, "binder/start", "mailkit", "sandbox", "status", "--json").stdout)["data"]
        assert status["running"] is True
        owner = subprocess.run(["ps", "-o", "user=", "-p", str(status["pid"])], capture_output=True, text=True).stdout
        assert owner.strip() == USER
        notebooks = sorted((home / "repo" / "notebooks").glob("[0-9]*.ipynb"))
        assert len(notebooks) >= 3
        for notebook in notebooks:
            as_user(home, "binder/start", "mailkit", "runbook", str(notebook), "--out", str(out))
            assert (out / notebook.name).exists() and (out / notebook.with_suffix(".html").name).exists()
        # the runbooks worked in Binder's sandbox, not in one of their own: 04 synced into its journal,
        # 05 made its synthetic journal beside it
        with contextlib.closing(sqlite3.connect(f"file:{workspace / 'journal.sqlite'}?mode=ro", uri=True)) as db:
            assert db.execute("SELECT count(*) FROM messages").fetchone()[0] > 0
        assert list(workspace.glob("synthetic-*.sqlite"))
        # the demo users' real passwords (random per sandbox) appear in no executed notebook or report
        passwords = [v for v in tomllib.loads((workspace / "secrets.toml").read_text()).values() if len(v) >= 8]
        assert len(passwords) >= 4
        leaked = [p.name for p in sorted(out.iterdir()) if any(v in p.read_text(errors="replace") for v in passwords)]
        assert not leaked, f"a sandbox password is in {leaked}"
    finally:
        as_user(home, "mailkit", "sandbox", "stop", "--dir", str(workspace), check=False)
