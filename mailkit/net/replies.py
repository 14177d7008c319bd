"""Server replies in words: IMAP response codes (RFC 5530) and SMTP enhanced status codes (RFC 3463, 4954).

What a login or a send refusal means, for the one line a user reads; pure functions, no I/O.

>>> imap_reply(b"[AUTHENTICATIONFAILED] Authentication failed.")
'[AUTHENTICATIONFAILED] Authentication failed. (the user name or password is wrong, or the account is locked)'
>>> smtp_reply(535, b"5.7.8 Error: authentication failed: UGFzc3dvcmQ6")
'535 5.7.8 Error: authentication failed: UGFzc3dvcmQ6 (authentication credentials invalid)'
>>> smtp_reply(530, "5.7.0 Must issue a STARTTLS command first")
'530 5.7.0 Must issue a STARTTLS command first (authentication or encryption required first)'
"""

from __future__ import annotations

__all__ = ["IMAP_CODES", "SMTP_CODES", "imap_reply", "smtp_reply", "text_of"]

import re

# RFC 5530 response codes a login or a command gets
IMAP_CODES = {
    "AUTHENTICATIONFAILED": "the user name or password is wrong, or the account is locked",
    "AUTHORIZATIONFAILED": "logged in, but this user may not use that mailbox",
    "EXPIRED": "the password or account has expired: set a new one",
    "PRIVACYREQUIRED": "the server wants TLS before the login: use security tls or starttls",
    "CONTACTADMIN": "the server's admin must act on this account",
    "UNAVAILABLE": "the server cannot check the login now: try again later",
    "NOPERM": "no permission for this action on the folder",
    "INUSE": "the folder or mailbox is in use elsewhere: try again later",
    "LIMIT": "a server limit was hit (connections, size)",
    "OVERQUOTA": "the mailbox is over its quota",
    "NONEXISTENT": "the folder does not exist",
    "ALREADYEXISTS": "the folder exists already",
    "SERVERBUG": "the server failed (its bug): tell its admin",
    "CANNOT": "the server cannot do this with that name or setting",
}
# RFC 3463 / 4954 enhanced status codes met at AUTH, MAIL FROM and RCPT TO
SMTP_CODES = {
    "2.7.0": "authentication succeeded",
    "4.7.0": "temporary refusal (authentication or policy): try again later",
    "4.7.12": "a password transition is needed",
    "5.5.1": "command out of sequence (often: AUTH before STARTTLS)",
    "5.5.2": "syntax error in the command",
    "5.5.4": "a parameter was refused",
    "5.7.0": "authentication or encryption required first",
    "5.7.1": "refused by policy: this sender or relay is not allowed",
    "5.7.3": "authentication is switched off for this mailbox (Microsoft 365: SMTP AUTH disabled)",
    "5.7.8": "authentication credentials invalid",
    "5.7.9": "the authentication mechanism is too weak",
    "5.7.11": "encryption required for this authentication mechanism",
    "5.7.139": "SMTP AUTH is disabled for the tenant or mailbox (Microsoft 365)",
    "5.1.0": "the sender address was refused",
    "5.1.1": "the recipient address does not exist",
    "5.1.8": "the sender's domain is not accepted",
    "5.2.2": "the recipient's mailbox is full",
    "5.3.4": "the message is too big for the server",
}
# basic reply codes, when the server gives no enhanced one
_BASIC = {
    421: "the server is closing the connection (overloaded or shutting down)",
    450: "mailbox unavailable for now: try again later",
    454: "temporary authentication failure: try again later",
    530: "authentication required: the account must log in (auth password or oauth2)",
    534: "the authentication mechanism is too weak",
    535: "authentication credentials invalid",
    538: "encryption required for this authentication mechanism",
    550: "refused: mailbox unavailable or not allowed",
    553: "the address is not allowed",
    554: "the transaction failed (often: refused by policy)",
}
_ENHANCED = re.compile(r"^([245]\.\d{1,3}\.\d{1,3})\b")
_IMAP_CODE = re.compile(r"\[([A-Z-]+)")


def text_of(said) -> str:
    """A server's words as text, whatever the library handed over (bytes, a list of bytes, a str)."""
    if isinstance(said, bytes | bytearray):
        return bytes(said).decode("utf-8", "replace").strip()
    if isinstance(said, list | tuple):
        return " ".join(text_of(part) for part in said)
    return str(said).strip()


def imap_reply(said) -> str:
    """An IMAP refusal with the meaning of its response code, when it has one."""
    text = text_of(said)
    found = _IMAP_CODE.search(text)
    meaning = IMAP_CODES.get(found.group(1)) if found else None
    return f"{text} ({meaning})" if meaning else text


def smtp_reply(code: int | None, said) -> str:
    """An SMTP reply with the meaning of its enhanced status code (else of its basic code)."""
    text = text_of(said)
    found = _ENHANCED.match(text)
    meaning = SMTP_CODES.get(found.group(1)) if found else None
    meaning = meaning or _BASIC.get(code or 0)
    shown = f"{code} {text}" if code is not None else text
    return f"{shown} ({meaning})" if meaning else shown
