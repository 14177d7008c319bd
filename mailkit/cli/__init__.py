"""The ``mailkit`` command: everything a notebook can do, from a shell or cron.

Each command module adds its subcommands (``add_commands``) through the ``command`` helper;
:func:`main` is the one error boundary around all of them (``_boundary`` maps errors to exit codes).
``-w``, ``--json`` and ``--debug`` are accepted anywhere on the line, on every command.

A command line imports and builds only the module its first word names (``COMMANDS``): building all
of them costs more than a sync that finds nothing new. ``mailkit --help`` and unknown words build all.
"""

from __future__ import annotations

__all__ = ["build_parser", "iter_commands", "main"]

import argparse
import contextlib
import importlib
import os
import sys
import traceback
import warnings

from ._boundary import EXIT_CODES, UsageError, classify, show_warnings_once
from ._common import _Result, print_envelope
from ._effects import EFFECTS

# the command modules in the order --help lists them, each with the top-level words it adds or adds to
COMMANDS: dict[str, tuple[str, ...]] = {
    "accounts": ("init", "accounts", "secrets", "check"),
    "settings": ("accounts", "users", "groups", "senders", "signature", "policy"),
    "receiving": ("accounts",),
    "runbook": ("runbook",),
    "sandbox": ("sandbox",),
    "send": ("send", "send-test", "send-batch", "send-retry-copies"),
    "sync": ("sync", "watch", "sync-record", "record-folder", "cleanup-folders", "journal"),
    "journal_report": ("journal",),
    "journal_explore": ("journal",),
    "journal_reports": ("journal",),
    "journal_copy": ("journal",),
    "journal_view": ("journal",),
    "diagnose": ("autoconfig", "diagnose"),
    "dkim": ("dkim",),
    "oauth": ("oauth",),
    "app": ("app",),
    "report": ("report",),
    "smime": ("smime",),
}

# options every command takes, anywhere on the line: (flags, the top-level argument's keywords)
GLOBAL_OPTIONS = (
    (
        ("-w", "--workspace"),
        {
            "default": os.environ.get("MAILKIT_WORKSPACE", "workspace"),
            "help": "workspace folder (default: $MAILKIT_WORKSPACE, else ./workspace)",
        },
    ),
    (("--json",), {"action": "store_true", "help": "print one JSON envelope: {ok, data, errors}"}),
    (("--debug",), {"action": "store_true", "help": "on an error, also print the traceback"}),
)

EPILOG = "exit codes: " + "; ".join(f"{code} {meaning}" for code, meaning in EXIT_CODES.items())


class _Formatter(argparse.HelpFormatter):
    """argparse's layout, but a blank line in a description starts a new paragraph."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n\n".join(super(_Formatter, self)._fill_text(part, width, indent) for part in text.split("\n\n"))


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that hands its complaints to the error boundary instead of exiting."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        raise UsageError(self.prog, message)


def _children(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield from dict.fromkeys(action.choices.values())


def iter_commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """Every runnable command as (words, its parser): ``(("accounts", "add"), parser)``."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                if child.get_default("func") is not None:
                    yield (*path, name), child
                yield from iter_commands(child, (*path, name))


def _spread_global_options(parser: argparse.ArgumentParser) -> None:
    """Give every subcommand the global options; their values come from wherever they appear.

    A subcommand's defaults would overwrite what the top level parsed (``mailkit --json check``), so
    there they are suppressed: the top level holds the one default.
    """
    for child in _children(parser):
        for flags, keywords in GLOBAL_OPTIONS:
            existing = child._option_string_actions.get(flags[-1])
            if existing is not None:
                existing.default = argparse.SUPPRESS
                existing.help = existing.help or keywords["help"]
            else:
                usable = [f for f in flags if f not in child._option_string_actions]
                child.add_argument(*usable, **{**keywords, "default": argparse.SUPPRESS})
        _spread_global_options(child)


def build_parser(word: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser; with ``word`` (a command line's first word) only the modules adding it."""
    parser = _Parser(
        prog="mailkit",
        description="Mail administration for business software.",
        epilog=EPILOG,
    )
    for flags, keywords in GLOBAL_OPTIONS:
        parser.add_argument(*flags, **keywords)
    sub = parser.add_subparsers(dest="command", required=True)

    def command(parent, name, func, help_text):
        p = parent.add_parser(name, help=help_text, description=help_text, epilog=EPILOG)
        p.set_defaults(func=func, prog=p.prog)
        return p

    for name in _modules_for(word):
        importlib.import_module(f"{__name__}.{name}").add_commands(sub, command)
    _spread_global_options(parser)
    _describe(parser)
    return parser


def _modules_for(word: str | None) -> list[str]:
    """The modules that add ``word``, and the ones creating the groups those add to (all for None)."""
    chosen = {name for name, words in COMMANDS.items() if word in words}
    while needed := {_creator(group) for name in chosen for group in COMMANDS[name]} - chosen:
        chosen |= needed
    return [name for name in COMMANDS if name in chosen] or list(COMMANDS)


def _creator(word: str) -> str:
    return next(name for name, words in COMMANDS.items() if word in words)


def _first_word(argv: list[str]) -> str | None:
    """The command a line names: its first word that is neither a global option nor the value of ``-w``."""
    takes_value = {"-w", "--workspace"}
    words = iter(argv)
    for arg in words:
        if arg in takes_value:
            next(words, None)
        elif not arg.startswith("-"):
            return arg
        elif arg.split("=", 1)[0] not in {"--workspace", "--json", "--debug"} and not arg.startswith("-w"):
            return None  # --help and the like: the whole parser
    return None


def _describe(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> None:
    """A group's --help says what it is (its line in the list above it); a command's ends with what it
    reads and writes (``_effects.EFFECTS``)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            lines = {choice.dest: choice.help for choice in action._choices_actions}
            for name, child in action.choices.items():
                child.description = child.description or lines.get(name)
                effects = EFFECTS.get(" ".join((*path, name)))
                if effects and child.get_default("func") is not None:
                    child.description = f"{child.description}\n\n{effects}"
                _describe(child, (*path, name))


def _run(argv: list[str]) -> int:
    args, unknown = build_parser(_first_word(argv)).parse_known_args(argv)
    if unknown:  # named by the command they were given to, not by the top level
        raise UsageError(args.prog, f"unrecognized arguments: {' '.join(unknown)}")
    if not args.json:
        return args.func(args)
    with contextlib.redirect_stdout(sys.stderr):  # stdout holds the envelope only; anything else is a note
        code = args.func(args)
    print_envelope(_Result.data, ok=code == 0)
    return code


def main(argv: list[str] | None = None) -> int:
    """Run one command; whatever goes wrong ends as one line on stderr and a documented exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in argv or bool(os.environ.get("MAILKIT_DEBUG"))
    _Result.data, _Result.streamed, _Result.stdout = None, False, sys.stdout
    with warnings.catch_warnings():
        show_warnings_once(sys.stderr)
        try:
            return _run(argv)
        except SystemExit as exc:  # --help and --version
            return exc.code if isinstance(exc.code, int) else 0
        except BrokenPipeError:  # output piped into head and the like
            sys.stderr.close()
            return 0
        except (Exception, KeyboardInterrupt) as exc:  # the boundary: whatever a command raised
            failure = classify(exc)
            if debug:
                traceback.print_exception(exc, file=sys.stderr)
            if "--json" in argv:
                print_envelope(_Result.data, ok=False, errors=[failure.to_dict()])
            print(f"mailkit: {failure.message}", file=sys.stderr)
            return failure.code
