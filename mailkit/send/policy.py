"""Who may send as whom (desk4), and the signature under a mail (OpenXE): pure rules.

Sender: the document type's sender address from the account, else the current user's own
address. It must be the user's own address, one the user may send as, or one of the user's
groups' — else a :class:`PolicyError` naming the address, the user and where to allow it.

Signature: the account's, else the project's, else the company's; the OpenXE variables
``{MITARBEITER}``, ``{MITARBEITER_TELEFON}``, ``{MITARBEITER_TELEFAX}``, ``{MITARBEITER_MOBIL}``
and ``{MITARBEITER_EMAIL}`` are filled in; unknown ``{VARIABLES}`` stay visible and are reported;
in HTML every value is escaped.
"""

from __future__ import annotations

__all__ = ["SIGNATURE_VARIABLES", "choose_sender", "render_signature", "signature_for"]

import html
import re
from dataclasses import dataclass

from ..errors import PolicyError
from ..model import Account, Employee
from ..workspace import Workspace

_VARIABLE = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")
SIGNATURE_VARIABLES = {
    "MITARBEITER": "full_name",
    "MITARBEITER_TELEFON": "phone",
    "MITARBEITER_TELEFAX": "fax",
    "MITARBEITER_MOBIL": "mobile",
    "MITARBEITER_EMAIL": "email",
}


def allowed_senders(workspace: Workspace, user_name: str) -> set[str]:
    user = workspace.users.get(user_name)
    if user is None:
        return set()
    allowed = {user.email.lower(), *(s.lower() for s in user.senders)}
    for group in user.groups:
        allowed |= {s.lower() for s in workspace.groups.get(group, _NO_GROUP).senders}
    return allowed - {""}


@dataclass(frozen=True)
class _NoGroup:
    senders: tuple[str, ...] = ()


_NO_GROUP = _NoGroup()


def choose_sender(account: Account, workspace: Workspace, document_type: str, user_name: str | None) -> str:
    """The sender address for a document, checked against what the user may send as."""
    if user_name is None:  # an automatic job (cron, runbook): the account's own rules only
        return account.sender_for(document_type)
    user = workspace.users.get(user_name)
    if user is None:
        known = ", ".join(sorted(workspace.users)) or "none yet"
        raise PolicyError(f"unknown user {user_name!r}: add them under [users] in mailkit.toml (users: {known})")
    sender = account.senders.get(document_type) or user.email or account.address
    if sender.lower() not in allowed_senders(workspace, user_name):
        raise PolicyError(
            f"user {user_name!r} may not send as {sender}: add it to senders of [users.{user_name}] or of one of "
            f"their groups ({', '.join(user.groups) or 'none'}) in mailkit.toml"
        )
    return sender


def signature_for(account: Account, workspace: Workspace, project: str | None = None) -> tuple[str, str]:
    """(text, html) templates: the account's, else the project's, else the company's."""
    candidates = [(account.signature, account.signature_html)]
    if project and project in workspace.projects:
        candidates.append((workspace.projects[project].signature, workspace.projects[project].signature_html))
    candidates.append((workspace.company.signature, workspace.company.signature_html))
    for text, markup in candidates:
        if text or markup:
            return text, markup
    return "", ""


def render_signature(template: str, user: Employee | None, *, as_html: bool = False) -> tuple[str, list[str]]:
    """Fill the variables; returns the text and the names of variables it did not know (left as they were).

    >>> render_signature("{MITARBEITER}, Tel. {MITARBEITER_TELEFON} {ABTEILUNG}", Employee(full_name="Eva Weiß"))
    ('Eva Weiß, Tel.  {ABTEILUNG}', ['ABTEILUNG'])
    >>> render_signature("<b>{MITARBEITER}</b>", Employee(full_name="A & B <x>"), as_html=True)[0]
    '<b>A &amp; B &lt;x&gt;</b>'
    """
    unknown: list[str] = []

    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name not in SIGNATURE_VARIABLES:
            unknown.append(name)
            return match.group(0)
        value = getattr(user, SIGNATURE_VARIABLES[name], "") if user else ""
        return html.escape(value) if as_html else value

    return _VARIABLE.sub(fill, template), unknown
