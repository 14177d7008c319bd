"""The seed systems' intake through the CLI against the sandbox: tickets, auto-replies, documents, retention."""

import email
import email.policy
import json
import subprocess
import sys
import threading
import time
from email.message import EmailMessage

import pytest

from mailkit.journal import Journal
from mailkit.model import Autoresponder
from mailkit.net.connect import imap_login
from mailkit.sync import Cancel
from mailkit.sync.watch import watch
from mailkit.workspace import Workspace


def data_of(stdout: str):
    """The data of a command's --json envelope."""
    return json.loads(stdout)["data"]


def mailkit(workspace, *args, check=True) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "mailkit", "-w", str(workspace.path), *args], capture_output=True, text=True, timeout=120
    )
    if check and done.returncode != 0:
        raise AssertionError(f"mailkit {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


def inbound(subject: str, *, sender="einkauf@kunde.test", headers=None, attachments=(), date=None) -> bytes:
    message = EmailMessage()
    message["From"] = f"Einkauf Kunde AG <{sender}>"
    message["To"] = "info@mailkit.test"
    message["Subject"] = subject
    message["Message-ID"] = email.utils.make_msgid(domain="kunde.test")
    message["Date"] = date or email.utils.format_datetime(email.utils.localtime())
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content("Guten Tag,\nbitte um Rückmeldung.\n")
    for name, data in attachments:
        message.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return message.as_bytes(policy=email.policy.SMTP)


def arrive(sandbox, raw: bytes) -> None:
    """Delivered as from the sender's own server: the envelope sender (Return-Path) is the From address."""
    sender = email.message_from_bytes(raw, policy=email.policy.default)["From"].addresses[0].addr_spec
    sandbox.deliver(raw, ["info@mailkit.test"], mail_from=sender)


def replies_to(sandbox, account="einkauf") -> list[email.message.Message]:
    ws = sandbox.workspace
    with imap_login(ws.get(account), ws) as client:
        client.select_folder("INBOX", readonly=True)
        uids = client.search(["HEADER", "Auto-Submitted", "auto-replied"])
        fetched = client.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
    return [email.message_from_bytes(d[b"BODY[]"], policy=email.policy.default) for d in fetched.values()]


def wait_for(predicate, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not (found := predicate()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


@pytest.fixture
def helpdesk(fresh_sandbox):
    """info@ as OpenXE's ticket mailbox: tickets in queue Support, the autoresponder on, documents filed."""
    ws = fresh_sandbox.workspace
    text = ws.path / "antwort.txt"
    text.write_text("Ihre Anfrage hat die Nummer {TICKET}.\n", encoding="utf-8")
    shown = mailkit(ws, "accounts", "receive", "info", "--ticket-queue", "Support", "--ticket-project", "Wartung",
                    "--ticket-prefix", "T", "--reply-subject", "Eingangsbestätigung {TICKET}: {BETREFF}",
                    "--reply-text-file", str(text), "--documents", "folder", "--json")  # fmt: skip
    settings = data_of(shown.stdout)
    assert (
        settings["saved"] and settings["tickets"]["queue"] == "Support" and settings["documents"]["target"] == "folder"
    )
    assert Workspace.open(ws.path).get("info").receiving.autoresponder == Autoresponder(
        subject="Eingangsbestätigung {TICKET}: {BETREFF}", text="Ihre Anfrage hat die Nummer {TICKET}.\n"
    )
    return fresh_sandbox, ws


def test_ticket_and_one_auto_reply_per_day_never_to_lists_bulk_auto_replies_or_own_mail(helpdesk):
    sandbox, ws = helpdesk
    arrive(sandbox, inbound("Frage zu Angebot 4711"))
    first = data_of(mailkit(ws, "sync", "info", "--json").stdout)
    assert first["ok"] and first["intake"]["tickets"] == 1 and first["intake"]["autoreplies"] == 1

    with Journal(ws.journal_file) as journal:
        (row,) = journal.db.execute(
            "SELECT id, ticket_number, queue, project, ticket_status FROM messages WHERE direction = 'in'"
        )
    number = row[1]
    assert number.startswith("T") and number.endswith("-0001") and row[2:] == ("Support", "Wartung", "open")
    [reply] = wait_for(lambda: replies_to(sandbox))
    assert reply["Subject"] == f"Eingangsbestätigung {number}: Frage zu Angebot 4711"
    assert reply["From"].addresses[0].addr_spec == "info@mailkit.test"
    assert number in reply.get_body().get_content()

    # the same sender again that day, a list, bulk, an auto-reply and our own mail: tickets, but no reply
    for raw in (
        inbound("Nachtrag"),
        inbound("Newsletter", sender="news@kunde.test", headers={"List-Id": "<news.kunde.test>"}),
        inbound("Angebote", sender="werbung@kunde.test", headers={"Precedence": "bulk"}),
        inbound("Abwesend", sender="chef@kunde.test", headers={"Auto-Submitted": "auto-replied"}),
        inbound("Intern", sender="info@mailkit.test"),
    ):
        arrive(sandbox, raw)
    second = data_of(mailkit(ws, "sync", "info", "--json").stdout)
    assert second["intake"]["autoreplies"] == 0 and second["intake"]["tickets"] == 4  # own mail is outbound
    with Journal(ws.journal_file) as journal:
        reasons = dict(journal.db.execute("SELECT m.subject, a.reason FROM autoreplies a JOIN messages m "
                                          "ON m.id = a.message_id WHERE a.decision = 'skipped'"))  # fmt: skip
    assert "got an automatic reply today" in reasons["Nachtrag"]
    assert reasons["Newsletter"] == "mailing-list mail" and reasons["Angebote"] == "Precedence: bulk"
    assert reasons["Abwesend"] == "Auto-Submitted: auto-replied"

    # a reply in the thread joins the ticket; the next day (the earlier reply moved back a day) it gets a reply
    with Journal(ws.journal_file) as journal, journal.transaction():
        journal.db.execute("UPDATE sends SET created_at = datetime(created_at, '-1 day')")
    answer = inbound(f"AW: Eingangsbestätigung {number}: Frage zu Angebot 4711")
    arrive(sandbox, answer)
    third = data_of(mailkit(ws, "sync", "info", "--json").stdout)
    assert third["intake"]["autoreplies"] == 1
    with Journal(ws.journal_file) as journal:
        joined = journal.db.execute("SELECT ticket_number FROM messages WHERE subject LIKE 'AW:%'").fetchone()[0]
    assert joined == number
    assert len(wait_for(lambda: len(replies_to(sandbox)) == 2 and replies_to(sandbox))) == 2


def test_documents_filed_with_hostile_names_made_safe_and_duplicates_once(helpdesk):
    sandbox, ws = helpdesk
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
    hostile = [
        ("../../../../etc/cron.d/evil.pdf", pdf),
        ("..\\..\\Windows\\win.ini", b"[boot]\n"),
        ("CON.pdf", b"%PDF-1.4 con\n"),
        ("Rechnung\u202efdp.exe", b"MZ not really\n"),
        (".htaccess", b"deny\n"),
        ("kopie.pdf", pdf),  # the same bytes as the first: filed once
    ]
    arrive(sandbox, inbound("Unterlagen", attachments=hostile))
    result = data_of(mailkit(ws, "sync", "info", "--json").stdout)
    assert result["ok"] and result["intake"]["documents"] == 5

    with Journal(ws.journal_file) as journal:
        ticket = journal.db.execute("SELECT ticket_number FROM messages WHERE direction = 'in'").fetchone()[0]
        linked = journal.db.execute("SELECT attachment, file FROM documents ORDER BY id").fetchall()
    folder = ws.path / "documents" / ticket
    names = sorted(p.name for p in folder.iterdir())
    # the right-to-left override is gone (made "_" here, or dropped already by the parser)
    assert [n for n in names if n.startswith("Rechnung")] in (["Rechnung_fdp.exe"], ["Rechnungfdp.exe"])
    assert [n for n in names if not n.startswith("Rechnung")] == sorted(["evil.pdf", "win.ini", "_CON.pdf", "htaccess"])
    assert all(p.resolve().parent == folder.resolve() for p in folder.iterdir())
    assert not (ws.path.parent / "etc").exists()
    assert folder.stat().st_mode & 0o777 == 0o700 and all(p.stat().st_mode & 0o777 == 0o600 for p in folder.iterdir())
    # the journal links every attachment, the duplicate to the file of the first
    assert len(linked) == 6 and linked[5][1] == linked[0][1] == f"documents/{ticket}/evil.pdf"
    shown = data_of(mailkit(ws, "journal", "show", str(1), "--json").stdout)
    assert len(shown["documents"]) == 6 and len(shown["attachments"]) == 6


def test_journal_purge_per_account_dry_run_and_retention_days(fresh_sandbox):
    ws = fresh_sandbox.workspace
    old = [inbound(f"Alt {i}", date="Mon, 05 Jan 2026 10:00:00 +0100") for i in range(3)]
    for raw in [*old, inbound("Neu")]:
        arrive(fresh_sandbox, raw)
    mailkit(ws, "sync", "info")
    dry = data_of(
        mailkit(ws, "journal", "purge", "--older-than", "30", "--account", "info", "--dry-run", "--json").stdout
    )
    assert dry["total"] == 3 and dry["dry_run"]
    with Journal(ws.journal_file) as journal:
        assert journal.count() == 4
    none = mailkit(ws, "journal", "purge", "--account", "info", check=False)
    assert none.returncode == 2 and "retention_days" in none.stderr

    account = ws.get("info")
    account.receiving.retention_days = 30
    ws.update(account)
    ws.save()
    arrive(fresh_sandbox, inbound("Noch neuer"))
    result = data_of(mailkit(ws, "sync", "info", "--json").stdout)
    assert result["intake"]["purged"] == 3
    with Journal(ws.journal_file) as journal:
        assert sorted(s for (s,) in journal.db.execute("SELECT subject FROM messages")) == ["Neu", "Noch neuer"]
    with imap_login(ws.get("info"), ws) as client:  # the server's mail is untouched
        assert client.folder_status("INBOX", ["MESSAGES"])[b"MESSAGES"] == 5


def test_journal_list_and_show_on_the_demo_mailbox(sandbox, tmp_path):
    ws = sandbox.workspace
    mailkit(ws, "sync", "info", "--all-folders")
    page = data_of(mailkit(ws, "journal", "list", "--account", "info", "--limit", "10", "--json").stdout)
    assert page["total"] >= 100 and len(page["rows"]) == 10
    dates = [r["date_utc"] for r in page["rows"] if r["date_utc"]]  # undated mail sorts by when it came in
    assert dates == sorted(dates, reverse=True)
    nxt = data_of(mailkit(ws, "journal", "list", "--account", "info", "--limit", "10", "--offset", "10",
                            "--json").stdout)  # fmt: skip
    assert not {r["id"] for r in nxt["rows"]} & {r["id"] for r in page["rows"]}

    with_pdf = data_of(mailkit(ws, "journal", "list", "--has-attachment", "--limit", "500", "--json").stdout)
    assert with_pdf["rows"] and all(r["attachments"] for r in with_pdf["rows"])
    inbound_only = data_of(mailkit(ws, "journal", "list", "--direction", "in", "--subject", "angebot",
                                      "--limit", "500", "--json").stdout)  # fmt: skip
    assert all("angebot" in r["subject"].lower() and r["direction"] == "in" for r in inbound_only["rows"])

    row = with_pdf["rows"][0]
    shown = data_of(mailkit(ws, "journal", "show", str(row["id"]), "--json").stdout)
    assert shown["message"]["id"] == row["id"] and shown["attachments"] and shown["locations"]
    assert any(name.lower() == "subject" for name, _ in shown["headers"])
    text = mailkit(ws, "journal", "show", str(row["id"])).stdout
    assert "Location: info/" in text and "Attachment 1:" in text
    saved = mailkit(ws, "journal", "show", str(row["id"]), "--save-attachment", "1", "--to", str(tmp_path))
    [path] = list(tmp_path.iterdir())
    assert path.read_bytes().startswith(b"%PDF") and "saved as" in saved.stderr
    missing = mailkit(ws, "journal", "show", "999999", check=False)
    assert missing.returncode != 0 and "journal list" in missing.stderr and "Traceback" not in missing.stderr


def test_journal_browser_filters_pages_opens_and_offers_attachments(sandbox):
    from mailkit.widgets import JournalBrowser

    ws = sandbox.workspace
    mailkit(ws, "sync", "info", "--all-folders")
    with Journal(ws.journal_file) as journal:
        browser = JournalBrowser(journal, page_size=10)
        assert len(browser.mails.options) == 10 and browser.previous.disabled and not browser.next.disabled
        first_page = [value for _, value in browser.mails.options]
        browser.next.click()
        assert not {value for _, value in browser.mails.options} & set(first_page)
        assert browser.status.value.startswith("11–20 of ")

        browser.has_attachment.value = True
        assert browser.offset == 0 and browser.mails.options
        browser.mails.value = browser.mails.options[0][1]
        shown = browser.shown
        assert shown["attachments"] and "UID" in browser.pane.value
        assert "download=" in browser.pane.value and "base64,JVBERi0" in browser.pane.value  # %PDF-

        browser.subject.value = "keine solche Betreffzeile"
        assert browser.mails.options == () and browser.status.value.startswith("0–0 of 0")


def test_watch_gives_new_mail_its_ticket_and_auto_reply_live(helpdesk):
    sandbox, ws = helpdesk
    ws = Workspace.open(ws.path)  # as the CLI saved it
    results, cancel = [], Cancel()
    with Journal(ws.journal_file) as journal:
        thread = threading.Thread(
            target=watch,
            args=(ws.get("info"), ws, journal),
            kwargs={"interval": 30, "cancel": cancel, "on_result": results.append},
        )
        thread.start()
        try:
            wait_for(lambda: results)
            time.sleep(0.3)  # IDLE is entered
            arrive(sandbox, inbound("Reklamation Lieferung 17"))
            wait_for(lambda: sum(r.intake.get("tickets", 0) for r in results) >= 1)
        finally:
            cancel.set()
            thread.join(timeout=15)
        assert sum(r.intake.get("autoreplies", 0) for r in results) == 1
    [reply] = wait_for(lambda: replies_to(sandbox))
    assert reply["Subject"].startswith("Eingangsbestätigung T") and reply["Auto-Submitted"] == "auto-replied"
