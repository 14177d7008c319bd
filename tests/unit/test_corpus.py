import email
import email.policy

from mailkit.journal.parse import parse_message
from mailkit.sandbox.corpus import DEMO_MALFORMED_COUNT, bulk, demo_mailbox


def test_demo_mailbox_is_reproducible_and_realistic():
    mails = demo_mailbox("info@mailkit.test", colleagues=["vertrieb@mailkit.test"], count=300, seed=0)
    assert len(mails) == 300 and mails == demo_mailbox("info@mailkit.test", colleagues=["vertrieb@mailkit.test"])
    assert mails != demo_mailbox("info@mailkit.test", seed=1)
    assert {m.folder for m in mails} >= {"INBOX", "Sent", "INBOX/Anfragen"}
    assert all(b"\n" not in m.raw.replace(b"\r\n", b"") for m in mails)
    defects = [m for m in mails if b"X-Mailkit-Defect" in m.raw]
    assert len(defects) == DEMO_MALFORMED_COUNT
    ids = set()
    for mail in mails:
        if mail in defects:
            continue
        message = email.message_from_bytes(mail.raw, policy=email.policy.default)
        assert all(message[h] for h in ("From", "To", "Date", "Subject", "Message-ID"))
        assert message["Message-ID"] not in ids
        ids.add(message["Message-ID"])
        assert mail.received.tzinfo is not None
    replies = [m for m in mails if m.folder == "Sent"]
    refs = {email.message_from_bytes(m.raw)["In-Reply-To"] for m in replies}
    assert replies and refs <= ids
    for mail in defects:  # each is read, with what was wrong recorded
        assert parse_message(mail.raw).parse_errors


def test_bulk_is_lazy_and_unique():
    stream = bulk(10**9, user_address="info@mailkit.test")
    first = next(stream)  # a billion would never fit: it is generated one at a time
    assert first.folder == "INBOX" and 2000 <= len(first.raw) <= 30000
    ids = {email.message_from_bytes(m.raw)["Message-ID"] for m in bulk(500, user_address="a@b.test")}
    assert len(ids) == 500
