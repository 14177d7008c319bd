import datetime as dt
import email
import email.policy
import zoneinfo

import pytest

from mailkit.errors import ComposeError, PolicyError
from mailkit.model import Account, Company, Employee, Group, Project, Sending
from mailkit.net.transport import sendmail_argv
from mailkit.send.autoresponder import AutoReply, render_reply, reply_decision
from mailkit.send.compose import Attachment, DocumentMail, compose
from mailkit.send.policy import choose_sender, render_signature, signature_for
from mailkit.workspace import Workspace

NOW = dt.datetime(2026, 11, 3, 12, 0, tzinfo=dt.UTC)


def mail(**changes) -> DocumentMail:
    fields = dict(document_type="invoice", to=["Kunde <einkauf@kunde.test>"], subject="Rechnung 4711", text="Hallo\n")
    fields.update(changes)
    return DocumentMail(**fields)


def test_compose_headers_and_envelope():
    composed = compose(
        mail(cc=["chef@kunde.test"], bcc=["archiv@firma.test"], subject="Rechnung für Müller"),
        sender="rechnung@firma.test",
        sender_name="Firma GmbH",
        extra_cc=["clerk@firma.test", "chef@kunde.test"],
        extra_bcc=["archiv@firma.test", "revision@firma.test"],
    )
    message = email.message_from_bytes(composed.data, policy=email.policy.default)
    assert message["From"] == "Firma GmbH <rechnung@firma.test>"
    assert message["Cc"] == "chef@kunde.test, clerk@firma.test"
    assert message["Subject"] == "Rechnung für Müller"
    assert message["Bcc"] is None and b"archiv@firma.test" not in composed.data
    assert message["Message-ID"] == f"<{composed.message_id}>" and composed.message_id.endswith("@firma.test")
    assert email.utils.parsedate_to_datetime(message["Date"]) is not None
    assert composed.recipients == (
        "einkauf@kunde.test",
        "chef@kunde.test",
        "clerk@firma.test",
        "archiv@firma.test",
        "revision@firma.test",
    )
    assert all(byte < 128 for byte in composed.data)  # 7bit: nothing for a relay to rewrite
    assert b"\r\n" in composed.data and b"\n" not in composed.data.replace(b"\r\n", b"")


def test_compose_with_html_and_attachment():
    composed = compose(
        mail(html="<p>Hallo</p>", attachments=[Attachment("Rechnung 4711.pdf", b"%PDF-1.4", "application/pdf")]),
        sender="rechnung@firma.test",
    )
    message = email.message_from_bytes(composed.data, policy=email.policy.default)
    assert message.get_body(("html",)).get_content().strip() == "<p>Hallo</p>"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "Rechnung 4711.pdf" and attachment.get_content() == b"%PDF-1.4"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"subject": "a\nBcc: x@y.test"}, "subject contains a line break"),
        ({"to": ["x@y.test\r\nBcc: z@y.test"]}, "To recipient contains a line break"),
        ({"to": []}, "no To recipient"),
        ({"to": ["kein-at-zeichen"]}, "is not an e-mail address"),
        ({"extra_headers": {"X-Tag": "a\rb"}}, "line break"),
        ({"attachments": [Attachment("a\nb.pdf", b"")]}, "attachment name contains a line break"),
    ],
)
def test_compose_refuses_bad_input(changes, message):
    with pytest.raises(ComposeError, match=message):
        compose(mail(**changes), sender="rechnung@firma.test")


def workspace(tmp_path) -> Workspace:
    ws = Workspace(tmp_path)
    ws.users = {
        "eva": Employee(
            full_name="Eva", email="eva@firma.test", groups=("vertrieb",), senders=("eva.privat@firma.test",)
        ),
        "max": Employee(full_name="Max", email="max@firma.test"),
    }
    ws.groups = {"vertrieb": Group(senders=("angebote@firma.test",))}
    ws.company = Company(signature="Firma GmbH")
    ws.projects = {"messe": Project(signature="Messe-Team")}
    return ws


def account(**changes) -> Account:
    return Account(name="a", address="info@firma.test", sending=Sending(host="h.firma.test"), **changes)


def test_sender_choice_and_permission(tmp_path):
    ws = workspace(tmp_path)
    acc = account(senders={"quote": "angebote@firma.test", "invoice": "rechnung@firma.test"})
    assert choose_sender(acc, ws, "quote", "eva") == "angebote@firma.test"  # through her group
    assert choose_sender(acc, ws, "letter", "eva") == "eva@firma.test"  # her own address
    assert choose_sender(acc, ws, "invoice", None) == "rechnung@firma.test"  # a job: the account's rules
    with pytest.raises(PolicyError) as caught:
        choose_sender(acc, ws, "invoice", "eva")
    assert "user 'eva' may not send as rechnung@firma.test" in str(caught.value)
    assert "[users.eva]" in str(caught.value) and "vertrieb" in str(caught.value)


def test_signature_order_account_project_company(tmp_path):
    ws = workspace(tmp_path)
    assert signature_for(account(signature="Konto"), ws, "messe") == ("Konto", "")
    assert signature_for(account(), ws, "messe") == ("Messe-Team", "")
    assert signature_for(account(), ws, "unbekannt") == ("Firma GmbH", "")
    ws.company = Company()
    assert signature_for(account(), ws) == ("", "")


def test_signature_variables():
    eva = Employee(full_name="Eva", email="eva@firma.test", phone="1", fax="2", mobile="3")
    text, unknown = render_signature(
        "{MITARBEITER} {MITARBEITER_TELEFON} {MITARBEITER_TELEFAX} {MITARBEITER_MOBIL} {MITARBEITER_EMAIL} {X}", eva
    )
    assert (text, unknown) == ("Eva 1 2 3 eva@firma.test {X}", ["X"])
    assert render_signature("{MITARBEITER}", None) == ("", [])


def test_sendmail_command_line():
    assert sendmail_argv("/usr/sbin/sendmail -t -f ich@firma.test", "a@firma.test", ("b@x.test", "c@x.test")) == [
        "/usr/sbin/sendmail",
        "-f",
        "ich@firma.test",
        "--",
        "b@x.test",
        "c@x.test",
    ]
    assert sendmail_argv("msmtp -fich@firma.test", "a@x.test", ("b@x.test",))[:2] == ["msmtp", "-fich@firma.test"]


def decide(raw: bytes, last=None):
    return reply_decision(raw, own_addresses={"info@firma.test"}, last_reply_to_sender=last, now=NOW)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (b"From: kunde@x.test\r\n", (True, "reply to kunde@x.test")),
        (b"From: kunde@x.test\r\nAuto-Submitted: no\r\n", (True, "reply to kunde@x.test")),
        (b"From: kunde@x.test\r\nAuto-Submitted: auto-generated\r\n", (False, "Auto-Submitted: auto-generated")),
        (b"From: kunde@x.test\r\nPrecedence: junk\r\n", (False, "Precedence: junk")),
        (b"From: kunde@x.test\r\nList-Unsubscribe: <mailto:u@x.test>\r\n", (False, "mailing-list mail")),
        (b"From: kunde@x.test\r\nX-Auto-Response-Suppress: All\r\n", (False, "marked as an automatic message")),
        (b"From: <>\r\n", (False, "null sender")),
        (b"Return-Path: <>\r\nFrom: kunde@x.test\r\n", (False, "null sender")),
        (b"From: No Reply <no-reply@x.test>\r\n", (False, "no-reply sender no-reply@x.test")),
        (b"From: Info <INFO@firma.test>\r\n", (False, "sent by this account")),
    ],
)
def test_rfc3834_decisions(headers, expected):
    assert decide(headers + b"\r\nbody\r\n") == expected


def test_one_reply_per_sender_per_calendar_day_in_the_accounts_time_zone():
    raw = b"From: kunde@x.test\r\n\r\nbody\r\n"
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    late = dt.datetime(2026, 12, 1, 23, 50, tzinfo=berlin)
    after_midnight = dt.datetime(2026, 12, 2, 0, 10, tzinfo=berlin)

    def at(now, last, timezone="Europe/Berlin"):
        return reply_decision(raw, own_addresses=set(), last_reply_to_sender=last, now=now, timezone=timezone)

    # 20 minutes apart but on two days in Berlin: a second reply; the same day: none
    assert at(after_midnight, late)[0] is True
    assert at(late, late - dt.timedelta(hours=23))[0] is False
    assert "today (2026-12-01, Europe/Berlin)" in at(late, late - dt.timedelta(hours=23))[1]
    # in UTC both are on 2026-12-01 (22:50 and 23:10)
    assert at(after_midnight, late, "UTC")[0] is False


def test_reply_is_threaded_and_marked():
    raw = (
        b"From: Kunde <kunde@x.test>\r\nMessage-ID: <m2@x.test>\r\nReferences: <m1@x.test>\r\n"
        b"Subject: =?utf-8?q?Frage_zur_Lieferf=C3=A4higkeit?=\r\n\r\nbody\r\n"
    )
    reply = render_reply(raw, AutoReply("Eingang {TICKET}: {BETREFF}", "Ticket {TICKET}"), ticket="T-7")
    assert reply.to == ["kunde@x.test"] and reply.subject == "Eingang T-7: Frage zur Lieferfähigkeit"
    assert reply.in_reply_to == "<m2@x.test>" and reply.references == ["<m1@x.test>", "<m2@x.test>"]
    assert reply.extra_headers["Auto-Submitted"] == "auto-replied" and reply.text == "Ticket T-7"
