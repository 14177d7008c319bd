"""``mailkit runbook NOTEBOOK [-p NAME VALUE ...]``: run a runbook headless, for cron and customers' accounts."""

from __future__ import annotations

# The commands import what they need (network, OAuth, DKIM, the sync engine) when they run:
# `mailkit --help` and every other command stay fast.
import ast
from pathlib import Path

from ._common import print_json

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def _value(text: str):
    """A parameter value: a Python literal (None, 3, ["INBOX"]) if it is one, else the text."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def cmd_runbook(args) -> int:
    from ..runbook import run_notebook

    notebook = Path(args.notebook)
    if not notebook.exists() and (NOTEBOOKS / notebook.name).exists():
        notebook = NOTEBOOKS / notebook.name  # `mailkit runbook 04-sync-run.ipynb` from anywhere
    parameters = {name: _value(value) for name, value in args.parameter or []}
    executed, report = run_notebook(notebook, args.out, parameters)
    if args.json:
        print_json({"notebook": str(executed), "report": str(report), "parameters": parameters})
    else:
        print(f"ran {notebook.name}: {executed} and {report}")
    return 0


def add_commands(sub, command) -> None:
    p = command(sub, "runbook", cmd_runbook, "run a runbook notebook headless and write it with an HTML report")
    p.add_argument("notebook", help="a notebook file, or the name of one of mailkit's runbooks")
    p.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        help="set a name of the notebook's parameters cell (repeatable), e.g. -p ACCOUNT info; unknown: refused",
    )
    p.add_argument("--out", default="build/runbooks", help="where the executed notebook and report go")
    p.add_argument("--json", action="store_true")
