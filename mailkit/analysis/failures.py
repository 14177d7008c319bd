"""Why sends failed: SMTP reply codes (basic and enhanced, RFC 3463) in words, and the failure tables."""

from __future__ import annotations

import re

import pandas as pd

from .labels import _lang

# -- SMTP reply codes ------------------------------------------------------------------------------
#: enhanced status codes (RFC 3463, and the ones big providers use): code -> (English, German)
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
    "4.7.0": ("temporarily refused by policy (rate limit, TLS)", "vorübergehend abgelehnt (Drosselung, TLS)"),
    "4.7.1": ("temporarily refused: greylisting or policy", "vorübergehend abgelehnt: Greylisting oder Richtlinie"),
    "5.0.0": ("permanent failure without details", "dauerhafter Fehler ohne Angaben"),
    "5.1.0": ("bad address", "fehlerhafte Adresse"),
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
    "5.7.0": ("refused by security policy", "durch Sicherheitsrichtlinie abgelehnt"),
    "5.7.1": ("refused: relaying denied, sender blocked or spam", "abgelehnt: kein Relay, Absender gesperrt, Spam"),
    "5.7.8": (
        "our SMTP login was rejected: wrong credentials",
        "SMTP-Anmeldung abgelehnt: falsche Zugangsdaten",
    ),
    "5.7.9": ("our SMTP login method is too weak", "unser SMTP-Anmeldeverfahren ist zu schwach"),
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
#: basic reply codes (RFC 5321): code -> (English, German)
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
    535: ("authentication failed", "Anmeldung fehlgeschlagen"),
    550: ("mailbox unavailable: unknown, no access or policy", "Postfach nicht verfügbar: unbekannt oder gesperrt"),
    551: ("user not local", "Empfänger nicht lokal"),
    552: ("storage exceeded or message too large", "Speicher überschritten oder Nachricht zu groß"),
    553: ("mailbox name not allowed (bad address)", "Postfachname nicht erlaubt (fehlerhafte Adresse)"),
    554: ("transaction failed (often spam or blocklist)", "Übertragung fehlgeschlagen (oft Spam oder Sperrliste)"),
    555: ("MAIL or RCPT parameters not recognised", "MAIL- oder RCPT-Parameter nicht erkannt"),
}
_CLASSES = {"4": ("temporary", "vorübergehend"), "5": ("permanent", "dauerhaft")}
_SUBJECTS = {
    "0": ("other", "sonstiges"),
    "1": ("addressing", "Adressierung"),
    "2": ("mailbox", "Postfach"),
    "3": ("mail system", "Mailsystem"),
    "4": ("network and routing", "Netz und Routing"),
    "5": ("protocol", "Protokoll"),
    "6": ("content", "Inhalt"),
    "7": ("security or policy", "Sicherheit oder Richtlinie"),
}
_NO_REPLY = ("no reply: connection failed or timed out", "keine Antwort: Verbindung fehlgeschlagen")
_ENHANCED = re.compile(r"\s*(?:\d{3}[ -])?([245]\.\d{1,3}\.\d{1,3})\b")


def enhanced_code(reply: str | None) -> str | None:
    """The enhanced status code at the start of an SMTP reply text, if it has one.

    >>> enhanced_code("5.1.1 <x@kunde.test>: Recipient address rejected"), enhanced_code("550 5.7.1 relay denied")
    ('5.1.1', '5.7.1')
    >>> enhanced_code("Requested action not taken") is None
    True
    """
    found = _ENHANCED.match(reply or "")
    return found.group(1) if found else None


def smtp_meaning(code: int | None, enhanced: str | None = None, lang: str = "en") -> str:
    """What a failure means in plain words: the enhanced code if known, else the basic code, else its class.

    >>> smtp_meaning(550, "5.1.1")
    'recipient address does not exist'
    >>> smtp_meaning(451, None, lang="de")
    'lokaler Fehler beim Server, später erneut versuchen'
    >>> smtp_meaning(550, "5.7.999"), smtp_meaning(None)
    ('permanent: security or policy', 'no reply: connection failed or timed out')
    """
    index = _lang(lang)
    if enhanced in ENHANCED_CODES:
        return ENHANCED_CODES[enhanced][index]
    if enhanced and enhanced[0] in _CLASSES:
        kind, subject = enhanced.split(".")[:2]
        if subject in _SUBJECTS:
            return f"{_CLASSES[kind][index]}: {_SUBJECTS[subject][index]}"
    if code is None or pd.isna(code):
        return _NO_REPLY[index]
    if int(code) in BASIC_CODES:
        return BASIC_CODES[int(code)][index]
    return f"SMTP {int(code)}"


def failures(send_recipients: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The recipients a send did not reach: refused ones and those of failed sends, with the reason."""
    failed = send_recipients[send_recipients["outcome"].isin(["refused", "failed"])].copy()
    failed["enhanced"] = failed["smtp_reply"].astype("object").map(enhanced_code).astype("str")
    failed["class"] = _failure_class(failed["smtp_code"], failed["enhanced"])
    pairs = failed[["smtp_code", "enhanced"]].astype(object)
    pairs = pairs.where(pairs.notna(), None)
    meanings = {
        (code, enhanced): smtp_meaning(code, enhanced, lang)
        for code, enhanced in set(pairs.itertuples(index=False, name=None))
    }
    failed["meaning"] = [meanings[pair] for pair in pairs.itertuples(index=False, name=None)]
    return failed.reset_index(drop=True)


def _failure_class(codes: pd.Series, enhanced: pd.Series) -> pd.Categorical:
    first = enhanced.str[0].fillna(codes.astype("string").str[0])
    labels = first.map({"4": "temporary", "5": "permanent"}).fillna("no reply")
    return pd.Categorical(labels, categories=["permanent", "temporary", "no reply"])


def failures_by_reason(send_recipients: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Failed recipients grouped by SMTP code and enhanced code, with the meaning and an example reply."""
    failed = failures(send_recipients, lang)
    keys = ["smtp_code", "enhanced"]
    grouped = failed.groupby(keys, dropna=False, observed=True, sort=False)
    table = grouped.agg(
        failures=("recipient", "size"),
        domains=("domain", "nunique"),
        klass=("class", "first"),
        meaning=("meaning", "first"),
        example=("smtp_reply", "first"),
    ).rename(columns={"klass": "class"})
    table["share"] = table["failures"] / max(len(failed), 1)
    table = table.reset_index().sort_values(["failures", "smtp_code"], ascending=[False, True], na_position="last")
    table["smtp_code"] = table["smtp_code"].astype("Int64")
    columns = ["smtp_code", "enhanced", "class", "meaning", "failures", "share", "domains", "example"]
    return table[columns].reset_index(drop=True)


def failures_by_domain(send_recipients: pd.DataFrame, top: int | None = 20, lang: str = "en") -> pd.DataFrame:
    """Per recipient domain: recipients tried, failed, the failure rate and the most frequent reason."""
    tried = send_recipients[send_recipients["outcome"] != "pending"]
    failed = failures(tried, lang)
    attempts = tried.groupby("domain", observed=True).size().rename("recipients")
    counts = failed.groupby("domain", observed=True).size().rename("failed")
    reason = (
        failed.assign(reason=failed["meaning"])
        .groupby("domain", observed=True)["reason"]
        .agg(lambda r: r.value_counts().index[0])
    )
    table = pd.concat([attempts, counts], axis=1).fillna({"failed": 0}).astype({"failed": "int64"})
    table["rate"] = table["failed"] / table["recipients"]
    table["top_reason"] = reason.reindex(table.index)
    table = table[table["failed"] > 0].sort_values(["failed", "rate"], ascending=False)
    return table.head(top) if top else table
