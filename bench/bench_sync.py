"""Sync benchmark: mailkit's IMAP import side by side with raw imapclient, mbsync and getmail6.

Run: ``.venv/bin/python bench/bench_sync.py [--count 5000] [--big 50000]``. Everything runs
against one sandbox (real Dovecot on loopback) on the same corpus, in one run, and the table
reports seconds and ratios. Not a test: figures vary with the machine; the ratios are the point.

Measured:
- full import of COUNT mails: mailkit (fetch, parse, store in the journal) against raw imapclient
  (fetch only, nothing stored), mbsync (Debian's isync, into a Maildir) and getmail6 (into a Maildir);
- a no-change re-sync of a COUNT and a BIG folder (goal: BIG within 1.2x of COUNT);
- the rebind after a UIDVALIDITY change (Dovecot's UID list rebuilt; goal: at most 0.5x a full import).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mailkit.journal import Journal
from mailkit.net.connect import imap_login
from mailkit.net.imap import uid_fetch
from mailkit.sandbox import Sandbox
from mailkit.sandbox.corpus import bulk
from mailkit.sync import SyncOptions, import_imap


def timed(func) -> tuple[float, object]:
    began = time.perf_counter()
    result = func()
    return time.perf_counter() - began, result


def median_time(func, runs: int = 7) -> float:
    """The median of several runs: one no-change re-sync is a few milliseconds, easily disturbed."""
    times = sorted(timed(func)[0] for _ in range(runs))
    return times[runs // 2]


def raw_imapclient(account, workspace, folder: str) -> int:
    """Download every body of the folder with imapclient, in batches of 250; store nothing."""
    total = 0
    with imap_login(account, workspace) as client:
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        for start in range(0, len(uids), 250):
            fetched, _ = uid_fetch(client, f"{uids[start]}:{uids[min(start + 250, len(uids)) - 1]}", ["BODY.PEEK[]"])
            total += sum(len(d[b"BODY[]"]) for d in fetched.values())
    return total


def mbsync(sandbox, user, folder: str, target: Path) -> None:
    conf = target / "mbsyncrc"
    (target / "maildir").mkdir(parents=True)
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


def getmail(sandbox, user, folder: str, target: Path) -> None:
    maildir = target / "maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    rc = target / "getmailrc"
    rc.write_text(
        f"""[retriever]
type = SimpleIMAPSSLRetriever
server = localhost
port = {sandbox.ports["imaps"]}
username = {user.address}
password = {user.password}
mailboxes = ("{folder}",)
ca_certs = {sandbox.ca.cert_file}

[destination]
type = Maildir
path = {maildir}/

[options]
read_all = true
delete = false
verbose = 0
"""
    )
    command = ["getmail", f"--getmaildir={target}", f"--rcfile={rc}"]
    if os.geteuid() == 0:  # getmail refuses to deliver as root: run it as nobody, as a cron user would
        for path in (target.parent, target):
            os.chmod(path, 0o755)
        for path in (target, *target.rglob("*")):
            shutil.chown(path, "nobody")
        command = ["runuser", "-u", "nobody", "--", *command]
    subprocess.run(command, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--big", type=int, default=50000)
    args = parser.parse_args()
    for tool in ("mbsync", "getmail"):
        if not shutil.which(tool):
            print(f"{tool} is missing: apt-get install isync getmail6", file=sys.stderr)
            return 2
    rows: list[tuple[str, float, str]] = []
    with Sandbox(demo_mail=0) as sandbox, tempfile.TemporaryDirectory() as scratch:
        ws = sandbox.workspace
        user = sandbox.user("info")
        account = ws.get("info")
        seeded, _ = timed(lambda: sandbox.write_maildir(user.address, bulk(args.count, user_address=user.address)))
        big_seed, _ = timed(
            lambda: sandbox.write_maildir(user.address, bulk(args.big, user_address=user.address, seed=1, folder="Big"))
        )
        print(f"seeded {args.count} mails in {seeded:.1f} s and {args.big} in {big_seed:.1f} s", file=sys.stderr)
        with imap_login(account, ws) as client:  # let Dovecot build its indexes before anything is timed
            for folder in ("INBOX", "Big"):
                client.select_folder(folder, readonly=True)
                client.search("ALL")
        corpus_bytes = raw_imapclient(account, ws, "INBOX")

        journal = Journal(Path(scratch) / "journal.sqlite")
        full, result = timed(lambda: import_imap(account, ws, journal))
        assert result.totals["new"] == args.count, result.totals
        raw, _ = timed(lambda: raw_imapclient(account, ws, "INBOX"))
        mb, _ = timed(lambda: mbsync(sandbox, user, "INBOX", Path(scratch) / "mbsync"))
        try:
            gm, _ = timed(lambda: getmail(sandbox, user, "INBOX", Path(scratch) / "getmail"))
        except subprocess.CalledProcessError as exc:  # reported, not fatal: the other figures still count
            print(f"getmail6 failed: {exc}", file=sys.stderr)
            gm = float("nan")
        rows += [
            (f"full import, {args.count} mails: mailkit", full, f"{full / mb:.2f}x mbsync"),
            ("  raw imapclient fetch (nothing stored)", raw, f"{raw / mb:.2f}x mbsync"),
            ("  mbsync (isync) into a Maildir", mb, "1.00x"),
            ("  getmail6 into a Maildir", gm, f"{gm / mb:.2f}x mbsync"),
        ]
        assert import_imap(account, ws, journal).folders[0].skipped
        nochange_small = median_time(lambda: import_imap(account, ws, journal))
        big_full, _ = timed(lambda: import_imap(account, ws, journal, SyncOptions(folders=["Big"])))
        assert import_imap(account, ws, journal, SyncOptions(folders=["Big"])).folders[0].skipped
        nochange_big = median_time(lambda: import_imap(account, ws, journal, SyncOptions(folders=["Big"])))
        rows += [
            (f"no-change re-sync, {args.count} folder (median of 7)", nochange_small, ""),
            (
                f"no-change re-sync, {args.big} folder (median of 7)",
                nochange_big,
                f"{nochange_big / nochange_small:.2f}x the small one",
            ),
            (f"  (full import of the {args.big} folder)", big_full, f"{big_full / args.big * 1000:.2f} ms/mail"),
        ]
        sandbox.reset_uidvalidity(user.address, "INBOX")
        rebind, result = timed(lambda: import_imap(account, ws, journal))
        assert result.totals["rebound"] == args.count and result.totals["bytes"] == 0, result.totals
        rows.append(("rebind after UIDVALIDITY change", rebind, f"{rebind / full:.2f}x the full import"))
        journal.close()

    print(f"\nmailkit sync benchmark ({args.count} mails, {corpus_bytes / 1e6:.1f} MB; {args.big} in the big folder)")
    print(f"{'what':<48} {'seconds':>9}  ratio")
    for what, seconds, ratio in rows:
        print(f"{what:<48} {seconds:>9.3f}  {ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
