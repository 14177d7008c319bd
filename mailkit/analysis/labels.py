"""Words in two languages: the report's labels in English and German, and the check of ``lang``."""

from __future__ import annotations


def _lang(lang: str) -> int:
    if lang not in ("en", "de"):
        raise ValueError(f"lang {lang!r}: use 'en' or 'de'")
    return 0 if lang == "en" else 1


_LABELS = {
    "en": {
        "messages": "messages",
        "volume": "Mail volume per {per}",
        "hour": "hour of day",
        "weekday": "weekday",
        "day": "day",
        "week": "week",
        "month": "month",
        "days": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
        "in": "in",
        "out": "out",
        "response": "Response times per {by}",
        "hours": "hours until the first reply",
        "account": "account",
        "failures": "Delivery failures by reason",
        "recipients": "failed recipients",
        "auth": "Authentication of inbound mail",
        "share": "share of checked mail",
        "attachments": "Attachments by type",
        "count": "attachments",
        "megabytes": "total size (MB)",
        "runs": "Sync runs",
        "duration": "duration (s)",
        "failed": "failed",
        "median": "median",
        "p90": "90th percentile",
        "all": "all",
    },
    "de": {
        "messages": "Nachrichten",
        "volume": "Mailaufkommen pro {per}",
        "hour": "Stunde",
        "weekday": "Wochentag",
        "day": "Tag",
        "week": "Woche",
        "month": "Monat",
        "days": ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"],
        "in": "eingehend",
        "out": "ausgehend",
        "response": "Antwortzeiten pro {by}",
        "hours": "Stunden bis zur ersten Antwort",
        "account": "Konto",
        "failures": "Zustellfehler nach Ursache",
        "recipients": "fehlgeschlagene Empfänger",
        "auth": "Authentifizierung eingehender Mail",
        "share": "Anteil geprüfter Mail",
        "attachments": "Anhänge nach Typ",
        "count": "Anhänge",
        "megabytes": "Gesamtgröße (MB)",
        "runs": "Synchronisationsläufe",
        "duration": "Dauer (s)",
        "failed": "fehlgeschlagen",
        "median": "Median",
        "p90": "90. Perzentil",
        "all": "alle",
    },
}


def _labels(lang: str) -> dict:
    _lang(lang)
    return _LABELS[lang]
