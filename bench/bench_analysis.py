"""Journal analysis benchmark: ``summary()`` and every explorer view on synthetic journals of growing size.

Run: ``.venv/bin/python bench/bench_analysis.py [--backend sqlite|postgresql] [--sizes 1000000 10000000]
[--dir build/bench-journals] [--repeat 2] [--views volume failures ...]``.
Not a test: figures vary with the machine; the growth from size to size is the point.

Corpus: :mod:`mailkit.journal.synthetic` (seed 7, one year, three accounts, up to 2,000 customer domains,
inquiry threads with References, ERP document mails and their sends, SMTP failures as real servers word
them, Authentication-Results per domain, attachments, hourly sync runs, a little quarantine). Each
journal is made once and kept for the next run (``--dir``): an SQLite file, or with ``postgresql`` a
database of a throw-away cluster kept in ``--dir/postgres``, written straight into it by COPY and
vacuumed. ``--fresh`` makes them again.

Each figure comes from a fresh process (the best of ``--repeat``): one call, from an open journal with
the libraries imported, timed with ``perf_counter``; its peak memory is that process's peak
resident set (``VmHWM``, not Python's allocations only), so one view's peak never hides
another's. The goals: 10,000,000 messages on PostgreSQL within 5 s and 1 GB per call, 1,000,000 on
SQLite within 5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from mailkit.errors import SyncError
from mailkit.journal import Journal
from mailkit.journal.synthetic import generate
from mailkit.journal.views import VIEWS

SEED = 7
GOALS = {"postgresql": (10_000_000, 5.0, 1024.0), "sqlite": (1_000_000, 5.0, None)}  # size, seconds, MB


def sqlite_journal(folder: Path, size: int, fresh: bool) -> tuple[str, float | None]:
    """The synthetic SQLite journal of this size, made unless an earlier run left it; how long making it took."""
    path = folder / f"synthetic-{size}-seed{SEED}.sqlite"
    if path.exists() and not fresh:
        with Journal(path) as journal:
            if journal.count() == size:
                return str(path), None
    for stale in folder.glob(path.name + "*"):
        stale.unlink()
    began = time.perf_counter()
    generate(path, size, seed=SEED, progress=_progress)
    return str(path), time.perf_counter() - began


def postgres_journal(server, size: int, fresh: bool) -> tuple[str, float | None]:
    """The URL of a database holding the synthetic journal of this size, made by COPY unless it is there."""
    name = f"synthetic_{size}_seed{SEED}"
    url = server.socket_url(name)
    if not fresh:
        try:
            journal = Journal(url)
        except SyncError as exc:  # not there yet; anything else (a failed migration) must not drop the data
            if "does not exist" not in str(exc):
                raise
        else:
            with journal:
                if journal.count() == size:
                    return url, None
    server.drop_database(name)
    server.create_database(name)
    began = time.perf_counter()
    with Journal(url) as journal:
        generate(journal, size, seed=SEED, progress=_progress)
        journal.db.execute("VACUUM ANALYZE")  # the visibility map: index-only scans from the first query
    return url, time.perf_counter() - began


def _progress(done: int, total: int) -> None:
    print(f"\r  generating: {done:,} of {total:,}", end="", file=sys.stderr, flush=True)


def measure(where: str, what: str) -> dict:
    """In a fresh process: one call of ``summary`` or one explorer view, its seconds and the peak RSS."""
    import matplotlib.figure  # noqa: F401  # imports are not what is measured

    from mailkit import analysis
    from mailkit.explore import Query, explore

    with Journal(where) as journal:
        journal.count()  # the connection is open before the clock starts
        baseline = _peak_kb()
        began = time.perf_counter()
        if what == "summary":
            analysis.summary(journal)
        else:
            explore(journal, Query(view=what))
        seconds = time.perf_counter() - began
    peak = _peak_kb()
    return {"seconds": seconds, "peak_mb": peak / 1024, "baseline_mb": baseline / 1024}


def _peak_kb() -> int:
    """This process's peak resident set in kB: ``VmHWM``, which starts afresh with the program.

    Linux keeps ``ru_maxrss`` across exec: a child would report its parent's peak (the benchmark's own,
    after it generated a journal) wherever that is higher than its own.
    """
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))


def run_child(where: str, what: str, repeat: int, timeout: float) -> dict:
    runs = []
    for _ in range(repeat):
        try:
            done = subprocess.run(
                [sys.executable, __file__, "--measure", where, what], capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            return {"error": f"over {timeout:.0f} s (stopped)"}
        if done.returncode:
            return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
        runs.append(json.loads(done.stdout))
    return min(runs, key=lambda r: r["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--dir", type=Path, default=Path("build/bench-journals"))
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--views", nargs="+", default=["summary", *VIEWS], choices=["summary", *VIEWS])
    parser.add_argument("--fresh", action="store_true", help="make the synthetic journals again")
    parser.add_argument("--timeout", type=float, default=900, help="seconds one call may take before it is stopped")
    parser.add_argument("--measure", nargs=2, metavar=("JOURNAL", "WHAT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return
    args.dir.mkdir(parents=True, exist_ok=True)
    server, started = None, False
    if args.backend == "postgresql":
        from mailkit.sandbox.ports import free_ports
        from mailkit.sandbox.postgres import PostgresServer

        folder = args.dir.resolve() / "postgres"
        running = _running_port(folder)
        server = PostgresServer(folder, running or free_ports(1)[0])
        if running is None:
            server.start()
            started = True
    try:
        _run(args, server)
    finally:
        if started:
            server.stop()


def _running_port(folder: Path) -> int | None:
    """The port of the cluster in ``folder`` if one is running (another run of this benchmark uses it too)."""
    try:
        lines = (folder / "data" / "postmaster.pid").read_text().splitlines()
        os.kill(int(lines[0]), 0)
        return int(lines[3])
    except (OSError, ValueError, IndexError):
        return None


def _run(args, server) -> None:
    goal_size, goal_s, goal_mb = GOALS[args.backend]
    print(f"{os.cpu_count()} cores; {args.backend}; best of {args.repeat} fresh processes per figure\n")
    print(f"| {'messages':>10} | {'backend':<10} | {'view':<15} | {'seconds':>7} | {'peak MB':>7} | goal met? |")
    print(f"|{'-' * 12}|{'-' * 12}|{'-' * 17}|{'-' * 9}|{'-' * 9}|-----------|")
    for size in args.sizes:
        if server is not None:
            where, made = postgres_journal(server, size, args.fresh)
        else:
            where, made = sqlite_journal(args.dir, size, args.fresh)
        if made is not None:
            print(f"\n  made the {size:,}-message journal in {made:.0f} s", file=sys.stderr)
        for view in args.views:
            result = run_child(where, view, args.repeat, args.timeout)
            if "error" in result:
                print(f"| {size:>10,} | {args.backend:<10} | {view:<15} | failed: {result['error']}")
                continue
            verdict = "–"
            if size == goal_size:
                met = result["seconds"] <= goal_s and (goal_mb is None or result["peak_mb"] <= goal_mb)
                verdict = "yes" if met else "NO"
            print(
                f"| {size:>10,} | {args.backend:<10} | {view:<15} | {result['seconds']:>7.2f} | "
                f"{result['peak_mb']:>7.0f} | {verdict:<9} |",
                flush=True,
            )
    limit = f" and {goal_mb:.0f} MB" if goal_mb else ""
    print(f"\ngoal: {goal_size:,} messages on {args.backend} within {goal_s:.0f} s{limit} per call")


if __name__ == "__main__":
    main()
