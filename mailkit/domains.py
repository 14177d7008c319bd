"""Organisational domains from the Public Suffix List (bundled with ``publicsuffixlist``, so offline).

Autoconfig asks the MX host's base domain for settings, as Thunderbird does, and DMARC falls back
to the organisational domain's record (RFC 7489, 3.2): both need the list, since the last two
labels are wrong for ``co.uk``, ``com.au`` or ``gv.at``.

>>> organizational_domain("mx00.emig.gmx.net"), organizational_domain("mx.firma.co.uk")
('gmx.net', 'firma.co.uk')
>>> organizational_domain("mail.mailkit.test")  # a TLD the list does not know counts as one label
'mailkit.test'
>>> organizational_domain("co.uk")  # a public suffix is its own answer
'co.uk'
"""

from __future__ import annotations

__all__ = ["organizational_domain"]

from functools import cache


@cache
def _list():
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def organizational_domain(name: str) -> str:
    """The registrable domain a host name belongs to (lower case, no trailing dot)."""
    name = name.rstrip(".").lower()
    return _list().privatesuffix(name) or name
