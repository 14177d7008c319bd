"""The parser's fast reading of plain address lists gives what the standard library's parser gives, or nothing."""

import email.utils

from hypothesis import given
from hypothesis import strategies as st

from mailkit.journal import parse
from mailkit.sandbox.hostile import hostile_corpus
from mailkit.sandbox.realistic import realistic

WORDS = ["Hans", "Müller", "GmbH", "=?utf-8?q?M=C3=BCller?=", "=?ISO-8859-1?B?SvZyZw==?=", "J.", "O'Brien",
         "Groß", "&", "Co.KG", "\"Quoted\"", "(comment)", "x@y", "Dr", "", "a,b", "<", "\\"]  # fmt: skip
LOCALS = ["info", "h.mueller", "a+tag", "first.last", "o'brien", "x", "user_1", "ümlaut", ".dot", "a..b", '"q"']
DOMAINS = ["firma.de", "MAIL.Example.COM", "kunde-gmbh.de", "x", "[127.0.0.1]", "a.b.c.d", "bad_domain.de", "-x.de"]
SPACE = st.sampled_from(["", " ", "  ", "\t", " \t "])


@st.composite
def mailbox(draw):
    address = f"{draw(st.sampled_from(LOCALS))}@{draw(st.sampled_from(DOMAINS))}"
    if draw(st.booleans()):
        return draw(SPACE) + address + draw(SPACE)
    name = draw(SPACE).join(draw(st.lists(st.sampled_from(WORDS), max_size=3)))
    return f"{draw(SPACE)}{name}{draw(SPACE)}<{address}>{draw(SPACE)}"


@given(st.lists(st.lists(mailbox(), min_size=1, max_size=3).map(",".join), min_size=1, max_size=2))
def test_a_list_read_fast_reads_as_getaddresses_reads_it(values):
    fast = parse._plain_addresses(values)
    if fast is not None:
        assert fast == email.utils.getaddresses(values)


def test_the_mail_in_both_corpora_reads_the_same_with_and_without_the_fast_path(monkeypatch):
    fields = []
    for mail in [*realistic(300, user_address="info@firma.de"), *hostile_corpus()]:
        header = parse.read_header(mail.raw)
        fields += [header.get_all(name) for name in ("from", "to", "cc") if header.get_all(name)]
    assert sum(parse._plain_addresses(values) is not None for values in fields) > 500  # the fast path is taken
    fast = [parse._addresses(values, []) for values in fields]
    monkeypatch.setattr(parse, "_plain_addresses", lambda values: None)
    assert fast == [parse._addresses(values, []) for values in fields]
