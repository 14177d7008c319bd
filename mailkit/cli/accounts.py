"""``mailkit init``, ``accounts``, ``secrets`` and ``check``: the workspace and its accounts."""

from __future__ import annotations

# The commands import what they need (network, OAuth, DKIM, the sync engine) when they run:
# `mailkit --help` and every other command stay fast.
import dataclasses
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import tomli_w

from ..errors import ConfigError
from ..model import Account, Auth, Receiving, Sending, account_to_dict
from ..secrets import write_private
from ..workspace import Workspace
from ._common import open_workspace, print_json, read_secret


def _summary(account: Account) -> dict:
    s, r = account.sending, account.receiving
    if s is None:
        sending = None
    elif s.method == "sendmail":
        sending = f"sendmail: {s.sendmail_command}"
    else:
        sending = f"smtp {s.host}:{s.effective_port} {s.security}"
    return {
        "name": account.name,
        "address": account.address,
        "sending": sending,
        "receiving": None if r is None else f"{r.protocol} {r.host}:{r.effective_port} {r.security}",
        "auth": account.auth.method,
    }


def cmd_accounts_list(args) -> int:
    workspace = open_workspace(args)
    rows = [_summary(a) for a in workspace.accounts.values()]
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print(f"No accounts in {workspace.config_file}.")
    for row in rows:
        print(
            f"{row['name']:<14} {row['address']:<30} send: {row['sending'] or '-':<38} "
            f"receive: {row['receiving'] or '-'}"
        )
    return 0


def cmd_accounts_show(args) -> int:
    account = open_workspace(args).get(args.name)
    warnings = [str(w) for w in account.warnings()]
    if args.json:
        print_json({"name": account.name, **account_to_dict(account), "warnings": warnings})
        return 0
    print(tomli_w.dumps({"accounts": {account.name: account_to_dict(account)}}).strip())
    for warning in warnings:
        print(f"# warning: {warning}")
    return 0


def cmd_accounts_add(args) -> int:
    workspace = open_workspace(args)
    sending = None
    if args.sendmail:
        sending = Sending(method="sendmail", sendmail_command=args.sendmail)
    elif args.smtp_host:
        sending = Sending(host=args.smtp_host, port=args.smtp_port, security=args.smtp_security)
    receiving = None
    if args.imap_host or args.pop3_host:
        receiving = Receiving(
            protocol="imap" if args.imap_host else "pop3",
            host=args.imap_host or args.pop3_host,
            port=args.in_port,
            security=args.in_security,
            base_folder=args.base_folder,
            sent_export=args.sent_folder is not None,
            sent_folder=args.sent_folder or "Sent",
        )
    password = args.password_ref
    if args.auth == "password" and password is None and (args.password_stdin or args.password_env):
        password = workspace.secrets.set(f"{args.name}.password", read_secret(args, f"Password for {args.address}: "))
    account = Account(
        name=args.name,
        address=args.address,
        display_name=args.display_name,
        description=args.description,
        owner=args.owner,
        sending=sending,
        receiving=receiving,
        auth=Auth(method=args.auth, username=args.login, password=password),
        verify_certificate=not args.insecure,
        ca_file=args.ca_file,
    )
    workspace.add(account, replace=args.replace)
    workspace.save()
    for warning in account.warnings():
        print(f"warning: {warning}", file=sys.stderr)
    print_json({**_summary(account), "warnings": [str(w) for w in account.warnings()]})
    print(f"Account {account.name!r} saved to {workspace.config_file}.")
    return 0


def cmd_accounts_remove(args) -> int:
    workspace = open_workspace(args)
    workspace.remove(args.name)
    workspace.save()
    print_json({"name": args.name, "removed": True})
    print(f"Account {args.name!r} removed.")
    return 0


def cmd_import_kivitendo(args) -> int:
    from ..formats import kivitendo

    workspace = open_workspace(args)
    path = Path(args.file)
    try:
        text, _ = kivitendo.decode(path.read_bytes())
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    conf = kivitendo.parse(text, str(path))
    imported = kivitendo.import_accounts(conf, args.address, user_address=args.user_address)
    for item in imported:
        if args.ca_file:
            item.account = dataclasses.replace(item.account, ca_file=str(Path(args.ca_file).resolve()))
        item.account.validate()
        if item.account.name in workspace.accounts and not args.replace:
            raise ConfigError(f"account {item.account.name!r} exists already: use --replace to overwrite it")
    for item in imported:  # only now, when every account is sound, do secrets and accounts get written
        for key, value in item.secrets.items():
            workspace.secrets.set(key, value)
        workspace.add(item.account, replace=args.replace)
    workspace.save()
    rows = [{**_summary(i.account), "secrets": sorted(i.secrets), "notes": i.notes} for i in imported]
    if args.json:
        print_json(rows)
        return 0
    for row in rows:
        print(f"Account {row['name']!r} ({row['address']}) imported from {path}.")
        for note in row["notes"]:
            print(f"  note: {note}")
        for key in row["secrets"]:
            print(f"  password stored as workspace:{key}")
    return 0


def _accounts_of_file(workspace: Workspace, text: str, path: Path) -> list[str]:
    """The workspace's accounts the file names, the one of its import mailbox first (it gives the general sections)."""
    from ..formats import kivitendo

    conf = kivitendo.parse(text, str(path))
    receiver = (kivitendo.receiver_address_of(conf) or "").lower()
    named = {a.lower() for a in conf.addresses()} | {receiver}
    found = [a for a in workspace.accounts.values() if a.address.lower() in named]
    return [a.name for a in sorted(found, key=lambda a: a.address.lower() != receiver)]


def cmd_export_kivitendo(args) -> int:
    from ..formats import kivitendo

    workspace = open_workspace(args)
    target = Path(args.into) if args.into else None
    existing, encoding = kivitendo.decode(target.read_bytes()) if target and target.exists() else ("", "utf-8")
    names = args.accounts or (existing and _accounts_of_file(workspace, existing, target)) or list(workspace.accounts)
    if not names:
        raise ConfigError(f"no accounts in {workspace.config_file} to export")
    accounts = [workspace.get(name) for name in names]
    reader = None
    if args.with_passwords:
        print("warning: the export holds passwords in plain text; keep the file private", file=sys.stderr)

        def reader(account, side):
            secret = workspace.password_for(account, side)
            return secret.reveal() if secret else None

    exported = kivitendo.export(accounts, passwords=reader)
    for note in exported.notes:
        print(f"note: {note}", file=sys.stderr)
    if target is None:
        print_json({"accounts": names, "text": exported.text, "into": None, "notes": exported.notes})
        sys.stdout.write(exported.text)
        return 0
    merged = kivitendo.merge(existing, exported)
    try:
        data = merged.encode(encoding)
    except UnicodeEncodeError as exc:
        raise ConfigError(
            f"{target} is {encoding}, which cannot hold {merged[exc.start : exc.end]!r}: "
            "convert the file to UTF-8 first (iconv -t utf-8)"
        ) from None
    # kivitendo.conf holds the database password too: keep the file's mode, 0600 for a new one
    write_private(target, data, target.stat().st_mode & 0o777 if target.exists() else 0o600)
    print_json({"accounts": names, "text": None, "into": str(target), "notes": exported.notes})
    print(f"Mail sections for {', '.join(names)} written into {target}.")
    return 0


def cmd_secrets_set(args) -> int:
    workspace = open_workspace(args)
    reference = workspace.secrets.set(args.key, read_secret(args, f"Secret for {args.key}: "))
    print_json({"reference": reference})
    print(reference)
    return 0


def cmd_secrets_list(args) -> int:
    references = [f"workspace:{k}" for k in open_workspace(args).secrets.names()]
    if args.json:
        print_json(references)
    else:
        print("\n".join(references))
    return 0


def cmd_init(args) -> int:
    workspace = Workspace.create(args.dir or args.workspace)
    print_json({"workspace": str(workspace.path), "config_file": str(workspace.config_file)})
    print(f"Workspace ready: {workspace.config_file}")
    return 0


def cmd_check(args) -> int:
    from ..check import check_logins

    workspace = open_workspace(args)
    names = list(workspace.accounts) if args.all else args.accounts
    if not names:
        raise ConfigError("name an account, or use --all")
    accounts = [workspace.get(name) for name in names]
    with ThreadPoolExecutor(max_workers=min(16, len(accounts))) as pool:  # a dead account costs its timeout once
        done = pool.map(lambda account: [r.to_dict() for r in check_logins(account, workspace)], accounts)
        report = dict(zip(names, done, strict=True))
    ok = all(row["ok"] for rows in report.values() for row in rows)
    warnings = workspace.exposed()
    if args.json:
        print_json({"ok": ok, "accounts": report, "warnings": warnings})
    else:
        for warning in warnings:
            print(f"warning: {warning}", file=sys.stderr)
        for name, rows in report.items():
            for row in rows:
                mark = "ok  " if row["ok"] else "FAIL"
                print(
                    f"{mark} {name:<14} {row['side']:<9} {row['protocol']:<8} {row['target']:<24} "
                    f"{row['elapsed_ms']:>5} ms  {row['detail']}"
                )
    return 0 if ok else 1


_NAME = "the account's name in mailkit.toml (`mailkit accounts list`)"


def add_commands(sub, command) -> None:
    p = command(sub, "init", cmd_init, "create an empty workspace")
    p.add_argument("dir", nargs="?", help="the folder to make (default: the workspace, -w)")

    accounts = sub.add_parser("accounts", help="the workspace's accounts").add_subparsers(dest="action", required=True)
    p = command(accounts, "list", cmd_accounts_list, "list accounts")
    p.add_argument("--json", action="store_true")
    p = command(accounts, "show", cmd_accounts_show, "show one account (secrets appear as references only)")
    p.add_argument("name", help=_NAME)
    p.add_argument("--json", action="store_true")
    p = command(accounts, "remove", cmd_accounts_remove, "remove an account")
    p.add_argument("name", help=_NAME)
    p = command(accounts, "add", cmd_accounts_add, "add an account from options")
    p.add_argument("name", help="the new account's name: letters, digits, '.', '_' and '-'")
    p.add_argument("--address", required=True, help="its e-mail address")
    p.add_argument("--display-name", default="", help="the sender name recipients see, e.g. 'Firma GmbH'")
    p.add_argument("--description", default="", help="a note for people, e.g. what the mailbox is for")
    p.add_argument("--owner", default="", help="the employee responsible for it")
    p.add_argument("--smtp-host", help="the SMTP server (none and no --sendmail: the account sends nothing)")
    p.add_argument("--smtp-port", type=int, help="default: 587 for starttls, 465 for tls, 25 for none")
    p.add_argument("--smtp-security", default="starttls", choices=("none", "starttls", "tls"), help="default starttls")
    p.add_argument("--sendmail", metavar="COMMAND", help="send through this local command instead of SMTP")
    incoming = p.add_mutually_exclusive_group()
    incoming.add_argument("--imap-host", help="receive by IMAP from this server")
    incoming.add_argument("--pop3-host", help="receive by POP3 from this server")
    p.add_argument("--in-port", type=int, help="default: IMAP 993 / POP3 995 for tls, 143 / 110 otherwise")
    p.add_argument("--in-security", default="tls", choices=("none", "starttls", "tls"), help="default tls")
    p.add_argument("--base-folder", default="INBOX", help="the IMAP folder to import (default INBOX)")
    p.add_argument("--sent-folder", help="export sent mail into this IMAP folder")
    p.add_argument(
        "--auth",
        default="password",
        choices=("none", "password", "oauth2"),
        help="how to log in (default password; oauth2: then `mailkit oauth setup`)",
    )
    p.add_argument("--login", help="user name (default: the address)")
    secret = p.add_mutually_exclusive_group()
    secret.add_argument("--password-ref", help="a secret reference: env:NAME, file:PATH, keyring:SERVICE/USER")
    secret.add_argument("--password-stdin", action="store_true", help="read the password; keep it in the workspace")
    secret.add_argument("--password-env", metavar="VAR", help="take the password from $VAR; keep it in the workspace")
    p.add_argument("--ca-file", help="a PEM file of CAs to verify the servers with (default: the system's)")
    p.add_argument("--insecure", action="store_true", help="do not verify certificates (warned about)")
    p.add_argument("--replace", action="store_true", help="overwrite an account of the same name")
    p = command(
        accounts,
        "import-kivitendo",
        cmd_import_kivitendo,
        "read accounts from kivitendo.conf's mail sections (passwords go to the workspace's secret store)",
    )
    p.add_argument("file", help="the kivitendo.conf to read")
    p.add_argument(
        "--address",
        action="append",
        help="an address the accounts send as (repeatable; default: each address with sections of its own)",
    )
    p.add_argument("--user-address", help="the kivitendo user's own address, for the sent-mail export's fall-back")
    p.add_argument("--ca-file", help="CA file to verify the servers with (default: the system's CAs)")
    p.add_argument("--replace", action="store_true", help="overwrite accounts of the same name")
    p.add_argument("--json", action="store_true")
    p = command(
        accounts,
        "export-kivitendo",
        cmd_export_kivitendo,
        "write accounts as kivitendo.conf mail sections (the first account gives the general ones)",
    )
    p.add_argument(
        "accounts",
        nargs="*",
        help="accounts to export (default: with --into, those the file names, its import mailbox first; else all)",
    )
    p.add_argument("--into", metavar="FILE", help="replace the mail sections in this kivitendo.conf, keep the rest")
    p.add_argument("--with-passwords", action="store_true", help="write passwords in plain text (warned about)")

    secrets = sub.add_parser("secrets", help="the workspace's secret store").add_subparsers(
        dest="action", required=True
    )
    p = command(secrets, "set", cmd_secrets_set, "store a secret (from the terminal or stdin) and print its reference")
    p.add_argument("key", help="its name in secrets.toml, e.g. info.password (reference workspace:info.password)")
    p.add_argument("--password-env", metavar="VAR", help="take the value from $VAR")
    p = command(secrets, "list", cmd_secrets_list, "list the stored secrets' references (never values)")
    p.add_argument("--json", action="store_true")

    p = command(sub, "check", cmd_check, "log in to each account's servers and report")
    p.add_argument("accounts", nargs="*", metavar="ACCOUNT", help="the accounts to check")
    p.add_argument("--all", action="store_true", help="every account of the workspace (at once, in parallel)")
    p.add_argument("--json", action="store_true")
