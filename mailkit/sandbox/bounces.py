"""A labelled, seeded set of bounce messages in the formats six MTAs document and send.

Each message is what one MTA (Postfix, Exim, Exchange/Office 365, Gmail, qmail, Sendmail)
writes when a recipient server answered with one of the replies below — replies as the big
receivers word them (Gmail's ``550-5.1.1 The email account that you tried to reach does not
exist``, Microsoft's ``RESOLVER.ADR.RecipientNotFound``, Yahoo's ``dd This user doesn't have a
yahoo.com account``, Spamhaus listings, greylisting) — or that the MTA itself decided (qmail's
``Sorry, no mailbox here by that name. (#5.1.1)``, Postfix's ``Host or domain name not found``).
The label is the scenario's, fixed before any text is written: ``kind`` (hard: a permanent
failure for the address; soft: temporary, or a full mailbox) and ``reason`` (the taxonomy of
:mod:`mailkit.deliverability.classify`). Layouts vary the way real bounces do: DSN or prose,
the diagnostic with or without an enhanced code, multi-line replies, the original attached,
its headers only, or quoted inline.
"""

from __future__ import annotations

__all__ = ["REPLIES", "LabelledBounce", "labelled_bounces"]

import datetime as dt
import email.utils
import random
from dataclasses import dataclass

_HARD, _SOFT = "hard", "soft"

#: (reason, kind, reply) — {rcpt}, {domain} and {ip} are filled in per message
REPLIES: tuple[tuple[str, str, str], ...] = (
    ("unknown_user", _HARD, "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in virtual mailbox table"),
    (
        "unknown_user",
        _HARD,
        "550-5.1.1 The email account that you tried to reach does not exist. Please try\n"
        "550-5.1.1 double-checking the recipient's email address for typos or\n"
        "550 5.1.1 unnecessary spaces. For more information, go to\n"
        "550 5.1.1  https://support.google.com/mail/?p=NoSuchUser a1si123456wmb.12 - gsmtp",
    ),
    ("unknown_user", _HARD, "550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302)"),
    (
        "unknown_user",
        _HARD,
        "554 delivery error: dd This user doesn't have a yahoo.com account ({rcpt}) [0] - mta1234.mail.gq1.yahoo.com",
    ),
    ("unknown_user", _HARD, "550 No Such User Here"),
    ("unknown_user", _HARD, "511 sorry, no mailbox here by that name (#5.1.1 - chkuser)"),
    ("unknown_user", _HARD, "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup"),
    ("unknown_user", _HARD, "550 5.2.1 The email account that you tried to reach is disabled. a2si9wmb - gsmtp"),
    ("unknown_user", _HARD, "550 Requested action not taken: mailbox unavailable"),
    ("unknown_user", _HARD, "550 <{rcpt}>... User unknown"),
    ("unknown_user", _HARD, "550 5.1.1 <{rcpt}>... Addressee unknown, relay=[{ip}]"),
    ("unknown_user", _HARD, "550 5.4.1 Recipient address rejected: Access denied. AS(201806281)"),
    ("unknown_user", _HARD, "550 Invalid recipient <{rcpt}>"),
    ("unknown_user", _HARD, "550 5.1.1 Mailbox does not exist"),
    (
        "mailbox_full",
        _SOFT,
        "552-5.2.2 The email account that you tried to reach is over quota. Please direct\n"
        "552 5.2.2 the recipient to  https://support.google.com/mail/?p=OverQuotaPerm b3si4wmb.7 - gsmtp",
    ),
    ("mailbox_full", _SOFT, "452-4.2.2 The email account that you tried to reach is over quota. - gsmtp"),
    ("mailbox_full", _SOFT, "552 5.2.2 <{rcpt}>: Recipient address rejected: Mailbox full"),
    (
        "mailbox_full",
        _SOFT,
        "554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException.MapiExceptionShutoffQuotaExceeded",
    ),
    ("mailbox_full", _SOFT, "452 4.2.2 Mailbox is full / Blocks limit exceeded / Inode limit exceeded"),
    ("mailbox_full", _SOFT, "550 Mailbox quota exceeded"),
    ("mailbox_full", _SOFT, "552 Requested mail action aborted: exceeded storage allocation"),
    ("mailbox_full", _SOFT, "522 sorry, recipient mailbox is full (#5.2.2)"),
    ("mailbox_full", _SOFT, "452 4.2.2 <{rcpt}>: user is over quota"),
    ("message_too_large", _HARD, "552 5.3.4 Message size exceeds fixed maximum message size"),
    (
        "message_too_large",
        _HARD,
        "552-5.2.3 Your message exceeded Google's message size limits. Please visit\n"
        "552 5.2.3  https://support.google.com/mail/?p=MaxSizeError to view our size guidelines. - gsmtp",
    ),
    ("message_too_large", _HARD, "550 5.2.3 RESOLVER.RST.RecipSizeLimit; message too large for this recipient"),
    ("message_too_large", _HARD, "552 Message size exceeds maximum permitted"),
    ("message_too_large", _HARD, "554 5.3.4 Message too big for system"),
    ("message_too_large", _HARD, "552 5.2.3 Message exceeds maximum fixed size (10485760)"),
    (
        "spam_blocklist",
        _HARD,
        "554 5.7.1 Service unavailable; Client host [{ip}] blocked using zen.spamhaus.org; "
        "https://www.spamhaus.org/query/ip/{ip}",
    ),
    (
        "spam_blocklist",
        _HARD,
        "550-5.7.1 [{ip}] Our system has detected that this message is likely unsolicited\n"
        "550-5.7.1 mail. To reduce the amount of spam sent to Gmail, this message has been\n"
        "550 5.7.1 blocked. https://support.google.com/mail/?p=UnsolicitedMessageError - gsmtp",
    ),
    (
        "spam_blocklist",
        _HARD,
        "550 5.7.606 Access denied, banned sending IP [{ip}]. To request removal from this list please visit "
        "https://sender.office.com/ and follow the directions.",
    ),
    (
        "spam_blocklist",
        _HARD,
        "553 5.7.1 [BL21] Connections will not be accepted from {ip}, because the ip is in "
        "Spamhaus's list; see https://postmaster.yahooinc.com/error-codes",
    ),
    ("spam_blocklist", _HARD, "550 High probability of spam"),
    ("spam_blocklist", _HARD, "554 5.7.1 The message was rejected because it contains a virus"),
    (
        "spam_blocklist",
        _HARD,
        "554 Your access to this mail system has been rejected due to the sending MTA's poor reputation.",
    ),
    (
        "auth_failure",
        _HARD,
        "550-5.7.26 This mail is unauthenticated, which poses a security risk to the\n"
        "550-5.7.26 sender and Gmail users, and has been blocked. The sender must\n"
        "550-5.7.26 authenticate with at least one of SPF or DKIM. For this message,\n"
        "550 5.7.26 DKIM checks did not pass and SPF check for [{domain}] did not pass - gsmtp",
    ),
    (
        "auth_failure",
        _HARD,
        "550-5.7.26 Unauthenticated email from {domain} is not accepted due to domain's\n"
        "550 5.7.26 DMARC policy. Please contact the administrator of {domain} domain - gsmtp",
    ),
    ("auth_failure", _HARD, "550 5.7.23 The message was rejected because of Sender Policy Framework violation"),
    (
        "auth_failure",
        _HARD,
        "550 5.7.509 Access denied, sending domain [{domain}] does not pass DMARC verification and has a DMARC "
        "policy of reject.",
    ),
    ("auth_failure", _HARD, "550 5.7.1 Email rejected per DMARC policy for {domain}"),
    ("auth_failure", _HARD, "550 SPF check failed: {ip} is not allowed to send mail from {domain}"),
    ("auth_failure", _HARD, "550 5.7.20 No passing DKIM signatures found."),
    ("policy", _HARD, "553 5.7.1 <{rcpt}>: Sender address rejected: not owned by user"),
    ("policy", _HARD, "550 5.7.1 Delivery not authorized, message refused"),
    ("policy", _HARD, "550 Administrative prohibition"),
    (
        "policy",
        _HARD,
        "550 5.7.1 <{rcpt}>: Recipient address rejected: this address only accepts mail from internal senders",
    ),
    ("policy", _HARD, "554 5.7.1 <{rcpt}>: Recipient address rejected: Not allowed to receive external mail"),
    ("relay_denied", _HARD, "554 5.7.1 <{rcpt}>: Relay access denied"),
    ("relay_denied", _HARD, "550 5.7.1 Unable to relay"),
    ("relay_denied", _HARD, "550 relay not permitted"),
    ("relay_denied", _HARD, "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)"),
    ("relay_denied", _HARD, "550 5.7.64 TenantAttribution; Relay Access Denied [AM0EUR02FT012.eop-EUR02.prod]"),
    ("relay_denied", _HARD, "550 5.7.1 <{rcpt}>... Relaying denied"),
    (
        "temporary",
        _SOFT,
        "450 4.2.0 <{rcpt}>: Recipient address rejected: Greylisted, see "
        "http://postgrey.schweikert.ch/help/{domain}.html",
    ),
    ("temporary", _SOFT, "451 4.7.1 Please try again later"),
    (
        "temporary",
        _SOFT,
        "421-4.7.0 Try again later, closing connection. (EHLO)\n421 4.7.0 For more information, go "
        "to https://support.google.com/mail/answer/7720 - gsmtp",
    ),
    ("temporary", _SOFT, "451 Temporary local problem - please try later"),
    ("temporary", _SOFT, "452 4.5.3 Too many recipients"),
    ("temporary", _SOFT, "421 4.3.2 Service not available, closing transmission channel"),
    ("temporary", _SOFT, "451 4.3.0 Mail server temporarily rejected message."),
    ("other", _HARD, "554 5.3.0 Other or undefined mail system status"),
    ("other", _HARD, "550 Internal error while processing the message"),
)

#: what the sending MTA decides itself, without a remote reply: (reason, kind, {mta: text})
_LOCAL = (
    (
        "dns",
        _HARD,
        {
            "postfix": "Host or domain name not found. Name service error for name={domain} type=A: Host not found",
            "exim": "Unrouteable address",
            "exchange": "554 5.4.4 SMTPSEND.DNS.NonExistentDomain; nonexistent domain",
            "gmail": "DNS Error: DNS type 'mx' lookup of {domain} responded with code NXDOMAIN\n"
            "Domain name not found: {domain}",
            "qmail": "Sorry, I couldn't find any host named {domain}. (#5.1.2)",
            "sendmail": "550 5.1.2 <{rcpt}>... Host unknown (Name server: {domain}: host not found)",
        },
    ),
    (
        "unknown_user",
        _HARD,
        {
            "postfix": 'unknown user: "{local}"',
            "exim": "Unknown user",
            "exchange": "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found",
            "gmail": "550 5.1.1 The email account that you tried to reach does not exist.",
            "qmail": "Sorry, no mailbox here by that name. (#5.1.1)",
            "sendmail": "550 5.1.1 <{rcpt}>... User unknown",
        },
    ),
    (
        "mailbox_full",
        _SOFT,
        {
            "postfix": "cannot update mailbox /var/mail/{local} for user {local}. error writing message: "
            "Disk quota exceeded",
            "exim": "mailbox is full: retry timeout exceeded",
            "exchange": "554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException",
            "gmail": "552 5.2.2 The email account that you tried to reach is over quota.",
            "qmail": "The users mailfolder is over the allowed quota (size). (#5.2.2)",
            "sendmail": "552 5.2.2 <{rcpt}>... Mailbox full",
        },
    ),
    (
        "temporary",
        _SOFT,
        {
            "postfix": "connect to mx.{domain}[{ip}]:25: Connection timed out",
            "exim": "retry timeout exceeded",
            "exchange": "451 4.4.7 Message expired, connection timed out",
            "gmail": "The recipient server did not accept our requests to connect. [mx.{domain}. {ip}: timed out]",
            "qmail": "I'm not going to try again; this message has been in the queue too long.",
            "sendmail": "Deferred: Connection timed out with mx.{domain}.",
        },
    ),
)

_MTAS = ("postfix", "exim", "exchange", "gmail", "qmail", "sendmail")
_DOMAINS = ("example.com", "example.net", "kunde.example", "firma-gmbh.example", "shop.example.org", "mail.example")
_LOCALS = ("anna.schmidt", "j.meier", "info", "rechnung", "bestellung", "kontakt", "m.mueller", "support", "o.k")


@dataclass(frozen=True)
class LabelledBounce:
    mta: str
    kind: str
    reason: str
    recipient: str
    original_message_id: str
    data: bytes


def _status(reply: str) -> str | None:
    import re

    found = re.search(r"\b([245]\.\d{1,3}\.\d{1,3})\b", reply)
    return found.group(1) if found else None


def _default_status(kind: str, reason: str, reply: str, local: bool) -> str:
    """The DSN's Status: the reply's enhanced code; without one, X.0.0 from the reply code (as Postfix and
    Sendmail do) — only a failure the MTA decided itself gets a specific code."""
    if status := _status(reply):
        return status
    code = reply[:1] if reply[:1] in "45" else ("4" if kind == _SOFT and reason == "temporary" else "5")
    detail = {"unknown_user": "1.1", "mailbox_full": "2.2", "dns": "4.4", "temporary": "4.1"}
    return f"{code}.{detail.get(reason, '0.0')}" if local else f"{code}.0.0"


def _original(rng: random.Random, sender: str, rcpt: str, when: dt.datetime) -> tuple[str, str]:
    msgid = f"<{rng.getrandbits(64):016x}.{rng.randrange(10**6)}@mailkit.example>"
    subject = rng.choice(("Rechnung 2026-0412", "Angebot 1187", "Ihre Bestellung", "Re: Termin", "Lieferschein 77"))
    headers = (
        f"Return-Path: <{sender}>\nMessage-ID: {msgid}\nDate: {email.utils.format_datetime(when)}\n"
        f"From: Firma <{sender}>\nTo: <{rcpt}>\nSubject: {subject}\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\n"
    )
    return msgid, headers


def _mime(headers: str, parts: list[tuple[str, str]], report: bool, rng: random.Random) -> str:
    boundary = f"=_{rng.getrandbits(48):012x}"
    ctype = (
        f'multipart/report; report-type=delivery-status; boundary="{boundary}"'
        if report
        else f'multipart/mixed; boundary="{boundary}"'
    )
    body = "".join(f"--{boundary}\nContent-Type: {t}\n\n{content.rstrip()}\n\n" for t, content in parts)
    preamble = "This is a MIME-encapsulated message."
    return f"{headers}MIME-Version: 1.0\nContent-Type: {ctype}\n\n{preamble}\n\n{body}--{boundary}--\n"


def _render(mta: str, rng: random.Random, fields: dict, reply: str, local: bool, delayed: bool) -> str:
    rcpt, domain, ip, host, when = fields["rcpt"], fields["domain"], fields["ip"], fields["host"], fields["when"]
    sender, original = fields["sender"], fields["original"]
    date = email.utils.format_datetime(when + dt.timedelta(minutes=rng.randrange(1, 300)))
    status = fields["status"]
    one_line = " ".join(line.strip() for line in reply.splitlines())
    dsn_block = (
        f"Reporting-MTA: dns; {host}\nArrival-Date: {email.utils.format_datetime(when)}\n\n"
        f"Final-Recipient: rfc822; {rcpt}\nOriginal-Recipient: rfc822;{rcpt}\n"
        f"Action: {'delayed' if delayed else 'failed'}\nStatus: {status}\n"
        + ("" if local and mta in ("postfix",) else f"Remote-MTA: dns; mx.{domain}\n")
        + f"Diagnostic-Code: {'X-Postfix' if local and mta == 'postfix' else 'smtp'}; {one_line}\n"
    )
    top = f"Date: {date}\nMessage-ID: <{rng.getrandbits(40):010x}@{host}>\nTo: {sender}\n"
    attach = rng.choice(("message/rfc822", "text/rfc822-headers"))
    original_part = (attach, original + ("\nHallo,\nanbei die Unterlagen.\n" if attach == "message/rfc822" else ""))
    if mta == "postfix":
        said = one_line if local else f"host mx.{domain}[{ip}] said: {one_line} (in reply to RCPT TO command)"
        intro = (
            "This is the mail system at host {host}.\n\n"
            + (
                "####################################################################\n"
                "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n"
                "####################################################################\n\n"
                "Your message could not be delivered for more than 3 hour(s).\nIt will be retried until it is 5 "
                "day(s) old.\n"
                if delayed
                else "I'm sorry to have to inform you that your message could not\nbe delivered to one or more "
                "recipients. It's attached below.\n"
            )
            + "\nFor further assistance, please send mail to postmaster.\n\nIf you do so, please include this problem "
            "report. You can\ndelete your own text from the attached returned message.\n\n"
            "                   The mail system\n\n<{rcpt}>: {said}\n"
        ).format(host=host, rcpt=rcpt, said=said)
        subject = "Delayed Mail (still being retried)" if delayed else "Undelivered Mail Returned to Sender"
        headers = f"From: MAILER-DAEMON@{host} (Mail Delivery System)\nSubject: {subject}\n{top}"
        if rng.random() < 0.75:
            return _mime(
                headers,
                [("text/plain; charset=us-ascii", intro), ("message/delivery-status", dsn_block), original_part],
                True,
                rng,
            )
        return f"{headers}\n{intro}\n--- Below this line is a copy of the message.\n\n{original}\n"
    if mta == "exim":
        if local:
            words = f"  {rcpt}\n    {reply}"
        else:
            step = rng.choice(("RCPT TO:<" + rcpt + ">", "end of data", "MAIL FROM:<" + sender + ">"))
            words = (
                f"  {rcpt}\n    host mx.{domain} [{ip}]\n    SMTP error from remote mail server after {step}:\n    "
                + (reply.replace("\n", "\n    "))
            )
        if delayed:
            subject = f"Warning: message 1u{rng.getrandbits(20):05x}-000ABC-1x delayed 24 hours"
            body = (
                "This message was created automatically by mail delivery software.\n"
                "A message that you sent has not yet been delivered to one or more of its\n"
                f"recipients after more than 24 hours on the queue on {host}.\n\n"
                f"The message identifier is:     1u{rng.getrandbits(20):05x}-000ABC-1x\n\n"
                "The address to which the message has not yet been delivered is:\n\n"
                f"{words.replace('SMTP error', 'Delay reason: SMTP error')}\n\n"
                "No action is required on your part. Delivery attempts will continue for\nsome time, and this warning "
                "may be repeated at intervals if the message\nremains undelivered. Eventually the mail delivery "
                "software will give up,\nand when that happens, the message will be returned to you.\n"
            )
        else:
            subject = "Mail delivery failed: returning message to sender"
            body = (
                "This message was created automatically by mail delivery software.\n\n"
                "A message that you sent could not be delivered to one or more of its\nrecipients. This is a "
                f"permanent error. The following address(es) failed:\n\n{words}\n"
            )
        headers = (
            f"From: Mail Delivery System <Mailer-Daemon@{host}>\nSubject: {subject}\n{top}"
            f"X-Failed-Recipients: {rcpt}\nAuto-Submitted: auto-replied\n"
        )
        copy = "------ This is a copy of the message, including all the headers. ------"
        return f"{headers}\n{body}\n{copy}\n\n{original}\n"
    if mta == "exchange":
        if rng.random() < 0.6:  # Office 365 / Exchange 2013+: a DSN with a readable explanation
            summary = {
                "unknown_user": "The email address you entered couldn't be found.",
                "mailbox_full": "The recipient's mailbox is full and can't accept messages now.",
                "message_too_large": "The message is too big to be delivered.",
            }.get(fields["reason"], "The recipient's email system rejected the message.")
            text = (
                f"Your message to {rcpt} couldn't be delivered.\n\n{summary}\n\n{fields['local_part']}\n"
                f"Office 365\n{domain}\nAction Required\n\n"
                "How to Fix It\nPlease check the recipient's address and try again.\n\n"
                f"Diagnostic information for administrators:\n\nGenerating server: {host}\n\n{rcpt}\n"
                + (f"{one_line}\n" if local else f"Remote server returned '{one_line}'\n")
                + f"\nOriginal message headers:\n\n{original}"
            )
            return _mime(
                f"From: Microsoft Outlook <postmaster@{host}>\nSubject: Undeliverable: {fields['subject']}\n{top}",
                [("text/plain; charset=utf-8", text), ("message/delivery-status", dsn_block), original_part],
                True,
                rng,
            )
        code = status
        text = (
            "Your message did not reach some or all of the intended recipients.\n\n"
            f"      Subject:\t{fields['subject']}\n      Sent:\t{date}\n\n"
            "The following recipient(s) cannot be reached:\n\n"
            f"      {rcpt} on {date}\n"
            f"            {'' if local else 'There was a SMTP communication problem with the recipient server.'}"
            f"\n            {one_line if local else 'The server returned: ' + one_line}\n"
            f"            <{host} #{code}>\n"
        )
        return _mime(
            f"From: System Administrator <postmaster@{host}>\nSubject: Undeliverable: {fields['subject']}\n{top}",
            [("text/plain; charset=us-ascii", text), ("message/rfc822", original)],
            False,
            rng,
        )
    if mta == "gmail":
        heading = {
            "unknown_user": "** Address not found **",
            "dns": "** Address not found **",
            "spam_blocklist": "** Message blocked **",
            "auth_failure": "** Message blocked **",
        }.get(fields["reason"], "** Message not delivered **")
        if delayed:
            text = (
                "** Delivery incomplete **\n\nThere was a temporary problem delivering your message to "
                f"{rcpt}. Gmail will retry for 46 more hours. You'll be notified if the delivery fails "
                f"permanently.\n\nThe response was:\n\n{reply}\n"
            )
        elif rng.random() < 0.7:
            text = (
                f"{heading}\n\nYour message wasn't delivered to {rcpt} because the remote server said it can't "
                "accept it.\n\nLearn more here: https://support.google.com/mail/answer/6596\n\n"
                f"The response from the remote server was:\n{reply}\n"
            )
        else:
            return (
                f"From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\nSubject: Delivery Status "
                f"Notification (Failure)\n{top}\n"
                f"Delivery to the following recipient failed permanently:\n\n     {rcpt}\n\n"
                f"Technical details of permanent failure:\nGoogle tried to deliver your message, but it was "
                f"rejected by the server for the recipient domain {domain} by mx.{domain}. [{ip}].\n\n"
                f"The error that the other server returned was:\n{reply}\n\n"
                f"----- Original message -----\n\n{original}\n"
            )
        subject = "Delivery Status Notification (Delay)" if delayed else "Delivery Status Notification (Failure)"
        return _mime(
            f"From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\nSubject: {subject}\n{top}",
            [("text/plain; charset=UTF-8", text), ("message/delivery-status", dsn_block), original_part],
            True,
            rng,
        )
    if mta == "qmail":
        if local:
            words = f"<{rcpt}>:\n{reply}"
        else:
            words = f"<{rcpt}>:\n{ip} does not like recipient.\nRemote host said: {one_line}\nGiving up on {ip}."
        return (
            f"From: MAILER-DAEMON@{host}\nSubject: failure notice\n{top}\n"
            f"Hi. This is the qmail-send program at {host}.\n"
            "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
            "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
            f"{words}\n\n--- Below this line is a copy of the message.\n\n{original}\n"
        )
    # sendmail
    if delayed:
        text = (
            f"    **********************************************\n    **      THIS IS A WARNING MESSAGE ONLY      **\n"
            "    **  YOU DO NOT NEED TO RESEND YOUR MESSAGE  **\n    **********************************************\n\n"
            f"The original message was received at {email.utils.format_datetime(when)}\nfrom localhost [127.0.0.1]\n\n"
            f"   ----- Transcript of session follows -----\n<{rcpt}>... {reply if local else 'Deferred: ' + one_line}\n"
            "Warning: message still undelivered after 4 hours\nWill keep trying until message is 5 days old\n"
        )
        subject = "Warning: could not send message for past 4 hours"
    else:
        transcript = (
            f"... while talking to mx.{domain}.:\n>>> RCPT To:<{rcpt}>\n<<< {reply}\n{one_line[:3]} {status} "
            f"<{rcpt}>... {'User unknown' if fields['reason'] == 'unknown_user' else 'Service unavailable'}\n"
            if not local
            else f"{reply}\n"
        )
        text = (
            f"The original message was received at {email.utils.format_datetime(when)}\nfrom localhost [127.0.0.1]\n\n"
            f"   ----- The following addresses had permanent fatal errors -----\n<{rcpt}>\n"
            f"    (reason: {one_line})\n\n   ----- Transcript of session follows -----\n{transcript}"
        )
        subject = "Returned mail: see transcript for details"
    headers = f"From: Mail Delivery Subsystem <MAILER-DAEMON@{host}>\nSubject: {subject}\n{top}"
    if rng.random() < 0.7:
        return _mime(
            headers,
            [("text/plain", text), ("message/delivery-status", dsn_block), original_part],
            True,
            rng,
        )
    return f"{headers}\n{text}\n   ----- Original message follows -----\n\n{original}\n"


def labelled_bounces(count: int = 360, *, seed: int = 16, sender: str = "rechnung@mailkit.example"):
    """``count`` labelled bounces, the same for the same seed: every MTA, every reason, in turn."""
    rng = random.Random(seed)
    scenarios = [(r, k, reply, False) for r, k, reply in REPLIES] + [(r, k, texts, True) for r, k, texts in _LOCAL]
    start = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
    out = []
    for index in range(count):
        mta = _MTAS[index % len(_MTAS)]
        reason, kind, template, local = scenarios[(index // len(_MTAS) * 7 + index) % len(scenarios)]
        template = template[mta] if local else template
        domain, local_part = rng.choice(_DOMAINS), rng.choice(_LOCALS)
        rcpt = f"{local_part}@{domain}"
        ip = f"192.0.2.{rng.randrange(1, 255)}"
        reply = template.format(rcpt=rcpt, domain=domain, ip=ip, local=local_part)
        # a 4xx reply turns into a "delayed" warning where the MTA sends one (qmail never does)
        delayed = kind == _SOFT and reply[:1] == "4" and mta != "qmail" and rng.random() < 0.6
        when = start + dt.timedelta(hours=index)
        msgid, original = _original(rng, sender, rcpt, when)
        subject = original.split("Subject: ", 1)[1].split("\n", 1)[0]
        fields = {
            "rcpt": rcpt,
            "domain": domain,
            "ip": ip,
            "host": rng.choice(("mail.mailkit.example", "mx1.mailkit.example", "smtp.mailkit.example")),
            "when": when,
            "sender": sender,
            "original": original,
            "status": _default_status(kind, reason, reply, local),
            "reason": reason,
            "subject": subject,
            "local_part": local_part,
        }
        text = _render(mta, rng, fields, reply, local, delayed)
        out.append(LabelledBounce(mta, kind, reason, rcpt, msgid, text.replace("\n", "\r\n").encode("utf-8")))
    return out
