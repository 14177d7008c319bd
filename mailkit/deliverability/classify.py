"""Bounce classification: hard or soft, and why — from the enhanced status code and the server's text.

The reason taxonomy follows what a sender can act on. The RFC 3463 enhanced status code decides
where it is specific (``5.1.1`` is an unknown user wherever it comes from); the server's own
words decide where the code is generic (``5.0.0``, ``5.5.0``, ``4.4.0``) or missing, and where a
specific code is known to be used loosely (many servers answer a blocklist hit with ``5.7.1``).

*Hard* means: sending to this address again will fail the same way (a permanent failure).
*Soft* means: it may work later — every temporary failure (class 4, ``Action: delayed``), and a
full mailbox even when the server calls it permanent (RFC 3463 notes X.2.2 is usually transient).

>>> classify("5.1.1", "550 5.1.1 <jo@example.test>: Recipient address rejected: User unknown")
Classification(kind='hard', reason='unknown_user')
>>> classify(None, "552 Requested mail action aborted: exceeded storage allocation")
Classification(kind='soft', reason='mailbox_full')
>>> classify("4.7.1", "450 4.7.1 Greylisted, see https://postgrey.schweikert.ch/help/example.test")
Classification(kind='soft', reason='temporary')
"""

from __future__ import annotations

__all__ = ["REASONS", "Classification", "classify", "status_from_text"]

import re
from dataclasses import dataclass

#: the reason taxonomy, in the order the analysis shows it
REASONS = (
    "unknown_user",
    "mailbox_full",
    "message_too_large",
    "spam_blocklist",
    "auth_failure",  # SPF, DKIM or DMARC
    "policy",
    "dns",
    "relay_denied",
    "temporary",
    "other",
)

_STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
_REPLY = re.compile(r"(?<!\d)([245])[0-9]{2}(?:[ -]|$)")


@dataclass(frozen=True)
class Classification:
    kind: str  # hard | soft
    reason: str  # one of REASONS


# Text patterns, checked in this order: the first that matches names the reason. Authentication
# before spam (a DMARC rejection often says "spam" too), spam before policy, quota before size
# ("exceeds ... quota" is a full mailbox, "exceeds ... size" a large message).
_TEXT_RULES: tuple[tuple[str, re.Pattern], ...] = tuple(
    (reason, re.compile(pattern, re.IGNORECASE))
    for reason, pattern in (
        (
            "auth_failure",
            r"\bdmarc\b|\bspf\b|sender policy framework|\bdkim\b|unauthenticated|not authenticated|"
            r"authentication (?:check|fail|required)|5\.7\.2[3-9]\b|5\.7\.509|does not pass .*verification",
        ),
        (
            "relay_denied",
            r"relay(?:ing)? (?:access )?(?:denied|not permitted|prohibited|not allowed)|unable to relay|"
            r"not permitted to relay|we do not relay|no relaying|relay not allowed|not our customer|allowed rcpthosts|"
            r"5\.7\.64|tenantattribution",
        ),
        (
            "unknown_user",
            r"user(?:name)? (?:is )?unknown|unknown (?:user|recipient|local[- ]part|mailbox|address)|"
            r"no such (?:user|mailbox|recipient|address|account)|"
            r"(?:mailbox|account|address|recipient|user)(?: name)? (?:is )?(?:unavailable|disabled|inactive|"
            r"not found|does not exist|doesn't exist|invalid)|"
            r"does not exist|doesn'?t have a .{0,20}account|no mailbox here|recipient not found|"
            r"recipientnotfound|invalid recipient|recipient (?:address )?rejected: (?:user unknown|"
            r"undeliverable|unknown)|not (?:a )?valid (?:mailbox|recipient|user)|"
            r"access denied\. AS\(\d+\)|no longer (?:active|available|valid)|"
            r"couldn'?t be found|wasn'?t found at|is not a known user|user not found|"
            r"mailbox (?:not found|unavailable)|bad destination mailbox|addressee unknown|has been disabled|"
            r"account (?:has been )?(?:closed|suspended|expired)|dd this user doesn",
        ),
        (
            "mailbox_full",
            r"mailbox (?:is )?full|over ?quota|quota (?:exceeded|exceed)|exceeded (?:storage|the quota)|"
            r"(?:mail ?box|mail ?folder|inbox|account) (?:is )?(?:over|out of) (?:the )?(?:allowed )?"
            r"(?:quota|storage|space)|insufficient (?:disk )?(?:space|storage)|storage allocation|"
            r"quotaexceeded|mailbox size limit|is over the allowed quota|out of (?:storage|space)|"
            r"disk quota|mailfolder is full|user's mailbox is full|full mailbox",
        ),
        (
            "message_too_large",
            r"message (?:is )?too (?:large|big)|(?:message|mail) size (?:exceeds|limit)|size limit|"
            r"exceeds? (?:the )?(?:maximum|fixed maximum|size)|too large|recipsizelimit|"
            r"maximum (?:allowed )?(?:message )?size|message length exceeds",
        ),
        (
            "spam_blocklist",
            r"spam|block ?list|black ?list|blocked using|listed (?:at|on|in|by)|\bdnsbl\b|\brbl\b|"
            r"spamhaus|spamcop|barracuda|sorbs|reputation|junk mail|bulk mail|banned|"
            r"(?:ip|address|host|client host|sender) (?:\S+ )?(?:is |has been )?blocked|"
            r"blocked (?:by|because|due)|traffic not accepted|5\.7\.(?:606|7\d\d)\b|"
            r"unsolicited|content (?:rejected|filter)|virus|malware|phish|badmailfrom|suspicious",
        ),
        (
            "dns",
            r"host (?:or domain name )?not found|name service error|domain (?:name )?not found|"
            r"nonexistent domain|non-existent domain|no such domain|unknown domain|domain does not exist|"
            r"couldn'?t find any host|no mx|mx (?:record|lookup)|dns (?:error|lookup|failure)|"
            r"unrouteable (?:mail )?(?:domain|address)|unable to resolve|nxdomain|domain (?:is )?(?:invalid|not exist)|"
            r"domain couldn'?t be found|dns\.nonexistentdomain|host unknown|dnserror",
        ),
        (
            "temporary",
            r"grey ?list|gray ?list|try again later|temporar(?:y|ily)|too many (?:connections|messages|"
            r"recipients|concurrent)|rate limit|throttl|deferred|connection (?:timed out|refused|reset)|"
            r"timed? ?out|could not (?:send|deliver) .*for past|not yet been delivered|will retry|"
            r"service (?:not available|unavailable|is unavailable)|resources temporarily|"
            r"unable to (?:connect|deliver)|local delivery failed|server busy|lost connection|queue too long",
        ),
        (
            "policy",
            r"policy|not (?:permitted|allowed|accepted|authorized|authorised)|access denied|"
            r"administrative prohibition|prohibited|refused|rejected by|restricted|denied|"
            r"only accepts|sender (?:address )?rejected|not accept",
        ),
    )
)

# What a specific enhanced code says on its own (RFC 3463 and the IANA registry); None: look at the text
_BY_CODE = {
    ("1", "1"): "unknown_user",
    ("1", "0"): "unknown_user",
    ("1", "6"): "unknown_user",  # destination mailbox has moved
    ("1", "10"): "unknown_user",  # Exchange: recipient not found (RFC 7505 uses it for null MX too)
    ("1", "2"): "dns",
    ("1", "8"): "dns",  # bad sender's system address
    ("2", "1"): "unknown_user",  # mailbox disabled
    ("2", "2"): "mailbox_full",
    ("2", "3"): "message_too_large",
    ("3", "4"): "message_too_large",
    ("4", "4"): "dns",  # unable to route
    ("4", "3"): "dns",  # directory server failure
    ("4", "7"): "temporary",  # delivery time expired
    ("4", "1"): "temporary",  # no answer from host
    ("4", "2"): "temporary",  # bad connection
    ("4", "5"): "temporary",  # system congestion
    ("3", "2"): "temporary",  # system not accepting messages
    ("7", "23"): "auth_failure",
    ("7", "24"): "auth_failure",
    ("7", "25"): "auth_failure",
    ("7", "26"): "auth_failure",
    ("7", "27"): "auth_failure",
    ("7", "20"): "auth_failure",
    ("7", "21"): "auth_failure",
    ("7", "22"): "auth_failure",
    ("7", "509"): "auth_failure",  # Microsoft: DMARC
    ("7", "515"): "auth_failure",  # Microsoft: SPF/DKIM/DMARC requirements for high-volume senders
    ("7", "606"): "spam_blocklist",  # Microsoft: banned IP
    ("7", "708"): "spam_blocklist",
    ("7", "64"): "relay_denied",
    ("7", "1"): None,  # "delivery not authorized": blocklists, relay and policy all use it
}


def status_from_text(text: str) -> str | None:
    """The first enhanced status code in a text (``#5.1.1``, ``550-5.1.1``), or None.

    >>> status_from_text("host mx.example.test said: 550-5.1.1 The email account ... does not exist")
    '5.1.1'
    >>> status_from_text("Sorry, no mailbox here by that name. (#5.1.1)")
    '5.1.1'
    >>> status_from_text("connect to 192.0.2.1 port 25: Connection timed out") is None
    True
    """
    found = _STATUS.search(text or "")
    return ".".join(found.groups()) if found else None


def _reason_from_text(text: str) -> str | None:
    for reason, pattern in _TEXT_RULES:
        if pattern.search(text):
            return reason
    return None


def classify(status: str | None, diagnostic: str | None = "", *, action: str | None = None) -> Classification:
    """Hard or soft, and the reason, for one recipient of a bounce.

    ``status`` is the DSN's Status field (or None), ``diagnostic`` the server's text (the
    Diagnostic-Code or the free-text paragraph), ``action`` the DSN's Action field if any.
    """
    text = diagnostic or ""
    status = status or status_from_text(text)
    parts = status.split(".") if status else []
    klass = parts[0] if parts else None
    if klass is None:  # no enhanced code: the basic reply code, else the action, else the words
        reply = _REPLY.search(text)
        if reply:
            klass = reply.group(1)
        elif action and action.lower() in ("delayed", "delivered", "relayed", "expanded"):
            klass = "4"
    reason = None
    if len(parts) == 3:
        reason = _BY_CODE.get((parts[1], parts[2]))
        if reason in ("temporary", "dns", "message_too_large") or reason is None:
            # codes used loosely: let specific words win (a "4.4.1 ... greylisted" stays temporary)
            worded = _reason_from_text(text)
            if worded and not (reason == "dns" and worded == "temporary"):
                reason = worded if reason is None or worded != "policy" else reason
    if reason is None:
        reason = _reason_from_text(text)
    if reason is None:
        reason = "temporary" if klass == "4" else "other"
    if klass is None:
        klass = "4" if reason == "temporary" else "5"
    soft = klass == "4" or (action or "").lower() == "delayed" or reason in ("mailbox_full", "temporary")
    return Classification("soft" if soft else "hard", reason)
