"""Connection diagnostics: everything between this machine and an account, one row per check.

``diagnose(account, workspace)`` walks the sending and the receiving server and the domain's
records concurrently (each step with a timeout, so a black-holed host costs at most its
timeout), then optionally sends a test mail and finds it again over IMAP by its Message-ID.
"""

from __future__ import annotations

__all__ = ["Report", "Row", "diagnose", "remedy_for"]

import datetime as dt
import os
import shlex
import shutil
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from ..errors import ConnectError, MailkitError
from ..model import Account
from ..net.connect import imap_login, smtp_login
from ..net.dns import addresses, host_resolver, lookup, make_resolver, query_text
from ..net.transport import deliver_sendmail, deliver_smtp
from ..smime.checks import smime_rows
from ..workspace import Workspace
from .oauth import oauth2_checks
from .records import check_dkim, check_dmarc, check_mta_sts, check_spf
from .remedies import remedy_for
from .report import Report, Row
from .servers import ServerCheck, Timeouts


def diagnose(
    account: Account,
    workspace: Workspace,
    *,
    test_mail_to: str | None = None,
    dkim_selectors: Iterable[str] = (),
    record_folder: bool = False,
    timeout: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Check the account's servers and domain; ``timeout`` (seconds) overrides the account's per step."""
    began = time.perf_counter()
    resolver = make_resolver(workspace.dns)
    # a greeting is no long command: waiting for one is capped at twice the connect timeout
    timeouts = Timeouts(
        timeout or account.timeouts.connect, timeout or min(account.timeouts.command, account.timeouts.connect * 2)
    )
    selectors = list(dict.fromkeys([*dkim_selectors, *([account.dkim_selector] if account.dkim_selector else [])]))
    hosts = host_resolver(workspace.dns)
    common = dict(account=account, workspace=workspace, resolver=hosts, timeouts=timeouts)
    checks: list[Callable[[], tuple[list[Row], list[str]]]] = []
    sending, receiving = account.sending, account.receiving
    if sending is not None and sending.method == "smtp":
        smtp = ServerCheck("smtp", sending.host, sending.effective_port, sending.security, side="sending", **common)
        checks.append(lambda: _walk(smtp, progress))
    elif sending is not None:
        checks.append(lambda: (_sendmail_rows(account, sending.sendmail_command, test_mail_to, timeouts.read), []))
    if receiving is not None:
        incoming = ServerCheck(
            receiving.protocol,
            receiving.host,
            receiving.effective_port,
            receiving.security,
            base_folder=receiving.base_folder,
            sent_folder=receiving.sent_folder if receiving.sent_export else None,
            record_folder=record_folder,
            **common,
        )
        checks.append(lambda: _walk(incoming, progress))
    if account.auth.method == "oauth2":
        checks.append(lambda: (_oauth2_rows(account, workspace, progress), []))
    checks.append(lambda: (_domain_rows(account.domain, selectors, resolver, hosts, progress), []))
    checks.append(lambda: ([Row(*row) for row in smime_rows(account, workspace)], []))
    rows: list[Row] = []
    transcript: list[str] = []
    with ThreadPoolExecutor(max_workers=len(checks)) as pool:
        for found_rows, lines in pool.map(lambda check: check(), checks):
            rows += found_rows
            transcript += lines
    if test_mail_to and sending is not None and sending.method == "smtp":
        if progress:
            progress("test mail")
        rows += _test_mail(account, workspace, test_mail_to, timeouts)
    return Report(account.name, rows, transcript, round((time.perf_counter() - began) * 1000))


def _oauth2_rows(account: Account, workspace: Workspace, progress) -> list[Row]:
    """Token, its claims and expiry, and the SASL login per protocol (the server walks skip the login)."""
    if progress:
        progress("oauth2")
    began = time.perf_counter()
    rows = oauth2_checks(account, workspace)
    elapsed = round((time.perf_counter() - began) * 1000 / max(len(rows), 1))
    authority = account.auth.oauth2.authority_url if account.auth.oauth2 else ""
    return [
        Row(
            r["check"],
            authority if r["check"].startswith("oauth2 t") else account.login,
            r["status"],
            r["detail"],
            r.get("remedy", ""),
            elapsed,
        )
        for r in rows
    ]


def _walk(check: ServerCheck, progress) -> tuple[list[Row], list[str]]:
    if progress:
        progress(f"{check.protocol} {check.target}")
    check.run()
    return check.rows, check.transcript


def _domain_rows(domain: str, selectors: list[str], resolver, hosts, progress) -> list[Row]:
    if progress:
        progress(f"records of {domain}")

    def records(name: str, rtype: str) -> list[str]:
        if rtype == "TXT":
            return query_text(name, resolver)
        return [rdata.to_text() for rdata in lookup(name, rtype, resolver)]

    began = time.perf_counter()
    try:
        mx = sorted((r.preference, r.exchange.to_text().rstrip(".")) for r in lookup(domain, "MX", resolver))
        elapsed = round((time.perf_counter() - began) * 1000)
        if mx:
            listed = ", ".join(f"{pref} {host}" for pref, host in mx)
            try:
                reached = addresses(mx[0][1], hosts)
                rows = [Row("MX", domain, "ok", f"{listed}; {mx[0][1]} is {', '.join(reached)}", "", elapsed)]
            except ConnectError as exc:
                rows = [Row("MX", domain, "fail", f"{listed}; {exc}", "publish an A record for the MX host", elapsed)]
        else:
            rows = [Row("MX", domain, "warn", "no MX record: mail goes to the domain's A record", "publish MX")]
        rows += check_spf(domain, records)
        rows += check_dmarc(domain, records)
        rows += check_dkim(domain, selectors, records)
        if not selectors:
            rows.append(Row("DKIM", domain, "skip", "no selector given", "name one: --dkim-selector S"))
        rows += check_mta_sts(domain, records)
    except ConnectError as exc:
        rows = [Row("DNS", domain, "fail", str(exc), remedy_for(str(exc)))]
    return rows


def _test_message(account: Account, to: str) -> tuple[EmailMessage, str]:
    message = EmailMessage()
    message_id = make_msgid("mailkit-diagnose", account.domain or None)
    message["From"] = account.address
    message["To"] = to
    message["Subject"] = f"mailkit diagnose test {uuid.uuid4().hex[:8]}"
    message["Date"] = format_datetime(dt.datetime.now().astimezone())
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content("A test mail from mailkit's connection diagnostics. It can be deleted.\n")
    return message, message_id


def _sendmail_rows(account: Account, command: str, test_mail_to: str | None, timeout: float) -> list[Row]:
    program = shlex.split(command)[0] if command.strip() else ""
    found = shutil.which(program) if program else None
    if not found or not os.access(found, os.X_OK):
        return [
            Row(
                "sendmail",
                command,
                "fail",
                f"{program!r} is not found or not executable",
                "install an MTA (postfix, exim) or msmtp-mta, or fix the command's path",
            )
        ]
    rows = [Row("sendmail", command, "ok", f"{found} is executable")]
    if test_mail_to:
        message, message_id = _test_message(account, test_mail_to)
        began = time.perf_counter()
        try:
            deliver_sendmail(command, account.address, (test_mail_to,), message.as_bytes(), timeout)
            rows.append(Row("Test mail", command, "ok", f"handed over {message_id}", "", _ms(began)))
        except MailkitError as exc:
            rows.append(Row("Test mail", command, "fail", str(exc), remedy_for(str(exc)), _ms(began)))
    return rows


def _ms(began: float) -> int:
    return round((time.perf_counter() - began) * 1000)


def _test_mail(account: Account, workspace: Workspace, to: str, timeouts: Timeouts) -> list[Row]:
    """Send a test mail through the account; when it goes to the account itself, find it over IMAP."""
    target = f"{account.sending.host}:{account.sending.effective_port}"
    message, message_id = _test_message(account, to)
    began = time.perf_counter()
    try:
        with smtp_login(account, workspace) as client:
            deliver_smtp(client, account.address, (to,), message.as_bytes())
    except MailkitError as exc:
        return [Row("Test mail", target, "fail", str(exc), remedy_for(str(exc)), _ms(began))]
    rows = [Row("Test mail", target, "ok", f"accepted for {to}", "", _ms(began))]
    receiving = account.receiving
    if to.lower() != account.address.lower() or receiving is None or receiving.protocol != "imap":
        return rows
    sent = time.perf_counter()
    deadline = sent + max(timeouts.read, 5.0)
    where = f"{receiving.host}:{receiving.effective_port}"
    try:
        with imap_login(account, workspace) as client:
            client.select_folder("INBOX", readonly=True)
            while True:
                if client.search(["HEADER", "Message-ID", message_id]):
                    delay = _ms(sent)
                    rows.append(Row("Round trip", where, "ok", f"found in INBOX after {delay} ms", "", delay))
                    return rows
                if time.perf_counter() > deadline:
                    rows.append(
                        Row(
                            "Round trip",
                            where,
                            "warn",
                            f"not in INBOX after {_ms(sent)} ms",
                            "delivery is slow or the mail was filtered: look in the spam folder",
                            _ms(sent),
                        )
                    )
                    return rows
                time.sleep(0.1)
                client.noop()
    except MailkitError as exc:
        rows.append(Row("Round trip", where, "fail", str(exc), remedy_for(str(exc)), _ms(sent)))
    return rows
