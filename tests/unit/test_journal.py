import datetime as dt
import hashlib
import sqlite3
import zlib

import pytest

from mailkit.errors import SyncError
from mailkit.journal import Journal, Location, QuarantineReason, parse_message
from mailkit.journal.parse import HeaderIdentity, content_key, header_identity, normalise_message_id
from mailkit.journal.store import MIGRATIONS
from mailkit.net.imap import compress_uids, parse_uid_set

PLAIN = (
    b"Message-ID: <Abc@Mail.Example.TEST>\r\n"
    b"From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <Juergen@Kunde.TEST>\r\n"
    b"To: info@mailkit.test, Vertrieb <vertrieb@mailkit.test>\r\nCc: chef@mailkit.test\r\n"
    b"Date: Tue, 03 Nov 2026 09:15:00 +0100\r\n"
    b"Subject: =?utf-8?q?Anfrage_Zahnr=C3=A4der?=\r\n"
    b"In-Reply-To: <prev@mailkit.test>\r\nReferences: <root@mailkit.test> <prev@mailkit.test>\r\n"
    b"Authentication-Results: mx.mailkit.test; spf=pass; dkim=pass header.d=kunde.test\r\n"
    b"\r\nGuten Tag\r\n"
)

WITH_PDF = (
    b"Message-ID: <pdf@mailkit.test>\r\nFrom: info@mailkit.test\r\nDate: Tue, 03 Nov 2026 10:00:00 +0000\r\n"
    b'Subject: Angebot\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n'
    b"--B\r\nContent-Type: text/plain\r\n\r\nanbei\r\n"
    b'--B\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="Angebot 4711.pdf"\r\n'
    b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJSVFT0YK\r\n--B--\r\n"
)


def test_parse_decodes_what_the_journal_needs():
    parsed = parse_message(PLAIN)
    assert parsed.message_id == "Abc@mail.example.test"
    assert (parsed.from_addr, parsed.from_name) == ("juergen@kunde.test", "Jürgen Müller")
    assert parsed.to_addrs == ["info@mailkit.test", "vertrieb@mailkit.test"]
    assert parsed.cc_addrs == ["chef@mailkit.test"]
    assert parsed.subject == "Anfrage Zahnräder"
    assert parsed.date == dt.datetime(2026, 11, 3, 8, 15, tzinfo=dt.UTC)
    assert parsed.in_reply_to == "prev@mailkit.test"
    assert parsed.references == ["root@mailkit.test", "prev@mailkit.test"]
    assert parsed.auth_results == ["mx.mailkit.test; spf=pass; dkim=pass header.d=kunde.test"]
    assert parsed.parse_errors == [] and parsed.size == len(PLAIN)


def test_attachments_with_and_without_content():
    meta = parse_message(WITH_PDF).attachments
    assert [(a.name, a.mime_type, a.size, a.content) for a in meta] == [
        ("Angebot 4711.pdf", "application/pdf", 15, None)
    ]
    assert parse_message(WITH_PDF, keep_attachment_content=True).attachments[0].content.startswith(b"%PDF-1.4")


def test_only_mail_with_nothing_to_read_is_quarantined():
    broken = WITH_PDF.replace(b"--B--\r\n", b"")
    parsed = parse_message(broken)  # a reference parser reads it: so does the journal
    assert parsed.parse_errors == ["MIME defect: CloseBoundaryNotFound"] and parsed.attachments[0].size == 15
    with pytest.raises(QuarantineReason, match="empty message"):
        parse_message(b"\r\n")
    with pytest.raises(QuarantineReason, match="no header fields"):
        parse_message(b"\xff\xfe\x00binary\r\n")


def test_minor_defects_are_recorded_not_fatal():
    raw = b"From: a@x.test\r\nDate: yesterday-ish\r\nSubject: Gr\xfc\xdfe\r\n\r\nbody\r\n"
    parsed = parse_message(raw)
    assert parsed.message_id is None and parsed.date is None
    assert parsed.subject == "Grüße"  # undeclared 8-bit: Windows-1252, not replacement characters
    assert parsed.parse_errors == [
        "undeclared 8-bit bytes in the header",
        "no Message-ID",
        "unparseable Date header 'yesterday-ish'",
    ]


def test_identity_is_the_content_and_the_headers_only_recognise():
    assert normalise_message_id("<X@A.B>") == normalise_message_id(" <X@a.b> ") == "X@a.b"
    assert normalise_message_id("<>") is None
    parsed = parse_message(PLAIN)
    assert parsed.key == content_key(PLAIN) and parsed.key.startswith("sha:")
    headers = PLAIN.split(b"\r\n\r\n")[0] + b"\r\n\r\n"
    assert header_identity(headers) == HeaderIdentity("Abc@mail.example.test", parsed.header_hash)
    no_id = b"From: a@x.test\r\nDate: Tue, 03 Nov 2026 09:15:00 +0100\r\nSubject: Hallo\r\n\r\n"
    one, two = parse_message(no_id + b"eins\r\n"), parse_message(no_id + b"zwei\r\n")
    assert one.key != two.key and one.header_hash == two.header_hash == header_identity(no_id).header_hash


def test_same_message_id_different_content_is_two_rows_linked(journal):
    first = PLAIN
    corrected = PLAIN.replace(b"Guten Tag", b"Guten Tag, korrigiert")
    with journal.transaction():
        a, new_a = journal.add_message(parse_message(first), first, account="info", direction="in")
        b, new_b = journal.add_message(parse_message(corrected), corrected, account="info", direction="in")
        again, new_again = journal.add_message(parse_message(first), first, account="other", direction="in")
    assert (new_a, new_b, new_again) == (True, True, False) and again == a and a != b
    assert (journal.raw(a), journal.raw(b)) == (first, corrected)
    links = dict(journal.db.execute("SELECT id, same_id_as FROM messages"))
    assert links == {a: None, b: a}
    empty_ids = [b"Message-ID: <>\r\nFrom: a@x.test\r\nSubject: x\r\n\r\n" + body for body in (b"1", b"2")]
    for raw in empty_ids:
        journal.add_message(parse_message(raw), raw, account="info", direction="in")
    assert journal.count() == 4


def test_migration_3_keys_old_journals_by_content_without_losing_a_row(tmp_path):
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    for script in MIGRATIONS[:2]:  # a journal as mailkit wrote it before identity by content
        db.executescript(script)
    db.execute("PRAGMA user_version = 2")
    for i, raw in enumerate((PLAIN, WITH_PDF)):
        db.execute(
            "INSERT INTO messages (id, message_key, message_id, size, content_hash, direction, status, account, "
            "first_seen) VALUES (?,?,?,?,?,?,?,?,?)",
            (i + 1, f"mid:{i}", f"{i}@x", len(raw), hashlib.sha256(raw).hexdigest(), "in", "imported", "a", "x"),
        )
        db.execute("INSERT INTO raw_messages VALUES (?, ?)", (i + 1, zlib.compress(raw)))
    db.commit()
    db.close()
    with Journal(path) as journal:
        assert journal.schema_version == len(MIGRATIONS) >= 3 and journal.count() == 2
        keys = dict(journal.db.execute("SELECT id, message_key FROM messages"))
        assert keys == {1: content_key(PLAIN), 2: content_key(WITH_PDF)}
        hashes = dict(journal.db.execute("SELECT id, header_hash FROM messages"))
        assert hashes[1] == parse_message(PLAIN).header_hash and hashes[2] == parse_message(WITH_PDF).header_hash
        row, new = journal.add_message(parse_message(PLAIN), PLAIN, account="a", direction="in")
        assert (row, new) == (1, False)


def test_uid_sets():
    assert compress_uids([5, 3, 4, 10, 1]) == "1,3:5,10"
    assert parse_uid_set("1,3:5,10") == {1, 3, 4, 5, 10}
    assert parse_uid_set(compress_uids(range(1, 1000, 2))) == set(range(1, 1000, 2))
    with pytest.raises(ValueError):
        compress_uids([])


@pytest.fixture
def journal(tmp_path):
    with Journal(tmp_path / "journal.sqlite") as j:
        yield j


def test_schema_is_versioned_and_newer_schemas_are_refused(tmp_path):
    with Journal(tmp_path / "j.sqlite") as j:
        assert j.schema_version == len(MIGRATIONS)
    db = sqlite3.connect(tmp_path / "j.sqlite")
    db.execute("PRAGMA user_version = 99")
    db.commit()
    db.close()
    with pytest.raises(SyncError, match="newer than this mailkit knows"):
        Journal(tmp_path / "j.sqlite")


def test_a_message_is_stored_once_and_given_back_exactly(journal):
    parsed = parse_message(PLAIN)
    with journal.transaction():
        row, new = journal.add_message(parsed, PLAIN, account="info", direction="in")
        again, new_again = journal.add_message(parsed, PLAIN, account="other", direction="in")
    assert (new, new_again, again) == (True, False, row)
    assert journal.raw(row) == PLAIN and journal.count() == 1


def test_locations_gone_never_deleted(journal):
    with journal.transaction():
        row, _ = journal.add_message(parse_message(PLAIN), PLAIN, account="info", direction="in")
        journal.add_locations([(row, Location("info", "INBOX", 7, 4294967295, ("\\Seen",)))])
    assert journal.present_uids("info", "INBOX", 7) == {4294967295}
    assert journal.mark_gone("info", "INBOX", 7, [4294967295]) == 1
    assert journal.present_uids("info", "INBOX", 7) == set() and journal.count() == 1
    with pytest.raises(sqlite3.IntegrityError):  # UIDs are unsigned 32-bit
        journal.add_locations([(row, Location("info", "INBOX", 7, 2**32))])


def test_transaction_rolls_back_everything_on_error(journal):
    with pytest.raises(RuntimeError), journal.transaction():
        journal.add_message(parse_message(PLAIN), PLAIN, account="info", direction="in")
        raise RuntimeError("crash in the middle of a batch")
    assert journal.count() == 0


def test_attachment_levels(tmp_path):
    for level, rows, with_content in (("none", 0, 0), ("metadata", 1, 0), ("content", 1, 1)):
        with Journal(tmp_path / f"{level}.sqlite", attachments=level) as j:
            j.add_message(parse_message(WITH_PDF, level == "content"), WITH_PDF, account="a", direction="out")
            assert j.count("attachments") == rows
            assert (
                j.db.execute("SELECT count(*) FROM attachments WHERE content IS NOT NULL").fetchone()[0] == with_content
            )
    with pytest.raises(SyncError, match="attachment level"):
        Journal(tmp_path / "x.sqlite", attachments="all")


def test_purge_keeps_recent_mail(journal):
    old = PLAIN.replace(b"Tue, 03 Nov 2026", b"Mon, 03 Nov 2014")
    journal.add_message(parse_message(old), old, account="a", direction="in")
    journal.add_message(parse_message(WITH_PDF), WITH_PDF, account="a", direction="out")
    assert journal.purge(365 * 5) == 1 and journal.count() == 1
    with pytest.raises(SyncError):
        journal.purge(0)
