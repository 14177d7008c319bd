"""`journal copy`: an SQLite journal into PostgreSQL, stopped half-way and resumed, verified, the same frames."""

import subprocess
import sys

import pandas as pd
import pytest
from test_aggregates import _kept, _kept_sends, _recounted_sends, assert_counts_exact

from mailkit.errors import SyncError
from mailkit.journal import Journal, parse_message, rollup
from mailkit.journal.copy import copy_journal
from mailkit.journal.synthetic import generate
from mailkit.workspace import Workspace

RAW = b"Message-ID: <x@kunde.test>\r\nFrom: jo@kunde.test\r\nSubject: =?iso-8859-1?q?Gr=FC=DFe?=\r\n\r\n\xe4\r\n"


class Stop(Exception):
    pass


def test_a_stopped_copy_resumes_and_is_verified(tmp_path, postgres_database):
    generate(tmp_path / "j.sqlite", 2000, seed=3, days=20)
    with Journal(tmp_path / "j.sqlite") as source:
        source.add_message(parse_message(RAW), RAW, account="info", direction="in")
        with Journal(postgres_database) as target:

            def stop_after_two_batches(table, done, total):
                if table == "messages" and done >= 1000:
                    raise Stop

            with pytest.raises(Stop):
                copy_journal(source, target, batch=500, progress=stop_after_two_batches)
            assert target.count() == 1000
            report = copy_journal(source, target, batch=500)
            assert report.verified and report.already["messages"] == 1000 and report.copied["messages"] == 1001
            assert report.rows["messages"] == 2001 and report.rows["raw_messages"] == 1
            assert_counts_exact(target)  # each batch counted on arrival, also across the stop
            assert _kept(target, rollup.MONTHLY) == _kept(source, rollup.MONTHLY)
            assert _kept_sends(target) == _kept_sends(source) == _recounted_sends(target) != []
            again = copy_journal(source, target)  # nothing left to do: still verified
            assert again.verified and sum(again.copied.values()) == 0
            row = target.ids_for_keys([parse_message(RAW).key])[parse_message(RAW).key]
            assert target.raw(row) == RAW
            pd.testing.assert_frame_equal(target.messages(), source.messages())
            pd.testing.assert_frame_equal(target.sends(), source.sends())
            # the identity goes on after the copied rows
            new = RAW.replace(b"<x@", b"<y@")
            assert target.add_message(parse_message(new), new, account="info", direction="in")[0] > row
            target.db.execute("UPDATE messages SET subject = 'changed' WHERE id = 5")
            with pytest.raises(SyncError, match="differs from the source in messages"):
                copy_journal(source, target)


def test_the_command_copies_and_switches_the_workspace(tmp_path, postgres, postgres_database):
    ws = Workspace.create(tmp_path / "ws")
    with Journal(ws.journal_file) as journal:
        journal.add_message(parse_message(RAW), RAW, account="info", direction="in")
    ws.secrets.set("journal.password", postgres.password)
    url = postgres.url(postgres_database.rpartition("/")[2])  # over TCP, with the password
    command = [sys.executable, "-m", "mailkit", "-w", str(ws.path), "journal", "copy", "--to", url,
               "--password", "workspace:journal.password", "--switch"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "verified" in done.stdout and postgres.password not in done.stdout + done.stderr
    switched = Workspace.open(ws.path)
    assert switched.journal.url == url and postgres.password not in switched.config_file.read_text()
    with switched.open_journal() as journal:
        assert journal.backend.name == "postgresql" and journal.count() == 1
