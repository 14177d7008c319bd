"""`mailkit sync --all-accounts --workers N` by two processes into one PostgreSQL journal, one of them SIGKILLed."""

import json
import os
import signal
import subprocess
import sys
import time

import psycopg

from mailkit.journal import Journal
from mailkit.sandbox import Sandbox
from mailkit.sandbox.corpus import demo_mailbox
from mailkit.workspace import JournalSettings

ACCOUNTS, MAILS = 20, 500


def sync_all(folder) -> subprocess.Popen:
    command = [sys.executable, "-m", "mailkit", "-w", str(folder), "sync", "--all-accounts", "--workers", "2",
               "--all-folders", "--json"]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_four_workers_in_two_processes_one_killed_every_mail_once(postgres, tmp_path):
    users = [(f"kunde{n:02d}@mailkit.test", f"Kunde {n}", "") for n in range(ACCOUNTS)]
    with Sandbox(tmp_path / "world", users=users, demo_mail=0) as world:
        for n, user in enumerate(world.users):
            world.write_maildir(user.address, demo_mailbox(user.address, count=MAILS, seed=100 + n))
        ws = world.workspace
        ws.journal = JournalSettings(url=postgres.create_database("workers"), password="workspace:journal.password")
        ws.secrets.set("journal.password", postgres.password)
        ws.save()
        Journal(postgres.socket_url("workers")).close()  # the schema first: both processes start on it

        first, second = sync_all(ws.path), sync_all(ws.path)
        with psycopg.connect(postgres.socket_url("workers"), autocommit=True) as db:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:  # kill the first process in the middle of an import
                running = db.execute(
                    "SELECT count(*) FROM runs WHERE worker_pid = %s AND status = 'running'", (first.pid,)
                ).fetchone()[0]
                done = db.execute("SELECT count(*) FROM runs WHERE status = 'ok'").fetchone()[0]
                if running and done >= 2:
                    break
                assert first.poll() is None, first.communicate()
                time.sleep(0.05)
            else:
                raise AssertionError("the first process never got to import")
            os.kill(first.pid, signal.SIGKILL)
            first.wait()
            out, err = second.communicate(timeout=600)
            assert second.returncode == 0, err
            outcomes = json.loads(out)["data"]
            assert len(outcomes) == ACCOUNTS and all(o["ok"] for o in outcomes)

            # every mail of every account once: in the journal (one present location) or in the quarantine
            per_account = dict(db.execute(
                "SELECT account, count(*) FROM locations WHERE present = 1 GROUP BY account"
            ).fetchall())  # fmt: skip
            quarantined = dict(db.execute("SELECT account, count(*) FROM quarantine GROUP BY account").fetchall())
            assert {u.account: per_account.get(u.account, 0) + quarantined.get(u.account, 0) for u in world.users} == {
                u.account: MAILS for u in world.users
            }
            assert (
                db.execute("SELECT count(*) FROM messages").fetchone()[0]
                == db.execute("SELECT count(DISTINCT message_id) FROM locations").fetchone()[0]
            )

            # no account imported by two workers at once; the killed worker's runs were taken over
            runs = db.execute(
                "SELECT account, status, started_at, finished_at, worker_host, worker_pid FROM runs ORDER BY id"
            ).fetchall()
            last_finished: dict[str, str] = {}
            for account, _status, started, finished, host, pid in runs:
                assert started >= last_finished.get(account, ""), (account, started)
                last_finished[account] = finished or "9999"
                assert host and pid in (first.pid, second.pid)
            statuses = {(pid, status) for _, status, _, _, _, pid in runs}
            assert (first.pid, "interrupted") in statuses and (second.pid, "ok") in statuses
            assert all(status in ("ok", "interrupted") for _, status, *_ in runs)
