"""The handover report: one self-contained, printable HTML page a consultant leaves with the customer.

For the accounts named: their settings as configured (never a secret: a password appears as "in the
secret store"), a fresh connection diagnosis with its remedies, and per domain the SPF / DKIM / DMARC
records to publish and whether the DNS serves them now; with date, mailkit version and workspace name.
No script, no external file: it opens offline, and Chromium's print to PDF gives clean A4 pages.
"""

from __future__ import annotations

__all__ = ["handover_html", "report_writer", "write_handover"]

import datetime as dt
import html
from collections.abc import Callable, Iterable
from pathlib import Path

from . import __version__
from .diagnose import Report, diagnose
from .i18n import check_lang, status_labels, text
from .model import Account
from .onboarding import DnsRecord, dns_records, records_frame
from .tables import table
from .workspace import Workspace

_PAGE_CSS = """
body{font-family:"DejaVu Sans",Arial,sans-serif;color:#1f1f1f;margin:24px auto;max-width:1100px;font-size:14px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:2px solid #1565c0}
h3{font-size:15px;margin:18px 0 6px}.meta{color:#555}dl.mk-settings{display:grid;grid-template-columns:14em 1fr;
gap:3px 12px;margin:0}dl.mk-settings dt{color:#555}dl.mk-settings dd{margin:0}ul.mk-notes{margin:4px 0 0 18px}
.mk-summary{font-weight:600;margin:6px 0}
@page{size:A4;margin:16mm 14mm}
@media print{body{margin:0;max-width:none;font-size:11px}h2{break-after:avoid}tr,dl,.mk-account{break-inside:avoid}
table.mk-table{width:100%}}
"""

#: words of the report only: settings' labels, headings (the shared ones live in mailkit.i18n)
_WORDS = {
    "title": ("Übergabebericht E-Mail-Einrichtung", "Handover report: e-mail setup"),
    "meta": (
        "Arbeitsbereich {workspace} · erstellt am {date} · mailkit {version}",
        "Workspace {workspace} · written on {date} · mailkit {version}",
    ),
    "accounts": ("Konten", "Accounts"),
    "settings": ("Einstellungen", "Settings"),
    "diagnosis": ("Verbindungstest vom {date}", "Connection test of {date}"),
    "dns": ("DNS-Einträge für {domain}", "DNS records for {domain}"),
    "dns_intro": (
        "Diese Einträge beim DNS-Anbieter anlegen oder bestehen lassen; „Stand“ sagt, ob sie jetzt so "
        "veröffentlicht sind.",
        "Publish these records at the DNS provider, or keep them; the status says whether they are published so now.",
    ),
    "address": ("E-Mail-Adresse", "E-mail address"),
    "display_name": ("Anzeigename", "Display name"),
    "sending": ("Postausgang", "Outgoing mail"),
    "receiving": ("Posteingang", "Incoming mail"),
    "username": ("Benutzername", "User name"),
    "auth": ("Anmeldung", "Sign-in"),
    "password_stored": (
        "Passwort, im Passwort-Speicher des Arbeitsbereichs hinterlegt",
        "password, kept in the workspace's secret store",
    ),
    "oauth2": ("OAuth2 ({provider})", "OAuth2 ({provider})"),
    "none": ("keine", "none"),
    "certificates": ("Zertifikate", "Certificates"),
    "verified": ("werden geprüft", "verified"),
    "not_verified": ("werden NICHT geprüft", "NOT verified"),
    "senders": ("Absender je Belegart", "Senders per document type"),
    "sendmail": ("lokales sendmail: {command}", "local sendmail: {command}"),
    "all_ok": ("Alle Prüfungen in Ordnung.", "Every check passed."),
    "problems": (
        "{n} Prüfung(en) fehlgeschlagen – was zu tun ist, steht in der letzten Spalte.",
        "{n} check(s) failed – the last column says what to do.",
    ),
    "same": ("✓ genau dieser", "✓ this one"),
    "nothing": ("nichts", "nothing"),
}


def _w(key: str, lang: str, **values) -> str:
    german, english = _WORDS[key]
    return (german if lang == "de" else english).format(**values)


def _settings(account: Account, lang: str) -> str:
    rows: list[tuple[str, str]] = [("address", account.address)]
    if account.display_name:
        rows.append(("display_name", account.display_name))
    s, r, a = account.sending, account.receiving, account.auth
    if s is not None:
        rows.append(
            (
                "sending",
                f"SMTP {s.host}:{s.effective_port} ({s.security})"
                if s.method == "smtp"
                else _w("sendmail", lang, command=s.sendmail_command),
            )
        )
    if r is not None:
        rows.append(("receiving", f"{r.protocol.upper()} {r.host}:{r.effective_port} ({r.security})"))
    rows.append(("username", account.login))
    auth = {"password": _w("password_stored", lang), "none": _w("none", lang)}.get(a.method)
    rows.append(("auth", auth or _w("oauth2", lang, provider=a.oauth2.provider if a.oauth2 else "?")))
    rows.append(("certificates", _w("verified" if account.verify_certificate else "not_verified", lang)))
    if account.senders:
        rows.append(("senders", ", ".join(f"{k}: {v}" for k, v in sorted(account.senders.items()))))
    items = "".join(f"<dt>{html.escape(_w(k, lang))}</dt><dd>{html.escape(v)}</dd>" for k, v in rows)
    return f"<dl class='mk-settings'>{items}</dl>"


def _diagnosis(report: Report, lang: str) -> str:
    failures = len(report.failures())
    summary = _w("problems", lang, n=failures) if failures else _w("all_ok", lang)
    return f"<p class='mk-summary'>{html.escape(summary)}</p>{report.table(lang=lang, problems_first=True).to_html()}"


def _records(domain: str, records: list[DnsRecord], lang: str) -> str:
    frame = records_frame(records).drop(columns="type")
    frame["published"] = [
        _w("same", lang) if r.published == r.value else r.published or _w("nothing", lang) for r in records
    ]
    shown = table(
        frame,
        labels=status_labels(lang),
        headers={c: text(f"col.{c}", lang) for c in frame.columns},
        wrap=("value", "published"),
    )
    notes = "".join(
        f"<li><b>{html.escape(r.kind)}</b>: {html.escape('; '.join(r.notes))}</li>" for r in records if r.notes
    )
    return (
        f"<h3>{html.escape(_w('dns', lang, domain=domain))}</h3><p>{html.escape(_w('dns_intro', lang))}</p>"
        f"{shown.to_html()}" + (f"<ul class='mk-notes'>{notes}</ul>" if notes else "")
    )


def _selector(workspace: Workspace, domain: str, accounts: Iterable[Account]) -> str | None:
    """The DKIM selector to report: an account's own, else the newest key the workspace holds for the domain."""
    for account in accounts:
        if account.dkim_selector and account.domain == domain:
            return account.dkim_selector
    keys = sorted((workspace.keys_dir / domain).glob("*.pem"), key=lambda p: p.stat().st_mtime)
    return keys[-1].stem if keys else None


def handover_html(
    workspace: Workspace,
    names: Iterable[str],
    *,
    lang: str = "de",
    now: dt.datetime | None = None,
    diagnosis: Callable[[Account], Report] | None = None,
) -> str:
    """The report for the accounts ``names`` (each diagnosed now, unless ``diagnosis`` is given)."""
    check_lang(lang)
    accounts = [workspace.get(name) for name in names]
    when = (now or dt.datetime.now().astimezone()).strftime("%d.%m.%Y %H:%M" if lang == "de" else "%Y-%m-%d %H:%M")
    selectors = {d: _selector(workspace, d, accounts) for d in dict.fromkeys(a.domain for a in accounts)}

    def run(account: Account) -> Report:
        if diagnosis is not None:
            return diagnosis(account)
        selector = selectors[account.domain]
        return diagnose(account, workspace, dkim_selectors=[selector] if selector else [])

    meta = _w("meta", lang, workspace=workspace.path.name, date=when, version=__version__)
    parts = [
        f"<h1>{html.escape(_w('title', lang))}</h1>",
        f"<p class='meta'>{html.escape(meta)}</p>",
        f"<h2>{html.escape(_w('accounts', lang))}</h2>",
    ]
    for account in accounts:
        parts.append(
            f"<section class='mk-account'><h3>{html.escape(account.name)} · {html.escape(account.address)}</h3>"
            f"{_settings(account, lang)}</section>"
            f"<h3>{html.escape(_w('diagnosis', lang, date=when))}</h3>{_diagnosis(run(account), lang)}"
        )
    for domain, selector in selectors.items():
        parts.append(_records(domain, dns_records(workspace, domain, selector), lang))
    title = html.escape(f"{_w('title', lang)} · {', '.join(a.address for a in accounts)}")
    return (
        f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'><title>{title}</title>"
        f"<style>{_PAGE_CSS}</style></head><body>{''.join(parts)}</body></html>"
    )


def write_handover(workspace: Workspace, names: list[str], out: Path, *, lang: str = "de") -> Path:
    """Write the report to ``out`` (mode 0600: it names the customer's servers and addresses)."""
    page = handover_html(workspace, names, lang=lang)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.touch(mode=0o600)
    out.write_text(page, encoding="utf-8")
    return out


def report_writer(workspace: Workspace) -> Callable[[list[str], str], tuple[str, str]]:
    """For the app's button: write into the workspace's ``reports/``; give back the path and the page."""

    def write(names: list[str], lang: str) -> tuple[str, str]:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
        out = write_handover(
            workspace, names, workspace.path / "reports" / f"handover-{'-'.join(names)}-{stamp}.html", lang=lang
        )
        return str(out), out.read_text(encoding="utf-8")

    return write
