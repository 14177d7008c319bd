"""``mailkit dkim generate|record|check|sign|verify|rotate|suggest``: DKIM keys and records from a shell."""

from __future__ import annotations

from typing import TYPE_CHECKING

# The commands import what they need (network, OAuth, DKIM, the sync engine) when they run:
# `mailkit --help` and every other command stay fast.

__all__ = ["add_commands"]

import email.parser
import email.utils
import re
import sys
import warnings
from pathlib import Path

from ..errors import ConfigError
from ._common import open_workspace, print_json

if TYPE_CHECKING:
    from .. import dkim


def _print_record(record: dkim.DkimRecord, domain: str) -> None:
    print("Zone-file line:")
    print(f"  {record.zone_line()}")
    print("For a hosting panel:")
    for line in record.panel_text(domain).splitlines():
        print(f"  {line}")


def cmd_generate(args) -> int:
    from .. import dkim

    ws = open_workspace(args)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the 1024-bit warning is printed from the key's notes
        key = dkim.generate_key(ws, args.domain, args.selector, algorithm=args.algorithm, bits=args.bits)
    record = key.record(testing=args.testing)
    if args.json:
        print_json({**key.to_dict(), "record": record.to_dict()})
        return 0
    print(f"{key.algorithm.upper()} {key.bits} key for {key.record_name} written to {key.path} (mode 0600).")
    for note in key.notes:
        print(f"Note: {note}")
    _print_record(record, key.domain)
    print(f"Then check it: mailkit dkim check --domain {key.domain} --selector {key.selector}")
    return 0


def cmd_record(args) -> int:
    from .. import dkim

    key = dkim.load_key(open_workspace(args), args.domain, args.selector)
    record = key.record(testing=args.testing)
    if args.json:
        print_json(record.to_dict())
    else:
        _print_record(record, key.domain)
    return 0


def cmd_check(args) -> int:
    from .. import dkim

    verdict = dkim.check_published(open_workspace(args), args.domain, args.selector)
    if args.json:
        print_json(verdict.to_dict())
    else:
        print(f"{verdict.level.upper():<5} {verdict}")
    return 1 if verdict.level == "fail" else 0


_HEADER_LINE = re.compile(rb"^[!-9;-~]+:")


def _read_message(path: str) -> bytes:
    """A message file (or stdin), refused unless it starts with a header line like ``From: ...``."""
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the message {path}: {exc.strerror}") from None
    if not _HEADER_LINE.match(data):
        raise ConfigError(f"{path} is not a mail message: it should start with header lines like 'From: ...'")
    return data


def cmd_sign(args) -> int:
    from .. import dkim

    ws = open_workspace(args)
    data = _read_message(args.file)
    domain = args.domain
    if not domain:
        headers = email.parser.BytesHeaderParser().parsebytes(data)
        domain = email.utils.parseaddr(str(headers.get("From", "")))[1].rpartition("@")[2]
        if not domain:
            raise ConfigError("the message has no From address to take the domain from: give --domain D")
    selector = args.selector or (ws.get(args.account).dkim_selector if args.account else None)
    if not selector:  # the selector of the accounts that send as this domain, when they agree on one
        found = {a.dkim_selector for a in ws.accounts.values() if a.dkim_selector and a.address.endswith("@" + domain)}
        selector = found.pop() if len(found) == 1 else None
    if not selector:
        raise ConfigError("name the selector: --selector S, or --account A of an account with dkim_selector")
    signed = dkim.sign_message(data, ws, domain=domain, selector=selector)
    header = signed[: len(signed) - len(data)].decode("ascii", "replace")  # the DKIM-Signature put in front
    print_json({"domain": domain, "selector": selector, "output": args.output, "dkim_signature": header})
    if args.output:
        Path(args.output).write_bytes(signed)
        print(f"signed with {selector}._domainkey.{domain}; written to {args.output}")
    elif not args.json:  # with --json the header is in the envelope; the message is the input behind it
        sys.stdout.buffer.write(signed)
    return 0


def cmd_verify(args) -> int:
    from .. import dkim

    result = dkim.verify_message(_read_message(args.file), open_workspace(args))
    if args.json:
        print_json(result.to_dict())
    elif result.ok:
        print(f"PASS  signed by {result.domain} (selector {result.selector}, {result.algorithm})")
    else:
        print(f"FAIL  {result.reason}")
    return 0 if result.ok else 1


def cmd_rotate(args) -> int:
    from .. import dkim

    rotation = dkim.rotate_key(open_workspace(args), args.domain, args.old, args.new)
    if args.json:
        print_json(rotation.to_dict())
        return 0
    for title, key in (("Current", rotation.old), ("New", rotation.new)):
        print(f"{title} selector {key.selector} ({key.algorithm} {key.bits}, {key.path}):")
        _print_record(key.record(), key.domain)
    print("Steps:")
    for step in rotation.steps:
        print(f"  {step}")
    return 0


def cmd_suggest(args) -> int:
    from .. import dkim

    ws = open_workspace(args)
    spf = dkim.suggest_spf(args.domain, dkim.sending_hosts(ws, args.domain))
    dmarc = dkim.suggest_dmarc(args.domain, policy=args.dmarc_policy)
    if args.json:
        print_json({"spf": spf.to_dict(), "dmarc": dmarc.to_dict()})
        return 0
    for title, suggestion in (("SPF", spf), ("DMARC", dmarc)):
        print(f"{title}:")
        _print_record(suggestion.record, args.domain)
        for note in suggestion.notes:
            print(f"  - {note}")
    return 0


#: :data:`mailkit.dkim.ALGORITHMS`, spelled out: importing that module costs what `--help` must not
DKIM_ALGORITHMS = ("rsa", "ed25519")


def add_commands(sub, command) -> None:
    group = sub.add_parser("dkim", help="DKIM keys, DNS records, checks, signing").add_subparsers(
        dest="action", required=True
    )

    def key_args(p, testing=False):
        p.add_argument("--domain", required=True, help="the signing domain, e.g. firma.de")
        p.add_argument(
            "--selector", required=True, help="the selector, e.g. mk2026 (the record is SELECTOR._domainkey)"
        )
        if testing:
            p.add_argument("--testing", action="store_true", help="t=y in the record: receivers go easy while testing")
        p.add_argument("--json", action="store_true")

    p = command(group, "generate", cmd_generate, "generate a key pair and print its DNS record")
    key_args(p, testing=True)
    p.add_argument("--algorithm", choices=DKIM_ALGORITHMS, default="rsa", help="rsa (default) or ed25519")
    p.add_argument("--bits", type=int, default=2048, help="RSA size: 2048 (default), 3072, 4096; 1024 warns")
    key_args(command(group, "record", cmd_record, "print the DNS record of a key"), testing=True)
    key_args(command(group, "check", cmd_check, "compare the published record with the key"))
    p = command(group, "sign", cmd_sign, "sign a message file (- for stdin) with a key of the workspace")
    p.add_argument("file", help="the message (RFC 5322, as sent), - for stdin")
    p.add_argument("--selector", help="the key's selector (or --account)")
    p.add_argument("--domain", help="default: the From address's domain")
    p.add_argument("--account", help="take the selector from this account's dkim_selector")
    p.add_argument("-o", "--output", help="write the signed message here (default: stdout; with --json not at all)")
    p = command(group, "verify", cmd_verify, "verify a message's DKIM signature through DNS")
    p.add_argument("file", help="the message as received (with its DKIM-Signature header), - for stdin")
    p.add_argument("--json", action="store_true")
    p = command(group, "rotate", cmd_rotate, "a new selector next to the old one, both records and the steps")
    p.add_argument("--domain", required=True, help="the signing domain")
    p.add_argument("--old", required=True, help="the selector in use")
    p.add_argument("--new", help="the new selector (default: mkYYYYMM)")
    p.add_argument("--json", action="store_true")
    p = command(group, "suggest", cmd_suggest, "SPF and DMARC records for the domain, from the accounts' servers")
    p.add_argument("--domain", required=True, help="the domain the accounts send for")
    p.add_argument(
        "--dmarc-policy",
        choices=("none", "quarantine", "reject"),
        default="none",
        help="the DMARC policy to suggest (default none: report only)",
    )
    p.add_argument("--json", action="store_true")
