"""Send attempts counted at ingest: per UTC hour of their creation, account and status.

The summary's sending line (attempts per status, recipients per outcome) must not scan ten
million sends. ``send_counts`` keeps, per group, the attempts (``sends``), their recipients and
how many of those were refused (a refused recipient of a sent mail is ``refused``, not
``accepted``), exact at every commit, as :mod:`mailkit.journal.rollup` keeps the messages:

- a live send (:meth:`~mailkit.journal.workflow.WorkflowTables.start_send`, ``finish_send``)
  takes its row's old counts out and puts the new ones in, in its own transaction (:func:`recounted`);
- a bulk writer (the synthetic generator, ``journal copy``) counts the rows it just wrote
  (:func:`count_sends`);
- migration 14 counted the sends already there.

Changes to one group's row are applied in key order, so two writers never wait for each other
crosswise (PostgreSQL would abort one of them).
"""

from __future__ import annotations

__all__ = ["BUCKET_LENGTH", "SENDS", "count_sends", "recounted", "refused_count"]

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .store import Journal

SENDS = "send_counts"
#: the length of a bucket's key: ``YYYY-MM-DDTHH`` of the ISO UTC creation time
BUCKET_LENGTH = 13
_COLUMNS = "bucket, account, status, sends, recipients, refused"


def refused_count(journal: Journal) -> str:
    """SQL for a send's refused recipients (those of its recipients that ``refused`` names)."""
    backend = journal.backend
    return (
        "CASE WHEN s.refused IS NULL THEN 0 ELSE (SELECT count(*) FROM "
        f"{backend.json_items('s.recipients', 'r')} JOIN {backend.json_members('s.refused', 'f')} "
        "ON f.key = r.value) END"
    )


def _select(journal: Journal, where: str) -> str:
    return (
        f"SELECT substr(s.created_at, 1, {BUCKET_LENGTH}), s.account, s.status, count(*), "
        f"sum(s.recipient_count), sum({refused_count(journal)}) FROM sends s WHERE {where} "
        "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
    )


def _upsert(journal: Journal, source: str, params, many: bool = False) -> None:
    sql = (
        f"INSERT INTO {SENDS} ({_COLUMNS}) {source} ON CONFLICT (bucket, account, status) DO UPDATE SET "
        f"sends = {SENDS}.sends + excluded.sends, recipients = {SENDS}.recipients + excluded.recipients, "
        f"refused = {SENDS}.refused + excluded.refused"
    )
    if many:
        journal.db.executemany(sql, params)
    else:
        journal.db.execute(sql, tuple(params))


def count_sends(journal: Journal, where: str, params=()) -> None:
    """Add the sends ``where`` selects (SQL over ``sends s``, rows just written and not yet counted)."""
    _upsert(journal, _select(journal, where), params)


def _groups(journal: Journal, where: str, params) -> dict[tuple, tuple[int, int, int]]:
    rows = journal.db.execute(_select(journal, where), tuple(params)).fetchall()
    return {(bucket, account, status): (n, recipients, refused) for bucket, account, status, n, recipients, refused
            in rows}  # fmt: skip


@contextlib.contextmanager
def recounted(journal: Journal, where: str, params=()) -> Iterator[None]:
    """Inside: the sends ``where`` selects change; at the end their groups hold the difference.

    Outside a transaction the change and its count become one.
    """
    with journal.transaction():
        before = _groups(journal, where, params)
        yield
        now = _groups(journal, where, params)
        changes = []
        for key in sorted(before.keys() | now.keys()):
            old, new = before.get(key, (0, 0, 0)), now.get(key, (0, 0, 0))
            delta = tuple(int(b) - int(a) for a, b in zip(old, new, strict=True))
            if any(delta):
                changes.append((*key, *delta))
        if changes:
            _upsert(journal, "VALUES (?, ?, ?, ?, ?, ?)", changes, many=True)
