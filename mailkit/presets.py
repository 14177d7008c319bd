"""Built-in settings for the mail providers German small businesses use, with their known pitfalls.

A preset is found by the address's domain (gmx.de, t-online.de, ...) or, for hosted domains,
by the domain of the lowest MX host (``*.mail.protection.outlook.com`` is Microsoft 365,
``*.kasserver.com`` is All-Inkl).

>>> preset_for_domain("Anna@GMX.de").name
'GMX'
>>> preset_for_mx("kunde-de.mail.protection.outlook.com").name
'Microsoft 365'
>>> preset_for_mx("mx.example.test") is None
True
"""

from __future__ import annotations

__all__ = ["PRESETS", "Preset", "preset_for_domain", "preset_for_mx"]

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    name: str
    domains: tuple[str, ...]  # address domains that are this provider's own
    mx_suffixes: tuple[str, ...]  # MX hosts ending in these are hosted here
    imap: tuple[str, int, str]  # host, port, security; host "{mx}" means the MX host itself
    smtp: tuple[str, int, str]
    username: str = "%EMAILADDRESS%"
    auth: str = "password"
    hints: tuple[str, ...] = ()


PRESETS: tuple[Preset, ...] = (
    Preset(
        "Gmail",
        ("gmail.com", "googlemail.com"),
        ("google.com", "googlemail.com"),
        ("imap.gmail.com", 993, "tls"),
        ("smtp.gmail.com", 465, "tls"),
        auth="oauth2",
        hints=(
            "Gmail needs OAuth2 or an app password (with 2-step verification on); the normal password is refused",
            "enable IMAP in Gmail's settings (Forwarding and POP/IMAP) first",
        ),
    ),
    Preset(
        "Microsoft 365",
        ("onmicrosoft.com",),
        ("mail.protection.outlook.com",),
        ("outlook.office365.com", 993, "tls"),
        ("smtp.office365.com", 587, "starttls"),
        auth="oauth2",
        hints=(
            "Microsoft 365: SMTP AUTH may be off for the tenant (535 5.7.139): enable Authenticated SMTP for "
            "the mailbox, or use OAuth2",
            "IMAP and POP need OAuth2 since basic authentication was retired",
        ),
    ),
    Preset(
        "Outlook.com",
        ("outlook.com", "outlook.de", "hotmail.com", "hotmail.de", "live.com", "live.de", "msn.com"),
        ("olc.protection.outlook.com",),
        ("outlook.office365.com", 993, "tls"),
        ("smtp-mail.outlook.com", 587, "starttls"),
        auth="oauth2",
        hints=("Outlook.com accepts only OAuth2 (modern authentication) for IMAP and SMTP",),
    ),
    Preset(
        "IONOS",
        ("ionos.de",),
        ("ionos.de", "ionos.com", "kundenserver.de"),
        ("imap.ionos.de", 993, "tls"),
        ("smtp.ionos.de", 587, "starttls"),
        hints=("the user name is the full e-mail address",),
    ),
    Preset(
        "1&1",
        ("online.de", "onlinehome.de", "1und1.de"),
        ("1und1.de",),
        ("imap.1und1.de", 993, "tls"),
        ("smtp.1und1.de", 587, "starttls"),
        hints=("the user name is the full e-mail address",),
    ),
    Preset(
        "Strato",
        ("strato.de",),
        ("rzone.de", "strato.de"),
        ("imap.strato.de", 993, "tls"),
        ("smtp.strato.de", 465, "tls"),
        hints=("the user name is the full e-mail address",),
    ),
    Preset(
        "GMX",
        ("gmx.de", "gmx.net", "gmx.at", "gmx.ch", "gmx.com"),
        ("gmx.net", "gmx.com"),
        ("imap.gmx.net", 993, "tls"),
        ("mail.gmx.net", 587, "starttls"),
        hints=("enable IMAP in the web mailer first (Settings > POP3/IMAP: allow access)",),
    ),
    Preset(
        "web.de",
        ("web.de",),
        ("web.de",),
        ("imap.web.de", 993, "tls"),
        ("smtp.web.de", 587, "starttls"),
        hints=("enable IMAP in the web mailer first (Settings > POP3/IMAP: allow access)",),
    ),
    Preset(
        "T-Online",
        ("t-online.de", "magenta.de"),
        ("t-online.de",),
        ("secureimap.t-online.de", 993, "tls"),
        ("securesmtp.t-online.de", 465, "tls"),
        hints=("T-Online needs the separate e-mail password (set in the E-Mail-Center), not the login password",),
    ),
    Preset(
        "Hetzner",
        (),
        ("your-server.de",),
        ("mail.your-server.de", 993, "tls"),
        ("mail.your-server.de", 587, "starttls"),
        hints=("the user name is the mailbox's address as set up in konsoleH",),
    ),
    Preset(
        "All-Inkl",
        (),
        ("kasserver.com",),
        ("{mx}", 993, "tls"),
        ("{mx}", 465, "tls"),
        hints=(
            "use the server name from the KAS (w0....kasserver.com) and the mailbox login (m0...) if the "
            "address is refused",
        ),
    ),
)


def preset_for_domain(address_or_domain: str) -> Preset | None:
    domain = address_or_domain.rpartition("@")[2].lower().rstrip(".")
    return next((p for p in PRESETS if domain in p.domains), None)


def preset_for_mx(mx_host: str) -> Preset | None:
    host = mx_host.lower().rstrip(".")
    for preset in PRESETS:
        if any(host == s or host.endswith("." + s) for s in preset.mx_suffixes):
            return preset
    return None
