"""The HTML reports of runbooks run headless, opened in Chromium: the widgets show what the run saw."""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
VIEWPORT = {"width": 1280, "height": 800}
ARTIFACTS = REPO / "build" / "test-artifacts"


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
    assert passwords and set(passwords) == {""}  # every password field (the form's, S/MIME's) is saved empty
    for report in tmp_path.glob("*.*"):
        text = report.read_text(errors="replace")
        assert not any(user["password"] in text for user in state["users"]), report.name


def _sandbox_secrets(folder: Path, state: dict) -> set[str]:
    """Every secret the sandbox holds: the users' passwords and each value of the workspace's secret store."""
    import tomllib

    found = {user["password"] for user in state["users"]}

    def walk(value):
        if isinstance(value, dict):
            for inner in value.values():
                walk(inner)
        elif isinstance(value, str) and len(value) >= 8:
            found.add(value)

    walk(tomllib.loads((folder / "secrets.toml").read_text()))
    return found


def test_handover_report_renders_and_prints_without_secrets(shared_sandbox, browser, tmp_path, shoot):
    import base64
    import io

    from pypdf import PdfReader

    folder, state = shared_sandbox
    out = tmp_path / "übergabe.html"
    done = subprocess.run(
        [str(BIN / "mailkit"), "-w", str(folder), "report", "onboarding", "info", "vertrieb", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    assert out.stat().st_mode & 0o777 == 0o600
    page = browser.new_page(viewport=VIEWPORT)
    try:
        page.goto(out.as_uri())
        shown = page.inner_text("body")
        assert "Übergabebericht E-Mail-Einrichtung" in shown and "info@mailkit.test" in shown
        assert "vertrieb@mailkit.test" in shown and "DNS-Einträge für mailkit.test" in shown
        assert page.locator(".mk-badge.mk-ok").count() > 20 and "v=spf1" in shown and "v=DMARC1" in shown
        assert "Traceback" not in shown
        shoot(page, "handover-report")
        page.screenshot(path=str(ARTIFACTS / "readme-handover-report.png"))  # its first screen, for the README
        pdf = page.pdf(format="A4", print_background=True)
    finally:
        page.close()
    (ARTIFACTS / "handover-report.pdf").write_bytes(pdf)
    printed = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "info@mailkit.test" in printed and len(PdfReader(io.BytesIO(pdf)).pages) >= 2  # the text is readable
    page_source = out.read_text()
    for secret in _sandbox_secrets(folder, state):
        encoded = base64.b64encode(secret.encode()).decode()
        for where, content in (("page", page_source), ("PDF text", printed), ("PDF bytes", pdf.decode("latin-1"))):
            assert secret not in content and encoded not in content, f"a secret of the sandbox is in the {where}"
