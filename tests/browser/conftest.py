"""What the real-browser tests share: Debian's Chromium under Playwright, a sandbox, servers on loopback.

Chromium is Debian's (no browser download); every server listens on 127.0.0.1 on a free port and is
stopped when its test ends. Screenshots go to build/test-artifacts/.
"""

import json
import os
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
VIEWPORT = {"width": 1280, "height": 800}


def pytest_collection_modifyitems(items):
    skip = pytest.mark.skip(reason="Debian's chromium is not installed")
    for item in items:
        if "browser" in str(item.fspath) and not os.path.exists(CHROMIUM):
            item.add_marker(skip)


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


@pytest.fixture(scope="session")
def shared_sandbox(tmp_path_factory):
    """One sandbox for every browser test (each start costs seconds); the tests only add to its workspace."""
    folder = Path(tmp_path_factory.mktemp("browser")) / "workspace"
    started = subprocess.run(
        [str(BIN / "mailkit"), "sandbox", "start", "--dir", str(folder), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert started.returncode == 0, f"mailkit sandbox start exited {started.returncode}:\n{started.stderr}"
    state = json.loads(started.stdout)["data"]  # the --json envelope
    yield folder, state
    subprocess.run([str(BIN / "mailkit"), "sandbox", "stop", "--dir", str(folder)], check=False, timeout=60)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def serve():
    """Start a server: ``serve(lambda port: [...], "/path-to-poll", env)`` -> its base URL; stopped afterwards."""
    started: list[subprocess.Popen] = []

    def start(command, path: str, env: dict, timeout: float = 180) -> str:
        port = free_port()
        process = subprocess.Popen(
            command(port), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO
        )
        started.append(process)
        wait_http(f"http://127.0.0.1:{port}{path}", timeout)  # Voila answers once the app has run
        return f"http://127.0.0.1:{port}"

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def shoot():
    """``shoot(page, name)`` keeps a full-page screenshot as build/test-artifacts/NAME.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        # Voila scrolls inside a panel of the window's height: show all of it, as full_page does elsewhere
        inner = page.evaluate("() => document.querySelector('#rendered_cells')?.scrollHeight || 0")
        size = page.viewport_size
        if inner > size["height"]:
            page.set_viewport_size({"width": size["width"], "height": inner})
        try:
            page.screenshot(path=str(path), full_page=True)
        finally:
            page.set_viewport_size(size)
        return path

    return take


@pytest.fixture
def notebooks(tmp_path) -> Path:
    """A copy of the runbooks: JupyterLab autosaves what it runs, and the repository's must stay as committed."""
    copy = tmp_path / "notebooks"
    shutil.copytree(REPO / "notebooks", copy, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return copy


@pytest.fixture
def looks_right():
    """``looks_right(page)``: assert what a person would see — no cut-off button or field label, no traceback."""

    def check(page) -> None:
        cut = page.eval_on_selector_all(
            "button, label, .widget-label, .widget-label-basic",
            "els => els.filter(b => b.offsetParent !== null && b.scrollWidth > b.clientWidth + 1)"
            ".map(b => b.innerText.trim() || b.title)",
        )
        assert cut == [], f"labels cut off: {cut}"
        text = page.inner_text("body")
        assert "Traceback" not in text, text[:3000]

    return check
