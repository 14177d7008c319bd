"""IMAP and POP3 import into the journal against the sandbox's real Dovecot."""

import dataclasses
import datetime as dt
import email.utils
import os
import random
import re
import signal
import threading
import time
from pathlib import Path

import pytest

from mailkit.errors import AuthError, ConnectError, SyncError
from mailkit.journal import Journal
from mailkit.model import Receiving
from mailkit.net.connect import imap_login
from mailkit.sandbox.corpus import CorpusMail
from mailkit.sandbox.hostile import hostile_corpus
from mailkit.sync import Cancel, LinkRecordBySubject, SyncOptions, import_imap
from mailkit.sync.pop3 import import_pop3
from mailkit.sync.records import cleanup_record_folders, create_record_folder, sync_record
from mailkit.sync.watch import watch


def mail(i: int, *, sender: str = "einkauf@kunde.test", subject: str | None = None, body: str = "") -> bytes:
    return (
        f"Message-ID: <m{i}.{random.random()}@kunde.test>\r\n"
        f"From: Einkauf <{sender}>\r\nTo: info@mailkit.test\r\n"
        f"Date: {email.utils.format_datetime(email.utils.localtime())}\r\n"
        f"Subject: {subject or f'Anfrage {i}'}\r\n\r\n{body or f'Text {i}'}\r\n"
    ).encode()


def append(account, workspace, folder: str, raws: list[bytes], flags=()) -> None:
    with imap_login(account, workspace) as client:
        if not client.folder_exists(folder):
            client.create_folder(folder)
        for raw in raws:
            client.append(folder, raw, flags)


def imap_sessions(sandbox, address: str) -> list[dict]:
    """Dovecot's own account of each finished IMAP session of a user: headers and bodies it sent.

    Waits until every login of the user has its logout line (Dovecot logs it a moment later).
    """
    log_file = sandbox.dovecot.folder / "dovecot.log"
    deadline = time.monotonic() + 5
    while True:
        lines = log_file.read_text().splitlines()
        logins = sum(1 for line in lines if "imap-login: Info: Login:" in line and f"user=<{address}>" in line)
        done = [line for line in lines if f"imap({address})" in line and "Disconnected" in line]
        if len(done) >= logins or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    return [{k: int(v) for k, v in re.findall(r"(\w+_(?:count|bytes))=(\d+)", line)} for line in done]


def body_fetches_since(sandbox, address: str, before: int) -> int:
    return sum(s["body_count"] for s in imap_sessions(sandbox, address)[before:])


@pytest.fixture
def world(fresh_sandbox, journal_where):
    ws = fresh_sandbox.workspace
    with Journal(journal_where) as journal:
        yield fresh_sandbox, ws, ws.get("info"), journal


def test_first_import_then_no_change_then_only_new(world):
    sandbox, ws, account, journal = world
    raws = [mail(i) for i in range(30)]
    append(account, ws, "INBOX", raws)
    first = import_imap(account, ws, journal)
    assert first.totals["new"] == 30 and first.totals["bytes"] == sum(len(r) for r in raws)
    assert journal.count() == 30 and journal.count("locations") == 30
    # into an empty journal nothing is recognised by headers: only the bodies are fetched
    assert imap_sessions(sandbox, account.address)[-1]["hdr_count"] == 0
    # the journal gives back the exact bytes
    stored = {journal.raw(row) for (row,) in journal.db.execute("SELECT id FROM messages")}
    assert stored == set(raws)

    sessions = len(imap_sessions(sandbox, account.address))
    again = import_imap(account, ws, journal)
    assert again.folders[0].skipped and again.totals["new"] == 0
    assert body_fetches_since(sandbox, account.address, sessions) == 0
    assert imap_sessions(sandbox, account.address)[-1]["hdr_count"] == 0

    append(account, ws, "INBOX", [mail(100)])
    sessions = len(imap_sessions(sandbox, account.address))
    third = import_imap(account, ws, journal)
    assert third.totals["new"] == 1 and third.totals["known"] == 0
    assert body_fetches_since(sandbox, account.address, sessions) == 1
    assert imap_sessions(sandbox, account.address)[-1]["hdr_count"] == 1  # a journal with mail: headers first
    runs = journal.db.execute("SELECT status, new FROM runs ORDER BY id").fetchall()
    assert runs == [("ok", 30), ("ok", 0), ("ok", 1)]


def test_flag_changes_and_expunges_are_seen(world):
    sandbox, ws, account, journal = world
    append(account, ws, "INBOX", [mail(i) for i in range(10)])
    import_imap(account, ws, journal)
    with imap_login(account, ws) as client:
        client.select_folder("INBOX")
        client.add_flags([1, 2, 3], [b"\\Flagged"])
        client.delete_messages([4, 5])
        client.uid_expunge([4, 5])
    result = import_imap(account, ws, journal)
    assert (result.totals["flags_changed"], result.totals["gone"], result.totals["new"]) == (3, 2, 0)
    rows = dict(journal.db.execute("SELECT uid, present FROM locations"))
    assert rows[4] == rows[5] == 0 and rows[1] == 1
    flags = dict(journal.db.execute("SELECT uid, flags FROM locations"))
    assert flags[1] == "\\Flagged" and journal.count() == 10  # gone, but never deleted from the journal


def test_uidvalidity_change_rebinds_without_downloading(world):
    sandbox, ws, account, journal = world
    raws = [mail(i) for i in range(25)]
    append(account, ws, "Projekt", raws)
    import_imap(account, ws, journal, SyncOptions(folders=["Projekt"]))
    old_uidvalidity = journal.folder_state("info", "Projekt")["uidvalidity"]
    with imap_login(account, ws) as client:
        client.delete_folder("Projekt")
    append(account, ws, "Projekt", raws)
    sessions = len(imap_sessions(sandbox, account.address))
    result = import_imap(account, ws, journal, SyncOptions(folders=["Projekt"]))
    assert journal.folder_state("info", "Projekt")["uidvalidity"] != old_uidvalidity
    assert (result.totals["new"], result.totals["rebound"], result.totals["bytes"]) == (0, 25, 0)
    assert result.totals["gone"] == 25  # the old UIDs
    assert body_fetches_since(sandbox, account.address, sessions) == 0
    assert journal.count() == 25
    present = journal.db.execute("SELECT count(*) FROM locations WHERE present=1").fetchone()[0]
    assert present == 25


def test_a_different_mailbox_after_uidvalidity_change_stops_and_asks(world):
    sandbox, ws, account, journal = world
    append(account, ws, "Projekt", [mail(i) for i in range(10)])
    import_imap(account, ws, journal, SyncOptions(folders=["Projekt"]))
    with imap_login(account, ws) as client:
        client.delete_folder("Projekt")
    append(account, ws, "Projekt", [mail(i) for i in range(10, 20)])  # other mails
    with pytest.raises(SyncError, match=r"only 0 of 10 known messages .*--accept-rebind"):
        import_imap(account, ws, journal, SyncOptions(folders=["Projekt"]))
    assert journal.count() == 10  # nothing imported, nothing lost
    result = import_imap(account, ws, journal, SyncOptions(folders=["Projekt"], accept_rebind=True))
    assert result.totals["new"] == 10 and journal.count() == 20


def test_server_move_to_another_account_imports_nothing_twice(world):
    sandbox, ws, account, journal = world
    raws = [mail(i) for i in range(20)]
    append(account, ws, "INBOX", raws)
    import_imap(account, ws, journal)
    moved = sandbox.add_user("neu@mailkit.test")
    new_account = ws.get(moved.account)
    append(new_account, ws, "INBOX", raws)
    sessions = len(imap_sessions(sandbox, new_account.address))
    result = import_imap(new_account, ws, journal)
    assert (result.totals["new"], result.totals["rebound"], result.totals["bytes"]) == (0, 20, 0)
    assert body_fetches_since(sandbox, new_account.address, sessions) == 0
    assert journal.count() == 20 and journal.count("locations") == 40


def test_cut_connections_lose_nothing_and_import_nothing_twice(world):
    sandbox, ws, account, journal = world
    raws = [mail(i, body="x" * random.randint(200, 4000)) for i in range(120)]
    append(account, ws, "INBOX", raws)
    proxy = sandbox.serve_cutting_proxy("imaps")
    flaky = dataclasses.replace(account, receiving=dataclasses.replace(account.receiving, port=proxy.port))
    rng = random.Random(7)
    failures = 0
    for _attempt in range(60):
        proxy.budget = rng.randint(500, 60_000)
        try:
            result = import_imap(flaky, ws, journal, SyncOptions(batch_count=10))
        except ConnectError:
            failures += 1
            continue
        if result.ok:
            break
    proxy.budget = None
    final = import_imap(flaky, ws, journal)
    assert failures >= 5 and proxy.cuts >= 5  # it really was cut, many times
    assert final.ok
    assert journal.count() == 120
    assert journal.db.execute("SELECT count(DISTINCT message_key) FROM messages").fetchone()[0] == 120
    assert {journal.raw(row) for (row,) in journal.db.execute("SELECT id FROM messages")} == set(raws)
    states = journal.db.execute("SELECT status FROM runs").fetchall()
    assert ("failed",) in states


def test_dry_run_changes_nothing(world):
    sandbox, ws, account, journal = world
    append(account, ws, "INBOX", [mail(i) for i in range(5)])
    result = import_imap(account, ws, journal, SyncOptions(dry_run=True, after="delete"))
    assert result.dry_run and result.totals["new"] == 5
    assert journal.count() == 0 and journal.folder_state("info", "INBOX") is None
    with imap_login(account, ws) as client:
        assert client.folder_status("INBOX", ["MESSAGES"])[b"MESSAGES"] == 5


@pytest.mark.parametrize("after", ["seen", "delete", "move:Archive"])
def test_after_import_actions(world, after):
    sandbox, ws, account, journal = world
    append(account, ws, "INBOX", [mail(i) for i in range(6)])
    result = import_imap(account, ws, journal, SyncOptions(after=after))
    assert result.totals["new"] == 6
    with imap_login(account, ws) as client:
        inbox = client.folder_status("INBOX", ["MESSAGES", "UNSEEN"])
        archive = client.folder_status("Archive", ["MESSAGES"])[b"MESSAGES"]
    if after == "seen":
        assert (inbox[b"MESSAGES"], inbox[b"UNSEEN"]) == (6, 0)
    elif after == "delete":
        assert inbox[b"MESSAGES"] == 0 and archive == 0 and result.totals["gone"] == 6
    else:
        assert inbox[b"MESSAGES"] == 0 and archive == 6
    assert journal.count() == 6  # imported before anything happened on the server


def test_unread_only_and_since(world):
    sandbox, ws, account, journal = world
    append(account, ws, "INBOX", [mail(i) for i in range(3)], flags=[b"\\Seen"])
    append(account, ws, "INBOX", [mail(i) for i in range(3, 5)])
    result = import_imap(account, ws, journal, SyncOptions(unread_only=True))
    assert result.totals["new"] == 2
    journal2 = Journal(ws.path / "other.sqlite")
    future = import_imap(account, ws, journal2, SyncOptions(since=dt.date.today() + dt.timedelta(days=2)))
    assert future.totals["new"] == 0
    journal2.close()


def test_routes_link_records_and_a_failing_hook_does_not_stop_the_run(world):
    sandbox, ws, account, journal = world
    append(account, ws, "INBOX", [mail(1, subject="Ihr Angebot 2026-0412"), mail(2, subject="Hallo")])

    def broken(message):
        raise RuntimeError("hook bug")

    result = import_imap(
        account, ws, journal, routes=[LinkRecordBySubject(r"Angebot ([\d-]+)", "quote", queue="vertrieb"), broken]
    )
    assert result.totals["new"] == 2 and result.totals["errors"] == 2
    # both mails are in, but the run is not ok: the row names the hook and its error
    folder = result.folders[0]
    assert not result.ok and folder.status == "failed"
    assert folder.error.startswith("hook ") and "<locals>.broken failed on UID" in folder.error
    assert "RuntimeError: hook bug" in folder.error and "0x" not in folder.error
    rows = journal.db.execute("SELECT subject, record_type, record_number, queue FROM messages ORDER BY subject")
    assert rows.fetchall() == [("Hallo", None, None, None), ("Ihr Angebot 2026-0412", "quote", "2026-0412", "vertrieb")]


def test_missing_folder_is_a_clear_error(world):
    sandbox, ws, account, journal = world
    with pytest.raises(SyncError, match="folder 'Nope' cannot be read.*--all-folders"):
        import_imap(account, ws, journal, SyncOptions(folders=["Nope"]))
    assert journal.db.execute("SELECT status FROM runs").fetchall() == [("failed",)]


def test_all_folders_direction_and_sent(world):
    sandbox, ws, account, journal = world
    append(account, ws, "INBOX", [mail(1)])
    append(account, ws, "Sent", [mail(2, sender="info@mailkit.test")])
    result = import_imap(account, ws, journal, SyncOptions(all_folders=True))
    assert {f.folder for f in result.folders} >= {"INBOX", "Sent", "Archive", "Drafts"}
    assert "Trash" not in {f.folder for f in result.folders}
    assert dict(journal.db.execute("SELECT subject, direction FROM messages")) == {
        "Anfrage 1": "in",
        "Anfrage 2": "out",
    }


def test_record_folders_import_and_cleanup(world):
    sandbox, ws, account, journal = world
    folder = create_record_folder(
        account,
        ws,
        journal,
        customer_number="10042",
        customer_name="Müller/Söhne",
        record_type="quote",
        record_number="2026-7",
    )
    assert folder == "INBOX/10042 Müller_Söhne/Angebote/2026-7"
    append(account, ws, folder, [mail(i) for i in range(3)])
    append(account, ws, "INBOX/Handarbeit", [mail(9)])  # made by hand: never touched
    result = sync_record(account, ws, journal, "quote", "2026-7")
    assert result.totals["new"] == 3
    assert journal.db.execute("SELECT count(*) FROM messages WHERE record_number='2026-7'").fetchone()[0] == 3
    assert [r.action for r in cleanup_record_folders(account, ws, journal)] == ["kept (open)"]
    journal.close_record("info", "quote", "2026-7")
    dry = cleanup_record_folders(account, ws, journal, dry_run=True)
    assert [(r.folder, r.action) for r in dry] == [(folder, "would delete")]
    with imap_login(account, ws) as client:
        assert client.folder_exists(folder)
    done = cleanup_record_folders(account, ws, journal)
    assert [r.action for r in done] == ["deleted"]
    with imap_login(account, ws) as client:
        assert not client.folder_exists(folder)
        assert client.folder_exists("INBOX/Handarbeit")
    assert journal.count() == 3  # the mail stays in the journal


@pytest.mark.parametrize("after", ["keep", "delete"])
def test_pop3_import_with_and_without_delete(world, after):
    sandbox, ws, account, journal = world
    raws = [mail(i) for i in range(8)]
    append(account, ws, "INBOX", raws)
    pop_account = dataclasses.replace(
        account, receiving=Receiving(protocol="pop3", host="localhost", port=sandbox.ports["pop3s"], security="tls")
    )
    first = import_pop3(pop_account, ws, journal, SyncOptions(after=after))
    assert first.totals["new"] == 8
    assert {journal.raw(r) for (r,) in journal.db.execute("SELECT id FROM messages")} == set(raws)
    append(account, ws, "INBOX", [mail(50)])
    second = import_pop3(pop_account, ws, journal, SyncOptions(after=after))
    assert second.totals["new"] == 1 and journal.count() == 9
    with imap_login(account, ws) as client:
        left = client.folder_status("INBOX", ["MESSAGES"])[b"MESSAGES"]
    assert left == (9 if after == "keep" else 0)
    if after == "keep":
        assert second.totals["known"] == 8


def test_watch_imports_new_mail_through_idle(world):
    sandbox, ws, account, journal = world
    cancel = Cancel()
    results = []
    thread = threading.Thread(
        target=watch,
        args=(account, ws, journal),
        kwargs={"interval": 30, "cancel": cancel, "on_result": results.append},
    )
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not results and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # IDLE is entered
        sandbox.deliver(mail(1), [account.address])
        deadline = time.monotonic() + 10
        while sum(r.totals["new"] for r in results) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        cancel.set()
        thread.join(timeout=10)
    assert sum(r.totals["new"] for r in results) == 1
    assert not thread.is_alive()


def test_cancel_stops_after_a_batch_with_everything_committed(world):
    sandbox, ws, account, journal = world
    append(account, ws, "INBOX", [mail(i) for i in range(40)])
    cancel = Cancel()

    def progress(folder, done, total):
        if done >= 10:
            cancel.set()

    result = import_imap(account, ws, journal, SyncOptions(batch_count=10), progress=progress, cancel=cancel)
    assert result.folders[0].status == "cancelled" and journal.count() == 10
    rest = import_imap(account, ws, journal)
    assert rest.totals["new"] == 30 and journal.count() == 40


def test_a_connection_dropped_during_login_is_named_as_such(world):
    sandbox, ws, account, journal = world
    proxy = sandbox.serve_cutting_proxy("imaps")
    cut = dataclasses.replace(account, receiving=dataclasses.replace(account.receiving, port=proxy.port))

    def login(budget: int) -> Exception | None:
        proxy.budget = budget
        try:
            with imap_login(cut, ws):
                return None
        except (ConnectError, AuthError) as exc:
            return exc

    low, high = 100, 200_000  # the fewest bytes a whole login needs: below it, the proxy cuts it
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if login(middle) is None else (middle, high)
    outcomes = [login(budget) for budget in range(high - 160, high, 4)]
    assert not [e for e in outcomes if isinstance(e, AuthError)]  # never "check user name and password"
    assert any("dropped the connection during the login" in str(e) for e in outcomes)


def test_a_refused_move_is_retried_until_it_is_done(world):
    sandbox, ws, account, journal = world
    append(account, ws, "INBOX", [mail(i) for i in range(3)])
    first = import_imap(account, ws, journal, SyncOptions(after="move:Erledigt"))
    # imported, but the move was refused (no such folder): the run says so and the action stays open
    assert first.totals["new"] == 3 and not first.ok
    assert "after-import move:Erledigt of 3 mail(s)" in first.folders[0].error
    assert [p["action"] for p in journal.pending_actions("info")] == ["move:Erledigt"] * 3

    again = import_imap(account, ws, journal)  # nothing new, the folder still missing: still open, still failed
    assert again.totals["new"] == 0 and not again.ok and len(journal.pending_actions("info")) == 3

    with imap_login(account, ws) as client:
        client.create_folder("Erledigt")
    done = import_imap(account, ws, journal)  # the next run (even with keep) finishes it
    assert done.ok and done.totals["gone"] == 3 and journal.pending_actions("info") == []
    with imap_login(account, ws) as client:
        assert client.folder_status("INBOX", ["MESSAGES"])[b"MESSAGES"] == 0
        assert client.folder_status("Erledigt", ["MESSAGES"])[b"MESSAGES"] == 3
    assert journal.count() == 3


def test_a_later_delete_replaces_a_refused_move(world):
    sandbox, ws, account, journal = world
    append(account, ws, "INBOX", [mail(i) for i in range(2)])
    assert not import_imap(account, ws, journal, SyncOptions(after="move:NoSuchFolder")).ok
    second = import_imap(account, ws, journal, SyncOptions(after="delete"))
    assert second.ok and second.totals["new"] == 0 and second.totals["gone"] == 2
    with imap_login(account, ws) as client:
        assert client.folder_status("INBOX", ["MESSAGES"])[b"MESSAGES"] == 0


def test_pop3_delete_removes_mail_processed_before_it_was_turned_on(world):
    sandbox, ws, account, journal = world
    append(account, ws, "INBOX", [mail(i) for i in range(4)])
    pop_account = dataclasses.replace(
        account, receiving=Receiving(protocol="pop3", host="localhost", port=sandbox.ports["pop3s"], security="tls")
    )
    assert import_pop3(pop_account, ws, journal, SyncOptions(after="keep")).totals["new"] == 4
    append(account, ws, "INBOX", [mail(9)])
    # the account's setting is now "delete": the new mail and the four imported before all go
    pop_account.receiving.after_import = "delete"
    from mailkit.sync.settings import options_for

    result = import_pop3(pop_account, ws, journal, options_for(pop_account, after=None))
    assert result.totals["new"] == 1 and result.totals["gone"] == 5
    with imap_login(account, ws) as client:
        assert client.folder_status("INBOX", ["MESSAGES"])[b"MESSAGES"] == 0
    assert journal.count() == 5


def parsing_workers() -> list[int]:
    """The pids of this process's parsing workers (``python -m mailkit.journal.prepare``), from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            parent = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            command = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError, IndexError):
            continue
        if parent == os.getpid() and b"mailkit.journal.prepare" in command:
            found.append(int(entry))
    return found


def test_the_parsing_worker_gives_the_journal_what_this_process_would_and_its_death_loses_nothing(world, caplog):
    """Mail parsed in the worker process: the same rows; a worker killed mid-run only moves the parsing here."""
    sandbox, ws, account, journal = world
    raws = [m.raw for m in hostile_corpus()][::3] + [mail(i) for i in range(60)]
    when = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    sandbox.write_maildir(account.address, (CorpusMail("Worker", raw, (), when) for raw in raws))
    killed = []

    def kill_the_worker(folder, done, total):
        if done and not killed and (workers := parsing_workers()):
            os.kill(workers[0], signal.SIGKILL)
            killed.append(workers[0])

    options = SyncOptions(folders=["Worker"], batch_count=25, parse_processes=1)
    with caplog.at_level("WARNING", logger="mailkit"):
        result = import_imap(account, ws, journal, options, progress=kill_the_worker)
    assert killed and result.ok and not parsing_workers()
    assert "a parsing worker process ended (exit codes -9)" in caplog.text
    totals = result.totals
    assert totals["new"] + totals["quarantined"] + totals["rebound"] == len(raws) and totals["quarantined"] > 0
    in_worker = set(journal.db.execute("SELECT message_key, parse_errors, subject FROM messages").fetchall())

    local = Journal(ws.path / "local.sqlite")
    here = import_imap(account, ws, local, dataclasses.replace(options, parse_processes=0))
    assert here.totals == totals
    assert set(local.db.execute("SELECT message_key, parse_errors, subject FROM messages").fetchall()) == in_worker
    assert local.quarantined() and [q["reason"] for q in local.quarantined()] == [
        q["reason"] for q in journal.quarantined()
    ]
