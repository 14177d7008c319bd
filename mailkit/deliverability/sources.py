"""Who sent as the domain: a report's source IP → reverse DNS → a recognised service.

DMARC reports name only IP addresses. Their PTR names say which service sent (Microsoft 365's
``*.outbound.protection.outlook.com``, Google's ``*.google.com``, the ESPs' own domains); the
customer's own server is a PTR under the domain itself or a host the caller names.

>>> service_of("mail-db8eur05on2040.outbound.protection.outlook.com", "kunde.example")
'Microsoft 365'
>>> service_of("mail.kunde.example", "kunde.example")
'own server'
>>> service_of("fwd7.lists.example.org", "kunde.example")
'other (example.org)'
>>> service_of(None, "kunde.example")
'unknown (no reverse DNS)'
"""

from __future__ import annotations

__all__ = ["SERVICES", "reverse_dns", "service_of"]

import ipaddress
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from ..domains import organizational_domain

#: PTR name patterns of the services most business mail goes through
SERVICES: tuple[tuple[str, re.Pattern], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("Microsoft 365", r"\.(?:protection\.)?outlook\.com$|\.office365\.com$"),
        ("Google", r"\.google\.com$|\.googlemail\.com$|\.1e100\.net$"),
        ("Amazon SES", r"\.amazonses\.com$"),
        ("SendGrid", r"\.sendgrid\.net$"),
        ("Mailchimp", r"\.mcsv\.net$|\.rsgsv\.net$|\.mandrillapp\.com$|\.mcdlv\.net$"),
        ("Mailgun", r"\.mailgun\.(?:net|org)$"),
        ("SparkPost", r"\.sparkpostmail\.com$"),
        ("Brevo", r"\.sendinblue\.com$|\.brevo\.com$|\.sendibm\d*\.com$"),
        ("Postmark", r"\.mtasv\.net$"),
        ("Salesforce", r"\.exacttarget\.com$|\.salesforce\.com$"),
        ("HubSpot", r"\.hubspotemail\.net$"),
        ("Zoho", r"\.zoho(?:mail)?\.(?:com|eu)$"),
        ("IONOS", r"\.kundenserver\.de$|\.ionos\.(?:de|com)$"),
        ("STRATO", r"\.strato\.(?:de|com)$|\.rzone\.de$"),
    )
)


def service_of(ptr: str | None, domain: str | None = None, own_hosts: Iterable[str] = ()) -> str:
    """The service a PTR name belongs to, ``own server``, ``other (org domain)`` or ``unknown``."""
    if not isinstance(ptr, str) or not ptr:  # None, or NaN from a DataFrame
        return "unknown (no reverse DNS)"
    name = ptr.rstrip(".").lower()
    own = {h.rstrip(".").lower() for h in own_hosts}
    if name in own or (domain and (name == domain.lower() or name.endswith("." + domain.lower()))):
        return "own server"
    for service, pattern in SERVICES:
        if pattern.search(name):
            return service
    return f"other ({organizational_domain(name)})"


def reverse_dns(ips: Iterable[str], resolver, workers: int = 16) -> dict[str, str | None]:
    """Each IP's PTR name (None when it has none or the lookup fails), looked up in parallel."""
    import dns.exception
    import dns.resolver
    import dns.reversename

    def one(ip: str) -> str | None:
        try:
            name = dns.reversename.from_address(str(ipaddress.ip_address(ip)))
            return resolver.resolve(name, "PTR")[0].target.to_text().rstrip(".")
        except (ValueError, dns.exception.DNSException):
            return None

    unique = sorted(set(ips))
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(unique)))) as pool:
        return dict(zip(unique, pool.map(one, unique), strict=True))
