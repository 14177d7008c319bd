"""Checks of a domain's mail records: SPF, DMARC, DKIM, MTA-STS and TLS-RPT, each as report rows.

The record logic is pure: it is given ``lookup(name, rtype)`` (TXT values as text, A/MX as
strings), so the limits (10 DNS-querying SPF terms, 2 void lookups, 255/450 bytes) are tested
without a DNS server, and against the sandbox's zone with one.

>>> spf_terms("v=spf1 ip4:192.0.2.1 include:_spf.x.test mx -all")
['ip4:192.0.2.1', 'include:_spf.x.test', 'mx', '-all']
>>> dmarc_tags("v=DMARC1; p=none; rua=mailto:d@x.test")
{'v': 'DMARC1', 'p': 'none', 'rua': 'mailto:d@x.test'}
"""

from __future__ import annotations

__all__ = ["check_dkim", "check_dmarc", "check_mta_sts", "check_spf", "dmarc_tags", "spf_terms"]

import base64
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key

from ..domains import organizational_domain
from .report import Row

Lookup = Callable[[str, str], list[str]]
_QUERYING = ("include:", "a:", "a/", "mx:", "mx/", "ptr:", "exists:", "redirect=")
SPF_LOOKUP_LIMIT = 10
SPF_VOID_LIMIT = 2


def spf_terms(record: str) -> list[str]:
    return record.split()[1:]


def _spf_record(values: list[str]) -> list[str]:
    return [v for v in values if v.lower().startswith("v=spf1") and (len(v) == 6 or v[6] == " ")]


def _mechanism(term: str) -> str:
    return term.lstrip("+-~?").lower()


def _queries(term: str) -> bool:
    m = _mechanism(term)
    return m in ("a", "mx", "ptr") or m.startswith(_QUERYING)


def _spf_count(domain: str, lookup: Lookup, seen: set[str], depth: int = 0) -> tuple[int, int]:
    """DNS-querying terms and void lookups of ``domain``'s SPF record, includes followed."""
    records = _spf_record(lookup(domain, "TXT"))
    if not records or domain in seen or depth > 10:
        return 0, 0
    seen.add(domain)
    lookups = voids = 0
    for term in spf_terms(records[0]):
        if not _queries(term):
            continue
        lookups += 1
        m = _mechanism(term)
        target = m.partition(":")[2] if ":" in m else m.partition("=")[2] if "=" in m else ""
        target = target.partition("/")[0]
        if m.startswith(("include:", "redirect=")):
            if not _spf_record(lookup(target, "TXT")):
                voids += 1
                continue
            more, more_voids = _spf_count(target, lookup, seen, depth + 1)
            lookups, voids = lookups + more, voids + more_voids
        elif target and m.startswith(("a:", "mx:")) and not lookup(target, "MX" if m.startswith("mx") else "A"):
            voids += 1
    return lookups, voids


def check_spf(domain: str, lookup: Lookup) -> list[Row]:
    """SPF: present and single, its size, the lookup and void-lookup limits, and its ``all``."""
    records = _spf_record(lookup(domain, "TXT"))
    if not records:
        return [
            Row(
                "SPF",
                domain,
                "fail",
                "no SPF record",
                f"publish a TXT record at {domain} like 'v=spf1 mx -all' naming every server that sends for it",
            )
        ]
    if len(records) > 1:
        return [Row("SPF", domain, "fail", f"{len(records)} SPF records (a permerror)", "merge them into one")]
    record = records[0]
    rows = []
    size = len(record.encode())
    lookups, voids = _spf_count(domain, lookup, set())
    detail = f"{record} ({lookups} DNS-querying terms, {voids} void lookups, {size} bytes)"
    terms = [t.lower() for t in spf_terms(record)]
    if lookups > SPF_LOOKUP_LIMIT:
        rows.append(
            Row(
                "SPF",
                domain,
                "fail",
                detail,
                f"{lookups} DNS lookups exceed the limit of {SPF_LOOKUP_LIMIT} (permerror): replace includes "
                "by ip4:/ip6: ranges or drop unused senders",
            )
        )
    elif voids > SPF_VOID_LIMIT:
        rows.append(
            Row("SPF", domain, "fail", detail, f"{voids} lookups find nothing (limit {SPF_VOID_LIMIT}): remove them")
        )
    elif "+all" in terms or "all" in terms:
        rows.append(Row("SPF", domain, "fail", detail, "'+all' lets anyone send as this domain: end with -all"))
    elif "~all" in terms:
        rows.append(Row("SPF", domain, "warn", detail, "'~all' only marks forgeries: end with -all once complete"))
    elif "-all" not in terms and not any(t.startswith("redirect=") for t in terms):
        rows.append(Row("SPF", domain, "warn", detail, "the record has no 'all' at the end: add -all"))
    elif size > 450:
        rows.append(Row("SPF", domain, "warn", detail, "over 450 bytes the answer may not fit UDP: shorten it"))
    elif size > 255:
        rows.append(Row("SPF", domain, "warn", detail, "over 255 bytes: check that it is split into strings"))
    else:
        rows.append(Row("SPF", domain, "ok", detail))
    return rows


def dmarc_tags(record: str) -> dict[str, str]:
    tags = {}
    for part in record.split(";"):
        key, sep, value = part.strip().partition("=")
        if sep:
            tags[key.strip().lower()] = value.strip()
    return tags


def check_dmarc(domain: str, lookup: Lookup) -> list[Row]:
    """The DMARC policy that applies to ``domain``: its own record, else its organisational domain's
    (RFC 7489, 6.6.3), whose ``sp=`` (or ``p=``) then governs subdomains."""
    name = f"_dmarc.{domain}"
    records = [v for v in lookup(name, "TXT") if v.lower().startswith("v=dmarc1")]
    inherited = ""
    organisation = organizational_domain(domain)
    if not records and organisation != domain:
        parent = f"_dmarc.{organisation}"
        records = [v for v in lookup(parent, "TXT") if v.lower().startswith("v=dmarc1")]
        if records:
            name, inherited = parent, f"inherited from {organisation}: "
    if not records:
        return [
            Row(
                "DMARC",
                name,
                "warn",
                "no DMARC record",
                f"publish TXT at _dmarc.{organisation}: 'v=DMARC1; p=none; rua=mailto:dmarc@{organisation}', "
                "then tighten to quarantine",
            )
        ]
    if len(records) > 1:
        return [Row("DMARC", name, "fail", f"{len(records)} DMARC records", "keep one: receivers ignore them all")]
    tags = dmarc_tags(records[0])
    key = "sp" if inherited and "sp" in tags else "p"
    policy = tags.get(key, "")
    detail = f"{inherited}{key}={policy or '(missing)'}, rua={'present' if tags.get('rua') else 'missing'}"
    if policy not in ("none", "quarantine", "reject"):
        return [Row("DMARC", name, "fail", detail, f"{key}= must be none, quarantine or reject")]
    if policy == "none":
        return [
            Row("DMARC", name, "warn", detail, f"{key}=none only monitors: move to quarantine once reports are clean")
        ]
    if not tags.get("rua"):
        return [Row("DMARC", name, "warn", detail, f"add rua=mailto:dmarc@{organisation} to receive aggregate reports")]
    return [Row("DMARC", name, "ok", detail)]


def _key_bits(tags: dict[str, str]) -> tuple[str, int]:
    key = load_der_public_key(base64.b64decode(tags.get("p", "")))
    if isinstance(key, rsa.RSAPublicKey):
        return "rsa", key.key_size
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "ed25519", 256
    return type(key).__name__, 0


def check_dkim(domain: str, selectors: list[str] | tuple[str, ...], lookup: Lookup) -> list[Row]:
    rows = []
    for selector in selectors:
        name = f"{selector}._domainkey.{domain}"
        records = lookup(name, "TXT")
        if not records:
            rows.append(
                Row(
                    "DKIM",
                    name,
                    "fail",
                    "no DKIM key",
                    "publish the selector's public key as TXT: v=DKIM1; k=rsa; p=...",
                )
            )
            continue
        tags = dmarc_tags(records[0])
        if not tags.get("p"):
            rows.append(Row("DKIM", name, "fail", "the key is revoked (empty p=)", "publish the current key"))
            continue
        try:
            kind, bits = _key_bits(tags)
        except ValueError:
            rows.append(Row("DKIM", name, "fail", "p= is not a public key", "publish the key's TXT record again"))
            continue
        detail = f"{kind} {bits} bits" + (", testing (t=y)" if "y" in tags.get("t", "").split(":") else "")
        if kind == "rsa" and bits < 1024:
            rows.append(Row("DKIM", name, "fail", detail, "keys under 1024 bits are ignored: use RSA 2048"))
        elif "y" in tags.get("t", "").split(":"):
            rows.append(Row("DKIM", name, "warn", detail, "t=y tells receivers to ignore failures: drop it"))
        else:
            rows.append(Row("DKIM", name, "ok", detail))
    return rows


def check_mta_sts(domain: str, lookup: Lookup) -> list[Row]:
    """MTA-STS and TLS-RPT: their TXT records are present (the policy file itself is not fetched)."""
    rows = []
    for check, name, prefix, remedy in (
        ("MTA-STS", f"_mta-sts.{domain}", "v=stsv1", "publish 'v=STSv1; id=...' and the policy at mta-sts."),
        ("TLS-RPT", f"_smtp._tls.{domain}", "v=tlsrptv1", "publish 'v=TLSRPTv1; rua=mailto:...' to get TLS reports"),
    ):
        found = [v for v in lookup(name, "TXT") if v.lower().replace(" ", "").startswith(prefix)]
        if found:
            rows.append(Row(check, name, "ok", found[0]))
        else:
            rows.append(Row(check, name, "warn", "no record", remedy + (domain if check == "MTA-STS" else "")))
    return rows
