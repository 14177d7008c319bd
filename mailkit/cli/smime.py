"""``mailkit smime import|trust|list|show|selfsign|export|forget|verify|decrypt``: S/MIME certificates and keys.

The S/MIME service (and cryptography under it) is imported by the commands, not here: building the parser
stays light.
"""

from __future__ import annotations

__all__ = ["add_commands"]

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError
from ._common import address as address_type
from ._common import open_workspace, print_json

if TYPE_CHECKING:
    from .. import smime


def _read(path: str, what: str) -> bytes:
    try:
        return sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        shown = path.encode("unicode_escape").decode("ascii")  # one line, whatever the name holds
        raise ConfigError(f"cannot read the {what} {shown}: {exc.strerror}") from None


def _password(args, ws) -> str | None:
    if args.password_env:
        value = os.environ.get(args.password_env)
        if value is None:
            raise ConfigError(f"environment variable {args.password_env} is not set")
        return value
    return ws.resolve_secret(args.password_ref).reveal() if args.password_ref else None


def _holds_key(data: bytes) -> bool:
    from cryptography import x509

    if b"-----BEGIN" in data:
        return b"PRIVATE KEY-----" in data
    try:
        x509.load_der_x509_certificate(data)
    except ValueError:
        return True  # not a DER certificate: PKCS#12
    return False


def _print_info(info: dict) -> None:
    names = ("kind", "address", "source", "addresses", "subject", "issuer", "not_before", "not_after", "key_type")
    for name in (*names, "fingerprint", "capabilities", "revoked", "key_file"):
        if name in info and info[name] not in (None, False, []):
            value = ", ".join(info[name]) if isinstance(info[name], list) else info[name]
            print(f"  {name:<12} {value}")
    if info.get("revocation"):
        print(f"  {'revocation':<12} {info['revocation']['state']}: {info['revocation']['reason']}")


def cmd_import(args) -> int:
    from .. import smime

    ws = open_workspace(args)
    store = smime.CertStore(ws)
    data = _read(args.file, "certificate file")
    key_data = _read(args.key, "key file") if args.key else None
    if key_data is None and not _holds_key(data):
        people = [store.add_person(c, "imported") for c in smime.load_certificates(data, args.file)]
        if args.json:
            print_json([{**p.to_dict(), "new": new} for p, new in people])
        for person, new in people if not args.json else ():
            print(
                f"{'imported' if new else 'known already'}: {', '.join(person.info.addresses) or person.info.subject}"
            )
            _print_info(person.to_dict())
        return 0
    if not args.account:
        raise ConfigError("the file holds a private key: name the account it belongs to with --account NAME")
    account = ws.get(args.account)
    bundle = smime.load_bundle(data, args.file, _password(args, ws), key_data)
    address = args.address or (account.address if account.address.lower() in bundle.info.addresses else None)
    identity = store.import_identity(bundle, address)
    if args.json:
        print_json(identity.to_dict())
        return 0
    print(f"S/MIME certificate for {identity.address} stored; its key in {identity.key_file} (mode 0600)")
    _print_info(identity.to_dict())
    if bundle.info.self_signed:
        print(f"Warning: {smime.SELF_SIGNED_WARNING}")
    return 0


def cmd_trust(args) -> int:
    from .. import smime

    ws = open_workspace(args)
    ws.get(args.account)
    infos = smime.CertStore(ws).trust(args.account, smime.load_certificates(_read(args.file, "CA file"), args.file))
    if args.json:
        print_json([i.to_dict() for i in infos])
    else:
        for info in infos:
            print(f"trusted for {args.account}: {info.subject} ({info.fingerprint[:16]})")
    return 0


def _entries(store: smime.CertStore, account: str | None) -> list[dict]:
    """Own certificates, anchors and correspondents'; the first and last with their revocation state."""
    from .. import smime

    checker = smime.RevocationChecker(store)

    def revocation(cert) -> dict | None:
        info = smime.describe(cert)
        if info.self_signed or not info.valid_at():
            return None  # no CA to ask, or not used anyway
        return checker.status(cert).to_dict()

    entries = [{**i.to_dict(), "revocation": revocation(i.cert)} for i in store.identities()]
    accounts = [account] if account else sorted(store.workspace.accounts)
    for name in accounts:
        entries += [{"kind": "anchor", "account": name, **smime.describe(c).to_dict()} for c in store.own_anchors(name)]
    for person in store.people():
        state = revocation(person.cert)
        revoked = person.revoked or bool(state and state["state"] == "revoked")
        entries.append(person.to_dict() | {"revocation": state, "revoked": revoked})
    return entries


def cmd_list(args) -> int:
    from .. import smime

    ws = open_workspace(args)
    if args.account:
        ws.get(args.account)
    entries = _entries(smime.CertStore(ws), args.account)
    if args.json:
        print_json(entries)
        return 0
    if not entries:
        print("no S/MIME certificates yet: `mailkit smime import FILE --account NAME` or `mailkit smime selfsign`")
    doubts = []
    for e in entries:
        who = e.get("address") or e.get("account") or ", ".join(e["addresses"]) or e["subject"]
        state = (e.get("revocation") or {}).get("state")
        tag = e["kind"] + (f"/{e['source']}" if "source" in e else "") + (" REVOKED" if state == "revoked" else "")
        tag += " gcm" if "aes256_gcm" in e.get("capabilities", ()) else ""
        print(f"{tag:<18} {who:<32} until {e['not_after'][:10]}  {e['fingerprint'][:16]}")
        if state == "unknown":
            doubts.append(f"warning: {who}: {e['revocation']['reason']}")
    for line in dict.fromkeys(doubts):
        print(line)
    return 0


def _matching(store: smime.CertStore, what: str) -> list[dict]:
    what = what.lower().replace(":", "")
    return [
        e
        for e in _entries(store, None)
        if what in (e.get("address"), *e["addresses"]) or (len(what) >= 8 and e["fingerprint"].startswith(what))
    ]


def cmd_show(args) -> int:
    from .. import smime

    found = _matching(smime.CertStore(open_workspace(args)), args.what)
    if not found:
        raise ConfigError(f"no S/MIME certificate for {args.what!r}: see `mailkit smime list`")
    if args.json:
        print_json(found)
    else:
        for entry in found:
            print(entry.get("address") or entry["subject"])
            _print_info(entry)
    return 0


def cmd_selfsign(args) -> int:
    from .. import smime

    ws = open_workspace(args)
    account = ws.get(args.account)
    address = args.address or account.address
    bundle = smime.self_signed(address, account.display_name, days=args.days)
    identity = smime.CertStore(ws).import_identity(bundle, address)
    if args.json:
        print_json({**identity.to_dict(), "warning": smime.SELF_SIGNED_WARNING})
    else:
        print(f"self-signed S/MIME certificate for {address}, valid {args.days} days; key in {identity.key_file}")
        print(f"Warning: {smime.SELF_SIGNED_WARNING}")
    return 0


def cmd_export(args) -> int:
    """The certificate (and an own one's chain) as PEM: for correspondents. The private key never leaves."""
    from cryptography.hazmat.primitives import serialization

    from .. import smime

    store = smime.CertStore(open_workspace(args))
    identity = store.identity(args.what) if "@" in args.what else None
    if identity is not None:
        certs = [identity.cert, *identity.chain]
    else:
        people = store.find(args.what)
        if not people:
            raise ConfigError(f"no S/MIME certificate for {args.what!r}: see `mailkit smime list`")
        certs = [p.cert for p in people]
    pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)  # the certificates, never a key
    print_json({"certificates": len(certs), "output": args.output, "pem": pem.decode("ascii")})
    if args.output:
        Path(args.output).write_bytes(pem)
        print(f"{len(certs)} certificate(s) written to {args.output}")
    elif not args.json:  # with --json the PEM is in the envelope
        sys.stdout.buffer.write(pem)
    return 0


def cmd_forget(args) -> int:
    from .. import smime

    store = smime.CertStore(open_workspace(args))
    done: int | bool
    if args.own:
        done = store.forget_identity(args.what)
        what = f"own certificate and key of {args.what}"
    elif args.account:
        done = store.untrust(args.account, args.what)
        what = f"trust anchor {args.what} of {args.account}"
    elif args.revoked:
        done = store.revoke(args.what)
        what = f"{done} certificate(s) marked revoked (kept, never used)"
    else:
        done = store.forget_person(args.what)
        what = f"{done} correspondent certificate(s) removed"
    if args.json:
        print_json({"done": bool(done), "what": what})
    else:
        print(what if done else f"nothing matched {args.what!r} (fingerprints need at least 8 hex digits)")
    return 0 if done else 1


def _message(args, ws) -> tuple[bytes, str | None]:
    if args.row is not None:
        with ws.open_journal() as journal:  # the workspace's [journal] url: SQLite or PostgreSQL
            return journal.raw(args.row), journal.message_row(args.row)["account"]
    if not args.file:
        raise ConfigError("give a message file (- for stdin) or --row N of the journal")
    return _read(args.file, "message"), None


def cmd_verify(args) -> int:
    import email.parser
    import email.utils

    from .. import smime

    ws = open_workspace(args)
    raw, row_account = _message(args, ws)
    account = args.account or row_account
    if not account:
        raise ConfigError("name the account whose trust anchors apply: --account NAME")
    ws.get(account)
    sender = email.utils.parseaddr(str(email.parser.BytesHeaderParser().parsebytes(raw).get("From", "")))[1]
    result = smime.examine(raw, ws, account, sender or None, harvest=not args.no_harvest)
    if args.json:
        print_json(result.to_dict())
    else:
        print(f"{result.status.upper():<9} " + (f"signed by {result.signer}" if result.signer else "not signed"))
        if result.encrypted:
            print("  encrypted" + (", decrypted with an own key" if result.decrypted else ""))
        if result.reason:
            print(f"  {result.reason}")
        if result.warning:
            print(f"  warning: {result.warning}")
        if result.harvested:
            print("  the signer's certificate was added to the store")
    return 0 if result.status in ("valid", "none") and not (result.encrypted and not result.decrypted) else 1


def cmd_decrypt(args) -> int:
    from .. import smime
    from ..journal.parse import parse_message

    ws = open_workspace(args)
    raw, _ = _message(args, ws)
    plain = smime.decrypt_message(raw, ws)
    if args.json:
        parsed = parse_message(plain)
        print_json(
            {
                "subject": parsed.subject,
                "from": parsed.from_addr,
                "attachments": [{"name": a.name, "mime_type": a.mime_type, "size": a.size} for a in parsed.attachments],
                "size": len(plain),
            }
        )
    elif args.output:
        from ..secrets import write_private

        write_private(Path(args.output), plain)
        print(f"decrypted message written to {args.output} (mode 0600)")
    else:
        sys.stdout.buffer.write(plain)
    return 0


def add_commands(sub, command) -> None:
    group = sub.add_parser("smime", help="S/MIME certificates and keys, verifying and decrypting").add_subparsers(
        dest="action", required=True
    )
    p = command(group, "import", cmd_import, "import an own PKCS#12 / PEM key and chain, or correspondents' certs")
    p.add_argument("file", help=".p12/.pfx, PEM with key and chain, or certificates (PEM/DER) of correspondents")
    p.add_argument("--account", help="the account an own certificate belongs to")
    p.add_argument("--address", type=address_type, help="the sender address it signs for (default: the account's)")
    p.add_argument("--key", help="the private key in a separate PEM file")
    p.add_argument("--password-env", metavar="VAR", help="the PKCS#12 or key password from this variable")
    p.add_argument("--password-ref", metavar="REF", help="... or from a secret reference (workspace:KEY, env:VAR)")
    p.add_argument("--json", action="store_true")
    p = command(group, "trust", cmd_trust, "trust a CA certificate for an account's signature checks")
    p.add_argument("file", help="the CA certificate (PEM or DER)")
    p.add_argument("--account", required=True, help="the account whose signature checks trust it")
    p.add_argument("--json", action="store_true")
    p = command(group, "list", cmd_list, "own certificates, trust anchors and correspondents' certificates")
    p.add_argument("--account", help="only this account's trust anchors")
    p.add_argument("--json", action="store_true")
    p = command(group, "show", cmd_show, "the details of the certificates of an address or fingerprint")
    p.add_argument(
        "what", metavar="ADDRESS|FINGERPRINT", help="an e-mail address or a certificate's SHA-256 fingerprint"
    )
    p.add_argument("--json", action="store_true")
    p = command(group, "selfsign", cmd_selfsign, "make a self-signed certificate (recipients see a warning)")
    p.add_argument("--account", required=True, help="the account the certificate is for")
    p.add_argument("--address", type=address_type, help="default: the account's address")
    p.add_argument("--days", type=int, default=365, help="how long it is valid (default 365 days)")
    p.add_argument("--json", action="store_true")
    p = command(group, "export", cmd_export, "write a certificate as PEM for correspondents (never the key)")
    p.add_argument(
        "what", metavar="ADDRESS|FINGERPRINT", help="an e-mail address or a certificate's SHA-256 fingerprint"
    )
    p.add_argument("-o", "--output", help="the PEM file to write (default: stdout)")
    p = command(group, "forget", cmd_forget, "remove a correspondent's certificate, a trust anchor or an own key")
    p.add_argument(
        "what", metavar="FINGERPRINT|ADDRESS", help="a certificate's SHA-256 fingerprint or, with --own, an address"
    )
    p.add_argument("--revoked", action="store_true", help="keep it, marked revoked, so it is never used")
    p.add_argument("--account", help="remove this account's trust anchor with the fingerprint")
    p.add_argument("--own", action="store_true", help="remove the own certificate and private key of ADDRESS")
    p.add_argument("--json", action="store_true")
    for name, func, text in (
        ("verify", cmd_verify, "check the S/MIME signature of a message file or journal row"),
        ("decrypt", cmd_decrypt, "decrypt an encrypted message file or journal row with an own key"),
    ):
        p = command(group, name, func, text)
        p.add_argument("file", nargs="?", help="the message file (- for stdin)")
        p.add_argument("--row", type=int, help="a message of the journal by its row id")
        if name == "verify":
            p.add_argument("--account", help="whose trust anchors apply (default: the row's account)")
            p.add_argument("--no-harvest", action="store_true", help="do not add a valid signer's certificate")
        else:
            p.add_argument("-o", "--output", help="write the decrypted message here (mode 0600)")
        p.add_argument("--json", action="store_true")
