"""``mailkit journal explore VIEW``: the journal explorer's tables in a terminal, a script or a cron job.

The same :func:`mailkit.explore.explore` the notebook widget asks, with the same filters as options,
so whatever a consultant finds by clicking can be scheduled unchanged.
"""

from __future__ import annotations

__all__ = ["add_commands", "add_explore_command"]

import argparse
import json
from pathlib import Path

from ..errors import ConfigError
from ._common import open_journal, open_workspace, print_json
from .journal_report import _date


def _open_journal(args):
    path = Path(args.journal) if args.journal else open_workspace(args).journal_file
    return open_journal(path, "`mailkit sync ACCOUNT` makes one, or name one with --journal")


def _rows(table) -> list[dict]:
    """The table as JSON-ready rows: index columns first, column levels joined with dots, times as ISO."""
    flat = table.copy()
    if flat.columns.nlevels > 1:
        flat.columns = [".".join(str(p) for p in column) for column in flat.columns]
    else:
        flat.columns = [str(c) for c in flat.columns]
    if any(name is not None for name in flat.index.names):
        flat = flat.reset_index()
    return json.loads(flat.to_json(orient="records", date_format="iso"))


PLOT_FORMATS = (".png", ".svg", ".pdf")


def _check_plot_target(path: str | None) -> None:
    """Before the journal is read: a plot file the figure can be saved to."""
    if path is None:
        return
    target = Path(path)
    if target.suffix.lower() not in PLOT_FORMATS:
        raise ConfigError(f"--plot {path}: name a .png, .svg or .pdf file (the suffix picks the format)")
    if not target.parent.is_dir():
        raise ConfigError(f"--plot {path}: the folder {target.parent} does not exist")
    if target.is_dir():
        raise ConfigError(f"--plot {path} is a folder: name a file")


def cmd_journal_explore(args) -> int:
    from ..explore import Query, explore

    _check_plot_target(args.plot)
    query = Query(
        view=args.view,
        since=_date(args.since, "--since"),
        until=_date(args.until, "--until"),
        accounts=tuple(args.account or ()),
        direction=args.direction,
        domain=args.domain or "",
        per=args.per,
        group=args.group,
        top=args.top,
        lang=args.lang,
    )
    with _open_journal(args) as journal:
        shown = explore(journal, query)
    if args.plot and shown.figure is not None:
        shown.figure.savefig(args.plot, dpi=100)
    if args.json:
        print_json({"view": args.view, "caption": shown.caption, "plot": args.plot if shown.figure else None,
                    "rows": _rows(shown.table)})  # fmt: skip
    else:
        print(shown.caption)
        print(shown.table.to_string(max_rows=args.top) if len(shown.table) else "(no rows)")
    return 0


def add_explore_command(journal, command) -> None:
    """Add ``explore`` to the ``journal`` group's subcommands."""
    from ..journal.views import VIEWS

    views = "; ".join(f"{name}: {why}" for name, why in VIEWS.items())
    p = command(journal, "explore", cmd_journal_explore, "one view of the journal as a table (and a plot)")
    p.add_argument("view", choices=list(VIEWS), metavar="VIEW", help=views)
    p.add_argument("--since", metavar="DATE", help="only from this date on (YYYY-MM-DD, UTC)")
    p.add_argument("--until", metavar="DATE", help="only before this date (YYYY-MM-DD, UTC)")
    p.add_argument("--account", action="append", help="only this account (repeat for more)")
    p.add_argument("--direction", choices=("in", "out"), help="only inbound or outbound mail")
    p.add_argument("--domain", metavar="TEXT", help="only correspondents whose domain contains TEXT")
    p.add_argument("--per", choices=("day", "week", "month", "hour", "weekday"), default="week",
                   help="volume: period (default week)")  # fmt: skip
    p.add_argument("--group", choices=("account", "weekday", "hour"), default="account",
                   help="response_times: group by (default account)")  # fmt: skip
    p.add_argument("--top", type=int, default=20, help="rows to show (default 20)")
    p.add_argument("--lang", choices=("en", "de"), default="en", help="language of reasons and plots (default en)")
    p.add_argument("--plot", metavar="FILE", help="also save the plot (PNG, SVG or PDF by the file's suffix)")
    p.add_argument("--journal", metavar="FILE", help="a journal file instead of the workspace's (e.g. a synthetic one)")
    p.add_argument("--json", action="store_true")


def add_commands(sub, command) -> None:
    """Join the ``journal`` group (made by whichever command module came first)."""
    group = sub.choices.get("journal") or sub.add_parser("journal", help="the mail journal")
    found = [a for a in group._actions if isinstance(a, argparse._SubParsersAction)]
    journal = found[0] if found else group.add_subparsers(dest="action", required=True)
    add_explore_command(journal, command)
