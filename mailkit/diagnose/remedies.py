"""The remedy catalogue: a server's answer (or an error's text) mapped to a concrete fix.

Patterns are tried in order; the first that matches wins. They are plain substrings or regular
expressions over what the server said, so a new provider quirk is one line here.

>>> remedy_for("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant")[:40]
'SMTP AUTH is disabled for this Microsoft'
>>> remedy_for("NO [AUTHENTICATIONFAILED] Authentication failed.")
'the server refused the user name or the password; check both (the user name is often the full address)'
>>> remedy_for("all good")
''
>>> remedy_in(remedy_for("NO [AUTHENTICATIONFAILED] Authentication failed."), "de")[:47]
'Der Server hat Benutzername oder Passwort abgel'
"""

from __future__ import annotations

__all__ = ["GERMAN", "REMEDIES", "remedy_for", "remedy_in"]

import re

#: (pattern, remedy); patterns are case-insensitive regular expressions.
REMEDIES: tuple[tuple[str, str], ...] = (
    (
        r"5\.7\.139|SmtpClientAuthentication is disabled",
        "SMTP AUTH is disabled for this Microsoft 365 tenant or mailbox: enable 'Authenticated SMTP' for the "
        "mailbox in the admin center (or use OAuth2)",
    ),
    (
        r"Application-specific password required|InvalidSecondFactor|534[ -]5\.7\.9",
        "Gmail wants an app password (2-step verification is on): create one at myaccount.google.com "
        "'App passwords', or use OAuth2",
    ),
    (
        r"AUTHENTICATE failed|invalid_grant|AADSTS|XOAUTH2",
        "OAuth2 token refused: check the token's scope (IMAP/SMTP .AccessAsUser.All or https://mail.google.com/) "
        "and audience, then sign in again",
    ),
    (
        r"LOGINDISABLED|Plaintext authentication disallowed|must issue a STARTTLS",
        "the server refuses logins over an unencrypted connection: use security starttls or tls",
    ),
    (
        r"connection refused.*:25\b|:25\b.*connection refused",
        "port 25 is closed or blocked (common for dial-up lines and clouds): submit on 587 with STARTTLS "
        "or 465 with TLS",
    ),
    (
        r"not valid for|Hostname mismatch|IP address mismatch",
        "the certificate names another host: set the account's host to a name the certificate lists",
    ),
    (r"has expired|certificate expired", "the server's certificate has expired: its admin must renew it"),
    (
        r"not signed by a trusted CA|unable to get local issuer|self-signed",
        "the certificate's CA is not trusted here: set the account's ca_file to the issuing CA",
    ),
    (
        r"does not offer STARTTLS|STARTTLS not (offered|advertised)",
        "the server offers no STARTTLS on this port: use port 465/993/995 with security tls, or ask its admin",
    ),
    (
        r"connection refused",
        "nothing listens on this port: check host and port (is the service running, is a firewall rejecting?)",
    ),
    (
        r"no answer within|timed out",
        "no answer in time: a firewall drops the packets or the host is down; check host, port and firewall",
    ),
    (r"does not resolve|NXDOMAIN", "the host name does not resolve: check its spelling and the DNS records"),
    (
        r"wrong version number|did not answer with TLS",
        "the port does not speak TLS right away: use security starttls (or the implicit-TLS port)",
    ),
    (
        r"AUTHENTICATIONFAILED|authentication failed|535|\[AUTH\]|invalid credentials|-ERR.*(password|auth)|"
        r"Authentication unsuccessful",
        "the server refused the user name or the password; check both (the user name is often the full address)",
    ),
)
_COMPILED = tuple((re.compile(pattern, re.IGNORECASE), remedy) for pattern, remedy in REMEDIES)


def remedy_for(said: str) -> str:
    """The fix for what a server said or an error reported; empty when nothing in the catalogue fits."""
    for pattern, remedy in _COMPILED:
        if pattern.search(said):
            return remedy
    return ""


#: the catalogue's remedies in German, for the app and the handover report (a remedy not listed stays English)
GERMAN: dict[str, str] = {
    REMEDIES[0][1]: "SMTP AUTH ist für diesen Microsoft-365-Tenant oder dieses Postfach abgeschaltet: im Admin Center "
    "„Authentifiziertes SMTP“ für das Postfach einschalten (oder OAuth2 verwenden)",
    REMEDIES[1][1]: "Gmail verlangt ein App-Passwort (Bestätigung in zwei Schritten ist an): unter "
    "myaccount.google.com „App-Passwörter“ eines anlegen oder OAuth2 verwenden",
    REMEDIES[2][1]: "OAuth2-Token abgelehnt: Scope (IMAP/SMTP .AccessAsUser.All oder https://mail.google.com/) und "
    "Audience prüfen, dann neu anmelden",
    REMEDIES[3][1]: "Der Server lässt keine Anmeldung über eine unverschlüsselte Verbindung zu: Sicherheit starttls "
    "oder tls wählen",
    REMEDIES[4][1]: "Port 25 ist geschlossen oder gesperrt (üblich bei Einwahlanschlüssen und Clouds): über 587 mit "
    "STARTTLS oder 465 mit TLS einliefern",
    REMEDIES[5][1]: "Das Zertifikat nennt einen anderen Host: als Server einen Namen eintragen, den das Zertifikat "
    "nennt",
    REMEDIES[6][1]: "Das Zertifikat des Servers ist abgelaufen: sein Administrator muss es erneuern",
    REMEDIES[7][1]: "Der Aussteller des Zertifikats ist hier nicht vertrauenswürdig: beim Konto die CA-Datei des "
    "Ausstellers eintragen",
    REMEDIES[8][1]: "Der Server bietet auf diesem Port kein STARTTLS an: Port 465/993/995 mit Sicherheit tls "
    "verwenden oder den Administrator fragen",
    REMEDIES[9][1]: "Auf diesem Port antwortet nichts: Server und Port prüfen (läuft der Dienst, blockiert eine "
    "Firewall?)",
    REMEDIES[10][1]: "Keine Antwort in der Zeit: eine Firewall verwirft die Pakete oder der Server ist aus; Server, "
    "Port und Firewall prüfen",
    REMEDIES[11][1]: "Der Servername lässt sich nicht auflösen: Schreibweise und DNS-Einträge prüfen",
    REMEDIES[12][1]: "Der Port spricht nicht sofort TLS: Sicherheit starttls wählen (oder den Port für implizites TLS)",
    REMEDIES[13][1]: "Der Server hat Benutzername oder Passwort abgelehnt; beides prüfen (der Benutzername ist oft die "
    "ganze Adresse)",
}


def remedy_in(remedy: str, lang: str) -> str:
    """A catalogue remedy in ``lang`` (``de`` or ``en``); one the German list lacks stays as it is."""
    return GERMAN.get(remedy, remedy) if lang == "de" else remedy
