"""``mailkit sandbox start|serve|stop|status``: the local mail world as a background service."""

from __future__ import annotations

# The commands import what they need (network, OAuth, DKIM, the sync engine) when they run:
# `mailkit --help` and every other command stay fast.
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from ..errors import ConfigError, SandboxError
from ._common import print_json


def _state_file(folder: Path) -> Path:
    return folder / ".sandbox" / "sandbox.json"


def _read_state(folder: Path) -> dict | None:
    try:
        return json.loads(_state_file(folder).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _public(state: dict) -> dict:
    """The state without the throw-away passwords (only ``start`` prints those)."""
    return {**state, "users": [{k: v for k, v in u.items() if k != "password"} for u in state.get("users", [])]}


def _print_endpoints(state: dict, note: str) -> None:
    print(note)
    print(f"  workspace  {state['workspace']}")
    print(f"  CA file    {state['ca_file']}")
    print(f"  DNS        {state['dns']['host']}:{state['dns']['port']} (zones {', '.join(state['domains'])})")
    for proto in ("imap", "pop3", "smtp"):
        e = state[proto]
        plain = "STARTTLS" if proto != "pop3" else "STLS"
        print(f"  {proto.upper():<9}  {e['host']}:{e['port']} ({plain}), {e['host']}:{e['tls_port']} (TLS)")
    if "postgres" in state:
        print(f"  PostgreSQL {state['postgres']['url']} (password: {state['postgres']['secret']})")
    for user in state["users"]:
        print(f"  user       {user['address']:<28} account {user['account']}")
    print(f"Use it: mailkit -w {state['workspace']} accounts list")


def cmd_sandbox_start(args) -> int:
    from ..sandbox.process import running

    folder = Path(args.dir or args.workspace).resolve()
    state = _read_state(folder)
    if state and running(state["pid"]):
        if args.json:
            print_json(state)
        else:
            _print_endpoints(_public(state), f"The sandbox is running already (pid {state['pid']}).")
        return 0
    (folder / ".sandbox").mkdir(parents=True, exist_ok=True)
    _state_file(folder).unlink(missing_ok=True)
    log = folder / ".sandbox" / "sandbox.log"
    command = [
        sys.executable,
        "-m",
        "mailkit",
        "sandbox",
        "serve",
        "--dir",
        str(folder),
        "--demo-mail",
        str(args.demo_mail),
        *(["--postgres"] if args.postgres else []),
    ]
    with log.open("w") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
    deadline = time.monotonic() + args.timeout
    while True:
        state = _read_state(folder)
        if state and state.get("pid") == process.pid:
            break
        if process.poll() is not None or time.monotonic() > deadline:
            if process.poll() is None:
                process.terminate()
            tail = "\n".join(log.read_text("utf-8", "replace").splitlines()[-15:])
            raise SandboxError(f"the sandbox did not start; its log {log} says:\n{tail}")
        time.sleep(0.05)
    if args.json:
        print_json(state)
    else:
        _print_endpoints(
            state,
            f"Sandbox started in {state['start_seconds']} s (pid {state['pid']}); "
            f"stop it with `mailkit sandbox stop --dir {folder}`.",
        )
        for user in state["users"]:
            print(f"  password   {user['address']:<28} {user['password']}   (throw-away, sandbox only)")
    return 0


def cmd_sandbox_serve(args) -> int:
    """Run the sandbox in the foreground until SIGTERM or SIGINT (``start`` runs this in the background)."""
    from ..sandbox import Sandbox

    folder = Path(args.dir or args.workspace).resolve()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    sandbox = Sandbox(folder, demo_mail=args.demo_mail, postgres=args.postgres, smime=True).start()
    try:
        state = sandbox.write_state(os.getpid())
        print(f"sandbox ready in {sandbox.start_seconds:.3f} s; state in {state}", flush=True)
        stop.wait()
    finally:
        sandbox.stop()
        _state_file(folder).unlink(missing_ok=True)
        print("sandbox stopped", flush=True)
    return 0


def cmd_sandbox_stop(args) -> int:
    from ..sandbox.process import running

    folder = Path(args.dir or args.workspace).resolve()
    state = _read_state(folder)
    if not state:
        print_json({"dir": str(folder), "stopped": False})
        print(f"No sandbox is running in {folder}.")
        return 0
    pid = state["pid"]
    if running(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + args.timeout
        while running(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if running(pid):
            raise SandboxError(f"the sandbox (pid {pid}) did not stop within {args.timeout} s; kill it by hand")
    else:  # it died without cleaning up: stop what it left behind
        from ..sandbox.dovecot import Dovecot

        Dovecot.stop_folder(folder / ".sandbox" / "dovecot")
        if (folder / ".sandbox" / "postgres" / "data").exists():
            from ..sandbox.postgres import PostgresServer

            PostgresServer(folder / ".sandbox" / "postgres", port=0).stop()
    _state_file(folder).unlink(missing_ok=True)
    print_json({"dir": str(folder), "stopped": True})
    print(f"Sandbox in {folder} stopped.")
    return 0


def cmd_sandbox_status(args) -> int:
    from ..sandbox.process import running

    folder = Path(args.dir or args.workspace).resolve()
    state = _read_state(folder)
    up = bool(state and running(state["pid"]))
    if args.json:
        print_json({"running": up, **(_public(state) if up else {"workspace": str(folder)})})
    elif up:
        _print_endpoints(_public(state), f"The sandbox is running (pid {state['pid']}).")
    else:
        print(f"No sandbox is running in {folder}.")
    return 0 if up else 1


def cmd_sandbox_publish(args) -> int:
    """Change the running sandbox's DNS zone from this process (it reads the overlay at each query)."""
    from ..sandbox.dns import publish

    folder = Path(args.dir or args.workspace).resolve()
    if not (folder / ".sandbox").is_dir():
        raise ConfigError(
            f"{folder} is no sandbox, so mailkit cannot publish {args.name} there: "
            "paste the record into the domain's DNS (its hosting panel) instead"
        )
    publish(folder, args.name, args.type, *args.values)
    done = f"published {len(args.values)} TXT record(s) at" if args.values else "removed the TXT records of"
    if args.json:
        print_json({"name": args.name, "type": args.type, "values": args.values})
    else:
        print(f"Sandbox DNS: {done} {args.name}.")
    return 0


def add_commands(sub, command) -> None:
    sandbox = sub.add_parser("sandbox", help="the local mail world of real servers").add_subparsers(
        dest="action", required=True
    )
    for name, func, text in (
        ("start", cmd_sandbox_start, "start the sandbox in the background and write its workspace"),
        ("serve", cmd_sandbox_serve, "run the sandbox in the foreground (what start runs)"),
        ("stop", cmd_sandbox_stop, "stop the sandbox"),
        ("status", cmd_sandbox_status, "is it running, and where"),
    ):
        p = command(sandbox, name, func, text)
        p.add_argument("--dir", help="sandbox folder (default: the workspace)")
        p.add_argument("--json", action="store_true")
        if name in ("start", "stop"):
            p.add_argument("--timeout", type=float, default=60.0, help=f"seconds to wait for it to {name} (default 60)")
        if name in ("start", "serve"):
            p.add_argument("--demo-mail", type=int, default=300, help="demo mails in the first user's mailbox")
            p.add_argument("--postgres", action="store_true", help="also a PostgreSQL cluster for a shared journal")
    p = command(sandbox, "publish", cmd_sandbox_publish, "set TXT records in the sandbox's DNS (none: remove them)")
    p.add_argument("name", help="e.g. mk2026._domainkey.mailkit.test")
    p.add_argument("type", choices=["TXT"], help="the record type (TXT only)")
    p.add_argument("values", nargs="*", help="the record values (each one record)")
    p.add_argument("--dir", help="sandbox folder (default: the workspace)")
    p.add_argument("--json", action="store_true")
