"""`mailkit sync` as a cron job runs it: JSON output, and a process killed mid-run loses nothing."""

import datetime as dt
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass

from mailkit.journal import Journal


@dataclass(frozen=True)
class Seed:
    folder: str
    raw: bytes
    flags: tuple[str, ...]
    received: dt.datetime


def seed_inbox(sandbox, count: int) -> list[bytes]:
    rng = random.Random(3)
    raws = [
        (
            f"Message-ID: <kill{i}@kunde.test>\r\nFrom: kunde@kunde.test\r\nTo: info@mailkit.test\r\n"
            f"Date: Mon, 02 Nov 2026 10:{i % 60:02d}:00 +0100\r\nSubject: Bestellung {i}\r\n\r\n"
            + "Zeile\r\n"
            * rng.randint(10, 400)
        ).encode()
        for i in range(count)
    ]
    now = dt.datetime.now(dt.UTC)
    sandbox.write_maildir("info@mailkit.test", [Seed("INBOX", raw, (), now) for raw in raws])
    return raws


def mailkit(workspace, *args, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "mailkit", "-w", str(workspace.path), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def test_sync_cli_reports_counts_as_json(fresh_sandbox):
    seed_inbox(fresh_sandbox, 12)
    ws = fresh_sandbox.workspace
    out, err = mailkit(ws, "sync", "info", "--json").communicate(timeout=60)
    report = json.loads(out)["data"]
    assert report["ok"] and report["totals"]["new"] == 12, err
    out, _ = mailkit(ws, "sync", "info", "--json").communicate(timeout=60)
    assert json.loads(out)["data"]["folders"][0]["skipped"] is True
    done = mailkit(ws, "sync", "info", "--folder", "Nope")
    _, err = done.communicate(timeout=60)
    assert done.returncode == 1 and "folder 'Nope' cannot be read" in err


def test_a_failing_hook_or_a_bad_route_is_a_failed_run(fresh_sandbox):
    seed_inbox(fresh_sandbox, 3)
    ws = fresh_sandbox.workspace
    (ws.path / "crm_hook.py").write_text("def boom(message):\n    raise ValueError('CRM down')\n")
    process = mailkit(ws, "sync", "info", "--hook", "crm_hook:boom", "--json")
    out, err = process.communicate(timeout=60)
    report = json.loads(out)["data"]
    folder = report["folders"][0]
    assert process.returncode == 1 and not report["ok"] and report["totals"]["new"] == 3, err
    assert folder["status"] == "failed" and folder["error"].startswith("hook crm_hook.boom failed on UID ")
    assert "ValueError: CRM down" in folder["error"] and "0x" not in out

    process = mailkit(ws, "sync", "info", "--route", "Angebot (\\d+=quote")
    _, err = process.communicate(timeout=60)
    assert process.returncode == 2 and "is not a regular expression" in err and "Traceback" not in err


def test_killed_processes_lose_nothing_and_import_nothing_twice(fresh_sandbox):
    raws = seed_inbox(fresh_sandbox, 1500)
    ws = fresh_sandbox.workspace
    targets = sorted(random.Random(11).sample(range(50, 1450), 5))  # kill when the journal holds this many
    kills = 0
    for target in targets:
        process = mailkit(ws, "sync", "info", "--batch-size", "40", "--json")
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            if ws.journal_file.exists():
                with sqlite3.connect(ws.journal_file, timeout=5) as db:
                    try:
                        held = db.execute("SELECT count(*) FROM messages").fetchone()[0]
                    except sqlite3.OperationalError:  # the schema is still being made
                        held = 0
                if held >= target:
                    os.kill(process.pid, signal.SIGKILL)
                    kills += 1
                    break
            time.sleep(0.005)
        process.communicate(timeout=30)
    final = mailkit(ws, "sync", "info", "--json")
    out, err = final.communicate(timeout=120)
    assert final.returncode == 0, err
    assert kills >= 3
    with Journal(ws.journal_file) as journal:
        assert journal.count() == 1500
        assert journal.db.execute("SELECT count(DISTINCT message_key) FROM messages").fetchone()[0] == 1500
        assert journal.db.execute("SELECT count(*) FROM locations WHERE present=1").fetchone()[0] == 1500
        stored = {journal.raw(row) for (row,) in journal.db.execute("SELECT id FROM messages")}
        statuses = {status for (status,) in journal.db.execute("SELECT status FROM runs")}
    assert stored == set(raws)
    assert "interrupted" in statuses and "running" not in statuses


def test_second_concurrent_import_is_refused(fresh_sandbox):
    seed_inbox(fresh_sandbox, 5)
    ws = fresh_sandbox.workspace
    with Journal(ws.journal_file) as journal, journal.account_lock("info"):  # an import under way elsewhere
        second = mailkit(ws, "sync", "info")
        _, err = second.communicate(timeout=60)
    assert second.returncode == 1 and "another import of account 'info' is running" in err
    after = mailkit(ws, "sync", "info", "--json")
    assert json.loads(after.communicate(timeout=60)[0])["data"]["totals"]["new"] == 5
