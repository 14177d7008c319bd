"""Every command's --help says what it is, what each option does, and what it reads and writes."""

import argparse
import importlib
import re

import pytest

from mailkit import cli
from mailkit.cli import build_parser, iter_commands
from mailkit.cli._effects import EFFECTS

PARSER = build_parser()
COMMANDS = {" ".join(words): parser for words, parser in iter_commands(PARSER)}
# what a Python object looks like when it leaks into a text meant for people
INTERNAL = re.compile(r"<[\w.]+ object at 0x|<function |<class '|\bb'|\bb\"|Namespace\(|\(default: None\)|%\(")


def _groups(parser: argparse.ArgumentParser, path=()):
    """Every (words, parser, its line in the parent's list) below ``parser``, commands and groups alike."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            lines = {choice.dest: choice.help for choice in action._choices_actions}
            for name, child in action.choices.items():
                yield " ".join((*path, name)), child, lines.get(name)
                yield from _groups(child, (*path, name))


def test_every_command_and_group_has_a_line_in_the_list_and_a_description():
    found = list(_groups(PARSER))
    assert len(found) > len(COMMANDS) >= 70
    bare = [words for words, parser, line in found if not (line or "").strip() or not (parser.description or "")]
    assert bare == [], f"no help line or description: {bare}"


@pytest.mark.parametrize("words", sorted(COMMANDS))
def test_every_argument_of_every_command_has_help(words):
    parser = COMMANDS[words]
    bare = [
        "/".join(action.option_strings) or action.dest
        for action in parser._actions
        if not isinstance(action, argparse._HelpAction) and not (action.help or "").strip()
    ]
    assert bare == [], f"mailkit {words}: arguments without help: {bare}"


def test_every_command_says_what_it_reads_and_writes():
    assert sorted(set(COMMANDS) - set(EFFECTS)) == [], "commands without a line in mailkit/cli/_effects.py"
    assert sorted(set(EFFECTS) - set(COMMANDS)) == [], "lines in mailkit/cli/_effects.py for no command"


@pytest.mark.parametrize("words", sorted(COMMANDS))
def test_help_shows_the_effects_and_no_internal_reprs(cli, words):
    code, out, err = cli(*words.split(), "--help")
    assert code == 0 and err == ""
    assert re.sub(r"\s", "", EFFECTS[words]) in re.sub(r"\s", "", out)  # wrapped lines may break at a hyphen
    assert not INTERNAL.search(out), INTERNAL.search(out)


@pytest.mark.parametrize(
    ("words", "said"),
    [
        ("send-batch", ["to and subject (required)", "Comma, semicolon or tab", "Windows-1252", "journal"]),
        ("accounts import-kivitendo", ["UTF-8, else Windows-1252 or Latin-1", "secrets.toml"]),
        ("journal export", ["comma-separated, UTF-8", "replaced"]),
        ("sync", ["quarantine", "after_import", "--dry-run changes nothing"]),
        ("check", ["Sends no mail"]),
    ],
)
def test_the_help_of_commands_that_read_files_names_format_and_encoding(cli, words, said):
    flat = re.sub(r"\s", "", cli(*words.split(), "--help")[1])
    assert [s for s in said if re.sub(r"\s", "", s) not in flat] == []


@pytest.mark.parametrize("action", ["stop", "status"])
def test_sandbox_stop_and_status_list_only_their_own_options(cli, action):
    out = cli("sandbox", action, "--help")[1]
    assert "--dir" in out and "--demo-mail" not in out and "--postgres" not in out


def test_the_table_of_command_modules_names_every_word_each_module_adds():
    """``COMMANDS`` is what lets a command line build one module's parsers: it must say what each adds."""
    parser = cli._Parser(prog="mailkit")
    sub = parser.add_subparsers(dest="command")

    def command(parent, name, func, help_text):
        return parent.add_parser(name, help=help_text, description=help_text)

    def snapshot():
        return {word: sorted(_children(child)) for word, child in sub.choices.items()}

    for name, words in cli.COMMANDS.items():
        before = snapshot()
        importlib.import_module(f"mailkit.cli.{name}").add_commands(sub, command)
        touched = {word for word, children in snapshot().items() if before.get(word) != children}
        assert touched == set(words), name


def _children(parser):
    groups = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    return [name for group in groups for name in group.choices]


@pytest.mark.parametrize("word", sorted({word for words in cli.COMMANDS.values() for word in words}))
def test_a_command_line_parses_and_helps_the_same_with_only_its_modules_built(word):
    partial = {words: parser for words, parser in iter_commands(build_parser(word)) if words[0] == word}
    whole = {words: parser for words, parser in iter_commands(PARSER) if words[0] == word}
    assert partial.keys() == whole.keys()
    for words, parser in whole.items():
        assert partial[words].format_help() == parser.format_help(), words


@pytest.mark.parametrize(
    ("argv", "word"),
    [
        (["sync", "info"], "sync"),
        (["-w", "sync", "--json", "check"], "check"),
        (["--workspace", "ws", "--debug", "journal", "explore"], "journal"),
        (["--workspace=ws", "-wws", "dkim"], "dkim"),
        (["--help", "sync"], None),
        ([], None),
    ],
)
def test_the_first_word_skips_global_options_and_their_values(argv, word):
    assert cli._first_word(argv) == word
