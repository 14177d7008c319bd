"""The widgets against the sandbox: the form's connection test and autoconfiguration, the diagnostics
panel, and the sync panel's import."""

from mailkit.journal import Journal
from mailkit.net.connect import imap_login
from mailkit.widgets import AccountForm, DiagnosticsPanel, OnboardingApp, SyncPanel


def test_form_saves_and_tests_a_sandbox_account(fresh_sandbox):
    ws = fresh_sandbox.workspace
    user = fresh_sandbox.user("vertrieb")
    form = AccountForm(ws, ws.get("vertrieb"))  # Test connection: the full diagnosis
    form.fields["name"].value = "vertrieb2"
    form.fields["password"].value = user.password
    form.save_button.click()
    assert ws.get("vertrieb2").auth.password == "workspace:vertrieb2.password"
    report = form.test_connection()
    assert "connection test passed" in form.status.value
    assert report.ok and report.find("IMAP login")[0].status == "ok"
    form.fields["password"].value = "falsch"
    form.save_button.click()
    report = form.test_connection()
    assert "found problems" in form.status.value
    (smtp_auth,) = report.find("SMTP AUTH")
    assert smtp_auth.status == "fail" and "user name or the password" in smtp_auth.remedy


def test_form_autoconfigures_from_the_address(fresh_sandbox):
    ws = fresh_sandbox.workspace
    form = AccountForm(ws)
    form.fields["name"].value = "neu"
    form.fields["address"].value = "vertrieb@mailkit.test"
    form.autoconfig_button.click()
    assert "settings from autoconfig" in form.status.value
    assert form.fields["receiving.host"].value == "localhost"
    assert form.fields["receiving.port"].value == fresh_sandbox.ports["imaps"]
    assert form.fields["receiving.security"].value == "tls"
    assert (form.fields["sending.port"].value, form.fields["sending.security"].value) == (
        fresh_sandbox.ports["smtp"],
        "starttls",
    )
    assert [c.source for c in form.last_candidates] == ["autoconfig", "srv", "probe"]
    form.fields["address"].value = "niemand@unbekannt.invalid"
    form.autoconfig_button.click()
    assert "no settings found" in form.status.value


def test_diagnostics_panel_runs_and_shows_remedies(sandbox):
    ws = sandbox.workspace
    panel = DiagnosticsPanel(ws, "info")
    panel.dkim_selectors.value = "nokey, other"
    panel.test_mail_to.value = "info@mailkit.test"
    panel.run(wait=True)
    report = panel.last_report
    assert [r.status for r in report.find("DKIM")] == ["fail", "fail"]
    assert report.find("Round trip")[0].status == "ok"
    assert panel.progress.value == panel.progress.max == 4
    assert "something failed" in panel.status.value and "mk-badge mk-fail" in panel.table.value
    assert "What to do" in panel.remedies.value and "nokey._domainkey.mailkit.test" in panel.remedies.value
    assert not panel.run_button.disabled
    panel.dkim_selectors.value = ""
    panel.test_mail_to.value = ""
    panel.run(wait=True)
    assert "nothing failed" in panel.status.value and panel.remedies.value == ""
    assert sandbox.user("info").password not in panel.table.value


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


def test_onboarding_signs_with_the_dkim_key_it_generates(fresh_sandbox):
    """The DKIM step's key is the saved account's selector: its mail is signed without another step."""
    ws = fresh_sandbox.workspace
    app = OnboardingApp(ws, lang="en")
    app.form.load(ws.get("vertrieb"))
    app.form.fields["name"].value = "vertrieb-dkim"
    app.selector.value = "onb1"
    key = app.generate_key()
    assert key is not None and key.selector == "onb1"
    assert app.form.fields["dkim_selector"].value == "onb1"
    account = app.save()
    assert account is not None and ws.get("vertrieb-dkim").dkim_selector == "onb1"
