"""Intake without servers: ticket numbers, threads joining their ticket, and the mark that survives a kill."""

from mailkit.journal import Journal, parse_message
from mailkit.model import Account, Receiving, Tickets
from mailkit.sync.intake import run_intake
from mailkit.workspace import Workspace


def _mail(i: int, subject: str, reply_to: str | None = None) -> bytes:
    thread = f"In-Reply-To: <{reply_to}>\r\n" if reply_to else ""
    return (
        f"Message-ID: <m{i}@kunde.test>\r\nFrom: kunde@kunde.test\r\nTo: info@firma.test\r\n{thread}"
        f"Date: Tue, 01 Dec 2026 10:00:00 +0100\r\nSubject: {subject}\r\n\r\nText {i}\r\n"
    ).encode()


def _add(journal: Journal, raw: bytes) -> int:
    with journal.transaction():
        return journal.add_message(parse_message(raw), raw, account="info", direction="in")[0]


def test_tickets_numbered_per_day_threads_join_and_a_killed_run_is_caught_up(tmp_path):
    ws = Workspace.create(tmp_path / "ws")
    account = Account(
        name="info",
        address="info@firma.test",
        receiving=Receiving(host="imap.firma.test", tickets=Tickets(queue="Support", prefix="T")),
    )
    with Journal(tmp_path / "j.sqlite") as journal:
        old = _add(journal, _mail(0, "vor der Einrichtung"))  # in the journal before intake existed
        start = journal.last_message_row()
        first = _add(journal, _mail(1, "Frage"))
        assert run_intake(account, ws, journal, after_row=start)["tickets"] == 1
        number = journal.message_row(first)["ticket_number"]
        assert number.startswith("T") and number.endswith("-0001") and journal.message_row(old)["ticket_number"] is None

        # a run imports two mails and is killed before its intake; the next run starts after them
        answer = _add(journal, _mail(2, "AW: Frage", reply_to="m1@kunde.test"))
        named = _add(journal, _mail(3, f"Nachtrag zu {number}"))
        other = _add(journal, _mail(4, "Neue Frage"))
        counts = run_intake(account, ws, journal, after_row=journal.last_message_row())
        assert counts["tickets"] == 3 and counts["open"] == 0
        tickets = {row: journal.message_row(row)["ticket_number"] for row in (answer, named, other)}
        assert tickets[answer] == tickets[named] == number  # the thread and the named number join the ticket
        assert tickets[other].endswith("-0002") and journal.message_row(other)["queue"] == "Support"
