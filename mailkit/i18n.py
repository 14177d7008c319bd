"""German and English words for what a consultant shows a customer: the app, the handover report, statuses.

German is the default where a customer reads along (the onboarding app, the handover report); the
runbooks choose with ``LANG``, the CLI with ``--lang``. A key missing in one language is a bug, and
:func:`text` raises for it rather than showing a key.

>>> text("status.fail", "de"), text("status.fail", "en")
('Fehler', 'failed')
>>> text("app.found", "en", n=3, source="autoconfig")
'3 candidates, the best one is filled in (from autoconfig)'
"""

from __future__ import annotations

__all__ = ["LANGUAGES", "check_lang", "status_labels", "text"]

from .errors import ConfigError

LANGUAGES = ("de", "en")

#: key -> (German, English); ``{name}`` placeholders are filled by :func:`text`
TEXTS: dict[str, tuple[str, str]] = {
    "status.ok": ("in Ordnung", "ok"),
    "status.warn": ("Hinweis", "warning"),
    "status.fail": ("Fehler", "failed"),
    "status.skip": ("übersprungen", "skipped"),
    "col.check": ("Prüfung", "check"),
    "col.target": ("Ziel", "target"),
    "col.status": ("Stand", "status"),
    "col.detail": ("Befund", "detail"),
    "col.remedy": ("Was zu tun ist", "remedy"),
    "col.kind": ("Art", "kind"),
    "col.name": ("Name", "name"),
    "col.type": ("Typ", "type"),
    "col.value": ("Wert", "value"),
    "col.published": ("Jetzt veröffentlicht", "published now"),
    "col.copy": ("", ""),
    "col.source": ("Quelle", "source"),
    "col.incoming": ("Posteingang", "incoming"),
    "col.outgoing": ("Postausgang", "outgoing"),
    "col.username": ("Benutzername", "user name"),
    "col.hints": ("Hinweise", "hints"),
    "diag.verdict_ok": ("nichts fehlgeschlagen", "nothing failed"),
    "diag.verdict_fail": ("etwas ist fehlgeschlagen", "something failed"),
    "diag.more": ("{n} weitere Prüfungen", "{n} more checks"),
    "app.title": ("E-Mail-Einrichtung", "E-mail onboarding"),
    "app.lang": ("Sprache", "Language"),
    "app.step.address": ("1 · Adresse", "1 · Address"),
    "app.step.account": ("2 · Konto", "2 · Account"),
    "app.step.test": ("3 · Verbindung testen", "3 · Test the connection"),
    "app.step.dns": ("4 · DKIM und DNS-Einträge", "4 · DKIM and DNS records"),
    "app.step.save": ("5 · Speichern und übergeben", "5 · Save and hand over"),
    "app.address": ("E-Mail-Adresse", "E-mail address"),
    "app.find": ("Einstellungen suchen", "Find settings"),
    "app.finding": ("Suche die Einstellungen für {address} …", "Looking for the settings of {address} …"),
    "app.find_failed": ("Suche fehlgeschlagen", "Search failed"),
    "app.found": (
        "{n} Vorschläge, der beste ist eingetragen (aus {source})",
        "{n} candidates, the best one is filled in (from {source})",
    ),
    "app.none_found": (
        "Für {address} wurde nichts gefunden: bitte die Server im Formular eintragen",
        "Nothing found for {address}: enter the servers in the form",
    ),
    "app.candidates_more": ("{n} weitere Vorschläge", "{n} more candidates"),
    "app.account_intro": (
        "Die Felder sind aus dem besten Vorschlag gefüllt; Passwort eintragen, Angaben prüfen.",
        "The fields come from the best candidate; enter the password and check them.",
    ),
    "app.test": ("Verbindung testen", "Test connection"),
    "app.testing": ("Teste die Verbindung von {name} …", "Testing the connection of {name} …"),
    "app.test_failed": ("Test fehlgeschlagen", "Test failed"),
    "app.fix_fields": ("Bitte zuerst im Konto korrigieren: {problems}", "Fix the account first: {problems}"),
    "app.passed": ("Verbindung in Ordnung: nichts ist fehlgeschlagen", "Connection works: nothing failed"),
    "app.problems": ("{n} Prüfung(en) fehlgeschlagen. Was zu tun ist:", "{n} check(s) failed. What to do:"),
    "app.selector": ("DKIM-Selektor", "DKIM selector"),
    "app.generate": ("DKIM-Schlüssel erzeugen", "Generate DKIM key"),
    "app.generated": (
        "{algorithm} {bits}-Bit-Schlüssel für {name} liegt im Arbeitsbereich (nur der öffentliche Teil wird gezeigt)",
        "{algorithm} {bits}-bit key for {name} is in the workspace (only its public half is shown)",
    ),
    "app.key_failed": ("Schlüssel nicht erzeugt", "Key not generated"),
    "app.check": ("Veröffentlichung prüfen", "Check what is published"),
    "app.publish": ("Im Sandbox-DNS veröffentlichen", "Publish in the sandbox DNS"),
    "app.published": ("im Sandbox-DNS veröffentlicht: {names}", "published in the sandbox DNS: {names}"),
    "app.records_intro": (
        "Diese Einträge beim DNS-Anbieter von {domain} anlegen; rechts steht, was jetzt veröffentlicht ist.",
        "Publish these records at the DNS provider of {domain}; the last column shows what is published now.",
    ),
    "app.copy": ("Kopieren", "Copy"),
    "app.same": ("✓ genau dieser", "✓ this one"),
    "app.nothing": ("nichts", "nothing"),
    "app.save": ("Im Arbeitsbereich speichern", "Save to workspace"),
    "app.saved": ("Konto {name} gespeichert in {file}", "Account {name} saved to {file}"),
    "app.save_failed": ("Nicht gespeichert", "Not saved"),
    "app.report": ("Übergabebericht erstellen", "Write handover report"),
    "app.report_written": ("Übergabebericht geschrieben: {path}", "Handover report written: {path}"),
    "app.report_failed": ("Bericht nicht erstellt", "Report not written"),
    "app.download": ("Bericht herunterladen", "Download the report"),
    "app.save_first": ("Bitte zuerst speichern", "Save the account first"),
    # the account form
    "form.name": ("Name", "Name"),
    "form.address": ("E-Mail-Adresse", "E-mail address"),
    "form.display_name": ("Absendername (Anzeigename)", "Sender name (display name)"),
    "form.description": ("Beschreibung", "Description"),
    "form.owner": ("Zuständig (Mitarbeiter)", "Owner (employee)"),
    "form.sending.method": ("Versand über", "Send by"),
    "form.sending.host": ("SMTP-Server", "SMTP host"),
    "form.sending.port": ("SMTP-Port (0: Standard)", "SMTP port (0: default)"),
    "form.sending.security": ("SMTP-Sicherheit", "SMTP security"),
    "form.sending.sendmail_command": ("sendmail-Befehl", "sendmail command"),
    "form.receiving.protocol": ("Empfang über", "Receive by"),
    "form.receiving.host": ("IMAP/POP3-Server", "IMAP/POP3 host"),
    "form.receiving.port": ("Port (0: Standard)", "Port (0: default)"),
    "form.receiving.security": ("Sicherheit", "Security"),
    "form.receiving.base_folder": ("Basisordner", "Base folder"),
    "form.receiving.sent_export": ("Gesendete Mails nach IMAP kopieren", "Copy sent mail to IMAP"),
    "form.receiving.sent_folder": ("Ordner für Gesendetes", "Sent folder"),
    "form.auth.method": ("Anmeldung", "Authentication"),
    "form.auth.username": ("Benutzername", "User name"),
    "form.password": ("Passwort", "Password"),
    "form.auth.oauth2.provider": ("OAuth2-Anbieter", "OAuth2 provider"),
    "form.auth.oauth2.tenant": ("Tenant", "Tenant"),
    "form.auth.oauth2.client_id": ("Client-ID", "Client id"),
    "form.auth.oauth2.client_secret": ("Client-Secret (Verweis)", "Client secret ref"),
    "form.auth.oauth2.authority_url": ("Authority-URL", "Authority URL"),
    "form.auth.oauth2.scopes": ("Scopes", "Scopes"),
    "form.verify_certificate": ("Zertifikate prüfen", "Verify certificates"),
    "form.ca_file": ("CA-Datei", "CA file"),
    "form.sending.authenticate": ("Zum Senden anmelden", "Log in to send"),
    "form.sending.username": ("SMTP-Benutzername", "SMTP user name"),
    "form.sending.password": ("SMTP-Passwort (Verweis)", "SMTP password ref"),
    "form.receiving.username": ("Benutzername (Empfang)", "User name (receiving)"),
    "form.receiving.password": ("Passwort (Verweis, Empfang)", "Password ref (receiving)"),
    "form.receiving.after_import": ("Nach dem Import", "After import"),
    "form.receiving.since": ("Importieren ab", "Import from"),
    "form.receiving.poll_interval": ("Abrufintervall (Minuten)", "Poll every (minutes)"),
    "form.receiving.retention_days": ("Aufbewahren (Tage, 0: immer)", "Keep (days, 0: for ever)"),
    "form.receiving.tickets": ("Tickets anlegen (OpenXE)", "Create tickets (OpenXE)"),
    "form.receiving.tickets.queue": ("Warteschlange", "Queue"),
    "form.receiving.tickets.project": ("Projekt", "Project"),
    "form.receiving.tickets.prefix": ("Ticketnummer-Präfix", "Ticket number prefix"),
    "form.receiving.tickets.mark_closed": ("Als abgeschlossen importieren", "Import as closed"),
    "form.receiving.tickets.reply_from_receiving_address": (
        "Antwort von der Empfangsadresse",
        "Reply from the receiving address",
    ),
    "form.receiving.autoresponder": ("Automatische Antwort (OpenXE)", "Automatic reply (OpenXE)"),
    "form.receiving.autoresponder.subject": ("Betreff der Antwort", "Reply subject"),
    "form.receiving.autoresponder.text": ("Text der Antwort", "Reply text"),
    "form.receiving.autoresponder.timezone": ("Zeitzone (einmal pro Tag)", "Time zone (once a day)"),
    "form.receiving.documents": ("Belege ablegen (REV+)", "File documents (REV+)"),
    "form.receiving.documents.target": ("Ablegen in", "File into"),
    "form.receiving.documents.hook": ("Hook (MODUL:FUNKTION)", "Hook (MODULE:FUNCTION)"),
    "form.timeouts.connect": ("Verbindungsaufbau (s)", "Connect timeout (s)"),
    "form.timeouts.command": ("Befehls-Timeout (s)", "Command timeout (s)"),
    "form.signature": ("Signatur (Text)", "Signature (text)"),
    "form.signature_html": ("Signatur (HTML)", "Signature (HTML)"),
    "form.dkim_selector": ("DKIM-Selektor", "DKIM selector"),
    "form.smime.sign": ("Mit S/MIME signieren", "Sign with S/MIME"),
    "form.smime.encrypt": ("S/MIME-Verschlüsselung", "S/MIME encryption"),
    "form.sender": ("Absender: {document}", "Sender: {document}"),
    # what an empty field of the account form means (literal examples such as host names stay in the form)
    "placeholder.sending.username": ("(die des Kontos)", "(the account's)"),
    "placeholder.sending.password": ("(das des Kontos) oder env:SMTP_PASSWORD", "(the account's) or env:SMTP_PASSWORD"),
    "placeholder.receiving.username": ("(die des Kontos)", "(the account's)"),
    "placeholder.receiving.password": (
        "(das des Kontos) oder env:IMAP_PASSWORD",
        "(the account's) or env:IMAP_PASSWORD",
    ),
    "placeholder.receiving.since": ("2026-01-31 (leer: alle Mail)", "2026-01-31 (empty: all mail)"),
    "placeholder.receiving.documents.hook": ("MODUL:FUNKTION", "MODULE:FUNCTION"),
    "placeholder.auth.username": ("(die Adresse)", "(the address)"),
    "placeholder.auth.oauth2.client_secret": ("env:CLIENT_SECRET (nur App)", "env:CLIENT_SECRET (app-only)"),
    "placeholder.auth.oauth2.authority_url": ("(die des Anbieters)", "(the provider's)"),
    "placeholder.auth.oauth2.scopes": ("(die Vorgaben des Anbieters)", "(the provider's defaults)"),
    "placeholder.ca_file": ("(die des Systems)", "(the system's)"),
    "placeholder.dkim_selector": ("(keiner: nicht signiert)", "(none: not signed)"),
    "placeholder.sender": ("(die Adresse des Kontos)", "(the account's address)"),
    "doc.quote": ("Angebot", "quote"),
    "doc.order": ("Auftrag", "order"),
    "doc.delivery_note": ("Lieferschein", "delivery_note"),
    "doc.invoice": ("Rechnung", "invoice"),
    "doc.credit_note": ("Gutschrift", "credit_note"),
    "doc.dunning": ("Mahnung", "dunning"),
    "doc.receipt": ("Beleg", "receipt"),
    "doc.letter": ("Brief", "letter"),
    "tab.identity": ("Identität", "Identity"),
    "tab.sending": ("Versand", "Sending"),
    "tab.receiving": ("Empfang", "Receiving"),
    "tab.intake": ("Neue Mail", "New mail"),
    "tab.authentication": ("Anmeldung", "Authentication"),
    "tab.signatures": ("Signaturen", "Signatures"),
    "tab.senders": ("Absender", "Sender policy"),
    "form.autoconfigure": ("Einstellungen aus der Adresse", "Autoconfigure from address"),
    "form.save": ("Im Arbeitsbereich speichern", "Save to workspace"),
    "form.test": ("Verbindung testen", "Test connection"),
    "form.export": ("kivitendo.conf exportieren", "Export kivitendo.conf"),
    "form.attention": ("{n} Feld(er) prüfen", "{n} field(s) need attention"),
    "form.ready": ("bereit zum Speichern", "ready to save"),
    # the diagnostics panel
    "panel.account": ("Konto", "Account"),
    "panel.test_mail_to": ("Testmail an", "Test mail to"),
    "panel.nothing_sent": ("(leer: nichts senden)", "(none: send nothing)"),
    "panel.selectors": ("DKIM-Selektoren", "DKIM selectors"),
    "panel.record_folder": ("Unterordner für Belege testen", "Try a record subfolder"),
    "panel.run": ("Diagnose starten", "Run diagnosis"),
    "panel.progress": ("Fortschritt", "Progress"),
}


def check_lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ConfigError(f"language {lang!r} unknown: use {' or '.join(LANGUAGES)}")
    return lang


def text(key: str, lang: str = "de", **values) -> str:
    """The text for ``key`` in ``lang`` with ``values`` filled in."""
    german, english = TEXTS[key]
    return (german if check_lang(lang) == "de" else english).format(**values)


def status_labels(lang: str) -> dict[str, str]:
    """ok / warn / fail / skip in ``lang``, for badges."""
    return {s: text(f"status.{s}", lang) for s in ("ok", "warn", "fail", "skip")}
