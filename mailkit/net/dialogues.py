"""The few commands of SMTP, IMAP and POP3 a diagnosis or a probe sends, over a :class:`Conversation`.

Each function returns the server's own words, so the caller can show them and match them
against the remedy catalogue. Credentials go out as SASL PLAIN (or IMAP LOGIN, POP3 USER/PASS
when the server offers nothing else) and appear in the transcript as ``***``.
"""

from __future__ import annotations

__all__ = [
    "Reply",
    "imap_capabilities",
    "imap_command",
    "imap_login",
    "plain_token",
    "pop3_capabilities",
    "pop3_command",
    "pop3_login",
    "smtp_auth",
    "smtp_command",
    "smtp_ehlo",
    "smtp_greeting",
]

import base64
import itertools
from dataclasses import dataclass

from .conversation import Conversation


@dataclass(frozen=True)
class Reply:
    ok: bool
    text: str  # the final line as the server said it (redacted)
    lines: tuple[str, ...] = ()  # untagged / continuation lines

    def __str__(self) -> str:
        return self.text


def plain_token(user: str, password: str) -> str:
    """SASL PLAIN's initial response.

    >>> plain_token("a@x.test", "pw")
    'AGFAeC50ZXN0AHB3'
    """
    return base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")


# -- SMTP ------------------------------------------------------------------------------------------
def _smtp_reply(conv: Conversation) -> Reply:
    lines = []
    while True:
        line = conv.readline()
        lines.append(line)
        if len(line) < 4 or line[3] != "-":
            code = line[:3]
            return Reply(code.startswith(("2", "3")), line, tuple(lines))


def smtp_greeting(conv: Conversation) -> Reply:
    return _smtp_reply(conv)


def smtp_command(conv: Conversation, line: str, shown: str | None = None) -> Reply:
    conv.send(line, shown)
    return _smtp_reply(conv)


def smtp_ehlo(conv: Conversation, name: str = "mailkit.diagnose") -> tuple[Reply, dict[str, str]]:
    """EHLO and the extensions it lists, keyword upper-cased -> its parameters."""
    reply = smtp_command(conv, f"EHLO {name}")
    extensions = {}
    for line in reply.lines[1:]:
        keyword, _, params = line[4:].partition(" ")
        extensions[keyword.upper()] = params
    return reply, extensions


def smtp_auth(conv: Conversation, mechanisms: list[str], user: str, password: str) -> Reply:
    """AUTH PLAIN, else AUTH LOGIN; the server's final answer."""
    if "PLAIN" in mechanisms or "LOGIN" not in mechanisms:
        return smtp_command(conv, f"AUTH PLAIN {plain_token(user, password)}", "AUTH PLAIN ***")
    reply = smtp_command(conv, "AUTH LOGIN")
    if not reply.text.startswith("334"):
        return reply
    reply = smtp_command(conv, base64.b64encode(user.encode()).decode(), "*** (user name)")
    if not reply.text.startswith("334"):
        return reply
    return smtp_command(conv, base64.b64encode(password.encode()).decode(), "***")


# -- IMAP ------------------------------------------------------------------------------------------
_tags = (f"m{n}" for n in itertools.count(1))


def imap_command(conv: Conversation, command: str, shown: str | None = None) -> Reply:
    """One tagged command; the untagged lines before the tagged answer come back in ``lines``."""
    tag = next(_tags)
    conv.send(f"{tag} {command}", f"{tag} {shown}" if shown is not None else None)
    untagged: list[str] = []
    while True:
        line = conv.readline()
        if line.startswith(tag + " "):
            status = line[len(tag) + 1 :]
            return Reply(status.upper().startswith("OK"), status, tuple(untagged))
        untagged.append(line)


def imap_capabilities(conv: Conversation) -> tuple[Reply, set[str]]:
    reply = imap_command(conv, "CAPABILITY")
    caps: set[str] = set()
    for line in reply.lines:
        if line.upper().startswith("* CAPABILITY "):
            caps |= set(line[13:].upper().split())
    return reply, caps


def _imap_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def imap_login(conv: Conversation, caps: set[str], user: str, password: str) -> Reply:
    """AUTHENTICATE PLAIN with an initial response where offered, else LOGIN."""
    if "SASL-IR" in caps and "AUTH=PLAIN" in caps:
        return imap_command(conv, f"AUTHENTICATE PLAIN {plain_token(user, password)}", "AUTHENTICATE PLAIN ***")
    return imap_command(conv, f"LOGIN {_imap_quote(user)} {_imap_quote(password)}", f"LOGIN {_imap_quote(user)} ***")


# -- POP3 ------------------------------------------------------------------------------------------
def pop3_command(conv: Conversation, line: str, shown: str | None = None, multiline: bool = False) -> Reply:
    if line:
        conv.send(line, shown)
    first = conv.readline()
    ok = first.startswith("+OK")
    lines = []
    if ok and multiline:
        while (more := conv.readline()) != ".":
            lines.append(more[1:] if more.startswith("..") else more)
    return Reply(ok, first, tuple(lines))


def pop3_capabilities(conv: Conversation) -> tuple[Reply, set[str]]:
    reply = pop3_command(conv, "CAPA", multiline=True)
    return reply, {line.split(" ")[0].upper() for line in reply.lines}


def pop3_login(conv: Conversation, user: str, password: str) -> Reply:
    reply = pop3_command(conv, f"USER {user}")
    if not reply.ok:
        return reply
    return pop3_command(conv, f"PASS {password}", "PASS ***")
