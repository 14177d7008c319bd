"""IMAP helpers imapclient lacks: UID FETCH over ranges with modifiers, VANISHED, UID-set syntax.

imapclient 4 drops FETCH responses whose UID was not in an explicit list, so ``n:*`` ranges and
CHANGEDSINCE/VANISHED (RFC 7162) go through :func:`uid_fetch`, the one place here that uses its
internals. The UID-set helpers are pure.
"""

from __future__ import annotations

__all__ = ["compress_uids", "parse_uid_set", "uid_fetch"]

from collections.abc import Iterable, Sequence

from imapclient import IMAPClient
from imapclient.imapclient import seq_to_parenstr_upper
from imapclient.response_parser import parse_fetch_response


def compress_uids(uids: Iterable[int]) -> str:
    """A UID set in IMAP syntax, runs collapsed to ranges, so command lines stay short.

    >>> compress_uids([7, 1, 2, 3, 5, 6, 9])
    '1:3,5:7,9'
    """
    ordered = sorted(set(uids))
    if not ordered:
        raise ValueError("an empty UID set")
    parts = []
    start = prev = ordered[0]
    for uid in ordered[1:]:
        if uid != prev + 1:
            parts.append(f"{start}:{prev}" if prev != start else str(start))
            start = uid
        prev = uid
    parts.append(f"{start}:{prev}" if prev != start else str(start))
    return ",".join(parts)


def parse_uid_set(text: str | bytes) -> set[int]:
    """The UIDs of a set like ``1:3,7`` (a ``(EARLIER)`` tag is ignored).

    >>> sorted(parse_uid_set(b"(EARLIER) 2:4,9"))
    [2, 3, 4, 9]
    """
    if isinstance(text, bytes):
        text = text.decode("ascii")
    text = text.replace("(EARLIER)", "").strip()
    found: set[int] = set()
    for part in filter(None, text.split(",")):
        low, _, high = part.partition(":")
        a, b = int(low), int(high or low)
        found.update(range(min(a, b), max(a, b) + 1))
    return found


def uid_fetch(
    client: IMAPClient, uid_set: str, items: Sequence[str], modifiers: Sequence[str] = ()
) -> tuple[dict[int, dict], set[int]]:
    """``UID FETCH uid_set (items) (modifiers)``: the responses by UID, and the UIDs reported VANISHED."""
    imap = client._imap
    imap.untagged_responses.pop("VANISHED", None)  # only what this command reports
    tag = imap._command(
        "UID", "FETCH", uid_set, seq_to_parenstr_upper(items), seq_to_parenstr_upper(modifiers) if modifiers else None
    )
    typ, data = imap._command_complete("FETCH", tag)
    client._checkok("fetch", typ, data)
    typ, data = imap._untagged_response(typ, data, "FETCH")
    vanished: set[int] = set()
    for line in imap.untagged_responses.pop("VANISHED", []):
        vanished |= parse_uid_set(line)
    return dict(parse_fetch_response(data, client.normalise_times, True)), vanished
