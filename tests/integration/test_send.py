"""Sending document mails through the sandbox: SMTP, sendmail (msmtp), policy, batches, Sent copies."""

import dataclasses
import datetime as dt
import email
import email.policy
import itertools
import os
import shutil

import pytest

from mailkit.analysis.failures import enhanced_code, smtp_meaning
from mailkit.errors import AuthError, ComposeError, PolicyError, SendError
from mailkit.journal import Journal
from mailkit.model import Auth, Employee, Group, Project, SendPolicy
from mailkit.net.connect import imap_login
from mailkit.send import (
    Attachment,
    AutoReply,
    DocumentMail,
    autorespond,
    retry_copies,
    send_batch,
    send_mail,
    send_test,
)


@pytest.fixture
def world(fresh_sandbox, journal_where):
    ws = fresh_sandbox.workspace
    ws.users["eva"] = Employee(
        full_name="Eva Weiß",
        email="vertrieb@mailkit.test",
        phone="+49 30 1234-5",
        mobile="+49 170 555",
        groups=("vertrieb",),
    )
    ws.users["max"] = Employee(full_name="Max Ohnerecht", email="max@mailkit.test")
    ws.groups["vertrieb"] = Group(senders=("info@mailkit.test",))
    ws.save()
    with Journal(journal_where) as journal:
        yield fresh_sandbox, ws, journal


def inbox(sandbox, account_name: str, folder: str = "INBOX") -> list[bytes]:
    ws = sandbox.workspace
    with imap_login(ws.get(account_name), ws) as client:
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        return [d[b"BODY[]"] for d in client.fetch(uids, ["BODY.PEEK[]"]).values()] if uids else []


def assert_bcc_hidden(raw: bytes, address: str) -> None:
    """The Bcc recipient got the mail, but no header of it names them (trace headers aside)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Bcc"] is None
    assert all(address not in str(message[h] or "") for h in ("To", "Cc", "From", "Reply-To"))


def offer(**changes) -> DocumentMail:
    fields = dict(
        document_type="quote",
        to=["Einkauf Kunde AG <einkauf@kunde.test>"],
        subject="Angebot 2026-0412 – Zahnräder",
        text="Sehr geehrte Damen und Herren,\n\nanbei unser Angebot.\n",
        html="<p>Sehr geehrte Damen und Herren,</p><p>anbei unser Angebot.</p>",
        attachments=[Attachment("Angebot 2026-0412.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")],
        record_number="2026-0412",
    )
    fields.update(changes)
    return DocumentMail(**fields)


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_smtp_send_arrives_and_its_exact_bytes_are_in_sent(world, security):
    sandbox, ws, journal = world
    account = ws.get("info")
    port = sandbox.ports["smtp" if security == "starttls" else "smtps"]
    account = dataclasses.replace(account, sending=dataclasses.replace(account.sending, security=security, port=port))
    outcome = send_mail(account, ws, journal, offer())
    assert outcome.status == "sent" and outcome.code == 250 and outcome.copy_status == "copied"
    arrived = inbox(sandbox, "einkauf")
    assert len(arrived) == 1 and b"Angebot 2026-0412.pdf" in arrived[0]
    sent_copy = inbox(sandbox, "info", "Sent")
    row = journal.send_row(outcome.send_id)
    assert sent_copy == [journal.raw(row["message_row"])]  # byte-identical to what went out
    assert sent_copy[0] in arrived[0]  # the recipient's copy is the same bytes after the server's trace headers
    assert row["status"] == "sent" and row["created_at"] <= row["sent_at"] and row["document_type"] == "quote"
    assert journal.db.execute("SELECT record_number, direction FROM messages").fetchone() == ("2026-0412", "out")


def test_sendmail_method_through_msmtp(world, tmp_path):
    sandbox, ws, journal = world
    if shutil.which("msmtp") is None:
        pytest.fail("msmtp is missing: scripts/ensure-system-packages installs it")
    info = sandbox.user("info")
    config = tmp_path / "msmtprc"
    config.write_text(
        f"defaults\ntls on\ntls_starttls on\ntls_trust_file {sandbox.ca.cert_file}\n"
        f"account sandbox\nhost localhost\nport {sandbox.ports['smtp']}\nauth on\n"
        f"user {info.address}\npassword {info.password}\nfrom {info.address}\naccount default : sandbox\n"
    )
    os.chmod(config, 0o600)
    account = ws.get("info")
    account = dataclasses.replace(
        account,
        sending=dataclasses.replace(
            account.sending, method="sendmail", sendmail_command=f"msmtp --file={config} -t -i"
        ),
    )
    outcome = send_mail(account, ws, journal, offer(bcc=["buchhaltung@mailkit.test"]))
    assert outcome.status == "sent" and journal.send_row(outcome.send_id)["transport"] == "sendmail"
    assert len(inbox(sandbox, "einkauf")) == 1
    bcc_copy = inbox(sandbox, "buchhaltung")
    assert len(bcc_copy) == 1
    assert_bcc_hidden(bcc_copy[0], "buchhaltung@mailkit.test")


def test_sendmail_failure_carries_the_command_output(world):
    sandbox, ws, journal = world
    account = ws.get("info")
    account = dataclasses.replace(
        account, sending=dataclasses.replace(account.sending, method="sendmail", sendmail_command="false")
    )
    with pytest.raises(SendError, match="false exited with 1"):
        send_mail(account, ws, journal, offer())
    assert journal.db.execute("SELECT status FROM sends").fetchall() == [("failed",)]


def test_sender_policy_and_clerk_cc_and_archive_bcc(world):
    sandbox, ws, journal = world
    ws.policy = SendPolicy(bcc_archive="buchhaltung@mailkit.test", clerk_cc=True)
    account = dataclasses.replace(ws.get("info"), senders={"quote": "info@mailkit.test"})
    outcome = send_mail(account, ws, journal, offer(), user="eva", clerk="max")  # eva may, through her group
    assert outcome.status == "sent"
    assert outcome.recipients == ("einkauf@kunde.test", "max@mailkit.test", "buchhaltung@mailkit.test")
    archive = inbox(sandbox, "buchhaltung")
    assert len(archive) == 1
    assert_bcc_hidden(archive[0], "buchhaltung@mailkit.test")
    assert b"Cc: max@mailkit.test" in archive[0]
    with pytest.raises(PolicyError, match=r"user 'max' may not send as info@mailkit.test.*\[users.max\]"):
        send_mail(account, ws, journal, offer(), user="max")
    with pytest.raises(PolicyError, match="unknown user 'nobody'"):
        send_mail(account, ws, journal, offer(), user="nobody")


def test_signature_variables_are_filled_and_unknown_ones_reported(world):
    sandbox, ws, journal = world
    ws.company.signature = "Mailkit Demo GmbH"
    ws.projects["messe"] = Project(
        signature="{MITARBEITER}\nTel. {MITARBEITER_TELEFON}\nMobil {MITARBEITER_MOBIL}\n{ABTEILUNG}"
    )
    account = ws.get("info")
    outcome = send_mail(account, ws, journal, offer(html=None), user="eva", project="messe")
    message = email.message_from_bytes(inbox(sandbox, "einkauf")[0], policy=email.policy.default)
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "-- \nEva Weiß\nTel. +49 30 1234-5\nMobil +49 170 555\n{ABTEILUNG}" in text
    assert outcome.notes == ["signature variable {ABTEILUNG} is unknown and was left as it is"]
    plain = send_mail(account, ws, journal, offer(html=None), user="eva")  # no project: the company's
    assert plain.status == "sent"
    last = email.message_from_bytes(inbox(sandbox, "einkauf")[-1], policy=email.policy.default)
    assert "-- \r\nMailkit Demo GmbH" in last.get_body(("plain",)).get_content()


def test_header_injection_is_refused_before_anything_is_sent(world):
    sandbox, ws, journal = world
    with pytest.raises(ComposeError, match="subject contains a line break"):
        send_mail(ws.get("info"), ws, journal, offer(subject="Angebot\r\nBcc: alle@kunde.test"))
    with pytest.raises(ComposeError, match="line break"):
        send_mail(ws.get("info"), ws, journal, offer(to=["einkauf@kunde.test\nBcc: x@kunde.test"]))
    assert journal.count("sends") == 0 and inbox(sandbox, "einkauf") == []


def test_refused_recipients_are_recorded_with_the_servers_reply(world):
    sandbox, ws, journal = world
    outcome = send_mail(ws.get("info"), ws, journal, offer(to=["einkauf@kunde.test", "niemand@kunde.test"]))
    assert outcome.status == "sent" and outcome.refused["niemand@kunde.test"][0] == 550
    with pytest.raises(SendError, match="every recipient was refused.*relay access denied") as caught:
        send_mail(ws.get("info"), ws, journal, offer(to=["kunde@extern.example"]))
    assert caught.value.code == 550
    row = journal.db.execute("SELECT status, smtp_code, smtp_reply FROM sends ORDER BY id DESC").fetchone()
    assert row[0] == "failed" and row[1] == 550 and "relay access denied" in row[2]


def test_a_refused_login_is_journalled_with_the_servers_code_not_as_no_reply(world):
    sandbox, ws, journal = world
    account = ws.get("info")
    wrong = dataclasses.replace(account, auth=Auth(password="workspace:vertrieb.password"))  # another user's
    with pytest.raises(AuthError, match=r"535 .*credentials invalid.*check user name and password"):
        send_mail(wrong, ws, journal, offer())
    row = journal.db.execute("SELECT status, smtp_code, smtp_reply FROM sends ORDER BY id DESC").fetchone()
    assert row[0] == "failed" and row[1] == 535 and "5.7.8" in row[2]
    assert "credentials" in smtp_meaning(row[1], enhanced_code(row[2]))  # the analysis reads it, not "no reply"


def test_mail_refused_for_want_of_a_login_blames_the_login_not_the_sender(world):
    sandbox, ws, journal = world
    account = ws.get("info")
    anonymous = dataclasses.replace(account, auth=Auth(method="none"))
    with pytest.raises(SendError, match=r"530 .*wants a login.*auth password") as caught:
        send_mail(anonymous, ws, journal, offer())
    assert caught.value.code == 530 and "send as that address" not in str(caught.value)


def test_a_failed_sent_copy_leaves_the_mail_sent_and_a_retry_copies_once(world):
    sandbox, ws, journal = world
    account = ws.get("info")
    account = dataclasses.replace(
        account, receiving=dataclasses.replace(account.receiving, sent_folder="Sent/Kivitendo")
    )
    ws.accounts["info"] = account
    outcome = send_mail(account, ws, journal, offer())
    assert (outcome.status, outcome.copy_status) == ("sent", "failed")
    assert "'Sent/Kivitendo' does not exist" in outcome.copy_error
    assert len(inbox(sandbox, "einkauf")) == 1
    with imap_login(account, ws) as client:
        client.create_folder("Sent/Kivitendo")
    assert [o.copy_status for o in retry_copies(account, ws, journal)] == ["copied"]
    assert retry_copies(account, ws, journal) == []  # nothing left to copy
    with journal.transaction():  # even when asked again, the Message-ID search prevents a second copy
        journal.finish_send(outcome.send_id, copy_status="failed")
    assert [o.copy_status for o in retry_copies(account, ws, journal)] == ["copied"]
    copies = inbox(sandbox, "info", "Sent/Kivitendo")
    assert copies == [journal.raw(journal.send_row(outcome.send_id)["message_row"])]


def test_batches_are_paced_and_a_resumed_batch_sends_nothing_twice(world):
    sandbox, ws, journal = world
    account = ws.get("info")
    mails = [
        (f"row{i}", offer(subject=f"Rundschreiben {i}", attachments=[], to=["einkauf@kunde.test"])) for i in range(7)
    ]
    first = send_batch(account, ws, journal, mails[:5], batch="herbst", batch_size=2, pause_ms=400)
    assert (first.sent, first.pauses) == (5, 2)
    times = [dt.datetime.fromisoformat(t) for (t,) in journal.db.execute("SELECT sent_at FROM sends ORDER BY id")]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert gaps[1] >= 0.4 and gaps[3] >= 0.4  # the pauses between batches, observed
    assert gaps[0] < 0.4
    again = send_batch(account, ws, journal, mails, batch="herbst", batch_size=2, pause_ms=0)
    assert (again.sent, again.skipped) == (2, 5)
    assert len(inbox(sandbox, "einkauf")) == 7


def test_test_mail(world):
    sandbox, ws, journal = world
    outcome = send_test(ws.get("vertrieb"), ws, journal, "einkauf@kunde.test")
    assert outcome.status == "sent" and b"mailkit Testmail: vertrieb" in inbox(sandbox, "einkauf")[0]


AUTO = AutoReply(subject="Ihre Anfrage {TICKET}: {BETREFF}", text="Wir haben Ihre Nachricht ({TICKET}) erhalten.\n")


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ("Auto-Submitted: auto-replied\r\n", "Auto-Submitted"),
        ("Precedence: bulk\r\n", "Precedence: bulk"),
        ("List-Id: <news.kunde.test>\r\n", "mailing-list"),
        ("", None),
    ],
)
def test_autoresponder_loop_cases(world, headers, reason):
    sandbox, ws, journal = world
    raw = (
        "From: Einkauf <einkauf@kunde.test>\r\nMessage-ID: <q1@kunde.test>\r\nSubject: Frage zu Angebot\r\n"
        f"{headers}\r\nHallo\r\n"
    ).encode()
    outcome, why = autorespond(ws.get("info"), ws, journal, raw, AUTO, ticket="T-100")
    if reason:
        assert outcome is None and reason in why
        return
    assert outcome.status == "sent"
    reply = inbox(sandbox, "einkauf")[0]
    assert b"Auto-Submitted: auto-replied" in reply and b"In-Reply-To: <q1@kunde.test>" in reply
    assert b"Ihre Anfrage T-100: Frage zu Angebot" in reply
    second, why = autorespond(ws.get("info"), ws, journal, raw, AUTO, ticket="T-101")
    assert second is None and "got an automatic reply today" in why


def test_autoresponder_never_answers_itself_or_noreply(world):
    sandbox, ws, journal = world
    for sender in ("info@mailkit.test", "noreply@kunde.test", "MAILER-DAEMON@kunde.test"):
        raw = f"From: {sender}\r\nSubject: x\r\n\r\nx\r\n".encode()
        outcome, why = autorespond(ws.get("info"), ws, journal, raw, AUTO, ticket="T")
        assert outcome is None, why
