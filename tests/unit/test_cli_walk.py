"""Walk the whole argparse tree with bad and hostile arguments: no traceback, never a wrong exit code.

Every command the parser knows (including ones added later) gets the generic cases: no arguments,
an unknown option, a missing, unreadable or broken workspace, and for each option its kind of bad
value — words where numbers belong, unknown choices, missing files, folders where files belong,
files in the wrong encoding, empty and binary files, unknown accounts, accounts without the side
the command needs, accounts whose servers are not there. ``ROLES`` says what an option is by its
name; a new command whose options are named like the old ones is covered without a line here.

Servers that are not there are closed loopback ports (refused at once), so this needs no sandbox.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

import pytest

from mailkit.cli import build_parser, iter_commands
from mailkit.model import Account, Auth, Receiving, Sending
from mailkit.workspace import Workspace

# exit codes: USAGE for anything the user gave wrong, FAILED for servers that are not there
USAGE, FAILED = {2}, {1}

# commands that must not run for real here (they start servers or wait for a user)
NEVER_RUN_BARE = {("sandbox", "start"), ("sandbox", "serve"), ("watch",), ("oauth", "login")}
# a valid value for each kind of required argument: what the case changes one at a time
BASE = {
    "account": "dead",
    "name": "dead",
    "address": "info@example.invalid",
    "to": "someone@example.invalid",
    "subject": "Angebot 1",
    "body": "Hallo",
    "file": "{message}",
    "notebook": "04-sync-run.ipynb",
    "domain": "example.invalid",
    "selector": "s1",
    "old": "s1",
    "key": "k1",
    "record_type": "quote",
    "record": "1",
    "customer_number": "K1",
    "customer_name": "Kunde",
    "older_than": "30",
    "out": "{tmp}/out",
    "view": "volume",
    "type": "TXT",
    "client_id": "app",
    "dir": "{tmp}/nowhere",
    "assignments": "display_name=Firma GmbH",
}
# a valid value that differs by command
BASE_FOR = {
    ("send-batch",): {"file": "{csv}"},
    ("users", "set"): {"assignments": "full_name=Max Muster"},
    ("groups", "set"): {"assignments": "senders=vertrieb@example.invalid"},
    ("senders",): {"assignments": "invoice=rechnung@example.invalid"},
    ("policy",): {"assignments": "clerk_cc=true"},
}
# the hostile values of each kind of argument, and the exit codes they must give
BAD_FILE = [("missing file", "{tmp}/missing.txt"), ("folder for a file", "{tmp}"), ("binary file", "{binary}")]
ROLES = {
    "account": [("unknown account", "nope", USAGE)],
    "file": [*((why, value, USAGE) for why, value in BAD_FILE), ("Latin-1 file", "{latin1}", USAGE)],
    "body_file": [(why, value, USAGE) for why, value in BAD_FILE],
    "html_file": [(why, value, USAGE) for why, value in BAD_FILE],
    "attach": [("missing file", "{tmp}/missing.pdf", USAGE), ("folder for a file", "{tmp}", USAGE)],
    "ca_file": [("missing file", "{tmp}/missing.pem", USAGE), ("not a certificate", "{latin1}", USAGE)],
    "journal": [("missing file", "{tmp}/missing.sqlite", USAGE), ("not a journal", "{latin1}", USAGE)],
    "notebook": [("missing notebook", "{tmp}/missing.ipynb", USAGE), ("not a notebook", "{latin1}", USAGE)],
    "out": [("file for a folder", "{latin1}", USAGE)],
    "output": [("in a missing folder", "{tmp}/missing/x.eml", USAGE), ("folder for a file", "{tmp}", USAGE)],
    "plot": [("unknown format", "{tmp}/x.xyz", USAGE), ("in a missing folder", "{tmp}/missing/x.png", USAGE)],
    "into": [("folder for a file", "{tmp}", USAGE), ("binary file", "{binary}", USAGE)],
    "since": [("not a date", "yesterday", USAGE), ("impossible date", "2026-13-45", USAGE)],
    "until": [("not a date", "last week", USAGE)],
    "address": [("not an address", "not-an-address", USAGE)],
    "to": [("not an address", "not-an-address", USAGE), ("header injection", "a@b.invalid\r\nBcc: x@y", USAGE)],
    "test_mail_to": [("not an address", "not-an-address", USAGE)],
    "domain": [("not a domain", "bad domain!", USAGE)],
    "selector": [("path in a selector", "../../etc/passwd", USAGE)],
    "route": [("no record type", "Angebot (\\d+)", USAGE), ("bad pattern", "Angebot (=quote", USAGE)],
    "hook": [("missing module", "no_such_hook_module", USAGE)],
    "after": [("unknown action", "sideways", USAGE)],
    "older_than": [("negative days", "-5", USAGE)],
    "batch_size": [("zero batch", "0", USAGE)],
    "parameter": [("unknown parameter", ["NO_SUCH_PARAMETER", "1"], USAGE)],
    "key": [("line break in a key", "a\nb", USAGE)],
    "password_env": [("unset variable", "MAILKIT_NO_SUCH_VARIABLE", USAGE)],
    "client_secret_env": [("unset variable", "MAILKIT_NO_SUCH_VARIABLE", USAGE)],
    "dir": [("file for a folder", "{latin1}", USAGE)],
    "assignments": [
        ("no equals sign", "display_name", USAGE),
        ("unknown field", "no_such_field=1", USAGE),
        ("a table for a value", "sending=1", USAGE),
        ("not a number", "timeouts.connect=soon", USAGE),
    ],
}
ROLES["name"] = ROLES["account"]
# which side of an account a command needs, and which account lacks it
SIDES = {
    ("sync",): "sendonly",
    ("watch",): "sendonly",
    ("sync-record",): "pop3",
    ("record-folder", "create"): "pop3",
    ("cleanup-folders",): "pop3",
    ("send-retry-copies",): "pop3",
    ("send",): "recvonly",
    ("send-test",): "recvonly",
    ("send-batch",): "recvonly",
}
# commands whose work fails against servers that are not there
NETWORK = {("check",), ("diagnose",), ("send",), ("send-test",), ("sync",), ("sync-record",)}
NETWORK |= {("record-folder", "create"), ("send-batch",)}
# commands that do not open the workspace, or take their folder from --dir
NO_WORKSPACE = {("init",), ("runbook",), ("journal", "explore")} | {("sandbox", w) for w in ("start", "serve")}
NO_WORKSPACE |= {("sandbox", w) for w in ("stop", "status", "publish")}
# options that filter what is shown: a value matching nothing shows nothing, which is no error


def _is_filter(words, action) -> bool:
    """The journal commands' --account and --domain select rows (of accounts maybe long removed)."""
    return words[0] == "journal" and bool(action.option_strings) and action.dest in ("account", "domain")


# a name that means something else than an account in these commands
NOT_AN_ACCOUNT = {("accounts", "add"), ("sandbox", "publish"), ("oauth", "sandbox-app"), ("users", "set")}
NOT_AN_ACCOUNT |= {("groups", "set")}


@dataclass(frozen=True)
class Case:
    words: tuple[str, ...]
    why: str
    argv: tuple[str, ...]
    expected: frozenset[int]
    workspace: str = "{ws}"

    @property
    def id(self) -> str:
        return f"{' '.join(self.words)} [{self.why}]"


def _role(action) -> str:
    return action.dest


def _required(action) -> bool:
    return action.required and action.nargs not in ("*", "?")


def _base_argv(words, parser) -> list[str] | None:
    """The command with every required argument given a valid value; None if one has no known value."""
    argv = list(words)
    one_of = [g._group_actions[0] for g in parser._mutually_exclusive_groups if g.required]
    for action in parser._actions:
        if not (_required(action) or action in one_of) or action.dest in ("help", "func"):
            continue
        value = BASE_FOR.get(words, {}).get(_role(action)) or BASE.get(_role(action))
        if value is None:
            return None
        if action.choices and value not in action.choices:
            value = next(iter(action.choices))
        if action.option_strings:
            argv += [action.option_strings[-1], value]
        else:
            argv.append(value)
    return argv


def _with(argv: list[str], words, action, value) -> list[str]:
    """``argv`` with ``action`` given ``value`` instead of its base value (or added)."""
    values = value if isinstance(value, list) else [value]
    if action.option_strings:
        flag = action.option_strings[-1]
        if flag in argv:
            at = argv.index(flag)
            return [*argv[: at + 1], *values, *argv[at + 2 :]]
        return [*argv, flag, *values]
    base = BASE_FOR.get(words, {}).get(_role(action)) or BASE.get(_role(action))
    if base in argv:
        at = argv.index(base)
        return [*argv[:at], *values, *argv[at + 1 :]]
    return [*argv, *values]


def generate_cases() -> list[Case]:
    cases: list[Case] = []
    for words, parser in iter_commands(build_parser()):
        base = _base_argv(words, parser)
        add = cases.append
        if any(_required(a) for a in parser._actions) and words not in NEVER_RUN_BARE:
            add(Case(words, "no arguments", words, frozenset(USAGE)))
        if base is None:
            continue
        add(Case(words, "unknown option", (*base, "--no-such-option"), frozenset(USAGE)))
        if not any(a.nargs == "*" and not a.option_strings for a in parser._actions):
            add(Case(words, "stray argument", (*base, "stray", "words"), frozenset(USAGE)))
        if words not in NO_WORKSPACE:
            for why, folder in (("no workspace", "{tmp}/no-such-ws"), ("workspace is a file", "{latin1}")):
                add(Case(words, why, tuple(base), frozenset(USAGE), folder))
            add(Case(words, "broken mailkit.toml", tuple(base), frozenset(USAGE), "{broken}"))
        for action in parser._actions:
            role = _role(action)
            if action.dest in ("help", "workspace", "json", "debug") or action.nargs == 0:
                continue
            if (role in ("account", "name") and words in NOT_AN_ACCOUNT) or _is_filter(words, action):
                continue
            for why, value, expected in ROLES.get(role, []):
                add(Case(words, f"{action.dest}: {why}", tuple(_with(base, words, action, value)), frozenset(expected)))
            if action.type in (int, float):
                add(
                    Case(
                        words,
                        f"{action.dest}: not a number",
                        tuple(_with(base, words, action, "abc")),
                        frozenset(USAGE),
                    )
                )
            if action.choices and role not in ROLES:
                add(
                    Case(
                        words,
                        f"{action.dest}: unknown choice",
                        tuple(_with(base, words, action, "bogus")),
                        frozenset(USAGE),
                    )
                )
        account = next((a for a in parser._actions if _role(a) in ("account", "name") and not a.option_strings), None)
        if account is not None and words not in NOT_AN_ACCOUNT:
            if words in SIDES:
                argv = _with(base, words, account, SIDES[words])
                add(Case(words, f"account without the side it needs ({SIDES[words]})", tuple(argv), frozenset(USAGE)))
            if words in NETWORK:
                add(Case(words, "servers not there", tuple(base), frozenset(FAILED)))
            if words[0] == "oauth" and words[-1] not in ("sandbox-app", "setup"):
                add(Case(words, "account without OAuth2", tuple(base), frozenset(USAGE)))
            add(Case(words, "empty workspace", tuple(base), frozenset(USAGE), "{empty}"))
    return cases


CASES = generate_cases()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def world(tmp_path):
    """Workspaces and files the cases point to: ``{ws}``, ``{empty}``, ``{latin1}``, ... ."""
    tmp = tmp_path
    port = _closed_port()
    ws = Workspace.create(tmp / "ws")
    smtp = Sending(host="127.0.0.1", port=port, security="none", authenticate=False)
    imap = Receiving(host="127.0.0.1", port=port, security="none")
    for account in (
        Account(name="dead", address="dead@example.invalid", sending=smtp, receiving=imap, auth=Auth(method="none")),
        Account(name="sendonly", address="so@example.invalid", sending=smtp, auth=Auth(method="none")),
        Account(name="recvonly", address="ro@example.invalid", receiving=imap, auth=Auth(method="none")),
        Account(
            name="pop3",
            address="p3@example.invalid",
            sending=smtp,
            receiving=Receiving(protocol="pop3", host="127.0.0.1", port=port, security="none"),
            auth=Auth(method="none"),
        ),
    ):
        ws.add(account)
    ws.save()
    Workspace.create(tmp / "empty")
    broken = tmp / "broken"
    broken.mkdir()
    (broken / "mailkit.toml").write_text('[accounts.x]\naddress = "x@example.invalid"\nsending = 3\n[[[\n')
    (tmp / "latin1.txt").write_bytes("Grüße aus Köln; Straße\n[mail]\nname = Müller\n".encode("latin-1"))
    (tmp / "binary.bin").write_bytes(bytes(range(256)) * 4)
    (tmp / "batch.csv").write_text("to;subject;body\nsomeone@example.invalid;Rechnung 1;Hallo\n", encoding="cp1252")
    (tmp / "message.eml").write_bytes(
        b"From: dead@example.invalid\r\nTo: x@example.invalid\r\nSubject: s\r\n\r\nbody\r\n"
    )
    return {
        "tmp": str(tmp),
        "ws": str(tmp / "ws"),
        "empty": str(tmp / "empty"),
        "broken": str(broken),
        "latin1": str(tmp / "latin1.txt"),
        "binary": str(tmp / "binary.bin"),
        "message": str(tmp / "message.eml"),
        "csv": str(tmp / "batch.csv"),
    }


def test_the_walk_covers_every_command_with_at_least_300_cases():
    covered = {case.words for case in CASES}
    assert covered == {words for words, _ in iter_commands(build_parser())}
    assert len(CASES) >= 300


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_gives_one_line_and_the_right_exit_code(case, world, cli, monkeypatch):
    monkeypatch.delenv("MAILKIT_DEBUG", raising=False)
    argv = [part.format(**world) if "{" in part and "}" in part else part for part in case.argv]
    code, out, err = cli("-w", case.workspace.format(**world), *argv)
    assert "Traceback" not in out + err
    assert "internal error" not in err, err
    assert code in case.expected, f"exit {code}, expected {sorted(case.expected)}: {err.strip() or out.strip()}"
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith(("  - ", "mailkit: warning:"))]
    if code == 2:  # what was wrong, in one line (a configuration's field problems follow it indented)
        assert len(lines) == 1 and lines[0].startswith("mailkit: "), err
    else:  # a failed check or action says what failed, on stdout (a report) or stderr
        assert (out + err).strip()
    assert "b'" not in err and 'b"' not in err, err
