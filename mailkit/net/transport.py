"""Handing a composed mail to an SMTP session or a local sendmail command.

SMTP goes step by step (MAIL, RCPT per recipient, DATA) so that every refusal carries the
server's own code and text, and a partly refused mail says which recipients got it. The
sendmail method gets the envelope recipients as arguments (never ``-t``: Bcc recipients must
not appear in the message), and ``-f`` with the sender unless the command names one.
"""

from __future__ import annotations

__all__ = ["Delivery", "deliver_sendmail", "deliver_smtp"]

import shlex
import shutil
import smtplib
import subprocess
from dataclasses import dataclass, field

from ..errors import SendError
from ..secrets import redact
from .replies import smtp_reply, text_of

#: MAIL FROM refusals that are about the session's login, not about the sender address (RFC 4954)
_LOGIN_NEEDED = (530, 534, 535, 538)


@dataclass(frozen=True)
class Delivery:
    accepted: tuple[str, ...]
    refused: dict[str, tuple[int, str]] = field(default_factory=dict)
    code: int | None = None
    reply: str = ""


def _text(reply: bytes | str) -> str:
    return redact(text_of(reply))


def deliver_smtp(client: smtplib.SMTP, sender: str, recipients: tuple[str, ...], data: bytes) -> Delivery:
    """Send over an open, authenticated SMTP session."""
    where = f"{client._host}" if hasattr(client, "_host") else "the SMTP server"
    try:
        code, reply = client.mail(sender)
        if code != 250:
            client.rset()
            advice = (
                "the server wants a login before it takes mail: give the sending side auth password (or oauth2)"
                if code in _LOGIN_NEEDED
                else "the server does not let this account send as that address"
            )
            raise SendError(
                f"MAIL FROM:<{sender}> refused by {where}: {smtp_reply(code, _text(reply))}; {advice}",
                code,
                _text(reply),
                "MAIL",
            )
        refused: dict[str, tuple[int, str]] = {}
        for rcpt in recipients:
            code, reply = client.rcpt(rcpt)
            if code not in (250, 251):
                refused[rcpt] = (code, _text(reply))
        if len(refused) == len(recipients):
            client.rset()
            first = next(iter(refused.values()))
            raise SendError(
                "every recipient was refused: " + "; ".join(f"{r}: {c} {t}" for r, (c, t) in refused.items()),
                first[0],
                first[1],
                "RCPT",
            )
        code, reply = client.data(data)
        if code != 250:
            raise SendError(f"DATA refused by {where}: {code} {_text(reply)}", code, _text(reply), "DATA")
    except smtplib.SMTPServerDisconnected as exc:
        raise SendError(
            f"{where} dropped the connection during sending ({exc}); the mail was probably not delivered: "
            "check the journal and send again",
            step="connection",
        ) from exc
    except smtplib.SMTPResponseException as exc:
        raise SendError(
            f"{where}: {exc.smtp_code} {_text(exc.smtp_error)}", exc.smtp_code, _text(exc.smtp_error)
        ) from exc
    except OSError as exc:
        raise SendError(f"{where}: the connection failed during sending ({exc})", step="connection") from exc
    accepted = tuple(r for r in recipients if r not in refused)
    return Delivery(accepted, refused, code, _text(reply))


def sendmail_argv(command: str, sender: str, recipients: tuple[str, ...]) -> list[str]:
    """The command line for the sendmail method.

    >>> sendmail_argv("/usr/sbin/sendmail -t -i", "a@x.test", ("b@y.test",))
    ['/usr/sbin/sendmail', '-i', '-f', 'a@x.test', '--', 'b@y.test']
    """
    argv = [arg for arg in shlex.split(command) if arg != "-t"]
    if "-f" not in argv and not any(a.startswith("-f") and len(a) > 2 for a in argv):
        argv += ["-f", sender]
    return [*argv, "--", *recipients]


def deliver_sendmail(command: str, sender: str, recipients: tuple[str, ...], data: bytes, timeout: float) -> Delivery:
    """Hand the mail to a local sendmail-compatible program (Postfix, Exim, msmtp, ...)."""
    argv = sendmail_argv(command, sender, recipients)
    if not shutil.which(argv[0]):
        raise SendError(f"sendmail command {argv[0]!r} not found: install an MTA or msmtp-mta, or fix the path")
    try:
        done = subprocess.run(argv, input=data, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise SendError(f"{argv[0]} did not finish within {timeout:.0f} s", step="sendmail") from None
    if done.returncode != 0:
        said = _text(done.stderr.strip() or done.stdout.strip())
        raise SendError(f"{argv[0]} exited with {done.returncode}: {said}", done.returncode, said, "sendmail")
    return Delivery(tuple(recipients), {}, 0, _text(done.stdout.strip()))
