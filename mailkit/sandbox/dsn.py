"""The delivery status notification the sandbox's MTA sends back when a relayed recipient does not exist.

Written as Postfix writes it (RFC 3464): a human-readable part, ``message/delivery-status`` with
one block per failed recipient, and the original's headers as ``text/rfc822-headers``, so the
bounce can be linked to the mail it bounces by its Message-ID.
"""

from __future__ import annotations

__all__ = ["delivery_status_notification"]

import datetime as dt
import email.parser
import email.utils
import uuid
from email.policy import compat32


def delivery_status_notification(
    hostname: str, mail_from: str, failed: dict[str, str], original: bytes, *, remote_host: str
) -> bytes:
    """A bounce to ``mail_from`` for ``failed`` (recipient → the remote server's reply)."""
    headers = email.parser.BytesHeaderParser(policy=compat32).parsebytes(original)
    now = dt.datetime.now(dt.UTC)
    text = (
        f"This is the mail system at host {hostname}.\n\nI'm sorry to have to inform you that your message could not\n"
        "be delivered to one or more recipients. It's attached below.\n\nFor further assistance, please send mail "
        "to postmaster.\n\n                   The mail system\n\n"
        + "".join(
            f"<{rcpt}>: host {remote_host}[127.0.0.1] said: {reply} (in reply to RCPT TO command)\n"
            for rcpt, reply in failed.items()
        )
    )
    status = f"Reporting-MTA: dns; {hostname}\nArrival-Date: {email.utils.format_datetime(now)}\n" + "".join(
        f"\nFinal-Recipient: rfc822; {rcpt}\nOriginal-Recipient: rfc822;{rcpt}\nAction: failed\n"
        f"Status: {reply.split()[1]}\nRemote-MTA: dns; {remote_host}\nDiagnostic-Code: smtp; {reply}\n"
        for rcpt, reply in failed.items()
    )
    boundary = f"{now:%Y%m%d%H%M%S}.{uuid.uuid4().hex}/{hostname}"
    original_headers = "".join(f"{name}: {value}\n" for name, value in headers.items())
    lines = (
        f"From: MAILER-DAEMON@{hostname} (Mail Delivery System)\nTo: {mail_from}\n"
        f"Subject: Undelivered Mail Returned to Sender\nDate: {email.utils.format_datetime(now)}\n"
        f"Message-ID: {email.utils.make_msgid(domain=hostname)}\nAuto-Submitted: auto-replied\nMIME-Version: 1.0\n"
        f'Content-Type: multipart/report; report-type=delivery-status;\n boundary="{boundary}"\n\n'
        "This is a MIME-encapsulated message.\n\n"
        f"--{boundary}\nContent-Description: Notification\nContent-Type: text/plain; charset=us-ascii\n\n{text}\n"
        f"--{boundary}\nContent-Description: Delivery report\nContent-Type: message/delivery-status\n\n{status}\n"
        f"--{boundary}\nContent-Description: Undelivered Message Headers\nContent-Type: text/rfc822-headers\n\n"
        f"{original_headers}\n--{boundary}--\n"
    )
    return lines.replace("\n", "\r\n").encode("utf-8", "surrogateescape")
