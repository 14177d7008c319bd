"""The onboarding app in Voilà, in Debian's Chromium at 1280×800, walked step by step against the sandbox.

Each step keeps a screenshot in build/test-artifacts/ (``onboarding-N-…``) and is checked as a person
would: no cut-off button, no traceback, the words that say what happened. Wrong values (a closed port,
an unknown host, a wrong password) must show their remedy at the test step, and the app must work on
the next try.
"""

import datetime as dt
import os
import secrets
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
VIEWPORT = {"width": 1280, "height": 800}


SWITCHES_DE = ("Tickets anlegen", "Automatische Antwort", "Belege ablegen")


def test_onboarding_app_walks_every_step(shared_sandbox, browser, serve, shoot, looks_right):
    folder, state = shared_sandbox
    user = state["users"][0]
    env = {**os.environ, "MAILKIT_WORKSPACE": str(folder), "JUPYTER_CONFIG_DIR": str(folder / ".jupyter")}
    app = serve(lambda port: [str(BIN / "mailkit"), "-w", str(folder), "app", "onboarding", f"--port={port}"], "/", env)
    page = browser.new_page(viewport=VIEWPORT)
    root = page.locator(".mk-onboarding")

    def field(label: str):
        return root.locator(f".widget-inline-hbox:has(label:text-is('{label}')) input").first

    def tab(title: str):
        root.locator(f".lm-TabBar-tab:has-text('{title}')").click()

    def step(name: str) -> None:
        looks_right(page)
        shoot(page, name)

    def test_and_wait(until: str) -> str:
        """Run the connection test; wait until ``until`` (a selector inside the app) shows its outcome."""
        root.locator("button:has-text('Verbindung testen')").click()
        root.locator(until).first.wait_for(timeout=90_000)
        return root.inner_text()

    try:
        page.goto(f"{app}/")
        find = root.locator("button:has-text('Einstellungen suchen')")
        find.wait_for(timeout=120_000)
        assert "E-Mail-Einrichtung" in root.inner_text() and "Traceback" not in page.inner_text("body")
        root.locator("button:text-is('English')").click()  # the switch relabels the app and the form
        root.locator("button:has-text('Find settings')").wait_for(timeout=10_000)
        assert root.locator(".lm-TabBar-tab:has-text('Receiving')").count() == 1
        step("onboarding-0-english")
        root.locator("button:text-is('Deutsch')").click()
        find.wait_for(timeout=10_000)
        address = root.locator("input[placeholder='rechnung@firma.de']")
        address.fill(user["address"])
        address.press("Enter")  # Enter runs the search
        page.wait_for_selector(".mk-onboarding :text('Vorschläge, der beste ist eingetragen')", timeout=60_000)
        step("onboarding-1-address")
        # every tab of the form in German, its optional tables switched on: no label cut off
        switches = [root.locator(f".widget-checkbox:has-text('{name}') input") for name in SWITCHES_DE]
        for title in ("Identität", "Versand", "Empfang", "Neue Mail", "Anmeldung", "Signaturen", "Absender"):
            tab(title)
            if title == "Neue Mail":
                for switch in switches:
                    switch.check()
                field("Warteschlange").wait_for()
                shoot(page, "onboarding-1-form-neue-mail")
            looks_right(page)
            if title == "Neue Mail":
                for switch in switches:
                    switch.uncheck()

        # a wrong try: closed port, unknown host, wrong password -> remedies at the test step
        tab("Empfang")
        good_port = field("Port (0: Standard)").input_value()
        field("Port (0: Standard)").fill("1")
        tab("Versand")
        good_host = field("SMTP-Server").input_value()
        field("SMTP-Server").fill("gibt-es-nicht.mailkit.test")
        tab("Anmeldung")
        field("Passwort").fill("falsch-" + secrets.token_hex(4))
        shown = test_and_wait(":text('Prüfung(en) fehlgeschlagen. Was zu tun ist:')")
        remedies = root.locator(".mk-remedies li")
        assert remedies.count() >= 2 and all(
            " — " in t and t.split(" — ")[1].strip() for t in remedies.all_inner_texts()
        )
        assert "gibt-es-nicht.mailkit.test" in shown and ":1" in shown
        step("onboarding-2-wrong-values")

        # the next try, with the right values, passes
        tab("Empfang")
        field("Port (0: Standard)").fill(good_port)
        tab("Versand")
        field("SMTP-Server").fill(good_host)
        tab("Anmeldung")
        field("Passwort").fill("falsch-" + secrets.token_hex(4))
        test_and_wait(".mk-remedies li:has-text('IMAP login')")  # only the password is wrong now
        assert "gibt-es-nicht" not in root.locator(".mk-remedies").inner_text()
        field("Passwort").fill(user["password"])
        test_and_wait(":text('Verbindung in Ordnung: nichts ist fehlgeschlagen')")
        assert root.locator(".mk-badge.mk-ok").count() > 10
        assert field("Passwort").input_value() == ""  # moved to the secret store
        step("onboarding-3-connection-tested")

        root.locator("button:has-text('DKIM-Schlüssel erzeugen')").click()
        page.wait_for_selector(".mk-onboarding :text('Jetzt veröffentlicht')", timeout=60_000)
        records = root.locator("table.mk-table:has(th:text('Jetzt veröffentlicht')) tbody tr")
        assert records.count() == 3 and root.locator("button.mk-copy").count() == 3
        assert "mk-badge mk-fail" in records.nth(1).inner_html()  # the new DKIM key is not published yet
        root.locator("button:has-text('Im Sandbox-DNS veröffentlichen')").click()
        page.wait_for_selector(".mk-onboarding :text('im Sandbox-DNS veröffentlicht')", timeout=60_000)
        assert records.locator(".mk-badge.mk-ok").count() == 3
        step("onboarding-4-dns-records")
        tab("Signaturen")  # the key just made is the one the account signs with
        assert field("DKIM-Selektor").input_value() == f"mk{dt.date.today().year}"
        step("onboarding-4-form-signs-with-the-key")

        root.locator("button:has-text('Im Arbeitsbereich speichern')").click()
        page.wait_for_selector(".mk-onboarding :text('gespeichert in')", timeout=30_000)
        root.locator("button:has-text('Übergabebericht erstellen')").click()
        page.wait_for_selector(".mk-onboarding :text('Übergabebericht geschrieben')", timeout=90_000)
        assert root.locator("a[download]:has-text('Bericht herunterladen')").count() == 1
        step("onboarding-5-saved-and-handed-over")
        # the README's picture: the test step's verdict and the records to publish, at 1280×800
        root.locator("h3:has-text('3 · Verbindung testen')").scroll_into_view_if_needed()
        page.evaluate("document.querySelector('#rendered_cells').scrollBy(0, 420)")
        page.screenshot(path=str(REPO / "build" / "test-artifacts" / "readme-onboarding-app.png"))
    except Exception:
        shoot(page, "onboarding-failure")
        raise
    finally:
        page.close()
    saved = (folder / "mailkit.toml").read_text()
    assert user["password"] not in saved and "falsch-" not in saved
    assert f'dkim_selector = "mk{dt.date.today().year}"' in saved  # the DKIM step's key signs the account's mail
