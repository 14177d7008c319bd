"""Seeded DMARC aggregate and SMTP TLS reports, as the big reporters write and send them.

Several reporting organisations (Google, Microsoft, Yahoo, a small mailbox provider) report on
one domain's mail from several sources: the customer's own server, Microsoft 365, Google
Workspace, two ESPs, a forwarder (SPF breaks, DKIM survives) and spoofers. Each reporter has its
own habits, as in the wild: Google zips nothing and gzips the XML, Microsoft sends ``.xml.gz``
with a namespace-free schema but ``<envelope_to>``, Yahoo zips, the small provider sends bare
XML with the DMARCbis namespace; some leave out optional elements, some report several DKIM
signatures per record or a ``<reason>`` in ``<policy_evaluated>``.
"""

from __future__ import annotations

__all__ = ["SOURCES", "aggregate_report", "pack", "ptr_names", "report_mail", "reports_mailbox", "tls_report"]

import datetime as dt
import email.utils
import gzip
import io
import json
import random
import zipfile
from dataclasses import dataclass
from email.message import EmailMessage


@dataclass(frozen=True)
class Source:
    name: str  # what the analysis should recognise it as
    network: str  # first three octets (documentation and example ranges)
    ptr: str  # reverse DNS pattern, {n} is the last octet
    dkim: str  # aligned | other | none
    spf: str  # pass | fail | softfail
    share: float  # share of the domain's volume
    legitimate: bool = True


SOURCES = (
    Source("own server", "192.0.2", "mail.{domain}", "aligned", "pass", 0.35),
    Source(
        "Microsoft 365", "40.107.22", "mail-db8eur05on20{n}.outbound.protection.outlook.com", "aligned", "pass", 0.25
    ),
    Source("Google", "209.85.220", "mail-sor-f{n}.google.com", "aligned", "pass", 0.1),
    Source("SendGrid", "167.89.101", "o{n}.ptr4242.sendgrid.net", "other", "pass", 0.12),
    Source("Mailchimp", "198.2.131", "mail{n}.atl221.rsgsv.net", "aligned", "fail", 0.08),
    Source("forwarder", "198.51.100", "fwd{n}.example.org", "aligned", "fail", 0.06),
    Source("unknown", "203.0.113", "", "none", "fail", 0.04, legitimate=False),
)

_REPORTERS = (
    ("google.com", "noreply-dmarc-support@google.com", "gz", None),
    ("Enterprise Outlook", "dmarcreport@microsoft.com", "gz", None),
    ("Yahoo", "dmarchelp@yahooinc.com", "zip", None),
    ("Mail.example Provider", "dmarc@mail.example", "xml", "urn:ietf:params:xml:ns:dmarc-2.0"),
)


def _records(rng: random.Random, domain: str, volume: int) -> list[dict]:
    records = []
    for source in SOURCES:
        count = max(1, round(volume * source.share * rng.uniform(0.6, 1.4)))
        for _ in range(rng.choice((1, 1, 2))):
            n = rng.randrange(2, 250)
            dkim_pass = source.dkim == "aligned" and rng.random() > 0.03
            spf_aligned = source.spf == "pass" and source.name not in ("SendGrid",)
            spf_pass = spf_aligned and rng.random() > 0.02
            auth = []
            if source.dkim == "aligned":
                auth.append((domain, "s1", "pass" if dkim_pass else "fail"))
            if source.dkim == "other":
                auth.append(("sendgrid.net", "smtpapi", "pass"))
            if source.name == "Mailchimp":
                auth.append(("mcsv.net", "k2", "pass"))  # a second, unaligned signature
            envelope = {"SendGrid": "bounces.sendgrid.net", "Mailchimp": "mail221.atl221.mcsv.net"}.get(
                source.name, domain
            )
            spf_result = source.spf if source.name != "SendGrid" else "pass"
            records.append(
                {
                    "ip": f"{source.network}.{n}",
                    "count": max(1, count // 2),
                    "dkim": "pass" if dkim_pass else "fail",
                    "spf": "pass" if spf_pass else "fail",
                    "disposition": "none",
                    "reason": "forwarded" if source.name == "forwarder" and rng.random() < 0.5 else None,
                    "auth": auth,
                    "envelope_from": envelope,
                    "spf_result": spf_result,
                }
            )
    return records


def aggregate_report(
    rng: random.Random, domain: str, begin: dt.datetime, reporter: int = 0, volume: int = 400, policy: str = "none"
) -> tuple[str, bytes]:
    """(file name, XML bytes) of one day's aggregate report from one reporter."""
    org, contact, _, namespace = _REPORTERS[reporter % len(_REPORTERS)]
    end = begin + dt.timedelta(days=1) - dt.timedelta(seconds=1)
    report_id = f"{rng.getrandbits(64)}" if reporter % 2 == 0 else f"{rng.getrandbits(128):032x}"
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    out = [f'<?xml version="1.0" encoding="UTF-8" ?>\n<feedback{xmlns}>']
    if reporter % 4 != 1:
        out.append("  <version>1.0</version>")
    out.append(
        f"  <report_metadata>\n    <org_name>{org}</org_name>\n    <email>{contact}</email>\n"
        + (
            "    <extra_contact_info>https://support.google.com/a/answer/2466580</extra_contact_info>\n"
            if reporter % 4 == 0
            else ""
        )
        + f"    <report_id>{report_id}</report_id>\n    <date_range>\n      <begin>{int(begin.timestamp())}</begin>\n"
        f"      <end>{int(end.timestamp())}</end>\n    </date_range>\n  </report_metadata>"
    )
    out.append(
        f"  <policy_published>\n    <domain>{domain}</domain>\n    <adkim>r</adkim>\n    <aspf>r</aspf>\n"
        f"    <p>{policy}</p>\n"
        + ("    <sp>none</sp>\n    <pct>100</pct>\n" if reporter % 4 != 2 else "")
        + ("    <fo>1</fo>\n" if reporter % 4 == 1 else "")
        + "  </policy_published>"
    )
    for rec in _records(rng, domain, volume):
        reason = (
            f"      <reason>\n        <type>{rec['reason']}</type>\n        <comment></comment>\n      </reason>\n"
            if rec["reason"]
            else ""
        )
        envelope_to = f"      <envelope_to>{domain}</envelope_to>\n" if reporter % 4 == 1 else ""
        envelope_from = f"      <envelope_from>{rec['envelope_from']}</envelope_from>\n" if reporter % 4 != 3 else ""
        dkims = "".join(
            f"      <dkim>\n        <domain>{d}</domain>\n        <selector>{s}</selector>\n"
            f"        <result>{r}</result>\n      </dkim>\n"
            for d, s, r in rec["auth"]
        )
        out.append(
            f"  <record>\n    <row>\n      <source_ip>{rec['ip']}</source_ip>\n      <count>{rec['count']}</count>\n"
            f"      <policy_evaluated>\n        <disposition>{rec['disposition']}</disposition>\n"
            f"        <dkim>{rec['dkim']}</dkim>\n        <spf>{rec['spf']}</spf>\n{reason}      </policy_evaluated>\n"
            f"    </row>\n    <identifiers>\n{envelope_to}{envelope_from}      <header_from>{domain}</header_from>\n"
            f"    </identifiers>\n    <auth_results>\n{dkims}      <spf>\n"
            f"        <domain>{rec['envelope_from']}</domain>\n"
            + ("        <scope>mfrom</scope>\n" if reporter % 4 != 2 else "")
            + f"        <result>{rec['spf_result']}</result>\n      </spf>\n    </auth_results>\n  </record>"
        )
    out.append("</feedback>\n")
    name = f"{org.split()[0].lower()}!{domain}!{int(begin.timestamp())}!{int(end.timestamp())}"
    if reporter % 2 == 1:
        name += f"!{report_id}"
    return name, "\n".join(out).encode()


def pack(name: str, xml: bytes, packing: str) -> tuple[str, bytes, str]:
    """(file name, bytes, MIME type) of a report packed as xml, gz or zip."""
    if packing == "gz":
        return f"{name}.xml.gz", gzip.compress(xml, mtime=0), "application/gzip"
    if packing == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(zipfile.ZipInfo(f"{name}.xml", (2026, 1, 1, 0, 0, 0)), xml)
        return f"{name}.zip", buffer.getvalue(), "application/zip"
    return f"{name}.xml", xml, "text/xml"


def report_mail(
    filename: str,
    data: bytes,
    mime_type: str,
    *,
    org: str,
    contact: str,
    to: str,
    domain: str,
    report_id: str,
    when: dt.datetime,
    tls: bool = False,
    message_id: str | None = None,
) -> bytes:
    """A report as the reporter mails it (RFC 7489 §7.2.1.1, RFC 8460 §5.3)."""
    msg = EmailMessage()
    msg["From"] = f"{org} <{contact}>"
    msg["To"] = to
    msg["Date"] = email.utils.format_datetime(when)
    msg["Message-ID"] = message_id or f"<{report_id.replace(':', '')}@{contact.rpartition('@')[2]}>"
    if tls:
        msg["Subject"] = f"Report Domain: {domain} Submitter: {org} Report-ID: <{report_id}>"
        msg["TLS-Report-Domain"] = domain
        msg["TLS-Report-Submitter"] = org
        msg.set_content(f"This is an aggregate TLS report from {org}.")
        msg.add_attachment(data, maintype="application", subtype="tlsrpt+gzip", filename=filename)
        msg.set_type("multipart/report")
        msg.set_param("report-type", "tlsrpt")
    else:
        msg["Subject"] = f"Report domain: {domain} Submitter: {org} Report-ID: {report_id}"
        msg.set_content(f"This is a DMARC aggregate report for {domain} from {org}.")
        maintype, subtype = mime_type.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


_TLS_FAILURES = (
    "certificate-expired",
    "starttls-not-supported",
    "certificate-host-mismatch",
    "sts-policy-invalid",
    "validation-failure",
)


def tls_report(rng: random.Random, domain: str, begin: dt.datetime, reporter: int = 0) -> tuple[str, bytes, str]:
    """(file name, gzipped JSON, report id) of one day's TLS report on mail to ``domain``'s MX hosts."""
    org = ("Google Inc.", "Microsoft Corporation")[reporter % 2]
    report_id = f"{begin:%Y-%m-%dT%H:%M:%SZ}_{domain}_{rng.getrandbits(32):08x}"
    failures = []
    if rng.random() < 0.6:
        kind = rng.choice(_TLS_FAILURES)
        failures.append(
            {
                "result-type": kind,
                "sending-mta-ip": f"209.85.220.{rng.randrange(2, 250)}",
                "receiving-mx-hostname": f"mx{rng.randrange(1, 3)}.{domain}",
                "receiving-ip": f"192.0.2.{rng.randrange(2, 250)}",
                "failed-session-count": rng.randrange(1, 40),
            }
        )
    doc = {
        "organization-name": org,
        "date-range": {
            "start-datetime": f"{begin:%Y-%m-%dT%H:%M:%SZ}",
            "end-datetime": f"{begin + dt.timedelta(days=1) - dt.timedelta(seconds=1):%Y-%m-%dT%H:%M:%SZ}",
        },
        "contact-info": "smtp-tls-reporting@google.com" if reporter % 2 == 0 else "tlsrpt-noreply@microsoft.com",
        "report-id": report_id,
        "policies": [
            {
                "policy": {
                    "policy-type": "sts",
                    "policy-string": ["version: STSv1", "mode: testing", f"mx: mx1.{domain}", "max_age: 86400"],
                    "policy-domain": domain,
                    "mx-host": [f"mx1.{domain}", f"mx2.{domain}"],
                },
                "summary": {
                    "total-successful-session-count": rng.randrange(50, 900),
                    "total-failure-session-count": sum(f["failed-session-count"] for f in failures),
                },
                **({"failure-details": failures} if failures else {}),
            }
        ],
    }
    name = f"{org.split()[0].lower()}.com!{domain}!{int(begin.timestamp())}!{int(begin.timestamp()) + 86399}.json.gz"
    return name, gzip.compress(json.dumps(doc).encode(), mtime=0), report_id


def reports_mailbox(
    domain: str, to: str, *, days: int = 14, seed: int = 7, start: dt.date | None = None, policy: str = "none"
) -> list[bytes]:
    """The mails a reports mailbox (``rua``/``ruf`` target) collects in ``days`` days: DMARC and TLS reports."""
    rng = random.Random(seed)
    first = dt.datetime.combine(start or dt.date(2026, 3, 1), dt.time(), dt.UTC)
    mails = []
    for day in range(days):
        begin = first + dt.timedelta(days=day)
        for reporter, (org, contact, packing, _) in enumerate(_REPORTERS):
            if reporter == 3 and day % 2:  # the small provider reports every other day
                continue
            name, xml = aggregate_report(rng, domain, begin, reporter, volume=rng.randrange(150, 600), policy=policy)
            filename, data, mime_type = pack(name, xml, packing)
            report_id = xml.split(b"<report_id>")[1].split(b"<")[0].decode()
            when = begin + dt.timedelta(days=1, hours=rng.randrange(1, 8))
            mails.append(
                report_mail(
                    filename,
                    data,
                    mime_type,
                    org=org,
                    contact=contact,
                    to=to,
                    domain=domain,
                    report_id=report_id,
                    when=when,
                )
            )
        for reporter in range(2):
            filename, data, report_id = tls_report(rng, domain, begin, reporter)
            org = ("Google Inc.", "Microsoft Corporation")[reporter]
            contact = ("noreply-smtp-tls-reporting@google.com", "tlsrpt-noreply@microsoft.com")[reporter]
            mails.append(
                report_mail(
                    filename,
                    data,
                    "application/tlsrpt+gzip",
                    org=org,
                    contact=contact,
                    to=to,
                    domain=domain,
                    report_id=report_id,
                    when=begin + dt.timedelta(days=1, hours=2),
                    tls=True,
                )
            )
    return mails


def ptr_names(domain: str) -> dict[str, str]:
    """The reverse DNS of every address the generator's sources send from (unknown senders have none)."""
    return {
        f"{source.network}.{n}": source.ptr.format(n=n, domain=domain)
        for source in SOURCES
        if source.ptr
        for n in range(1, 255)
    }
