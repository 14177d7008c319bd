"""A smoke of the analysis benchmark at a tiny size: the script runs and prints a row per call (not a timing test)."""

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).parents[2] / "bench" / "bench_analysis.py"


def test_the_benchmark_measures_each_call_in_a_process_of_its_own(tmp_path):
    done = subprocess.run(
        [sys.executable, BENCH, "--sizes", "300", "--dir", tmp_path, "--repeat", "1", "--views", "summary"],
        capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    rows = re.findall(r"^\|\s+300 \| sqlite\s+\| (\w+)\s+\|\s+([\d.]+) \|\s+(\d+) \|", done.stdout, re.MULTILINE)
    assert [view for view, _, _ in rows] == ["summary"], done.stdout
    assert all(float(seconds) > 0 and int(peak) > 50 for _, seconds, peak in rows)  # a real process's RSS in MB
    assert (tmp_path / "synthetic-300-seed7.sqlite").exists()  # kept for the next run
