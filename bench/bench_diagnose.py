"""Diagnose benchmark: wall time of a full diagnose of a sandbox account (goal: at most 1.5 s).

Run: ``.venv/bin/python bench/bench_diagnose.py [--runs 10] [--json]``.
Not a test: figures vary with the machine.

One sandbox is started; then, for the demo account ``info`` (SMTP with STARTTLS, IMAP over TLS,
Sent export), each run times ``diagnose()`` end to end: DNS, TCP, TLS and certificate, greeting,
capabilities, AUTH/login, folders, and the domain's MX, SPF, DMARC, DKIM (one selector),
MTA-STS and TLS-RPT. A second series adds the test mail and its IMAP round trip. A third
times ``autoconfigure()`` with every source. The median, best and worst are reported, with
the slowest rows of the last run so the time can be attributed.
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import time

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from mailkit.autoconfig import autoconfigure
from mailkit.diagnose import diagnose
from mailkit.sandbox import Sandbox

GOAL_SECONDS = 1.5


def series(runs: int, call) -> tuple[dict, object]:
    times, result = [], None
    for _ in range(runs):
        began = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - began)
    return {
        "runs": runs,
        "median_s": round(statistics.median(times), 4),
        "best_s": round(min(times), 4),
        "worst_s": round(max(times), 4),
    }, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with Sandbox(demo_mail=50) as sandbox:
        ws = sandbox.workspace
        account = ws.get("info")
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
        der = key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        sandbox.zone.set("mail._domainkey.mailkit.test", "TXT", f"v=DKIM1; k=rsa; p={base64.b64encode(der).decode()}")
        full, report = series(args.runs, lambda: diagnose(account, ws, dkim_selectors=["mail"]))
        if not report.ok:
            raise SystemExit(f"the sandbox account should pass:\n{report}")
        with_mail, mail_report = series(
            args.runs, lambda: diagnose(account, ws, dkim_selectors=["mail"], test_mail_to=account.address)
        )
        auto, found = series(args.runs, lambda: autoconfigure(account.address, ws))
        slowest = sorted(report.rows, key=lambda r: r.elapsed_ms, reverse=True)[:5]
        figures = {
            "diagnose": full
            | {"rows": len(report.rows), "goal_s": GOAL_SECONDS, "met": full["median_s"] <= GOAL_SECONDS},
            "diagnose_with_test_mail": with_mail,
            "autoconfigure_all_sources": auto | {"candidates": len(found.candidates)},
            "slowest_rows_ms": {f"{r.check} {r.target}": r.elapsed_ms for r in slowest},
            "round_trip": next((r.detail for r in mail_report.find("Round trip")), None),
        }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for name, values in figures.items():
            print(f"{name}: {values}")
    return 0 if figures["diagnose"]["met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
