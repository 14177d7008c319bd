"""SMTP reply codes in words, English and German: one table for every place that explains a reply.

Enhanced status codes (RFC 3463, RFC 4954's login codes, and those the big providers use) and basic
reply codes (RFC 5321). ``net.replies`` explains a refused login or send with them, ``analysis``
the failures in the journal; each keeps its own fallback for a code the tables do not hold.

>>> enhanced_code("5.1.1 <x@kunde.test>: Recipient address rejected"), enhanced_code("550 5.7.1 relay denied")
('5.1.1', '5.7.1')
>>> enhanced_code("Requested action not taken") is None
True
>>> ENHANCED_CODES["5.7.8"][0]
'credentials invalid: wrong user name or password'
"""

from __future__ import annotations

__all__ = ["BASIC_CODES", "ENHANCED_CODES", "enhanced_code"]

import re

#: enhanced status codes of refusals and failures (4.x.x, 5.x.x): code -> (English, German)
ENHANCED_CODES: dict[str, tuple[str, str]] = {
    "4.2.1": ("mailbox temporarily disabled or rate-limited", "Postfach vorübergehend gesperrt oder gedrosselt"),
    "4.2.2": ("mailbox full, try again later", "Postfach voll, später erneut versuchen"),
    "4.3.0": ("temporary problem of the receiving system", "vorübergehendes Problem beim Empfangssystem"),
    "4.3.1": ("receiving system out of storage", "Empfangssystem ohne Speicherplatz"),
    "4.3.2": ("receiving system not accepting mail now", "Empfangssystem nimmt gerade keine Mail an"),
    "4.4.1": ("no answer from the receiving server", "keine Antwort vom Empfangsserver"),
    "4.4.2": ("connection dropped", "Verbindung abgebrochen"),
    "4.4.3": ("directory or DNS lookup failed", "Verzeichnis- oder DNS-Abfrage fehlgeschlagen"),
    "4.4.7": ("delivery time expired", "Zustellfrist abgelaufen"),
    "4.7.0": (
        "temporarily refused by policy (login, rate limit, TLS): try again later",
        "vorübergehend abgelehnt (Anmeldung, Drosselung oder TLS): später erneut versuchen",
    ),
    "4.7.1": ("temporarily refused: greylisting or policy", "vorübergehend abgelehnt: Greylisting oder Richtlinie"),
    "4.7.12": ("a password transition is needed", "ein Passwortwechsel ist nötig"),
    "5.0.0": ("permanent failure without details", "dauerhafter Fehler ohne Angaben"),
    "5.1.0": ("bad address (sender or recipient)", "fehlerhafte Adresse (Absender oder Empfänger)"),
    "5.1.1": ("recipient address does not exist", "Empfängeradresse existiert nicht"),
    "5.1.2": ("recipient domain does not exist or has no mail server", "Empfängerdomain existiert nicht"),
    "5.1.3": ("recipient address syntax is invalid", "Empfängeradresse syntaktisch ungültig"),
    "5.1.6": ("mailbox has moved, no forwarding", "Postfach umgezogen, keine Weiterleitung"),
    "5.1.8": ("sender's domain is not accepted", "Absenderdomain wird nicht akzeptiert"),
    "5.1.10": ("recipient not found (Microsoft 365)", "Empfänger nicht gefunden (Microsoft 365)"),
    "5.2.0": ("recipient mailbox problem", "Problem mit dem Empfängerpostfach"),
    "5.2.1": ("recipient mailbox disabled", "Empfängerpostfach deaktiviert"),
    "5.2.2": ("recipient mailbox full", "Empfängerpostfach voll"),
    "5.2.3": ("message too large for the recipient", "Nachricht zu groß für den Empfänger"),
    "5.3.0": ("receiving system error", "Fehler des Empfangssystems"),
    "5.3.4": ("message too large for the receiving system", "Nachricht zu groß für das Empfangssystem"),
    "5.4.1": ("recipient rejected: access denied (Microsoft 365)", "Empfänger abgelehnt: Zugriff verweigert"),
    "5.4.4": ("recipient domain cannot be routed (no MX)", "Empfängerdomain nicht erreichbar (kein MX)"),
    "5.4.6": ("mail routing loop", "Mail-Schleife"),
    "5.5.1": (
        "command out of sequence (often: AUTH before STARTTLS)",
        "Befehl zur falschen Zeit (oft: AUTH vor STARTTLS)",
    ),
    "5.5.2": ("syntax error in the command", "Syntaxfehler im Befehl"),
    "5.5.4": ("a parameter was refused", "ein Parameter wurde abgelehnt"),
    "5.7.0": (
        "refused by security policy: authentication or encryption required first",
        "durch Sicherheitsrichtlinie abgelehnt: erst Anmeldung oder Verschlüsselung",
    ),
    "5.7.1": ("refused: relaying denied, sender blocked or spam", "abgelehnt: kein Relay, Absender gesperrt, Spam"),
    "5.7.3": (
        "authentication is switched off for this mailbox (Microsoft 365: SMTP AUTH disabled)",
        "Anmeldung für dieses Postfach abgeschaltet (Microsoft 365: SMTP AUTH deaktiviert)",
    ),
    "5.7.8": (
        "credentials invalid: wrong user name or password",
        "Zugangsdaten ungültig: Benutzername oder Passwort falsch",
    ),
    "5.7.9": ("the SMTP login method is too weak", "das SMTP-Anmeldeverfahren ist zu schwach"),
    "5.7.11": ("encryption required for this login method", "Verschlüsselung nötig für dieses Anmeldeverfahren"),
    "5.7.23": ("SPF check failed", "SPF-Prüfung fehlgeschlagen"),
    "5.7.25": ("sending IP has no reverse DNS (PTR)", "sendende IP ohne Reverse-DNS (PTR)"),
    "5.7.26": ("not authenticated: DMARC, SPF or DKIM failed", "nicht authentifiziert: DMARC, SPF oder DKIM"),
    "5.7.27": ("sender domain accepts no mail (null MX)", "Absenderdomain nimmt keine Mail an (Null-MX)"),
    "5.7.57": ("client not authenticated to send (Microsoft 365)", "Client nicht zum Senden angemeldet"),
    "5.7.139": ("SMTP AUTH disabled or blocked (Microsoft 365)", "SMTP AUTH deaktiviert oder gesperrt"),
    "5.7.509": ("refused by the sender domain's DMARC policy", "abgelehnt wegen DMARC-Richtlinie"),
    "5.7.606": ("sending IP is banned (Microsoft 365)", "sendende IP gesperrt (Microsoft 365)"),
    "5.7.708": ("sending IP not accepted (Microsoft 365)", "sendende IP nicht akzeptiert"),
}
#: basic reply codes: code -> (English, German)
BASIC_CODES: dict[int, tuple[str, str]] = {
    421: ("service not available, try again later", "Dienst nicht verfügbar, später erneut versuchen"),
    450: ("mailbox unavailable for now", "Postfach vorübergehend nicht verfügbar"),
    451: ("local error at the server, try again later", "lokaler Fehler beim Server, später erneut versuchen"),
    452: ("insufficient storage or too many recipients", "zu wenig Speicher oder zu viele Empfänger"),
    454: ("TLS or authentication temporarily unavailable", "TLS oder Anmeldung vorübergehend nicht verfügbar"),
    500: ("command not recognised", "Befehl nicht erkannt"),
    501: ("syntax error in parameters", "Syntaxfehler in den Parametern"),
    502: ("command not implemented", "Befehl nicht implementiert"),
    503: ("bad sequence of commands", "falsche Befehlsreihenfolge"),
    504: ("parameter not implemented", "Parameter nicht implementiert"),
    530: ("authentication (or STARTTLS) required", "Anmeldung (oder STARTTLS) erforderlich"),
    534: ("authentication method too weak", "Anmeldeverfahren zu schwach"),
    535: ("authentication failed: credentials invalid", "Anmeldung fehlgeschlagen: falsche Zugangsdaten"),
    538: ("encryption required for this login method", "Verschlüsselung nötig für dieses Anmeldeverfahren"),
    550: ("mailbox unavailable: unknown, no access or policy", "Postfach nicht verfügbar: unbekannt oder gesperrt"),
    551: ("user not local", "Empfänger nicht lokal"),
    552: ("storage exceeded or message too large", "Speicher überschritten oder Nachricht zu groß"),
    553: ("mailbox name not allowed (bad address)", "Postfachname nicht erlaubt (fehlerhafte Adresse)"),
    554: ("transaction failed (often spam or blocklist)", "Übertragung fehlgeschlagen (oft Spam oder Sperrliste)"),
    555: ("MAIL or RCPT parameters not recognised", "MAIL- oder RCPT-Parameter nicht erkannt"),
}
_ENHANCED = re.compile(r"\s*(?:\d{3}[ -])?([245]\.\d{1,3}\.\d{1,3})\b")


def enhanced_code(reply: str | None) -> str | None:
    """The enhanced status code at the start of an SMTP reply text (after its basic code, if any)."""
    found = _ENHANCED.match(reply or "")
    return found.group(1) if found else None
