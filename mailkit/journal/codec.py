"""How the journal compresses the raw bytes it keeps: Zstandard, and zlib read back from older journals.

Chosen by measurement on ``bench/bench_sync.py``'s realistic corpus (2,000 mails, 65 MB, most of
it base64 of already compressed attachments): zstd level 1 takes 0.21 s and keeps 45.5 % of the
bytes; zlib level 1, the codec before, took 1.30 s for 46.9 %; zlib level 6 is slower still for
no gain. A stored value says its codec by its first bytes (a zstd frame's magic number; a zlib
stream starts with 0x78), so journals written before keep reading, on both backends, with no
migration. ``compression.zstd`` is in the standard library from Python 3.14; before, its
backport (the same module) is the dependency.
"""

from __future__ import annotations

__all__ = ["compress", "decompress", "decompress_head"]

import sys
import zlib

if sys.version_info >= (3, 14):
    from compression import zstd
else:
    from backports import zstd

_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def compress(raw: bytes) -> bytes:
    """The bytes as the journal stores them."""
    return zstd.compress(raw, level=1)


def decompress(data: bytes) -> bytes:
    """The exact bytes that were stored, whichever codec stored them."""
    data = bytes(data)  # PostgreSQL gives a memoryview
    return zstd.decompress(data) if data.startswith(_ZSTD_MAGIC) else zlib.decompress(data)


def decompress_head(data: bytes, limit: int) -> bytes:
    """At least the first ``limit`` bytes (all of a shorter value), without inflating the rest."""
    data = bytes(data)
    if not data.startswith(_ZSTD_MAGIC):
        return zlib.decompressobj().decompress(data, limit)
    reader = zstd.ZstdDecompressor()
    return reader.decompress(data, max_length=limit)
