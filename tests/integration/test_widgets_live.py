"""The widgets against the sandbox: the form's connection test, and the sync panel's import."""

from mailkit.check import check_logins
from mailkit.journal import Journal
from mailkit.net.connect import imap_login
from mailkit.widgets import AccountForm, SyncPanel


class Report:
    """The shape the form expects from its tester: ok and something to display."""

    def __init__(self, rows):
        self.rows = rows
        self.ok = all(r.ok for r in rows)


def test_form_saves_and_tests_a_sandbox_account(fresh_sandbox):
    ws = fresh_sandbox.workspace
    user = fresh_sandbox.user("vertrieb")
    form = AccountForm(ws, ws.get("vertrieb"), tester=lambda account: Report(check_logins(account, ws)))
    form.fields["name"].value = "vertrieb2"
    form.fields["password"].value = user.password
    form.save_button.click()
    assert ws.get("vertrieb2").auth.password == "workspace:vertrieb2.password"
    form.test_button.click()
    assert "connection test passed" in form.status.value
    form.fields["password"].value = "falsch"
    form.save_button.click()
    form.test_button.click()
    assert "found problems" in form.status.value


def test_sync_panel_imports_with_progress_and_counts(fresh_sandbox):
    ws = fresh_sandbox.workspace
    with imap_login(ws.get("info"), ws) as client:
        for i in range(12):
            client.append(
                "INBOX", f"Message-ID: <p{i}@kunde.test>\r\nFrom: a@kunde.test\r\nSubject: {i}\r\n\r\nx\r\n".encode()
            )
    with Journal(ws.journal_file) as journal:
        panel = SyncPanel(ws, journal, "info")
        assert "INBOX" in panel.list_folders()
        panel.folders.value = ("INBOX",)
        panel.start(wait=True)
        assert panel.last_result.totals["new"] == 12
        assert panel.progress.value == panel.progress.max == 12
        assert "<td>INBOX</td>" in panel.result.value and not panel.run_button.disabled
        panel.dry_run.value = True
        panel.start(wait=True)
        assert "dry run" in panel.result.value and journal.count() == 12
