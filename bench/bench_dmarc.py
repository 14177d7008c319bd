"""DMARC aggregate report parsing: mailkit against parsedmarc on the same corpus, side by side.

Run: ``.venv/bin/pip install parsedmarc`` once (a bench dependency, never a runtime one), then
``.venv/bin/python bench/bench_dmarc.py [--reports 1200] [--seed 16]``.
Not a test: figures vary with the machine; the ratio is the point.

Corpus: ``--reports`` aggregate reports from :mod:`mailkit.sandbox.reports` — four reporters'
habits (Google, Microsoft, Yahoo, a small provider with the DMARCbis namespace), packed as xml,
gz and zip, 7–14 records each with several DKIM results, reasons, missing optional elements.
It is generated (no public corpus of real reports can be fetched here), seeded, written to a
temporary folder.

Each parser runs in its own fresh process on the same files: wall time of parsing every file,
peak RSS growth of the process (``ru_maxrss`` after the imports → after parsing) and the peak
of Python allocations while parsing (``tracemalloc``, a second pass). parsedmarc runs with
``offline=True, always_use_local_files=True``; sockets are blocked in its process, and the
count of connection attempts is reported (must be 0). Both must agree on the number of reports
and records and, per report and source IP, on message and DMARC-pass counts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import defaultdict
from pathlib import Path

from mailkit.sandbox.reports import aggregate_report, pack


def write_corpus(folder: Path, count: int, seed: int) -> int:
    rng = random.Random(seed)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    size = 0
    for index in range(count):
        domain = f"kunde{index % 40}.example"
        reporter = index % 4
        name, xml = aggregate_report(rng, domain, start + dt.timedelta(days=index // 40), reporter,
                                     volume=rng.randrange(50, 5000))  # fmt: skip
        filename, data, _ = pack(name, xml, ("gz", "gz", "zip", "xml")[reporter])
        (folder / f"{index:05d}-{filename}").write_bytes(data)
        size += len(data)
    return size


def _mailkit(paths: list[Path]) -> dict:
    from mailkit.deliverability import parse_aggregate

    out = {}
    for path in paths:
        report = parse_aggregate(path.read_bytes(), path.name)
        per_ip: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for record in report.records:
            per_ip[record.source_ip][0] += record.count
            per_ip[record.source_ip][1] += record.count if record.passed else 0
        out[f"{report.org_name}|{report.report_id}"] = (len(report.records), dict(per_ip))
    return out


def _parsedmarc(paths: list[Path]) -> dict:
    import parsedmarc

    out = {}
    for path in paths:
        report = parsedmarc.parse_aggregate_report_file(path.read_bytes(), offline=True, always_use_local_files=True)
        meta = report["report_metadata"]
        per_ip: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for record in report["records"]:
            ip = record["source"]["ip_address"]
            per_ip[ip][0] += record["count"]
            per_ip[ip][1] += record["count"] if record["alignment"]["dmarc"] else 0
        key = f"{meta['org_name']}|{meta['report_id']}"
        previous = out.get(key, (0, {}))  # a report split into days by parsedmarc comes back as one
        merged = dict(previous[1])
        for ip, (messages, passed) in per_ip.items():
            old = merged.get(ip, [0, 0])
            merged[ip] = [old[0] + messages, old[1] + passed]
        out[key] = (previous[0] + len(report["records"]), merged)
    return out


def worker(which: str, folder: Path, trace: bool) -> None:
    attempts = []
    if which == "parsedmarc":
        import parsedmarc  # noqa: F401  (imports before the baseline, as for mailkit)

        def refuse(self, address, *args):
            attempts.append(str(address))
            raise OSError("network blocked by the benchmark")

        socket.socket.connect = refuse
        socket.socket.connect_ex = refuse
    else:
        import mailkit.deliverability  # noqa: F401
    paths = sorted(folder.iterdir())
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    result = (_parsedmarc if which == "parsedmarc" else _mailkit)(paths)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if trace else None
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base_rss
    json.dump({"seconds": elapsed, "rss_kib": rss, "traced_peak": peak, "network_attempts": len(attempts),
               "reports": {k: [n, per_ip] for k, (n, per_ip) in result.items()}}, sys.stdout)  # fmt: skip


def run(which: str, folder: Path, trace: bool) -> dict:
    done = subprocess.run([sys.executable, __file__, "--worker", which, str(folder)] + (["--trace"] if trace else []),
                          capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare(ours: dict, theirs: dict) -> list[str]:
    differences = []
    for key in sorted(set(ours) | set(theirs)):
        if key not in ours or key not in theirs:
            differences.append(f"{key}: only in {'mailkit' if key in ours else 'parsedmarc'}")
        elif ours[key] != theirs[key]:
            ours_n, theirs_n = ours[key][0], theirs[key][0]
            differences.append(f"{key}: mailkit {ours_n} records, parsedmarc {theirs_n}; per-IP counts differ")
    return differences


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1200)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--worker", choices=("mailkit", "parsedmarc"))
    parser.add_argument("--trace", action="store_true")
    parser.add_argument("folder", nargs="?")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, Path(args.folder), args.trace)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        size = write_corpus(folder, args.reports, args.seed)
        print(f"corpus: {args.reports} aggregate reports (seed {args.seed}), {size / 2**20:.1f} MiB packed")
        timed = {which: run(which, folder, trace=False) for which in ("mailkit", "parsedmarc")}
        traced = {which: run(which, folder, trace=True) for which in ("mailkit", "parsedmarc")}
    ours, theirs = timed["mailkit"]["reports"], timed["parsedmarc"]["reports"]
    records = {w: sum(n for n, _ in timed[w]["reports"].values()) for w in timed}
    print(f"reports: mailkit {len(ours)}, parsedmarc {len(theirs)}; records: mailkit {records['mailkit']}, "
          f"parsedmarc {records['parsedmarc']}")  # fmt: skip
    differences = compare(ours, theirs)
    print(f"per report and source IP, messages and DMARC passes: {len(differences)} differences")
    for line in differences[:10]:
        print("  " + line)
    print(f"{'':12}{'parse time':>12}{'reports/s':>12}{'peak RSS +':>12}{'traced peak':>13}{'net tries':>11}")
    for which in ("mailkit", "parsedmarc"):
        t, m = timed[which], traced[which]
        print(f"{which:12}{t['seconds']:>11.2f}s{len(ours) / t['seconds']:>12.0f}{t['rss_kib'] / 1024:>10.1f}MB"
              f"{m['traced_peak'] / 2**20:>11.1f}MB{t['network_attempts']:>11}")  # fmt: skip
    print(f"speed: mailkit {timed['parsedmarc']['seconds'] / timed['mailkit']['seconds']:.1f}x parsedmarc")


if __name__ == "__main__":
    main()
