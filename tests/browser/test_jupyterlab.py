"""The account-setup runbook in a real browser: JupyterLab and Voila, driven by Playwright in Chromium.

JupyterLab runs on loopback against a sandbox started by the CLI; Chromium is Debian's (no browser
download). The test runs notebook 01, fills the account form, saves, tests the connection and
keeps screenshots in build/test-artifacts/.
"""

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "build" / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {timeout} s")


@pytest.fixture(scope="module")
def shared_sandbox(tmp_path_factory):
    folder = Path(tmp_path_factory.mktemp("browser")) / "workspace"
    started = subprocess.run(
        [str(BIN / "mailkit"), "sandbox", "start", "--dir", str(folder), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert started.returncode == 0, f"mailkit sandbox start exited {started.returncode}:\n{started.stderr}"
    state = json.loads(started.stdout)["data"]
    yield folder, state
    subprocess.run([str(BIN / "mailkit"), "sandbox", "stop", "--dir", str(folder)], check=False, timeout=60)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def server(command: list[str], url: str, env: dict) -> subprocess.Popen:
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
    try:
        wait_http(url)
    except AssertionError:
        process.terminate()
        raise
    return process


@pytest.fixture
def notebooks(tmp_path) -> Path:
    """A copy of the runbooks: JupyterLab autosaves what it runs, and the repository's must stay as committed."""
    copy = tmp_path / "notebooks"
    shutil.copytree(REPO / "notebooks", copy, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return copy


def test_account_setup_in_jupyterlab(shared_sandbox, browser, notebooks):
    folder, _ = shared_sandbox
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "MAILKIT_WORKSPACE": str(folder), "JUPYTER_CONFIG_DIR": str(folder / ".jupyter")}
    lab = server(
        [
            str(BIN / "jupyter"),
            "lab",
            "--no-browser",
            "--allow-root",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={notebooks}",
        ],
        f"http://127.0.0.1:{port}/api?token={token}",
        env,
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"http://127.0.0.1:{port}/lab/tree/01-account-setup.ipynb?token={token}")
        page.wait_for_selector(".jp-Notebook", timeout=60_000)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle'], .jp-mod-idle", timeout=60_000)
        page.click("text=Run", timeout=30_000)
        page.click("text=Run All Cells", timeout=30_000)
        save = page.locator("button:has-text('Save to workspace')")
        save.wait_for(timeout=120_000)
        display = page.locator(".widget-text:has-text('Display name') input")
        display.fill("Mailkit Demo GmbH (Browser)")
        page.locator(".lm-TabBar-tab:has-text('Authentication')").click()
        password = page.locator("input[type=password]:not([placeholder='of the PKCS#12 file'])")  # not SmimePanel's
        password.fill(shared_sandbox[1]["users"][0]["password"])
        save.click()
        page.wait_for_selector("text=saved account 'info'", timeout=30_000)
        assert password.input_value() == ""
        page.locator("button:has-text('Test connection')").click()
        page.wait_for_selector("text=connection test passed", timeout=60_000)
        page.screenshot(path=str(ARTIFACTS / "jupyterlab-account-form.png"), full_page=True)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "jupyterlab-failure.png"), full_page=True)  # what the browser showed
        raise
    finally:
        page.close()
        lab.terminate()
        lab.wait(timeout=30)
    saved = (folder / "mailkit.toml").read_text()
    assert 'display_name = "Mailkit Demo GmbH (Browser)"' in saved
    assert shared_sandbox[1]["users"][0]["password"] not in saved


def test_account_setup_as_a_voila_app(shared_sandbox, browser, notebooks):
    folder, _ = shared_sandbox
    port = free_port()
    env = {**os.environ, "MAILKIT_WORKSPACE": str(folder), "JUPYTER_CONFIG_DIR": str(folder / ".jupyter")}
    voila = server(
        [
            str(BIN / "voila"),
            str(notebooks / "01-account-setup.ipynb"),
            "--no-browser",
            f"--port={port}",
            "--Voila.ip=127.0.0.1",
        ],
        f"http://127.0.0.1:{port}/",
        env,
    )
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"http://127.0.0.1:{port}/")
        page.locator("button:has-text('Save to workspace')").wait_for(timeout=120_000)
        page.locator("button:has-text('Test connection')").click()
        page.wait_for_selector("text=connection test", timeout=60_000)
        assert page.locator("text=Traceback").count() == 0
        page.screenshot(path=str(ARTIFACTS / "voila-account-form.png"), full_page=True)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "voila-failure.png"), full_page=True)
        raise
    finally:
        page.close()
        voila.terminate()
        voila.wait(timeout=30)
