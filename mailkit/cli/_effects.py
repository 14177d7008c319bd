"""What each command reads and what it changes: files, the journal, the servers.

Each text is the last paragraph of the command's ``--help``. A new command gets its line here
(``tests/unit/test_cli_help.py`` names a command without one). "The workspace" is the ``-w``
folder: ``mailkit.toml`` (settings, no secrets), ``secrets.toml`` (0600), ``journal.sqlite`` (or
the PostgreSQL journal of ``[journal] url``) and ``keys/``.
"""

from __future__ import annotations

__all__ = ["EFFECTS"]

_NOTHING = "Changes nothing."
_TOML = "Reads and rewrites mailkit.toml (comments and order are not kept); nothing else."
_CRL = (
    "fetches the CAs' revocation lists over HTTP (5 s timeout) into keys/smime/crl/ and marks a revoked "
    "certificate in keys/smime/people.json"
)

#: command words -> what it reads and writes
EFFECTS: dict[str, str] = {
    "init": "Makes DIR (default: the workspace, mode 0700) with an empty mailkit.toml and a .gitignore "
    "that keeps secrets.toml, the journal and keys/ out of git; an existing workspace is only opened.",
    "accounts list": f"Reads mailkit.toml. {_NOTHING}",
    "accounts show": f"Reads mailkit.toml; passwords and client secrets appear as references only. {_NOTHING}",
    "accounts remove": f"{_TOML} Its secrets, journal entries and keys stay.",
    "accounts add": "Writes the account to mailkit.toml; with --password-stdin or --password-env the password "
    "goes to secrets.toml (0600) and mailkit.toml holds its reference. Talks to no server.",
    "accounts import-kivitendo": "Reads FILE (UTF-8, else Windows-1252 or Latin-1, detected); writes the "
    "accounts to mailkit.toml and their passwords to secrets.toml. Talks to no server.",
    "accounts export-kivitendo": "Reads mailkit.toml (and secrets.toml only with --with-passwords); prints the "
    "sections, or with --into rewrites that file's mail sections in its own encoding and keeps the rest.",
    "accounts set": _TOML,
    "accounts receive": _TOML + " The server's mail is not touched until the next sync.",
    "secrets set": "Reads the value from the terminal (not echoed), stdin or --password-env; writes it to "
    "secrets.toml (0600) and prints its reference, never the value.",
    "secrets list": f"Reads secrets.toml and prints the references, never a value. {_NOTHING}",
    "check": "Reads mailkit.toml and secrets.toml; logs in to each account's SMTP and IMAP/POP3 server and "
    "logs out. Sends no mail and changes no mailbox; only an OAuth2 token may be cached in secrets.toml.",
    "users list": f"Reads mailkit.toml. {_NOTHING}",
    "users set": _TOML,
    "users remove": _TOML,
    "groups list": f"Reads mailkit.toml. {_NOTHING}",
    "groups set": _TOML,
    "groups remove": _TOML,
    "senders": "Reads mailkit.toml; with TYPE=ADDRESS rewrites it. Talks to no server.",
    "signature": "Reads mailkit.toml and the --file / --html-file (UTF-8); with --text or a file rewrites "
    "mailkit.toml.",
    "policy": "Reads mailkit.toml; with KEY=VALUE rewrites it.",
    "runbook": "Reads the notebook and the workspace; runs it (it talks to the servers its cells do) and writes "
    "the executed notebook and an HTML report into --out (made if missing). The repository's copy stays as "
    "it is.",
    "sandbox start": "Starts servers on loopback and writes the sandbox's workspace (mailkit.toml, "
    "secrets.toml with random passwords, keys/) and its runtime files in .sandbox/ under --dir.",
    "sandbox serve": "As start, in the foreground, until interrupted.",
    "sandbox stop": "Stops the servers of the sandbox in --dir; its workspace and mail stay.",
    "sandbox status": f"Reads .sandbox/ under --dir. {_NOTHING}",
    "sandbox publish": "Changes the TXT records the sandbox's DNS server answers with; no file of the workspace.",
    "send": "Reads the account, the body/HTML files (UTF-8, else Windows-1252), the attachments and the DKIM "
    "or S/MIME keys it uses (S/MIME certificates checked against their CAs' revocation lists, cached in "
    "keys/smime/crl/); sends over SMTP (or sendmail), records the attempt and every recipient's outcome in the "
    "journal, and appends a copy to the Sent folder when the account exports sent mail.",
    "send-test": "Sends one test mail over the account's sending side and records it in the journal.",
    "send-batch": "Reads FILE (the CSV above) and the files its rows name; sends over the account, records "
    "each mail in the journal (a re-run with the same --batch skips what was sent) and exits 1 when a row "
    "failed.",
    "send-retry-copies": "Reads the journal's sends whose Sent-folder copy failed; appends each over IMAP once "
    "(it looks for the Message-ID first) and records the outcome in the journal.",
    "sync": "Logs in to the account's IMAP or POP3 server and writes new mail, flags and expunges to the "
    "journal (mail it cannot use goes to the quarantine); then the account's tickets, auto-replies (sent over "
    "SMTP), documents (files under documents/) and retention_days purge apply. On the server, mail is kept "
    "unless --after or the account's after_import says seen, delete or move; --dry-run changes nothing.",
    "watch": "As sync, again whenever mail arrives (IMAP IDLE) or every --interval minutes, until interrupted.",
    "sync-record": "Imports the record's IMAP folder into the journal and links its mail to the record; the "
    "server's mail is not changed.",
    "record-folder create": "Creates the record's folder on the IMAP server under the base folder and "
    "notes it in the journal.",
    "record-folder close": "Marks the record closed in the journal; the folder stays on the server until "
    "cleanup-folders.",
    "record-folder list": f"Reads the journal. {_NOTHING}",
    "cleanup-folders": "Imports the closed records' folders into the journal first, then deletes those "
    "folders on the IMAP server (--dry-run only lists them).",
    "journal quarantine": f"Reads the journal. {_NOTHING}",
    "journal export": "Reads the journal; writes one file per table into --out (made if missing; files of "
    "the same names are replaced): Parquet, or CSV (comma-separated, UTF-8, a header row). No mail content "
    "or secret leaves.",
    "journal report": f"Reads the journal. {_NOTHING}",
    "journal explore": "Reads the journal; with --plot writes the plot as PNG, SVG or PDF (by the suffix).",
    "journal ingest-reports": "Reads the files and folders named (DMARC aggregate XML, .gz, .zip, TLS-RPT JSON, "
    ".eml bounces); writes what it recognised to the journal, each report once.",
    "journal deliverability": f"Reads the journal; looks up the sources' reverse DNS unless --no-dns. {_NOTHING}",
    "journal bounces": f"Reads the journal. {_NOTHING}",
    "journal copy": "Reads the SQLite journal; writes it into the PostgreSQL database of --to (resumable, "
    "verified); with --switch also mailkit.toml's [journal] url.",
    "journal list": f"Reads the journal. {_NOTHING}",
    "journal show": "Reads the journal; with --save-attachment writes that attachment (0600) under a safe name "
    "into --to.",
    "journal purge": "Deletes old entries from the journal (--dry-run only counts); never mail on a server.",
    "autoconfig": "Asks the address's domain: autoconfig and autodiscover over HTTPS, DNS SRV and MX records, "
    "and probes the usual host names; with --save writes the chosen candidate to mailkit.toml.",
    "diagnose": "Reads the account; checks DNS, TCP, TLS, greetings, the login and folders, and the domain's "
    "records; with --test-mail-to sends one mail, with --record-folder creates and deletes one folder. "
    "Writes no file.",
    "dkim generate": "Writes the private key to keys/DOMAIN/SELECTOR.pem (0600) and prints the DNS record "
    "to publish; an existing key is not overwritten.",
    "dkim record": f"Reads keys/DOMAIN/SELECTOR.pem and prints its DNS record. {_NOTHING}",
    "dkim check": f"Reads the key and asks DNS for SELECTOR._domainkey.DOMAIN. {_NOTHING}",
    "dkim sign": "Reads the message (a file or - for stdin, as bytes) and keys/DOMAIN/SELECTOR.pem; writes the "
    "signed message to stdout or --output.",
    "dkim verify": f"Reads the message and asks DNS for the signer's key. {_NOTHING}",
    "dkim rotate": "Writes the new selector's key to keys/DOMAIN/ (the old one stays) and prints both records "
    "and the steps.",
    "dkim suggest": f"Reads mailkit.toml and asks DNS for the domain's SPF and DMARC records. {_NOTHING}",
    "oauth setup": "Rewrites the account's auth in mailkit.toml; a client secret from --client-secret-env or "
    "--client-secret-stdin goes to secrets.toml.",
    "oauth token": "Asks the identity provider for a token (or takes the cached one) and keeps it in "
    "secrets.toml; prints what it is for, never its value.",
    "oauth login": "Signs a user in at the identity provider (device code, or --browser on a loopback "
    "redirect) and keeps the tokens in secrets.toml.",
    "oauth check": "Gets a token (cached or new) and logs in over SASL XOAUTH2/OAUTHBEARER; writes only the "
    "token cache in secrets.toml.",
    "oauth forget": "Removes the account's cached tokens from secrets.toml.",
    "oauth sandbox-app": "Registers an app-only client at the sandbox's OAuth2 authority and sets the "
    "address's account up for it in the workspace (mailkit.toml, the client secret in secrets.toml).",
    "app onboarding": "Serves the app on loopback until interrupted; what it saves goes to mailkit.toml, "
    "secrets.toml and keys/, as the form and the DKIM step say.",
    "report onboarding": "Diagnoses the accounts (their servers and DNS records) and writes one HTML file "
    "(0600) to --out; secrets appear as references only.",
    "smime import": "Reads FILE (PKCS#12, PEM or DER); writes an own key and chain to keys/smime/own/ADDRESS/ "
    "(0600), correspondents' certificates to keys/smime/people/.",
    "smime trust": "Reads FILE and writes it to keys/smime/trust/ACCOUNT/ as a trust anchor.",
    "smime list": f"Reads keys/smime/; {_CRL}.",
    "smime show": f"Reads keys/smime/; {_CRL}.",
    "smime selfsign": "Writes a new key and self-signed certificate to keys/smime/own/ADDRESS/ (0600).",
    "smime export": "Reads keys/smime/ and writes the certificate as PEM to stdout or --output; never a key.",
    "smime forget": "Removes the certificate (or with --own the own key too) from keys/smime/; with --revoked "
    "keeps it marked revoked.",
    "smime verify": "Reads the message (a file, stdin or a row of the workspace's journal) and keys/smime/trust/; "
    f"{_CRL}; adds a valid signer's certificate to keys/smime/people/ unless --no-harvest.",
    "smime decrypt": "Reads the message and the own key; writes the decrypted message to stdout or --output (0600).",
}
