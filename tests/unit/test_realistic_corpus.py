"""The benchmark corpus looks like a business mailbox: sizes with a long tail, attachments, HTML, forwards."""

import statistics

from mailkit.journal import parse_message
from mailkit.sandbox.realistic import realistic


def test_realistic_corpus_is_seeded_lazy_and_shaped_like_real_mail():
    mails = list(realistic(600, user_address="info@mailkit.test"))
    assert [m.raw for m in realistic(50, user_address="info@mailkit.test")] == [m.raw for m in mails[:50]]
    sizes = [len(m.raw) for m in mails]
    assert 14_000 <= statistics.median(sizes) <= 28_000 and 22_000 <= statistics.mean(sizes) <= 45_000
    assert max(sizes) > 150_000  # the long tail
    parsed = [parse_message(m.raw) for m in mails]
    types = {a.mime_type for p in parsed for a in p.attachments}
    assert {"application/pdf", "image/jpeg", "image/png"} <= types
    assert sum(1 for p in parsed if p.attachments) > len(mails) / 3
    raws = b"".join(m.raw for m in mails)
    assert raws.count(b"multipart/alternative") > 100 and raws.count(b"message/rfc822") > 20
    assert b"charset=iso-8859-1" in raws and b"quoted-printable" in raws and b"multipart/report" in raws
    assert sum(1 for p in parsed if p.parse_errors) < len(mails) / 10
