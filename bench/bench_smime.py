"""S/MIME benchmark: sign, encrypt, verify and decrypt per message, mailkit against ``openssl cms`` (one
process per message, as a shell script or an ERP calling the CLI does) and OpenSSL's own time per message
in one batch-free call.

Run: ``.venv/bin/python bench/bench_smime.py [--messages 100]``. Not a test: figures vary with the machine.

Corpus: a ~4 KB quoted-printable invoice mail composed by :func:`mailkit.send.compose.compose` with a
PDF-sized (40 KB) attachment, signed by an RSA-2048 certificate from a throw-away CA (the sandbox's, whose
revocation list is served on loopback and named in the certificate), encrypted for one RSA-2048 recipient
with AES-256-GCM (the recipient is the workspace's own, so mailkit picks GCM; openssl is asked for the
same). mailkit's verify includes the chain check, the signer-address check and the revocation check
against the cached list; sign and encrypt check the certificates' revocation too; openssl's ``-verify``
does its chain check only.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mailkit.sandbox.ca import SandboxCA
from mailkit.sandbox.revocation import RevocationServer
from mailkit.send.compose import Attachment, DocumentMail, compose
from mailkit.smime import Bundle, CertStore, decrypt_message, examine, protect
from mailkit.workspace import Workspace

PEM = serialization.Encoding.PEM


def _mail(number: int) -> bytes:
    text = "".join(f"Position {i}: Zahnrad Typ {i * 7}, 12 Stück à 4,20 EUR\n" for i in range(80))
    mail = DocumentMail(
        "invoice",
        ["einkauf@kunde.test"],
        f"Rechnung 2026-{number:04d}",
        text,
        attachments=[Attachment("rechnung.pdf", os.urandom(40_000), "application/pdf")],
    )
    return compose(mail, sender="info@bench.test").data


def _timed(label: str, count: int, work) -> float:
    began = time.perf_counter()
    for number in range(count):
        work(number)
    per = (time.perf_counter() - began) / count * 1000
    print(f"{label:<44} {per:8.2f} ms/message")
    return per


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100)
    count = parser.parse_args().messages
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ca = SandboxCA(folder / "ca")
        revocation = RevocationServer(ca).start()  # the certificate names its list: checked as in real use
        ws = Workspace.create(folder / "ws")
        store = CertStore(ws)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        identity = store.import_identity(Bundle(ca.issue_email("info@bench.test", key.public_key()), (), key))
        store.trust("info", [ca.certificate])
        (folder / "cert.pem").write_bytes(identity.cert.public_bytes(PEM))
        (folder / "key.pem").write_bytes(identity.key_file.read_bytes())
        mails = [_mail(n) for n in range(count)]
        signed = [protect(m, ws, sender="info@bench.test", recipients=[], sign=True, encrypt="never")[0] for m in mails]
        sealed = [
            protect(m, ws, sender="info@bench.test", recipients=["info@bench.test"], sign=False, encrypt="always")[0]
            for m in mails
        ]
        (folder / "m.eml").write_bytes(mails[0])
        (folder / "s.eml").write_bytes(signed[0])
        (folder / "e.eml").write_bytes(sealed[0])
        print(f"corpus: {count} invoice mails of {len(mails[0]):,} bytes")

        def cms(*args: str) -> None:
            subprocess.run(["openssl", "cms", *args], check=True, capture_output=True)

        def sign(n):
            protect(mails[n], ws, sender="info@bench.test", recipients=[], sign=True, encrypt="never")

        def encrypt(n):
            protect(
                mails[n], ws, sender="info@bench.test", recipients=["info@bench.test"], sign=False, encrypt="always"
            )

        rows = [
            ("sign", sign, ("-sign", "-in", "m.eml", "-signer", "cert.pem", "-inkey", "key.pem", "-out", "o")),
            ("verify", lambda n: examine(signed[n], ws, "info", "info@bench.test", harvest=False),
             ("-verify", "-in", "s.eml", "-CAfile", "ca/ca.pem", "-out", "o")),
            ("encrypt", encrypt, ("-encrypt", "-aes-256-gcm", "-in", "m.eml", "-out", "o", "cert.pem")),
            ("decrypt", lambda n: decrypt_message(sealed[n], ws),
             ("-decrypt", "-in", "e.eml", "-recip", "cert.pem", "-inkey", "key.pem", "-out", "o")),
        ]  # fmt: skip
        os.chdir(folder)
        for name, ours, theirs in rows:
            mine = _timed(f"mailkit {name}", count, ours)
            other = _timed(f"openssl cms {theirs[0]} (a process per mail)", count, lambda n, a=theirs: cms(*a))
            print(f"{'':<44} ratio mailkit/openssl {mine / other:.2f}")
        revocation.stop()


if __name__ == "__main__":
    main()
