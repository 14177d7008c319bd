"""Journal analysis benchmark: the messages DataFrame and the summary on synthetic journals of growing size.

Run: ``.venv/bin/python bench/bench_analysis.py [--sizes 100000 1000000] [--dir build/bench-journals]``.
Not a test: figures vary with the machine; the growth from size to size is the point.

For each size a synthetic journal is made once (seeded, kept in ``--dir`` for the next run), then a
fresh process for each measurement (so peak memory is its own) times:
- ``journal.messages()``: every column of every message, typed;
- ``analysis.summary(journal, messages=frame)``: the summary on that frame, loading the other frames it needs;
- both together (the goal: at most 5 s and 2 GB for 1,000,000 messages on a 2-core machine);
- ``analysis.summary(journal)`` alone, which loads only the message columns it needs.
Peak memory is ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` of the measuring process.
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

from mailkit.journal import Journal
from mailkit.journal.synthetic import generate

SEED = 7


def journal_for(folder: Path, size: int) -> tuple[Path, float | None]:
    """The synthetic journal of this size, made unless an earlier run left it; and how long making it took."""
    path = folder / f"synthetic-{size}-seed{SEED}.sqlite"
    if path.exists():
        with Journal(path) as journal:
            if journal.count() == size:
                return path, None
        for stale in folder.glob(path.name + "*"):
            stale.unlink()
    began = time.perf_counter()
    generate(path, size, seed=SEED)
    return path, time.perf_counter() - began


def measure(path: str, what: str) -> dict:
    """In a fresh process: time one flow, report seconds and peak RSS."""
    with Journal(path) as journal:
        from mailkit import analysis  # imported before the clock starts: imports are not what is measured

        baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        began = time.perf_counter()
        result = {}
        if what == "together":
            frame = journal.messages()
            result["messages_s"] = time.perf_counter() - began
            analysis.summary(journal, messages=frame)
            result["summary_s"] = time.perf_counter() - began - result["messages_s"]
        else:
            analysis.summary(journal)
        result["total_s"] = time.perf_counter() - began
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["baseline_mb"] = baseline / 1024
    return result


def run_child(path: Path, what: str, repeat: int) -> dict:
    """The best of ``repeat`` fresh processes (the first may meet a cold page cache)."""
    runs = []
    for _ in range(repeat):
        done = subprocess.run(
            [sys.executable, __file__, "--measure", str(path), what], capture_output=True, text=True, check=True
        )
        runs.append(json.loads(done.stdout))
    return min(runs, key=lambda r: r["total_s"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--dir", type=Path, default=Path("build/bench-journals"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--measure", nargs=2, metavar=("JOURNAL", "WHAT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return
    args.dir.mkdir(parents=True, exist_ok=True)
    print(f"{os.cpu_count()} cores; best of {args.repeat} fresh processes per figure\n")
    header = (
        f"{'messages':>10} {'generate':>9} {'frame':>7} {'summary':>8} {'together':>9} {'peak':>8} "
        f"{'summary()':>10} {'peak':>8}"
    )
    print(header)
    rows = []
    for size in args.sizes:
        path, made = journal_for(args.dir, size)
        together = run_child(path, "together", args.repeat)
        alone = run_child(path, "summary", args.repeat)
        rows.append((size, together, alone))
        print(
            f"{size:>10,} {'cached' if made is None else f'{made:.1f} s':>9} {together['messages_s']:>5.2f} s "
            f"{together['summary_s']:>6.2f} s {together['total_s']:>7.2f} s {together['peak_mb']:>5.0f} MB "
            f"{alone['total_s']:>8.2f} s {alone['peak_mb']:>5.0f} MB"
        )
    if len(rows) > 1:
        (small, a, _), (large, b, _) = rows[0], rows[-1]
        print(
            f"\n{large // small}x the messages: {b['total_s'] / a['total_s']:.1f}x the time, "
            f"{(b['peak_mb'] - b['baseline_mb']) / (a['peak_mb'] - a['baseline_mb']):.1f}x the memory above "
            f"the {a['baseline_mb']:.0f} MB a process with the libraries loaded takes"
        )
    goal = [r for r in rows if r[0] == 1_000_000]
    if goal:
        t = goal[0][1]
        verdict = "met" if t["total_s"] <= 5 and t["peak_mb"] <= 2048 else "missed"
        print(f"goal for 1,000,000 (frame + summary <= 5 s, <= 2 GB): {verdict}")


if __name__ == "__main__":
    main()
