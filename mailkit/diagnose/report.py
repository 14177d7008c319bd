"""The diagnosis as rows: one per check, with status, detail and what to do; as a frame, HTML and JSON.

>>> report = Report("info", [Row("TCP", "imap.x.test:993", "ok", "connected", elapsed_ms=3),
...                          Row("SPF", "x.test", "warn", "~all", remedy="publish -all")])
>>> report.ok, report.counts()
(True, {'ok': 1, 'warn': 1, 'fail': 0, 'skip': 0})
>>> print(report)
ok    TCP                    imap.x.test:993            connected
warn  SPF                    x.test                     ~all  -> publish -all
"""

from __future__ import annotations

__all__ = ["STATUSES", "Report", "Row"]

import json
from dataclasses import asdict, dataclass, field

STATUSES = ("ok", "warn", "fail", "skip")
_COLUMNS = ("check", "target", "status", "detail", "remedy", "elapsed_ms")


@dataclass(frozen=True)
class Row:
    check: str
    target: str
    status: str
    detail: str
    remedy: str = ""
    elapsed_ms: int = 0

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status {self.status!r} is not one of {', '.join(STATUSES)}")


@dataclass
class Report:
    """Rows in the order the checks are listed; ``transcript`` holds the redacted protocol lines."""

    account: str
    rows: list[Row]
    transcript: list[str] = field(default_factory=list)
    elapsed_ms: int = 0

    @property
    def ok(self) -> bool:
        """True when no check failed (warnings and skips do not count)."""
        return not any(r.status == "fail" for r in self.rows)

    def counts(self) -> dict[str, int]:
        return {s: sum(r.status == s for r in self.rows) for s in STATUSES}

    def failures(self) -> list[Row]:
        return [r for r in self.rows if r.status == "fail"]

    def find(self, check: str) -> list[Row]:
        """The rows of one check (e.g. ``"IMAP login"``)."""
        return [r for r in self.rows if r.check == check]

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame([asdict(r) for r in self.rows], columns=list(_COLUMNS))

    def to_dict(self, verbose: bool = False) -> dict:
        data = {
            "account": self.account,
            "ok": self.ok,
            "counts": self.counts(),
            "elapsed_ms": self.elapsed_ms,
            "rows": [asdict(r) for r in self.rows],
        }
        if verbose:
            data["transcript"] = list(self.transcript)
        return data

    def to_json(self, verbose: bool = False) -> str:
        return json.dumps(self.to_dict(verbose), indent=2, ensure_ascii=False)

    def table(self, *, limit: int | None = None, lang: str = "en", problems_first: bool = False):
        """The rows as a :mod:`mailkit.tables` table: status badges, remedies beside the rows that need them.

        ``problems_first`` puts failures, then warnings before the rest (each in check order), so that
        with ``limit`` the rows shown first are the ones to act on.
        """
        from ..i18n import status_labels, text
        from ..tables import table
        from .remedies import remedy_in

        counts = ", ".join(f"{n} {status_labels(lang)[s]}" for s, n in self.counts().items() if n)
        verdict = text("diag.verdict_ok" if self.ok else "diag.verdict_fail", lang)
        frame = self.to_frame().drop(columns="elapsed_ms")
        frame["remedy"] = [remedy_in(r, lang) for r in frame["remedy"]]
        if problems_first:
            order = frame["status"].map({"fail": 0, "warn": 1, "skip": 2, "ok": 3})
            frame = frame.iloc[order.argsort(kind="stable")].reset_index(drop=True)
        return table(
            frame,
            limit=limit,
            caption=f"{self.account}: {verdict} ({counts})",
            labels=status_labels(lang),
            headers={c: text(f"col.{c}", lang) for c in frame.columns},
            more=text("diag.more", lang, n="{n}"),
        )

    def _repr_html_(self) -> str:
        return self.table().to_html()

    def __str__(self) -> str:
        lines = []
        for r in self.rows:
            line = f"{r.status:<5} {r.check:<22} {r.target:<26} {r.detail}"
            lines.append(line + (f"  -> {r.remedy}" if r.remedy else ""))
        return "\n".join(lines)

    def __repr__(self) -> str:
        counts = ", ".join(f"{s}={n}" for s, n in self.counts().items())
        return f"Report({self.account!r}, ok={self.ok}, {counts})"
