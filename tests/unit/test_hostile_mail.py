"""The parser on hostile mail: it reads what it can, quarantines only what has nothing to read, never raises."""

import collections
import datetime as dt
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailkit.journal import Journal, QuarantineReason, parse_message
from mailkit.journal.parse import _tolerant_header, _usual_header, header_identity, read_header
from mailkit.sandbox.corpus import demo_mailbox
from mailkit.sandbox.hostile import CATEGORIES, hostile_corpus
from mailkit.sandbox.realistic import realistic

CORPUS = hostile_corpus()
SOUND = [m.raw for m in demo_mailbox("info@mailkit.test", count=40, seed=3) if b"X-Mailkit-Defect" not in m.raw]


def parse_or_reason(raw: bytes):
    try:
        return parse_message(raw, keep_attachment_content=True)
    except QuarantineReason as reason:
        assert str(reason), "a quarantine always has a reason"
        return str(reason)


def test_the_corpus_is_large_seeded_and_covers_every_category():
    assert len(CORPUS) >= 300
    assert {m.category for m in CORPUS} == set(CATEGORIES)
    assert [m.raw for m in hostile_corpus(seed=0)[:50]] == [m.raw for m in CORPUS[:50]]


def test_every_hostile_mail_is_read_or_quarantined_with_a_reason(tmp_path):
    outcomes = collections.Counter()
    with Journal(tmp_path / "j.sqlite", attachments="content") as journal:
        for mail in CORPUS:
            parsed = parse_or_reason(mail.raw)
            if isinstance(parsed, str):
                outcomes[mail.category, "quarantined"] += 1
                continue
            outcomes[mail.category, "read"] += 1
            row, _ = journal.add_message(parsed, mail.raw, account="a", direction="in")
            assert journal.raw(row) == mail.raw  # its own row, or the row of the very same bytes
    # only mail with nothing to read goes to the quarantine; everything else is imported
    quarantined = {category for category, outcome in outcomes if outcome == "quarantined"}
    assert quarantined <= {"empty_messages", "broken_header_lines"}
    assert outcomes["empty_messages", "quarantined"] == 18
    assert sum(n for (_, outcome), n in outcomes.items() if outcome == "read") >= 300


def test_raw_8bit_headers_keep_their_letters():
    for mail in CORPUS:
        if mail.category in ("raw_utf8_headers", "raw_legacy_headers"):
            parsed = parse_message(mail.raw)
            text = parsed.subject + (parsed.from_name or "") + "".join(a.name for a in parsed.attachments)
            assert "\ufffd" not in text
            assert text.isascii() == mail.raw.isascii()
    legacy = b"From: =?utf-8?q?x?= <a@x.test>\r\nSubject: Fr\xf6sche\r\n\r\n"
    assert parse_message(legacy).subject == "Frösche"
    utf8 = 'From: a@x.test\r\nSubject: Frösche\r\nContent-Disposition: attachment; filename="Prüfbericht.pdf"\r\n\r\nx'
    parsed = parse_message(utf8.encode())
    assert parsed.subject == "Frösche" and parsed.attachments[0].name == "Prüfbericht.pdf"


def test_the_crashes_of_the_issue_are_read():
    dispositions = parse_message(
        b"From: a@x.test\r\nMessage-ID: <p@x.test>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: application/pdf\r\n'
        b'Content-Disposition: attachment; filename="Pr\xc3\xbcfbericht.pdf"\r\n\r\n%PDF\r\n--b--\r\n'
    )
    assert [a.name for a in dispositions.attachments] == ["Prüfbericht.pdf"]
    for date in (b"Fri, 31 Dec 9999 23:59:59 -0800", b"Mon, 99999999999999999999 Jan 2026 10:00:00 +0100"):
        parsed = parse_message(b"From: a@x.test\r\nDate: " + date + b"\r\n\r\nx")
        assert parsed.date is None and any("Date" in e for e in parsed.parse_errors)
    deep = [m for m in CORPUS if m.category == "deep_nesting"]
    assert all(not isinstance(parse_or_reason(m.raw), str) for m in deep)


def test_structure_defects_are_recorded_not_quarantined():
    unclosed = b'From: a@x.test\r\nContent-Type: multipart/mixed; boundary="A"\r\n\r\n--A\r\n\r\nScan anbei\r\n'
    assert "MIME defect: CloseBoundaryNotFound" in parse_message(unclosed).parse_errors
    no_colon = b"From: a@x.test\r\nthis line has no colon\r\nMessage-ID: <n@x.test>\r\nSubject: x\r\n\r\nbody\r\n"
    parsed = parse_message(no_colon)
    assert parsed.message_id == "n@x.test" and parsed.subject == "x"  # the fields after the bad line count
    assert parsed.parse_errors == ["header line without a colon skipped", "no Date header"]
    header = read_header(b"From: a@x.test\r\nSubject: kein Leerzeile\r\nHier beginnt der Text\r\nmehr\r\n")
    assert [name for name, _ in header.fields] == ["from", "subject"] and header.body_start == 41


def test_attachment_names_never_become_paths():
    names = [a.name for m in CORPUS if m.category == "hostile_names" for a in parse_message(m.raw).attachments]
    assert names
    for name in names:
        assert "/" not in name and "\\" not in name and not name.startswith(".")
        assert name.isprintable() and 0 < len(name) <= 200


def mutate(raw: bytes, data) -> bytes:
    rng = random.Random(data.draw(st.integers(0, 2**32)))
    for _ in range(data.draw(st.integers(1, 6))):
        at = rng.randrange(len(raw) + 1)
        kind = data.draw(st.sampled_from(["insert", "delete", "flip", "line_end", "truncate", "duplicate"]))
        if kind == "insert":
            raw = raw[:at] + data.draw(st.binary(min_size=1, max_size=40)) + raw[at:]
        elif kind == "delete":
            raw = raw[:at] + raw[at + rng.randrange(1, 200) :]
        elif kind == "flip" and raw:
            at = min(at, len(raw) - 1)
            raw = raw[:at] + bytes([raw[at] ^ (1 << rng.randrange(8))]) + raw[at + 1 :]
        elif kind == "line_end":
            raw = raw.replace(b"\r\n", rng.choice([b"\n", b"\r", b"\r\r\n", b"\n\r"]), rng.randrange(1, 40))
        elif kind == "truncate":
            raw = raw[:at]
        else:
            line_start = raw.rfind(b"\r\n", 0, at) + 2
            line_end = raw.find(b"\r\n", at)
            raw = raw[:line_end] + raw[line_start - 2 : line_end] * rng.randrange(1, 50) + raw[line_end:]
    return raw


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SOUND), st.data())
def test_mutated_sound_mail_never_makes_the_parser_raise(raw, data):
    mutated = mutate(raw, data)
    parsed = parse_or_reason(mutated)
    if isinstance(parsed, str):
        assert parsed in ("empty message", "no header fields") or parsed.startswith("more than")
        return
    assert parsed.size == len(mutated) and parsed.key
    assert parsed.date is None or parsed.date.tzinfo == dt.UTC
    assert all(isinstance(e, str) and e for e in parsed.parse_errors)
    assert "\ufffd" not in parsed.subject
    assert _usual_header(mutated) in (None, _tolerant_header(mutated))


def _header_blocks(raw: bytes) -> list[bytes]:
    """The message and each of its parts from its header on (a part starts on the line after a boundary)."""
    blocks, position = [raw], 0
    while (found := raw.find(b"\n--", position)) >= 0:
        line_end = raw.find(b"\n", found + 1)
        if line_end < 0:
            break
        blocks.append(raw[line_end + 1 :])
        position = line_end
    return blocks


def test_the_quick_header_reader_reads_as_the_tolerant_one_or_leaves_it_to_it():
    mails = [m.raw for m in CORPUS] + SOUND + [m.raw for m in realistic(150, user_address="info@mailkit.test")]
    quick = 0
    for raw in mails:
        for block in _header_blocks(raw)[:40]:
            usual = _usual_header(block)
            if usual is not None:
                quick += 1
                assert usual == _tolerant_header(block), block[:300]
    assert quick > 1000  # the quick path is the common one, so the comparison above is not vacuous


@pytest.mark.parametrize("raw", [m.raw for m in hostile_corpus(1, seed=5)])
def test_header_only_identities_never_raise(raw):
    assert header_identity(raw[:2000]).header_hash
