"""Notebook 05's journal in the sandbox (synthetic, or the demo mailbox synced) and the explorer over real mail."""

import pytest

from mailkit.errors import ConfigError
from mailkit.journal import Journal
from mailkit.net.connect import imap_login
from mailkit.runbook import World, analysis_journal
from mailkit.widgets import JournalExplorer
from mailkit.workspace import Workspace

AR = "mx.mailkit.test; spf=pass smtp.mailfrom={d}; dkim=pass header.d={d}; dmarc={dmarc}"


def raw(mid: str, sender: str, to: str, date: str, headers: str = "") -> bytes:
    head = f"Message-ID: <{mid}>\r\nFrom: {sender}\r\nTo: {to}\r\nDate: {date}\r\nSubject: s\r\n{headers}"
    return f"{head}\r\nx\r\n".encode()


def checked(domain: str, dmarc: str) -> str:
    return f"Authentication-Results: {AR.format(d=domain, dmarc=dmarc)}\r\n"


def test_the_sandbox_journal_synthetic_or_synced_and_the_explorer_over_it(fresh_sandbox, tmp_path):
    ws = fresh_sandbox.workspace
    with imap_login(ws.get("info"), ws) as client:
        client.append("INBOX", raw("a@kunde.test", "jo@kunde.test", "info@mailkit.test",
                                   "Mon, 02 Nov 2026 09:00:00 +0100", checked("kunde.test", "pass")))  # fmt: skip
        client.append("INBOX", raw("b@spam.test", "x@spam.test", "info@mailkit.test",
                                   "Mon, 02 Nov 2026 10:00:00 +0100", checked("spam.test", "fail")))  # fmt: skip
        client.append("Sent", raw("r@mailkit.test", "info@mailkit.test", "jo@kunde.test",
                                  "Mon, 02 Nov 2026 11:30:00 +0100", "In-Reply-To: <a@kunde.test>\r\n"))  # fmt: skip
    world = World(ws, fresh_sandbox)

    synthetic = analysis_journal(world, 500, seed=1)
    path, made = synthetic.path, synthetic.path.stat().st_mtime_ns
    assert synthetic.count() == 500 and path.parent == ws.path and path != ws.journal_file
    synthetic.close()
    with analysis_journal(world, 500, seed=1) as again:  # made once, then reused
        assert again.path == path and path.stat().st_mtime_ns == made and again.count() == 500
    assert not ws.journal_file.exists()  # the sandbox's own journal was not touched

    with analysis_journal(world, 0) as synced:  # the demo mailbox, synced as notebook 04 does
        assert synced.path == ws.journal_file and synced.count() == 3
        explorer = JournalExplorer(synced, view="correspondents")
        assert explorer.shown.table["total"].to_dict() == {"kunde.test": 2, "spam.test": 1}
        explorer.view.value = "response_times"
        assert explorer.shown.table.loc["info", ["inbound", "answered"]].tolist() == [2, 1]
        assert explorer.shown.caption == "1 of 2 inbound messages answered"
        explorer.view.value = "authentication"
        explorer.domain.value = "spam"
        assert explorer.shown.table.index.tolist() == ["spam.test"]
        assert explorer.shown.table.loc["spam.test", ("dmarc", "fail")] == 1
        explorer.view.value = "runs"
        assert set(explorer.shown.table.index.get_level_values("folder")) >= {"INBOX", "Sent"}
    with analysis_journal(world, 0) as twice:  # a journal with mail is analysed as it is, not synced again
        assert twice.count() == 3 and len(twice.runs()) == len(explorer.shown.table.index)

    customer = World(Workspace.create(tmp_path / "customer"))
    with pytest.raises(ConfigError, match="no journal"):
        analysis_journal(customer, 500)  # synthetic mail never stands in for a customer's journal
    Journal(customer.workspace.journal_file).close()
    with analysis_journal(customer, 500) as real:
        assert real.path == customer.workspace.journal_file and real.count() == 0
