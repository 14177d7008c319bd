"""The HTML reports of runbooks run headless, opened in Chromium: the widgets show what the run saw."""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
VIEWPORT = {"width": 1280, "height": 800}


def test_runbook_reports_show_the_form_and_the_diagnosis(shared_sandbox, browser, tmp_path, shoot, looks_right):
    folder, state = shared_sandbox
    env = {**os.environ, "MAILKIT_WORKSPACE": str(folder)}
    runs = [  # both at once: each waits mostly on its kernel
        subprocess.Popen(
            [str(BIN / "mailkit"), "runbook", str(REPO / "notebooks" / name), "--out", str(tmp_path)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("01-account-setup.ipynb", "02-connection-diagnostics.ipynb")
    ]
    for run in runs:
        _, errors = run.communicate(timeout=300)
        assert run.returncode == 0, errors[-3000:]
    address = state["users"][0]["address"]
    page = browser.new_page(viewport=VIEWPORT)
    try:
        page.goto((tmp_path / "01-account-setup.html").as_uri())
        page.wait_for_selector(".jupyter-widgets .widget-text input", timeout=30_000)
        values = page.eval_on_selector_all(".jupyter-widgets input", "els => els.map(e => e.value)")
        assert address in values  # the account form, filled as the run left it
        shoot(page, "report-01-account-setup")
        looks_right(page)
        page.goto((tmp_path / "02-connection-diagnostics.html").as_uri())
        page.wait_for_selector(".jupyter-widgets .mk-badge", timeout=30_000)  # the panel's table, rendered
        panel = page.locator(".jp-OutputArea-output.jupyter-widgets:has(button:has-text('Run diagnosis'))")
        assert panel.locator(".mk-badge.mk-ok").count() > 5 and address in panel.inner_text()
        shoot(page, "report-02-connection-diagnostics")
        looks_right(page)
    finally:
        page.close()
    executed = json.loads((tmp_path / "01-account-setup.ipynb").read_text())
    models = executed["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"].values()
    passwords = [m["state"].get("value") for m in models if m["model_name"] == "PasswordModel"]
    assert passwords == [""]  # the form's password field is saved empty
    for report in tmp_path.glob("*.*"):
        text = report.read_text(errors="replace")
        assert not any(user["password"] in text for user in state["users"]), report.name
