"""DMARC aggregate reports (RFC 7489 appendix C): pure parsing, one report at a time.

Reports in the wild differ from the schema: namespaces (the DMARCbis draft's
``urn:ietf:params:xml:ns:dmarc-2.0``), missing optional elements, several ``<record>``s with
several DKIM and SPF ``<auth_results>``, ``<reason>``s in ``<policy_evaluated>``, stray
whitespace, upper-case values. What is required is what identifies a report and its rows: the
reporting organisation, the report id, the domain and each record's source IP and count.

>>> report = parse_aggregate(b'''<feedback><report_metadata><org_name>google.com</org_name>
...   <report_id>42</report_id><date_range><begin>1700000000</begin><end>1700086399</end></date_range>
...   </report_metadata><policy_published><domain>example.test</domain><p>none</p></policy_published>
...   <record><row><source_ip>192.0.2.1</source_ip><count>3</count><policy_evaluated>
...   <disposition>none</disposition><dkim>pass</dkim><spf>fail</spf></policy_evaluated></row>
...   <identifiers><header_from>example.test</header_from></identifiers><auth_results>
...   <dkim><domain>example.test</domain><result>pass</result></dkim></auth_results></record></feedback>''')
>>> report.org_name, report.report_id, report.policy.p, report.records[0].passed
('google.com', '42', 'none', True)
"""

from __future__ import annotations

__all__ = ["AggregateReport", "AuthResult", "PolicyPublished", "Record", "parse_aggregate"]

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from .archive import ReportError, unpack


@dataclass(frozen=True)
class PolicyPublished:
    domain: str
    adkim: str = "r"
    aspf: str = "r"
    p: str | None = None
    sp: str | None = None
    np: str | None = None
    pct: int | None = None
    fo: str | None = None


@dataclass(frozen=True)
class AuthResult:
    """One ``<dkim>`` or ``<spf>`` of a record's ``<auth_results>``."""

    method: str  # dkim | spf
    domain: str | None
    result: str | None
    selector: str | None = None  # dkim
    scope: str | None = None  # spf: mfrom | helo


@dataclass(frozen=True)
class Record:
    source_ip: str
    count: int
    disposition: str | None
    dkim: str | None  # the policy-evaluated (aligned) result
    spf: str | None
    header_from: str | None
    envelope_from: str | None = None
    envelope_to: str | None = None
    reasons: tuple[tuple[str, str | None], ...] = ()  # (type, comment): forwarded, local_policy, ...
    auth_results: tuple[AuthResult, ...] = ()

    @property
    def passed(self) -> bool:
        """DMARC passed: aligned DKIM or aligned SPF."""
        return self.dkim == "pass" or self.spf == "pass"


@dataclass(frozen=True)
class AggregateReport:
    org_name: str
    report_id: str
    begin: dt.datetime | None
    end: dt.datetime | None
    policy: PolicyPublished
    records: tuple[Record, ...]
    email: str | None = None
    extra_contact_info: str | None = None
    version: str | None = None
    errors: tuple[str, ...] = field(default=())  # the report's own <error> elements

    @property
    def messages(self) -> int:
        return sum(r.count for r in self.records)


def _children(element: ET.Element) -> dict[str, ET.Element]:
    return {child.tag: child for child in element}


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    return text.strip() or None


def _text(element: ET.Element | None, name: str | None = None) -> str | None:
    if element is not None and name is not None:
        element = element.find(name)
    return None if element is None else _clean(element.text)


def _lower(value: str | None) -> str | None:
    return value.lower() if value else value


def _epoch(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromtimestamp(int(float(value)), dt.UTC)
    except (ValueError, OverflowError, OSError):
        return None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _guard(xml: bytes, name: str) -> bytes:
    """No DTD: a report never has one, and without it no entity can expand (billion laughs, XXE)."""
    head = xml[:4]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or head in (b"<\x00?\x00", b"\x00<\x00?"):
        xml = xml.decode("utf-16").encode("utf-8").replace(b'encoding="UTF-16"', b'encoding="UTF-8"', 1)
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        raise ReportError(f"{name}: XML with a DTD or entity declarations is not a DMARC report (refused unread)")
    return xml


def _evaluated(element: ET.Element) -> tuple[str | None, str | None, str | None, list]:
    disposition = dkim = spf = None
    reasons: list[tuple[str, str | None]] = []
    for child in element:
        tag = child.tag
        if tag == "disposition":
            disposition = _lower(_clean(child.text))
        elif tag == "dkim":
            dkim = _lower(_clean(child.text))
        elif tag == "spf":
            spf = _lower(_clean(child.text))
        elif tag == "reason":
            kind = _lower(_text(child, "type"))
            if kind:
                reasons.append((kind, _text(child, "comment")))
    return disposition, dkim, spf, reasons


def _auth_results(element: ET.Element) -> list[AuthResult]:
    results = []
    for child in element:
        method = child.tag
        if method not in ("dkim", "spf"):
            continue
        domain = result = selector = scope = None
        for item in child:
            tag = item.tag
            if tag == "domain":
                domain = _lower(_clean(item.text))
            elif tag == "result":
                result = _lower(_clean(item.text))
            elif tag == "selector":
                selector = _clean(item.text)
            elif tag == "scope":
                scope = _lower(_clean(item.text))
        results.append(AuthResult(method, domain, result, selector=selector, scope=scope))
    return results


def _record(element: ET.Element) -> Record:
    source_ip = count = disposition = dkim = spf = None
    header_from = envelope_from = envelope_to = None
    reasons: list = []
    results: list = []
    for part in element:
        tag = part.tag
        if tag == "row":
            for child in part:
                if child.tag == "source_ip":
                    source_ip = _clean(child.text)
                elif child.tag == "count":
                    count = _int(_clean(child.text))
                elif child.tag == "policy_evaluated":
                    disposition, dkim, spf, reasons = _evaluated(child)
        elif tag == "identifiers":
            for child in part:
                if child.tag == "header_from":
                    header_from = _lower(_clean(child.text))
                elif child.tag == "envelope_from":
                    envelope_from = _lower(_clean(child.text))
                elif child.tag == "envelope_to":
                    envelope_to = _lower(_clean(child.text))
        elif tag == "auth_results":
            results = _auth_results(part)
    if not source_ip or count is None:
        raise ValueError("a <record> without <source_ip> or <count>")
    return Record(
        source_ip=source_ip,
        count=count,
        disposition=disposition,
        dkim=dkim,
        spf=spf,
        header_from=header_from,
        envelope_from=envelope_from,
        envelope_to=envelope_to,
        reasons=tuple(reasons),
        auth_results=tuple(results),
    )


def parse_aggregate(data: bytes, name: str = "report") -> AggregateReport:
    """One aggregate report from its bytes (xml, gz or zip); :class:`ReportError` says what is wrong."""
    xml = _guard(unpack(data, name), name)
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise ReportError(f"{name}: invalid XML ({exc}); ask the reporter for the report again") from None
    if root.tag[:1] == "{":  # a namespace (DMARCbis, or a reporter's own): the names count, not the URI
        for element in root.iter():
            if isinstance(element.tag, str):
                element.tag = element.tag.rpartition("}")[2]
    if root.tag != "feedback":
        raise ReportError(f"{name}: root element <{root.tag}> is not <feedback>: not a DMARC aggregate report")
    parts = _children(root)
    meta = parts.get("report_metadata")
    published = parts.get("policy_published")
    if meta is None or published is None:
        missing = "report_metadata" if meta is None else "policy_published"
        raise ReportError(f"{name}: wrong schema, <{missing}> is missing")
    org_name, report_id = _text(meta, "org_name"), _text(meta, "report_id")
    domain = _lower(_text(published, "domain"))
    if not org_name or not report_id or not domain:
        raise ReportError(f"{name}: wrong schema, <org_name>, <report_id> or <domain> is missing")
    dates = _children(meta).get("date_range")
    pct = _int(_text(published, "pct"))
    policy = PolicyPublished(
        domain=domain,
        adkim=_lower(_text(published, "adkim")) or "r",
        aspf=_lower(_text(published, "aspf")) or "r",
        p=_lower(_text(published, "p")),
        sp=_lower(_text(published, "sp")),
        np=_lower(_text(published, "np")),
        pct=pct,
        fo=_text(published, "fo"),
    )
    records = []
    for child in root:
        if child.tag == "record":
            try:
                records.append(_record(child))
            except (ValueError, KeyError) as exc:
                raise ReportError(f"{name}: wrong schema in report {report_id!r} of {org_name}: {exc}") from None
    return AggregateReport(
        org_name=org_name,
        report_id=report_id,
        begin=_epoch(_text(dates, "begin")) if dates is not None else None,
        end=_epoch(_text(dates, "end")) if dates is not None else None,
        policy=policy,
        records=tuple(records),
        email=_text(meta, "email"),
        extra_contact_info=_text(meta, "extra_contact_info"),
        version=_text(parts.get("version")),
        errors=tuple(e.text.strip() for e in meta if e.tag == "error" and e.text and e.text.strip()),
    )
