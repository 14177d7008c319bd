"""Server replies in words: IMAP response codes (RFC 5530) and SMTP reply codes (``formats.smtp_codes``).

What a login or a send refusal means, for the one line a user reads; pure functions, no I/O.

>>> imap_reply(b"[AUTHENTICATIONFAILED] Authentication failed.")
'[AUTHENTICATIONFAILED] Authentication failed. (the user name or password is wrong, or the account is locked)'
>>> smtp_reply(535, b"5.7.8 Error: authentication failed: UGFzc3dvcmQ6")
'535 5.7.8 Error: authentication failed: UGFzc3dvcmQ6 (credentials invalid: wrong user name or password)'
>>> smtp_reply(530, "5.7.0 Must issue a STARTTLS command first")[46:]
'(refused by security policy: authentication or encryption required first)'
"""

from __future__ import annotations

__all__ = ["IMAP_CODES", "imap_reply", "smtp_reply", "text_of"]

import ast
import contextlib
import re

from ..formats.smtp_codes import BASIC_CODES, ENHANCED_CODES, enhanced_code

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
_IMAP_CODE = re.compile(r"\[([A-Z-]+)")
_BYTES_REPR = re.compile(r"""^b(['"]).*\1$""", re.DOTALL)


def text_of(said) -> str:
    """A server's words as text, whatever the library handed over (bytes, a list of bytes, a str).

    imapclient's LoginError carries ``str()`` of the server's bytes: that repr is read back too.

    >>> text_of("b'[AUTHENTICATIONFAILED] Authentication failed.'"), text_of([b"5.7.8", "denied"])
    ('[AUTHENTICATIONFAILED] Authentication failed.', '5.7.8 denied')
    """
    if isinstance(said, bytes | bytearray):
        return bytes(said).decode("utf-8", "replace").strip()
    if isinstance(said, list | tuple):
        return " ".join(text_of(part) for part in said)
    text = str(said).strip()
    if _BYTES_REPR.match(text):
        with contextlib.suppress(ValueError, SyntaxError):
            return text_of(ast.literal_eval(text))
    return text


def imap_reply(said) -> str:
    """An IMAP refusal with the meaning of its response code, when it has one."""
    text = text_of(said)
    found = _IMAP_CODE.search(text)
    meaning = IMAP_CODES.get(found.group(1)) if found else None
    return f"{text} ({meaning})" if meaning else text


def smtp_reply(code: int | None, said) -> str:
    """An SMTP reply with the meaning of its enhanced status code (else of its basic code)."""
    text = text_of(said)
    words = ENHANCED_CODES.get(enhanced_code(text) or "") or BASIC_CODES.get(code or 0)
    meaning = words[0] if words else None
    shown = f"{code} {text}" if code is not None else text
    return f"{shown} ({meaning})" if meaning else shown
