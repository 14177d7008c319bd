"""The IMAP import of hostile mail against the sandbox's real Dovecot: nothing stops it, nothing is lost."""

import datetime as dt

import pytest

from mailkit.journal import Journal
from mailkit.journal.codec import decompress
from mailkit.net.connect import imap_login
from mailkit.net.imap import uid_fetch
from mailkit.sandbox.corpus import CorpusMail
from mailkit.sandbox.hostile import hostile_corpus
from mailkit.sync import SyncOptions, import_imap


def served(account, workspace, folder: str) -> dict[int, bytes]:
    """The bytes Dovecot serves for each UID (Maildir turns bare LF into CRLF: the server's view counts)."""
    with imap_login(account, workspace) as client:
        client.select_folder(folder, readonly=True)
        fetched, _ = uid_fetch(client, "1:*", ["BODY.PEEK[]"])
    return {uid: data[b"BODY[]"] for uid, data in fetched.items()}


def test_hostile_mail_never_stops_the_import_and_none_is_lost(fresh_sandbox):
    sandbox, ws = fresh_sandbox, fresh_sandbox.workspace
    account = ws.get("info")
    mails = hostile_corpus(huge=True)
    when = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    sandbox.write_maildir(account.address, (CorpusMail("Hostile", m.raw, (), when) for m in mails))
    on_server = served(account, ws, "Hostile")
    assert len(on_server) == len(mails) >= 300
    with Journal(ws.journal_file) as journal:
        result = import_imap(account, ws, journal, SyncOptions(folders=["Hostile"], batch_count=50))
        folder = result.folders[0]
        assert result.ok, folder.error
        assert folder.new + folder.quarantined + folder.rebound == len(mails)
        assert folder.quarantined == len(journal.quarantined())
        assert all(q["reason"] for q in journal.quarantined())
        run = journal.db.execute("SELECT status, new, quarantined, error_text FROM runs").fetchall()
        assert run == [("ok", folder.new, folder.quarantined, None)]

        # every mail the server holds is in the journal (by its location) or in the quarantine, byte for byte
        stored = dict(
            journal.db.execute(
                "SELECT l.uid, l.message_id FROM locations l WHERE l.account='info' AND l.folder='Hostile'"
            )
        )
        quarantined = {
            uid: data for uid, data in journal.db.execute("SELECT uid, data FROM quarantine WHERE folder='Hostile'")
        }
        assert set(stored) | set(quarantined) == set(on_server) and not set(stored) & set(quarantined)
        for uid, row in stored.items():  # different mails are never merged: each has its own bytes
            assert journal.raw(row) == on_server[uid]
        assert journal.count() == len({on_server[uid] for uid in stored})
        shared = journal.db.execute("SELECT count(*) FROM messages WHERE same_id_as IS NOT NULL").fetchone()[0]
        assert shared >= 4  # the mails that share a Message-ID with a different one: linked, not merged
        for uid, data in quarantined.items():
            assert decompress(data) == on_server[uid]

        again = import_imap(account, ws, journal, SyncOptions(folders=["Hostile"]))
        assert again.ok and again.totals["new"] == 0 and again.folders[0].skipped

        # a rebuilt mail store: new UIDs, the same mail, rebound mostly from the headers alone
        sandbox.reset_uidvalidity(account.address, "Hostile")
        moved = import_imap(account, ws, journal, SyncOptions(folders=["Hostile"]))
        assert moved.ok and moved.totals["new"] == 0 and journal.count() == len({on_server[u] for u in stored})
        assert moved.totals["rebound"] == len(stored)
        assert moved.totals["bytes"] < sum(len(on_server[u]) for u in stored) / 20  # only where headers cannot tell


def test_a_run_stopped_by_any_error_ends_with_its_status_and_error_text(fresh_sandbox):
    sandbox, ws = fresh_sandbox, fresh_sandbox.workspace
    account = ws.get("info")
    when = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    mails = hostile_corpus(2)
    sandbox.write_maildir(account.address, (CorpusMail("Stop", m.raw, (), when) for m in mails))

    def broken_progress(folder, done, total):
        raise RuntimeError("progress bar exploded")

    with Journal(ws.journal_file) as journal:
        with pytest.raises(RuntimeError):
            import_imap(account, ws, journal, SyncOptions(folders=["Stop"], batch_count=5), progress=broken_progress)
        status, error_text, new = journal.db.execute("SELECT status, error_text, new FROM runs").fetchone()
        assert status == "failed" and error_text == "internal error: RuntimeError: progress bar exploded"
        assert new == 5  # the first batch was committed before the failure; the next run goes on from there
        result = import_imap(account, ws, journal, SyncOptions(folders=["Stop"]))
        totals = result.totals
        assert result.ok and totals["new"] + totals["quarantined"] + totals["rebound"] + 5 == len(mails)
