"""Every setting from the command line, no hand-edited ``mailkit.toml``.

``accounts set NAME key=value ...`` changes an account's fields by their dotted names (those
``accounts show`` prints); ``users``, ``groups``, ``senders``, ``signature`` and ``policy`` edit
desk4's and OpenXE's sender settings. Each change goes through the model's own reading and
validation, so a wrong value gets the message the account form and ``mailkit.toml`` get.
"""

from __future__ import annotations

__all__ = ["add_commands", "assign"]

import argparse
import dataclasses
import typing
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..model import (
    Account,
    Employee,
    Group,
    Project,
    SendPolicy,
    account_from_dict,
    account_to_dict,
    field_type,
    from_dict,
    is_optional,
    to_dict,
)
from ._common import open_workspace, print_json

_TRUE, _FALSE = {"true", "yes", "on", "1"}, {"false", "no", "off", "0"}


def _value(hint: Any, text: str, key: str) -> Any:
    """``text`` as the field's type: numbers, true/false, lists separated by commas; empty is unset."""
    if text == "" and is_optional(hint):
        return None
    if is_optional(hint):
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    if hint is bool:
        if text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        raise ConfigError(f"{key}={text}: give true or false")
    if hint in (int, float):
        try:
            return hint(text)
        except ValueError:
            raise ConfigError(f"{key}={text}: give a number") from None
    if typing.get_origin(hint) is tuple:
        return [part.strip() for part in text.split(",") if part.strip()]
    if dataclasses.is_dataclass(hint) or typing.get_origin(hint) is dict:
        raise ConfigError(f"{key}: is a table; set its fields, e.g. {key}.FIELD=VALUE")
    return text


def assign(cls: type, data: dict, assignments: list[str]) -> dict[str, Any]:
    """Apply ``key=value`` assignments to ``data`` (a ``cls`` as a plain dict); returns what was set."""
    changed: dict[str, Any] = {}
    for assignment in assignments:
        key, sep, text = assignment.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{assignment!r}: write KEY=VALUE, e.g. sending.port=587")
        path = key.strip().split(".")
        value = _value(field_type(cls, path), text, key)
        node = data
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"{key}: {part!r} is not a table")
        if value is None:
            node.pop(path[-1], None)
        else:
            node[path[-1]] = value
        changed[key.strip()] = value
    return changed


def _shown(value) -> str:
    """A set value as the user typed it: lists with commas, an unset field as (unset)."""
    if value is None:
        return "(unset)"
    return ", ".join(value) if isinstance(value, list) else str(value)


def cmd_accounts_set(args) -> int:
    workspace = open_workspace(args)
    account = workspace.get(args.name)
    data = account_to_dict(account)
    changed = assign(Account, data, args.assignments)
    updated = account_from_dict(account.name, data).validate()
    workspace.update(updated)
    workspace.save()
    warnings = [str(w) for w in updated.warnings()]
    print_json({"name": account.name, "changed": changed, "warnings": warnings})
    for key, value in changed.items():
        print(f"{account.name}: {key} = {_shown(value)}")
    for warning in warnings:
        print(f"warning: {warning}")
    return 0


# -- tables of the workspace: users, groups, projects -----------------------------------------------
_TABLES = {"users": Employee, "groups": Group}


def cmd_table_list(args) -> int:
    table = getattr(open_workspace(args), args.table)
    rows = {name: to_dict(item) for name, item in sorted(table.items())}
    print_json(rows)
    if not rows:
        print(f"No {args.table} yet: `mailkit {args.table} set NAME key=value` adds one.")
    for name, fields in rows.items():
        print(
            f"{name:<16} " + "  ".join(f"{k}={', '.join(v) if isinstance(v, list) else v}" for k, v in fields.items())
        )
    return 0


def cmd_table_set(args) -> int:
    workspace = open_workspace(args)
    table, kind = getattr(workspace, args.table), _TABLES[args.table]
    data = to_dict(table[args.name]) if args.name in table else {}
    changed = assign(kind, data, args.assignments)
    item = from_dict(kind, data, f"{args.table}.{args.name}")
    problems = item.problems(f"{args.table}.{args.name}") if hasattr(item, "problems") else []
    if problems:
        raise ConfigError(f"{args.table}.{args.name} is invalid:", problems)
    table[args.name] = item
    workspace.save()
    print_json({"name": args.name, "changed": changed})
    print(f"{args.table}.{args.name}: " + "; ".join(f"{k} = {_shown(v)}" for k, v in changed.items()))
    return 0


def cmd_table_remove(args) -> int:
    workspace = open_workspace(args)
    table = getattr(workspace, args.table)
    if args.name not in table:
        raise ConfigError(f"no {args.table} entry {args.name!r} (known: {', '.join(sorted(table)) or 'none'})")
    del table[args.name]
    workspace.save()
    print_json({"name": args.name, "removed": True})
    print(f"{args.table}.{args.name} removed.")
    return 0


# -- senders per document type --------------------------------------------------------------------
def cmd_senders(args) -> int:
    workspace = open_workspace(args)
    account = workspace.get(args.account)
    if args.assignments:
        data = account_to_dict(account)
        data.setdefault("senders", {})
        for assignment in args.assignments:
            doc_type, sep, address = assignment.partition("=")
            if not sep or not doc_type:
                raise ConfigError(f"{assignment!r}: write DOCUMENT_TYPE=ADDRESS, e.g. invoice=rechnung@firma.de")
            if address:
                data["senders"][doc_type] = address
            else:
                data["senders"].pop(doc_type, None)
        account = account_from_dict(account.name, data).validate()
        workspace.update(account)
        workspace.save()
    print_json({"account": account.name, "address": account.address, "senders": account.senders})
    print(f"{account.name}: every document type not listed sends as {account.address}")
    for doc_type, address in sorted(account.senders.items()):
        print(f"  {doc_type:<12} {address}")
    return 0


# -- signatures -------------------------------------------------------------------------------------
def _read_text(path: str | None) -> str | None:
    if path is None:
        return None
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text: save it as UTF-8") from None


def cmd_signature(args) -> int:
    workspace = open_workspace(args)
    text = args.text if args.text is not None else _read_text(args.file)
    html = _read_text(args.html_file)
    changes: dict[str, str] = {k: v for k, v in (("signature", text), ("signature_html", html)) if v is not None}
    current: Any  # an Account, Project or Company: each has signature and signature_html
    if args.account:
        current = workspace.get(args.account)
        owner = f"account {current.name}"
    elif args.project:
        current = workspace.projects.get(args.project, Project())
        owner = f"project {args.project}"
    else:
        current, owner = workspace.company, "the company"
    updated = dataclasses.replace(current, **changes)
    if changes:
        if args.account:
            workspace.update(updated)
        elif args.project:
            workspace.projects[args.project] = updated
        else:
            workspace.company = updated
        workspace.save()
    print_json({"owner": owner, "signature": updated.signature, "signature_html": updated.signature_html})
    print(f"Signature of {owner}" + (" (saved)" if changes else "") + ":")
    print(updated.signature or "(none: the next level's applies: account, then project, then company)")
    return 0


def cmd_policy(args) -> int:
    workspace = open_workspace(args)
    data = to_dict(workspace.policy)
    changed = assign(SendPolicy, data, args.assignments or [])
    if changed:
        policy = from_dict(SendPolicy, data, "policy")
        problems = policy.problems()
        if problems:
            raise ConfigError("policy is invalid:", problems)
        workspace.policy = policy
        workspace.save()
    print_json(to_dict(workspace.policy) | {"changed": changed})
    print(f"bcc_archive = {workspace.policy.bcc_archive or '(none)'}\nclerk_cc = {workspace.policy.clerk_cc}")
    return 0


def add_commands(sub, command) -> None:
    group = sub.choices["accounts"]  # argparse has no public way to reach a parser's subcommands
    accounts = next(a for a in group._actions if isinstance(a, argparse._SubParsersAction))
    p = command(
        accounts,
        "set",
        cmd_accounts_set,
        "change an account's fields in mailkit.toml by their names in `accounts show`, e.g. sending.port=465 "
        "sending.security=tls display_name='Firma GmbH' dkim_selector=mk2026 senders.invoice=rechnung@firma.de "
        "(an empty value unsets an optional field); checked like the account form",
    )
    p.add_argument("name", help="the account's name in mailkit.toml")
    p.add_argument(
        "assignments", nargs="+", metavar="KEY=VALUE", help="a field by its dotted name; an empty value unsets it"
    )

    for table, what in (("users", "the ERP's users: name, e-mail, groups, senders they may use"),
                        ("groups", "groups of users and the sender addresses all of them may use")):  # fmt: skip
        group = sub.add_parser(table, help=what, description=what).add_subparsers(dest="action", required=True)
        p = command(group, "list", cmd_table_list, f"list the {table} in mailkit.toml")
        p.set_defaults(table=table)
        fields = ", ".join(f.name for f in dataclasses.fields(_TABLES[table]))
        p = command(group, "set", cmd_table_set, f"add or change one of the {table} in mailkit.toml (fields: {fields})")
        p.set_defaults(table=table)
        p.add_argument("name", help=f"the entry's name in [{table}] of mailkit.toml (made if new)")
        p.add_argument("assignments", nargs="+", metavar="KEY=VALUE", help="lists separated by commas")
        p = command(group, "remove", cmd_table_remove, f"remove one of the {table} from mailkit.toml")
        p.set_defaults(table=table)
        p.add_argument("name", help=f"the entry's name in [{table}] of mailkit.toml")

    p = command(
        sub,
        "senders",
        cmd_senders,
        "show or set an account's sender address per document type (desk4), in mailkit.toml",
    )
    p.add_argument("account", help="the account's name in mailkit.toml")
    p.add_argument(
        "assignments", nargs="*", metavar="TYPE=ADDRESS", help="e.g. invoice=rechnung@firma.de; empty removes"
    )

    p = command(
        sub,
        "signature",
        cmd_signature,
        "show or set a signature (OpenXE's order: account, else project, else company) in mailkit.toml",
    )
    owner = p.add_mutually_exclusive_group()
    owner.add_argument("--account", help="the account's own signature")
    owner.add_argument("--project", help="a project's signature")
    text = p.add_mutually_exclusive_group()
    text.add_argument("--text", help="the plain-text signature ({MITARBEITER_NAME} and the like are filled in)")
    text.add_argument("--file", help="read the plain-text signature from this UTF-8 file")
    p.add_argument("--html-file", help="read the HTML signature from this UTF-8 file")

    p = command(sub, "policy", cmd_policy, "show or set the sending policy: bcc_archive=ADDRESS, clerk_cc=true|false")
    p.add_argument("assignments", nargs="*", metavar="KEY=VALUE", help="none: show the policy")
