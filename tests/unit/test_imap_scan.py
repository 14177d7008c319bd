"""The fast reader of a folder scan's FETCH lines answers exactly as imapclient's parser, or not at all."""

from hypothesis import given
from hypothesis import strategies as st
from imapclient.response_parser import parse_fetch_response

from mailkit.net.imap import parse_plain_fetch

FLAGS = [b"\\Seen", b"\\Answered", b"\\Flagged", b"\\Deleted", b"\\Draft", b"\\Recent", b"$Forwarded", b"$Label1",
         b"NonJunk", b"$MDNSent", b"\\*", b"[x]", b"a%b", b"\\\\odd"]  # fmt: skip
DATES = [b'"01-Nov-2025 09:35:04 +0000"', b'" 7-Feb-1999 23:59:59 -0800"', b'"31-Dec-2030 00:00:00 +1400"',
         b'"32-Foo-2025 99:99:99 +0000"', b'""', b"NIL"]  # fmt: skip


@st.composite
def fetch_line(draw):
    items = [b"UID %d" % draw(st.integers(1, 2**32 - 1))]
    if draw(st.booleans()):
        items.append(b"FLAGS (" + b" ".join(draw(st.lists(st.sampled_from(FLAGS), max_size=4))) + b")")
    if draw(st.booleans()):
        items.append(b"INTERNALDATE " + draw(st.sampled_from(DATES)))
    if draw(st.booleans()):
        items.append(b"RFC822.SIZE %d" % draw(st.integers(0, 2**40)))
    if draw(st.booleans()):
        items.append(b"MODSEQ (%d)" % draw(st.integers(1, 2**63 - 1)))
    if draw(st.booleans()):
        items = [item.lower() for item in items]
    items = draw(st.permutations(items))
    return b"%d (%s)" % (draw(st.integers(1, 10**6)), b" ".join(items))


@given(st.lists(fetch_line(), min_size=1, max_size=5), st.booleans())
def test_what_it_reads_it_reads_as_imapclient_does(lines, normalise):
    fast = parse_plain_fetch(lines, normalise)
    if fast is not None:
        assert fast == dict(parse_fetch_response(lines, normalise, True))


def test_it_reads_the_lines_dovecot_sends_for_a_scan():
    lines = [
        b'1 (UID 1 FLAGS (\\Seen \\Recent) INTERNALDATE "01-Nov-2025 09:35:04 +0000" RFC822.SIZE 4258)',
        b'2 (UID 7 FLAGS () INTERNALDATE " 2-Nov-2025 10:00:00 +0100" RFC822.SIZE 10 MODSEQ (12))',
        b"3 (UID 9 FLAGS ($Forwarded NonJunk))",
    ]
    fast = parse_plain_fetch(lines)
    assert fast is not None and sorted(fast) == [1, 7, 9]
    assert fast == dict(parse_fetch_response(lines, True, True))


def test_anything_else_goes_to_imapclient():
    for line in (
        b"1 (UID 1 BODY[] {5}",  # a literal's head
        b"1 (UID 1 ENVELOPE NIL)",
        b'1 (UID 1 FLAGS (\\Seen "quoted"))',
        b"1 (UID 1  RFC822.SIZE 5)",
        b"1 ()",
        b"x (UID 1)",
    ):
        assert parse_plain_fetch([line]) is None, line
    assert parse_plain_fetch([(b"1 (UID 1 BODY[] {5}", b"hello"), b")"]) is None
