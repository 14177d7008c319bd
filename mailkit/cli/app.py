"""``mailkit app onboarding``: the onboarding app in Voilà on loopback, for a consultant's browser.

Voilà runs the app notebook (``notebooks/apps/onboarding.ipynb``) with the workspace named by ``-w``
(or ``$MAILKIT_WORKSPACE``); a workspace that does not exist yet is refused, except with ``--sandbox``,
where the app starts a sandbox of its own. It listens on 127.0.0.1 only; Ctrl-C stops it. Voilà
replaces the ``mailkit`` process (exec), so a signal to it stops the server and its kernels.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..errors import ConfigError
from ..i18n import LANGUAGES
from ..workspace import Workspace
from ._common import print_envelope

APPS = Path(__file__).resolve().parents[2] / "notebooks" / "apps"


def app_command(name: str, port: int, *, workspace: Path | None, lang: str, browser: bool) -> tuple[list[str], dict]:
    """The Voilà command line and environment that serve app ``name``."""
    notebook = APPS / f"{name}.ipynb"
    if not notebook.exists():
        raise ConfigError(f"no app notebook {notebook}: mailkit's apps are in notebooks/apps/ of its source tree")
    env = {**os.environ, "MAILKIT_LANG": lang}
    env.pop("MAILKIT_WORKSPACE", None)
    if workspace is not None:
        Workspace.open(workspace)  # a wrong folder fails here, in one line, not in the browser
        env["MAILKIT_WORKSPACE"] = str(workspace.resolve())
    command = [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        f"--Voila.root_dir={APPS}",
        *([] if browser else ["--no-browser"]),
    ]
    return command, env


def cmd_app(args) -> int:
    workspace = None if args.sandbox else Path(args.workspace)
    command, env = app_command(args.app, args.port, workspace=workspace, lang=args.lang, browser=args.open)
    url = f"http://127.0.0.1:{args.port}/"
    if args.json:
        print_envelope({"app": args.app, "url": url, "workspace": str(workspace or "(a new sandbox)")}, True)
    else:
        print(f"mailkit app {args.app}: {url} (Ctrl-C stops it)", flush=True)
    sys.stdout.flush()
    # Voilà takes this process's place: a stop signal (Ctrl-C, a service manager's TERM) reaches it, not an orphan
    os.execve(sys.executable, command, env)
    return 0  # not reached


def add_commands(sub, command) -> None:
    group = sub.add_parser("app", help="start one of mailkit's apps (Voilà on loopback)")
    apps = group.add_subparsers(dest="app", required=True)
    p = command(apps, "onboarding", cmd_app, "the onboarding app: address to working account, DNS records, handover")
    p.add_argument("--port", type=int, default=8866, help="port on 127.0.0.1 (default 8866)")
    p.add_argument("--lang", choices=LANGUAGES, default="de", help="the app's language at start (default de)")
    p.add_argument("--sandbox", action="store_true", help="ignore -w: the app starts a sandbox of its own")
    p.add_argument("--open", action="store_true", help="open the app in the default browser")
