"""The journal's codec: zstd for what it writes, zlib still read from journals written before."""

import zlib

from mailkit.journal.codec import compress, decompress, decompress_head

MAIL = b"From: a@example.test\r\nSubject: Fr\xc3\xb6sche\r\n\r\n" + bytes(range(256)) * 400


def test_what_it_writes_reads_back_exactly_and_is_zstd():
    stored = compress(MAIL)
    assert stored.startswith(b"\x28\xb5\x2f\xfd")
    assert len(stored) < len(MAIL)
    assert decompress(stored) == MAIL
    assert decompress(memoryview(stored)) == MAIL  # as PostgreSQL hands a bytea back


def test_zlib_values_of_older_journals_still_read_back():
    for level in (1, 6, 9):
        assert decompress(zlib.compress(MAIL, level)) == MAIL


def test_the_head_is_read_without_the_rest_in_both_codecs():
    for stored in (compress(MAIL), zlib.compress(MAIL)):
        head = decompress_head(stored, 100)
        assert MAIL.startswith(head) and 100 <= len(head) < len(MAIL)
        assert decompress_head(compress(b"short"), 100) == b"short"
