"""What a runbook notebook needs around the library: where to work, and running notebooks headless.

A notebook's parameter cell names a workspace, or leaves it empty to work in the sandbox: the one
Binder's start script runs (``$MAILKIT_WORKSPACE``), else a fresh one started for the notebook.
:func:`run_notebook` executes a notebook with parameters (papermill) and writes it and an HTML
report — what ``make demo`` and ``mailkit runbook`` do for cron jobs and customers' accounts.
"""

from __future__ import annotations

__all__ = ["World", "analysis_journal", "open_world", "report_html", "run_notebook", "scrub_widget_state"]

import json
import os
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError, MailkitError
from .journal.store import Journal
from .sandbox import Sandbox
from .sandbox.process import running
from .workspace import Workspace


@dataclass
class World:
    workspace: Workspace
    sandbox: Sandbox | None = None  # set when this notebook started its own sandbox

    @property
    def is_sandbox(self) -> bool:
        return self.sandbox is not None or (self.workspace.path / ".sandbox" / "sandbox.json").exists()

    def dns_publisher(self):
        """In the sandbox, ``publish(name, value)`` that puts a TXT record into its DNS; elsewhere None."""
        if not self.is_sandbox:
            return None
        from .sandbox.dns import publish

        return lambda name, value: publish(self.workspace.path, name, "TXT", value)

    def close(self) -> None:
        if self.sandbox is not None:
            self.sandbox.stop()

    def __repr__(self) -> str:  # stable in notebooks: no temporary paths or ports
        kind = "sandbox" if self.is_sandbox else "workspace"
        return f"World({kind}, accounts: {', '.join(sorted(self.workspace.accounts))})"


def _running_sandbox(path: Path) -> bool:
    try:
        state = json.loads((path / ".sandbox" / "sandbox.json").read_text())
    except (OSError, json.JSONDecodeError):
        return False
    return running(state.get("pid", -1))


def open_world(workspace: str | Path | None = None, *, sandbox: bool = True, demo_mail: int = 300) -> World:
    """The workspace a runbook works in: the named one; else a running sandbox's; else a new sandbox."""
    if workspace:
        return World(Workspace.open(workspace))
    shared = os.environ.get("MAILKIT_WORKSPACE")
    if shared and _running_sandbox(Path(shared)):
        return World(Workspace.open(shared))
    if not sandbox:
        raise ConfigError("no workspace given and the sandbox is off: set WORKSPACE in the parameter cell")
    started = Sandbox(demo_mail=demo_mail, smime=True).start()
    return World(started.workspace, started)


def analysis_journal(
    world: World,
    synthetic: int = 0,
    *,
    seed: int = 0,
    account: str = "info",
    url: str | None = None,
    password: str | None = None,
) -> Journal:
    """The journal a notebook analyses: a workspace's own; in the sandbox, synthetic or the synced demo mail.

    ``url`` names another journal (a PostgreSQL one, say) to analyse as it is; ``password`` is its
    database password as a secret reference, resolved in the world's workspace.

    The sandbox's demo mailbox holds a few hundred messages and no failed sends: too little for
    the reports to find anything. ``synthetic`` > 0 makes (once, seeded, beside the sandbox's own
    journal, never in it) a synthetic journal of that many messages; 0 syncs ``account``'s demo mail.
    A real workspace is always analysed as it is: ``synthetic`` does not apply there.
    """
    ws = world.workspace
    if url:
        return Journal(url, password=ws.resolve_secret(password) if password else None)
    if world.is_sandbox and synthetic > 0:
        from .journal.synthetic import generate

        path = ws.path / f"synthetic-{synthetic}-seed{seed}.sqlite"
        if not path.exists():
            partial = path.with_name(path.name + ".partial")
            partial.unlink(missing_ok=True)
            generate(partial, synthetic, seed=seed)
            partial.replace(path)
        return Journal(path)
    if world.is_sandbox:
        from .sync import SyncOptions
        from .sync.watch import sync_account

        journal = ws.open_journal()
        if journal.count() == 0:
            sync_account(ws.get(account), ws, journal, SyncOptions(all_folders=True))
        return journal
    if not ws.journal.url and not ws.journal_file.exists():  # opening would create an empty one
        raise ConfigError(f"no journal in {ws.path} yet: run notebook 04 or `mailkit sync ACCOUNT` first")
    return ws.open_journal()


def _ipc_kernel_manager() -> type:
    """A kernel manager that talks to the kernel over Unix sockets in the private runtime folder,
    not over loopback TCP, where anyone on the machine could try to reach the kernel.

    Each kernel gets sockets of its own name: jupyter_client's default (``kernel-ipc-N`` in the
    working folder) lets two runbooks started at once, as cron does, talk to each other's kernel.
    Its shutdown is a shutdown request alone: jupyter_client sends SIGINT first, and an ipykernel
    handling a message just then prints "KeyboardInterrupt caught in kernel." on the runbook's
    terminal, an error line for nothing (the cells have run, or were stopped, by then).
    """
    import secrets

    from jupyter_client import AsyncKernelManager
    from jupyter_core.paths import jupyter_runtime_dir

    class IPCKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            runtime = Path(jupyter_runtime_dir())
            runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
            sockets = runtime / f"mailkit-{secrets.token_hex(6)}-ipc"
            super().__init__(transport="ipc", ip=str(sockets), **kwargs)

        async def _async_interrupt_kernel(self) -> None:
            if not self.shutting_down:
                await super()._async_interrupt_kernel()

    return IPCKernelManager


WIDGET_RENDERER = "html-manager-1.0.15-embed.js.gz"  # in mailkit/static/, see its README
_STATIC = Path(__file__).parent / "static"
_WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def scrub_widget_state(notebook) -> int:
    """Empty every password field in a notebook's saved widget state; the number emptied.

    The forms clear their password field after use; this makes sure of it for whatever a runbook shows.
    """
    state = notebook.metadata.get("widgets", {}).get(_WIDGET_STATE, {}).get("state", {})
    emptied = 0
    for model in state.values():
        if model.get("model_name") == "PasswordModel" and model.get("state", {}).get("value"):
            model["state"]["value"] = ""
            emptied += 1
    return emptied


def report_html(notebook) -> str:
    """An executed notebook as one self-contained HTML page; its widgets as they were when it ran."""
    import gzip

    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab",
        extra_template_paths=[str(_STATIC)],
        template_file="runbook-report.html.j2",
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    renderer = gzip.decompress((_STATIC / WIDGET_RENDERER).read_bytes()).decode("utf-8")
    body, _ = exporter.from_notebook_node(notebook, resources={"mailkit_widget_renderer": renderer})
    return body


def run_notebook(notebook: Path | str, output_dir: Path | str, parameters: dict | None = None) -> tuple[Path, Path]:
    """Execute a notebook top to bottom with parameters; write the executed notebook and an HTML report.

    The widgets' state is saved with the notebook (nbclient's ``store_widget_state``), password fields
    emptied, so the notebook and its report show the forms and tables as the run left them.
    """
    import nbformat
    import papermill

    notebook, output_dir = Path(notebook), Path(output_dir)
    if not notebook.is_file() or notebook.suffix != ".ipynb":
        raise ConfigError(f"no notebook {notebook}: name an .ipynb file or one of mailkit's runbooks")
    parameters = parameters or {}
    try:
        known = papermill.inspect_notebook(str(notebook))
    except Exception as exc:  # papermill reads any JSON it is given; a wrong file fails in many ways
        raise ConfigError(f"{notebook} is not a readable notebook ({type(exc).__name__})") from exc
    unknown = sorted(set(parameters) - set(known))
    if unknown:
        raise ConfigError(
            f"{notebook.name} has no parameter {', '.join(unknown)}: its parameters are "
            f"{', '.join(known) or 'none (no cell tagged parameters)'}"
        )
    output_dir.mkdir(parents=True, exist_ok=True)
    executed = output_dir / notebook.name
    try:
        papermill.execute_notebook(
            str(notebook),
            str(executed),
            parameters=parameters,
            kernel_name="python3",
            progress_bar=False,
            cwd=str(notebook.parent),
            kernel_manager_class=_ipc_kernel_manager(),
            store_widget_state=True,
        )
    except papermill.PapermillExecutionError as exc:
        failure = f"{notebook.name} stopped in cell {exc.exec_count}: {exc.ename}: {exc.evalue} (see {executed})"
        if exc.ename in ("ConfigError", "WorkspaceError", "FormatError", "SecretError"):
            raise ConfigError(failure) from None
        raise MailkitError(failure) from None
    result = nbformat.read(executed, as_version=4)
    if scrub_widget_state(result):
        nbformat.write(result, executed)
    report = executed.with_suffix(".html")
    report.write_text(report_html(result), encoding="utf-8")
    return executed, report


def seed_reports(world: World, account: str = "info", folder: str = "DMARC", *, days: int = 21, seed: int = 7) -> int:
    """Sandbox only: fill a reports folder with seeded DMARC and TLS reports (once); returns how many it added.

    What the domain's ``rua``/``tlsrpt`` addresses would have collected in ``days`` days from four
    reporting organisations (:func:`mailkit.sandbox.reports.reports_mailbox`). A real workspace is
    never touched.
    """
    if not world.is_sandbox:
        return 0
    from .net.connect import imap_login
    from .sandbox.reports import reports_mailbox

    target = world.workspace.get(account)
    domain = target.address.rpartition("@")[2]
    with imap_login(target, world.workspace) as client:
        if client.folder_exists(folder) and client.folder_status(folder, [b"MESSAGES"])[b"MESSAGES"]:
            return 0
        if not client.folder_exists(folder):
            client.create_folder(folder)
        mails = reports_mailbox(domain, target.address, days=days, seed=seed)
        for raw in mails:
            client.append(folder, raw)
    return len(mails)
