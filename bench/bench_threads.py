"""Threading at ingest: one thread of many mails against the same mails in short threads, batch by batch.

Run: ``.venv/bin/python bench/bench_threads.py [--count 30000] [--batch 200]``. Not a test: figures
vary with the machine; the ratio and the growth from the first batch to the last are the point.

Corpus: generated here, plain mails of one account, a third outbound, a second apart. In the first
row every mail names one root in References, as a notification system or a ticket with one root
does: a single thread that grows with every batch. In the second row the same mails form threads
of three (a question, its reply, a follow-up), as most business mail does. Each batch is one
journal transaction (SQLite, in a temporary folder), threaded when it commits as the sync's are.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

from mailkit.journal import Journal, parse_message

START = dt.datetime(2025, 3, 3, tzinfo=dt.UTC)


def mail(n: int, root: str) -> bytes:
    date = (START + dt.timedelta(seconds=n)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    return (
        f"Message-ID: <m{n}@x.test>\r\nReferences: <{root}>\r\nFrom: a@kunde.test\r\nTo: b@firma.test\r\n"
        f"Date: {date}\r\nSubject: t\r\n\r\nx{n}\r\n"
    ).encode()


def run(count: int, batch: int, root) -> list[float]:
    """Seconds per batch of adding ``count`` mails, ``root(n)`` naming each mail's thread."""
    seconds = []
    with tempfile.TemporaryDirectory() as folder, Journal(Path(folder) / "journal.sqlite") as journal:
        for start in range(0, count, batch):
            began = time.perf_counter()
            with journal.transaction():
                for n in range(start, min(start + batch, count)):
                    raw = mail(n, root(n))
                    journal.add_message(parse_message(raw), raw, account="info", direction="in" if n % 3 else "out")
            seconds.append(time.perf_counter() - began)
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=30_000)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()
    one = run(args.count, args.batch, lambda n: "root@x.test")
    short = run(args.count, args.batch, lambda n: f"root{n // 3}@x.test")
    print(f"\nthreading at ingest: {args.count:,} mails in batches of {args.batch} into an SQLite journal")
    print(f"{'what':<40} {'total s':>8} {'first batch ms':>15} {'last batch ms':>14}")
    for what, times in ((f"one thread of {args.count:,} mails", one), ("the same mails in threads of 3", short)):
        print(f"{what:<40} {sum(times):>8.2f} {times[0] * 1000:>15.0f} {times[-1] * 1000:>14.0f}")
    print(f"one thread / short threads: {sum(one) / sum(short):.2f}x the time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
