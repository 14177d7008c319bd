"""`mailkit app onboarding` and `mailkit report onboarding` refuse bad input in one line, before any server starts."""

from mailkit.cli import main
from mailkit.cli.app import app_command
from mailkit.workspace import Workspace


def test_app_runs_voila_on_loopback_with_the_workspace(tmp_path):
    Workspace.create(tmp_path / "ws").save()
    command, env = app_command("onboarding", 8899, workspace=tmp_path / "ws", lang="en", browser=False)
    assert command[1:3] == ["-m", "voila"] and command[3].endswith("notebooks/apps/onboarding.ipynb")
    assert "--port=8899" in command and "--Voila.ip=127.0.0.1" in command and "--no-browser" in command
    assert env["MAILKIT_WORKSPACE"] == str((tmp_path / "ws").resolve()) and env["MAILKIT_LANG"] == "en"


def test_a_missing_workspace_or_account_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["-w", str(tmp_path / "nowhere"), "app", "onboarding"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mailkit") and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    Workspace.create(tmp_path / "ws").save()
    out = tmp_path / "r.html"
    assert main(["-w", str(tmp_path / "ws"), "report", "onboarding", "niemand", "--out", str(out)]) == 2
    assert "niemand" in capsys.readouterr().err and not out.exists()
