"""Sync benchmark: ``mailkit sync`` side by side with raw imapclient and mbsync, on realistic mail.

Run: ``.venv/bin/python bench/bench_sync.py [--count 5000] [--big 50000]``. Everything runs
against one sandbox (real Dovecot on loopback), in one run, and the table reports seconds,
ratios and peak memory. Not a test: figures vary with the machine (and its load, printed with
the table); the ratios are the point.

Corpus: :func:`mailkit.sandbox.realistic.realistic` (business mail with HTML, PDF/XLSX/JPEG/PNG
attachments, inline images, forwards, bounces, legacy charsets; median ≈ 20 KB, mean ≈ 30 KB,
up to 10 MB), and as a second row the plain-text :func:`mailkit.sandbox.corpus.bulk`.

Measured, each through the CLI as a user runs it (``mailkit sync ACCOUNT --folder F --json``):
- a full import against raw imapclient (``BODY.PEEK[]`` in batches of 200, nothing stored; logged
  in as mailkit logs in, so with imaplib's debug formatting off — the row "as it ships" keeps
  imapclient's default, level 5, which formats every literal) and mbsync (Debian's isync, into a
  Maildir);
- a no-change run against mbsync's no-change run;
- the rebind after a UIDVALIDITY change (goal: at most 0.5x a full import);
- peak RSS of ``mailkit sync`` for COUNT and for BIG mails (goal: at most 300 MB), summed over the
  process and its parsing worker (sampled every 20 ms from /proc);
- the floors that bound what mailkit's import can reach: a standard-library script that only
  starts, logs in over TLS and asks STATUS (beside mbsync's no-change run); and for the full import
  the CPU seconds of each part of the work measured alone — Dovecot's share and the client's share
  of the raw fetch (from /proc), mailkit's parser and codec over the fetched bytes, the journal's
  store of the parsed batches into a new SQLite file — whose sum spread over every core is the
  shortest time any schedule of that work could take on this machine (beside the time 0.7x the
  raw throughput allows).

The CLI runs with its byte code cached, as an installed package runs: a ``PYTHONDONTWRITEBYTECODE``
in the environment (some containers set it) would have every run compile mailkit's source first,
about 0.1 s of a no-change run.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mailkit
from mailkit.journal import Journal
from mailkit.journal.prepare import Prepared, prepare_batch
from mailkit.net.connect import imap_login
from mailkit.net.imap import uid_fetch
from mailkit.sandbox import Sandbox
from mailkit.sandbox.corpus import bulk
from mailkit.sandbox.realistic import realistic

MAILKIT = Path(sys.executable).with_name("mailkit")


def timed(func) -> tuple[float, object]:
    began = time.perf_counter()
    result = func()
    return time.perf_counter() - began, result


def raw_imapclient(account, workspace, folder: str, *, as_it_ships: bool = False, keep: list | None = None) -> int:
    """Download every body of the folder with imapclient, in batches of 200; store nothing (``keep``: the bodies)."""
    total = 0
    with imap_login(account, workspace) as client:
        if as_it_ships:
            client._imap.debug = 5  # what IMAPClient() sets
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        for start in range(0, len(uids), 200):
            fetched, _ = uid_fetch(client, f"{uids[start]}:{uids[min(start + 200, len(uids)) - 1]}", ["BODY.PEEK[]"])
            total += sum(len(d[b"BODY[]"]) for d in fetched.values())
            if keep is not None:
                keep += [d[b"BODY[]"] for d in fetched.values()]
    return total


#: the least a Python program does for a no-change run: start, TLS, LOGIN, STATUS, LOGOUT (standard library only)
FLOOR = """
import imaplib, os, ssl
context = ssl.create_default_context(cafile=os.environ["BENCH_CA"])
with imaplib.IMAP4_SSL("localhost", int(os.environ["BENCH_PORT"]), ssl_context=context) as imap:
    imap.login(os.environ["BENCH_USER"], os.environ["BENCH_PASSWORD"])
    imap.status("INBOX", "(MESSAGES UIDNEXT UIDVALIDITY HIGHESTMODSEQ)")
"""


def cpu_seconds() -> float:
    """The CPU this process has used."""
    times = os.times()
    return times.user + times.system


def server_cpu_seconds(sandbox) -> float:
    """The CPU Dovecot has used: its master with the children it reaped, and the ones still running (from /proc)."""
    master = int((sandbox.dovecot.folder / "run" / "master.pid").read_text())
    total, pending, tick = 0, [master], os.sysconf("SC_CLK_TCK")
    while pending:
        pid = pending.pop()
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:  # ended meanwhile: its time is in its parent's reaped children now
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        total += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])  # self and reaped children
        pending += [int(child) for child in children]
    return total / tick


def prepare_all(bodies: list[bytes]) -> list[Prepared]:
    """What the import's parsing worker does to each mail (parse and compress), and nothing else."""
    return prepare_batch(list(enumerate(bodies, 1)), False)


def store_all(bodies: list[bytes], prepared: list[Prepared], path: Path) -> None:
    """What the import's own thread does with the parsed mail: the journal's writes, in batches of 200."""
    with Journal(path) as journal:
        for start in range(0, len(prepared), 200):
            with journal.transaction():
                for body, ready in zip(bodies[start : start + 200], prepared[start : start + 200], strict=True):
                    if ready.message is not None:
                        journal.add_message(ready.message, body, account="info", direction="in", stored=ready.stored)


def python_floor(sandbox, user) -> None:
    env = {**ENV, "BENCH_CA": str(sandbox.ca.cert_file), "BENCH_PORT": str(sandbox.ports["imaps"]),
           "BENCH_USER": user.address, "BENCH_PASSWORD": user.password}  # fmt: skip
    subprocess.run([sys.executable, "-I", "-c", FLOOR], env=env, check=True)


def mbsync(sandbox, user, folder: str, target: Path) -> None:
    conf = target / "mbsyncrc"
    (target / "maildir").mkdir(parents=True, exist_ok=True)
    conf.write_text(
        f"""IMAPAccount bench
Host localhost
Port {sandbox.ports["imaps"]}
User {user.address}
Pass {user.password}
SSLType IMAPS
CertificateFile {sandbox.ca.cert_file}

IMAPStore remote
Account bench

MaildirStore local
Path {target}/maildir/
Inbox {target}/maildir/INBOX

Channel bench
Far :remote:{folder}
Near :local:INBOX
Sync Pull
Create Near
SyncState *
"""
    )
    subprocess.run(["mbsync", "-q", "-c", str(conf), "bench"], check=True)


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and its children (the parsing worker), from /proc."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:  # ended meanwhile
            continue
        found = re.search(r"VmRSS:\s+(\d+) kB", status)
        total += int(found.group(1)) * 1024 if found else 0
        pending += [int(c) for c in children]
    return total


ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def mailkit_sync(workspace: Path, folder: str) -> tuple[float, int]:
    """One ``mailkit sync`` run as a user starts it: (seconds, peak RSS of it and its worker in MB)."""
    command = [str(MAILKIT), "-w", str(workspace), "sync", "info", "--folder", folder, "--json"]
    peak = 0
    began = time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV) as running:
        while running.poll() is None:
            peak = max(peak, tree_rss(running.pid))
            time.sleep(0.02)
        seconds = time.perf_counter() - began
        _, stderr = running.communicate()
    if running.returncode != 0:
        raise SystemExit(f"mailkit sync failed ({running.returncode}): {stderr.decode()[-2000:]}")
    return seconds, peak // 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--big", type=int, default=50000, help="mails in the big folder (0: skip it)")
    args = parser.parse_args()
    if not shutil.which("mbsync"):
        print("mbsync is missing: apt-get install isync", file=sys.stderr)
        return 2
    rows: list[tuple[str, float, str]] = []
    with Sandbox(demo_mail=0) as sandbox, tempfile.TemporaryDirectory() as scratch:
        ws = sandbox.workspace
        user = sandbox.user("info")
        account = ws.get("info")
        seed_time, _ = timed(
            lambda: (
                sandbox.write_maildir(user.address, realistic(args.count, user_address=user.address)),
                sandbox.write_maildir(user.address, bulk(args.count, user_address=user.address, folder="Plain")),
                args.big
                and sandbox.write_maildir(
                    user.address, realistic(args.big, user_address=user.address, seed=1, folder="Big")
                ),
            )
        )
        print(f"seeded in {seed_time:.0f} s", file=sys.stderr)
        with imap_login(account, ws) as client:  # let Dovecot build its indexes before timing
            for folder in ("INBOX", "Plain", "Big") if args.big else ("INBOX", "Plain"):
                client.select_folder(folder, readonly=True)
                client.search("ALL")
        bodies: list[bytes] = []
        corpus_bytes = raw_imapclient(account, ws, "INBOX", keep=bodies)
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(mailkit.__file__).parent)], env=ENV)
        load = os.getloadavg()[0]

        server_before, client_before = server_cpu_seconds(sandbox), cpu_seconds()
        raw, _ = timed(lambda: raw_imapclient(account, ws, "INBOX"))
        client_cpu, server_cpu = cpu_seconds() - client_before, server_cpu_seconds(sandbox) - server_before
        shipped, _ = timed(lambda: raw_imapclient(account, ws, "INBOX", as_it_ships=True))
        mb, _ = timed(lambda: mbsync(sandbox, user, "INBOX", Path(scratch) / "mbsync"))
        mb_again = statistics.median(
            timed(lambda: mbsync(sandbox, user, "INBOX", Path(scratch) / "mbsync"))[0] for _ in range(3)
        )
        floor = statistics.median(timed(lambda: python_floor(sandbox, user))[0] for _ in range(3))
        parsing, prepared = timed(lambda: prepare_all(bodies))
        storing, _ = timed(lambda: store_all(bodies, prepared, Path(scratch) / "store-alone.sqlite"))
        floor_import = (server_cpu + client_cpu + parsing + storing) / (os.cpu_count() or 1)
        bodies.clear()
        prepared.clear()
        ws.journal_file.unlink(missing_ok=True)
        full, rss = mailkit_sync(ws.path, "INBOX")
        again = statistics.median(mailkit_sync(ws.path, "INBOX")[0] for _ in range(3))
        rows += [
            (f"full import, {args.count} realistic mails: mailkit sync", full,
             f"{full / mb:.2f}x mbsync, {raw / full:.2f}x raw throughput, peak RSS {rss} MB"),
            ("  raw imapclient BODY.PEEK[] (nothing stored)", raw, f"{corpus_bytes / raw / 1e6:.0f} MB/s"),
            ("  the same, imapclient as it ships (debug 5)", shipped, f"{corpus_bytes / shipped / 1e6:.0f} MB/s"),
            ("  mbsync (isync) into a Maildir", mb, "1.00x"),
            ("no-change run: mailkit sync (median of 3)", again, f"{again / mb_again:.2f}x mbsync's"),
            ("  mbsync no-change (median of 3)", mb_again, ""),
            ("  Python's floor: start, TLS, LOGIN, STATUS (stdlib)", floor, f"{floor / mb_again:.2f}x mbsync's"),
            ("  floor: the import's CPU seconds spread on every core", floor_import,
             f"{raw / floor_import:.2f}x raw throughput at best; 0.7x allows {raw / 0.7:.2f} s"),
            ("    Dovecot's CPU for the raw fetch", server_cpu, ""),
            ("    the client's CPU for the raw fetch", client_cpu, ""),
            ("    mailkit's parser and codec alone, one core", parsing, ""),
            ("    the journal's store alone (SQLite), one core", storing, ""),
        ]  # fmt: skip
        plain_mb, _ = timed(lambda: mbsync(sandbox, user, "Plain", Path(scratch) / "mbsync-plain"))
        plain, _ = mailkit_sync(ws.path, "Plain")
        rows += [
            (f"full import, {args.count} plain-text mails: mailkit sync", plain, f"{plain / plain_mb:.2f}x mbsync"),
            ("  mbsync into a Maildir", plain_mb, "1.00x"),
        ]
        sandbox.reset_uidvalidity(user.address, "INBOX")
        rebind, _ = mailkit_sync(ws.path, "INBOX")
        rows.append(("rebind after a UIDVALIDITY change", rebind, f"{rebind / full:.2f}x the full import"))
        if args.big:
            big, big_rss = mailkit_sync(ws.path, "Big")
            rows.append((f"full import, {args.big} realistic mails", big, f"peak RSS {big_rss} MB"))

    print(
        f"\nmailkit sync benchmark: {args.count} realistic mails ({corpus_bytes / 1e6:.0f} MB) against Dovecot on "
        f"loopback; load average {load:.1f} on {os.cpu_count()} cores when timing began"
    )
    print(f"{'what':<58} {'seconds':>9}  ratio")
    for what, seconds, ratio in rows:
        print(f"{what:<58} {seconds:>9.2f}  {ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
