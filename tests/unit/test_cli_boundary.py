"""The CLI's one error boundary: one line, a documented exit code, the traceback only with --debug."""

import json

import pytest

from mailkit.cli import _boundary, build_parser, main
from mailkit.errors import ConfigError, ConnectError
from mailkit.workspace import Workspace


@pytest.fixture
def workspace(tmp_path):
    return Workspace.create(tmp_path / "ws").path


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "argv",
    [
        ["-w", "{ws}", "accounts", "list"],
        ["accounts", "-w", "{ws}", "list"],
        ["accounts", "list", "-w", "{ws}"],
        ["accounts", "list", "--workspace={ws}"],
    ],
)
def test_workspace_option_anywhere_on_the_line(capsys, workspace, argv):
    code, out, err = run(capsys, *(a.format(ws=workspace) for a in argv))
    assert (code, err) == (0, "")
    assert str(workspace / "mailkit.toml") in out


@pytest.mark.parametrize("position", [0, 1, 2])
def test_json_anywhere_gives_json(capsys, workspace, position):
    argv = ["secrets", "list", "-w", str(workspace)]
    argv.insert(position, "--json")
    code, out, _ = run(capsys, *argv)
    assert code == 0
    json.loads(out)


def test_usage_error_is_one_line_with_exit_2(capsys, workspace):
    code, out, err = run(capsys, "-w", str(workspace), "check", "--nope")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("mailkit: check: unrecognized arguments: --nope")


def test_error_with_json_prints_the_envelope_too(capsys, tmp_path):
    code, out, err = run(capsys, "--json", "-w", str(tmp_path / "none"), "accounts", "list")
    assert code == 2
    envelope = json.loads(out)
    assert envelope["ok"] is False and envelope["data"] is None
    assert envelope["errors"][0]["kind"] == "WorkspaceError" and envelope["errors"][0]["exit_code"] == 2
    assert "no workspace here" in err


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (ConfigError("bad"), 2),
        (ConnectError("refused"), 1),
        (KeyboardInterrupt(), 3),
        (FileNotFoundError(2, "No such file or directory", "/x/y.csv"), 2),
        (IsADirectoryError(21, "Is a directory", "/tmp"), 2),
        (ConnectionRefusedError(111, "Connection refused"), 1),
        (UnicodeDecodeError("utf-8", b"\xe4", 0, 1, "invalid continuation byte"), 2),
        (ZeroDivisionError("division by zero"), 1),
    ],
)
def test_exceptions_map_to_documented_exit_codes(exc, code):
    failure = _boundary.classify(exc)
    assert failure.code == code and failure.code in _boundary.EXIT_CODES
    assert "\n" not in failure.message and "Traceback" not in failure.message
    assert failure.internal == isinstance(exc, ZeroDivisionError)


def test_unexpected_exception_is_one_line_and_traceback_only_with_debug(capsys, workspace, monkeypatch):
    import mailkit.cli.accounts as accounts

    def broken(args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(accounts, "cmd_secrets_list", broken)
    code, _, err = run(capsys, "-w", str(workspace), "secrets", "list")
    assert code == 1 and "internal error (ZeroDivisionError" in err and "Traceback" not in err
    code, _, err = run(capsys, "-w", str(workspace), "secrets", "list", "--debug")
    assert code == 1 and "Traceback (most recent call last)" in err and "broken" in err


def test_help_names_the_exit_codes(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for code, meaning in _boundary.EXIT_CODES.items():
        assert f"{code} {meaning}" in " ".join(out.split())


def test_every_command_takes_the_global_options():
    from mailkit.cli import iter_commands

    for words, parser in iter_commands(build_parser()):
        for flag in ("-w", "--json", "--debug"):
            assert flag in parser._option_string_actions, (words, flag)
