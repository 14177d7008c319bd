"""Pure parsers of issue 16: DMARC aggregate and TLS reports, bounces, the classifier on the labelled set."""

from __future__ import annotations

import collections
import datetime as dt
import gzip
import io
import random
import zipfile

import pytest

from mailkit.deliverability import ReportError, classify, parse_aggregate, parse_bounce, parse_tlsrpt, recognise
from mailkit.deliverability.recognise import recognise_file
from mailkit.sandbox.bounces import labelled_bounces
from mailkit.sandbox.reports import aggregate_report, pack, report_mail, reports_mailbox, tls_report

DAY = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)

VARIANT = b"""<?xml version="1.0"?>
<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">
 <report_metadata><org_name> Mail.example </org_name><report_id>r-1</report_id>
  <error>record at index 3 dropped</error></report_metadata>
 <policy_published><domain>Kunde.Example</domain><p>quarantine</p></policy_published>
 <record><row><source_ip>2001:db8::25</source_ip><count>7</count>
   <policy_evaluated><disposition>none</disposition><dkim>fail</dkim><spf>FAIL</spf>
    <reason><type>forwarded</type></reason><reason><type>local_policy</type><comment>arc=pass</comment></reason>
   </policy_evaluated></row>
  <identifiers><header_from>kunde.example</header_from></identifiers>
  <auth_results><dkim><domain>kunde.example</domain><selector>a</selector><result>fail</result></dkim>
   <dkim><domain>list.example</domain><result>pass</result></dkim><spf><domain>list.example</domain>
   <result>pass</result></spf></auth_results></record>
 <record><row><source_ip>192.0.2.1</source_ip><count>3</count></row></record>
</feedback>"""


def test_schema_variants_namespace_reasons_several_auth_results_missing_optionals():
    report = parse_aggregate(VARIANT)
    assert (report.org_name, report.report_id, report.policy.domain, report.policy.p) == (
        "Mail.example",
        "r-1",
        "kunde.example",
        "quarantine",
    )
    assert report.policy.adkim == "r" and report.policy.pct is None and report.begin is None
    first, second = report.records
    assert first.spf == "fail" and not first.passed
    assert first.reasons == (("forwarded", None), ("local_policy", "arc=pass"))
    assert [(a.method, a.domain, a.result) for a in first.auth_results] == [
        ("dkim", "kunde.example", "fail"),
        ("dkim", "list.example", "pass"),
        ("spf", "list.example", "pass"),
    ]
    assert second.count == 3 and second.disposition is None and second.auth_results == ()
    assert report.errors == ("record at index 3 dropped",) and report.messages == 10


def test_xml_gz_and_zip_give_the_same_rows():
    name, xml = aggregate_report(random.Random(1), "kunde.example", DAY, reporter=0)
    parsed = [parse_aggregate(pack(name, xml, packing)[1], name) for packing in ("xml", "gz", "zip")]
    assert parsed[0] == parsed[1] == parsed[2]
    assert len(parsed[0].records) >= 7


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"<feedback><report_metadata><org_name>x</org_name>", "invalid XML"),
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
            b"<feedback>&lol2;</feedback>",
            "DTD",
        ),
        (b"<html><body>hello</body></html>", "not <feedback>"),
        (b"<feedback><report_metadata><org_name>x</org_name></report_metadata></feedback>", "wrong schema"),
        (
            b"<feedback><report_metadata><org_name>x</org_name><report_id>1</report_id></report_metadata>"
            b"<policy_published><domain>d.example</domain></policy_published><record><row><count>1</count></row>"
            b"</record></feedback>",
            "source_ip",
        ),
        (gzip.compress(b"<feedback>")[:-6], "truncated"),
    ],
)
def test_bad_reports_say_what_is_wrong(data, words):
    with pytest.raises(ReportError, match=words):
        parse_aggregate(data, "r.xml")


def test_zip_bomb_and_gzip_bomb_are_refused_without_unpacking_them_whole():
    zeros = b"\0" * (24 * 1024 * 1024)
    with pytest.raises(ReportError, match="zip bomb"):
        parse_aggregate(gzip.compress(zeros, compresslevel=9), "bomb.xml.gz")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.xml", zeros)
    with pytest.raises(ReportError, match="zip bomb"):
        parse_aggregate(buffer.getvalue(), "bomb.zip")


def test_tls_report_and_its_failures():
    name, data, report_id = tls_report(random.Random(3), "kunde.example", DAY)
    report = parse_tlsrpt(data, name)
    assert report.report_id == report_id and report.begin == DAY
    policy = report.policies[0]
    assert policy.policy_domain == "kunde.example" and policy.mx_hosts == ("mx1.kunde.example", "mx2.kunde.example")
    assert policy.failed == sum(f.count for f in policy.failures)
    with pytest.raises(ReportError, match="invalid JSON"):
        parse_tlsrpt(b"{not json", "t.json")
    with pytest.raises(ReportError, match="policies"):
        parse_tlsrpt(b"[]", "t.json")


def test_recognise_report_mails_and_files():
    mails = reports_mailbox("kunde.example", "dmarc@kunde.example", days=2)
    kinds = collections.Counter(recognise(m).kind for m in mails)
    assert kinds == {"dmarc": 7, "tlsrpt": 4}
    name, xml = aggregate_report(random.Random(2), "kunde.example", DAY, reporter=2)
    assert recognise_file(pack(name, xml, "zip")[1], name + ".zip").kind == "dmarc"
    ordinary = b"From: a@b.example\r\nTo: c@d.example\r\nSubject: Hallo\r\n\r\nnur Text\r\n"
    assert recognise(ordinary) is None


def test_a_mail_announcing_a_report_with_a_broken_attachment_is_an_error():
    name, xml = aggregate_report(random.Random(2), "kunde.example", DAY)
    filename, data, mime_type = pack(name, xml, "gz")
    mail = report_mail(
        filename,
        data[:200],
        mime_type,
        org="google.com",
        contact="noreply@google.com",
        to="dmarc@kunde.example",
        domain="kunde.example",
        report_id="42",
        when=DAY,
    )
    with pytest.raises(ReportError, match="truncated"):
        recognise(mail)
    zipped = report_mail(
        "report.zip",
        b"PK\x03\x04" + bytes(100),
        "application/zip",
        org="x",
        contact="x@y.example",
        to="dmarc@kunde.example",
        domain="kunde.example",
        report_id="43",
        when=DAY,
    )
    with pytest.raises(ReportError, match="zip"):
        recognise(zipped)


def test_classify_prefers_specific_codes_and_reads_words_for_generic_ones():
    assert classify("5.0.0", "550 5.0.0 <x@y.example>... User unknown").reason == "unknown_user"
    assert (
        classify(
            "5.7.1", "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org"
        ).reason
        == "spam_blocklist"
    )
    assert classify("5.7.1", "554 5.7.1 <x@y.example>: Relay access denied").reason == "relay_denied"
    assert classify("5.7.26", "550 5.7.26 Unauthenticated email is not accepted").reason == "auth_failure"
    assert classify("5.4.4", "Host or domain name not found").kind == "hard"
    assert classify(None, "", action="delayed").kind == "soft"


def test_labelled_bounce_set_accuracy():
    """≥300 bounces of six MTAs: ≥95 % right on hard/soft, ≥90 % on the reason (the note has the table)."""
    items = labelled_bounces(360, seed=16)
    assert len(items) >= 300 and {b.mta for b in items} == {"postfix", "exim", "exchange", "gmail", "qmail", "sendmail"}
    kind_ok = reason_ok = linked = 0
    for item in items:
        bounce = parse_bounce(item.data)
        assert bounce is not None, item.data[:400]
        found = {r.address: r for r in bounce.recipients}
        assert item.recipient in found
        kind_ok += found[item.recipient].kind == item.kind
        reason_ok += found[item.recipient].reason == item.reason
        linked += bounce.original_message_id == item.original_message_id
    assert kind_ok / len(items) >= 0.95
    assert reason_ok / len(items) >= 0.90
    assert linked == len(items)


def test_real_world_exim_bounce_two_recipients():
    """Layout of an Exim 4 bounce as published in Sisimai's test set (addresses changed)."""
    raw = (
        b"Return-Path: <>\nDate: Thu, 10 Jul 2014 16:31:43 +0900\nMessage-Id: <E1X58pT-0004bZ-Co@mx.example.org>\n"
        b"X-Failed-Recipients: kijitora@example.jp,\n  sabatora@example.jp\nAuto-Submitted: auto-replied\n"
        b"From: Mail Delivery System <Mailer-Daemon@mx.example.org>\nTo: shironeko@example.jp\n"
        b"Subject: Mail delivery failed: returning message to sender\n\n"
        b"This message was created automatically by mail delivery software.\n\n"
        b"A message that you sent could not be delivered to one or more of its\nrecipients. This is a permanent "
        b"error. The following address(es) failed:\n\n  kijitora@example.jp\n    SMTP error from remote mail server "
        b"after RCPT TO:<kijitora@example.jp>:\n    host mx.example.jp [192.0.2.153]: 550 5.1.1 <kijitora@example.jp>"
        b"... User Unknown\n  sabatora@example.jp\n    SMTP error from remote mail server after RCPT TO:"
        b"<sabatora@example.jp>:\n    host mx.example.jp [192.0.2.153]: 550 5.2.1 <sabatora@example.jp>... User "
        b"Unknown\n\n------ This is a copy of the message, including all the headers. ------\n\n"
        b"Return-path: <shironeko@example.jp>\nDate: Thu, 10 Jul 2014 16:31:36 +0900\n"
        b"Message-Id: <E1X58pB-0004bW-2s@mx.example.org>\nSubject: test from Exim 1\n"
        b"From: shironeko@example.jp\n\ntest\n"
    )
    bounce = parse_bounce(raw)
    assert bounce.mta == "exim" and bounce.original_message_id == "<E1X58pB-0004bW-2s@mx.example.org>"
    assert [(r.address, r.kind, r.reason) for r in bounce.recipients] == [
        ("kijitora@example.jp", "hard", "unknown_user"),
        ("sabatora@example.jp", "hard", "unknown_user"),
    ]
