"""kivitendo.conf import and export: kivitendo's key names, defaults and resolution order, round trips."""

from __future__ import annotations

import pytest

from mailkit.errors import FormatError
from mailkit.formats import kivitendo
from mailkit.model import Account, Auth, Receiving, Sending

# shaped like kivitendo's config/kivitendo.conf.default, with an installation's settings filled in
INSTALLED = """\
[authentication]
# The cleartext password for access to the administrative part.
admin_password = admin123
module = DB

[system]
language = de

[mail_delivery]
# Delivery method can be 'sendmail' or 'smtp'.
method = smtp
sendmail = /usr/sbin/sendmail -t<%if myconfig_email%> -f <%myconfig_email%><%end%>
host = smtp.mueller-gmbh.test
security = tls
login = rechnung@mueller-gmbh.test
password = Winter2026!

[mail_delivery/email/vertrieb@mueller-gmbh.test]
method = smtp
host = smtp.mueller-gmbh.test
port = 465
security = ssl
login = vertrieb@mueller-gmbh.test
password = Vertrieb#1

[imap_client]
enabled = 1
hostname = imap.mueller-gmbh.test
ssl = 1
username = rechnung@mueller-gmbh.test
password = Winter2026!
base_folder = INBOX/kivitendo

[sent_emails_in_imap]
enabled = 1
hostname = imap.mueller-gmbh.test
ssl = 1
username = rechnung@mueller-gmbh.test
password = Winter2026!
folder = Sent/Kivitendo

[sent_emails_in_imap/email/vertrieb@mueller-gmbh.test]
enabled = 1
hostname = imap.mueller-gmbh.test
ssl = 1
username = vertrieb@mueller-gmbh.test
password = Vertrieb#1
folder = Gesendet

# background jobs
[task_server]
run_as = www-data
"""


def test_import_maps_kivitendo_words_to_mailkits():
    conf = kivitendo.parse(INSTALLED)
    assert conf.addresses() == ["vertrieb@mueller-gmbh.test"]
    rechnung, vertrieb = kivitendo.import_accounts(conf, ["rechnung@mueller-gmbh.test", "vertrieb@mueller-gmbh.test"])

    acc = rechnung.account
    assert acc.name == "rechnung"
    # kivitendo's "tls" is STARTTLS, and its port stays 25 (mailkit's own default would be 587)
    assert (acc.sending.host, acc.sending.security, acc.sending.effective_port) == (
        "smtp.mueller-gmbh.test",
        "starttls",
        25,
    )
    assert (acc.receiving.host, acc.receiving.security, acc.receiving.effective_port) == (
        "imap.mueller-gmbh.test",
        "tls",
        993,
    )
    assert acc.receiving.base_folder == "INBOX/kivitendo"
    assert (acc.receiving.sent_export, acc.receiving.sent_folder) == (True, "Sent/Kivitendo")
    # one login and one password for both sides: the account's own, stored once
    assert acc.auth == Auth(method="password", username=None, password="workspace:rechnung.password")
    assert rechnung.secrets == {"rechnung.password": "Winter2026!"}
    assert acc.problems() == []

    acc = vertrieb.account
    assert (acc.sending.security, acc.sending.effective_port) == ("tls", 465)  # kivitendo's "ssl"
    assert acc.receiving.sent_folder == "Gesendet"  # its own section wins over the general one
    assert vertrieb.secrets == {"vertrieb.password": "Vertrieb#1"}
    # kivitendo has one import mailbox: it goes to the account that logs into it
    assert any("becomes the receiving side" in n for n in vertrieb.notes)
    assert acc.problems() == []


def test_passwords_never_show_in_reprs_of_the_import():
    imported = kivitendo.import_accounts(kivitendo.parse(INSTALLED), ["rechnung@mueller-gmbh.test"])[0]
    assert "Winter2026!" not in repr(imported)
    assert "Winter2026!" not in repr(imported.account)


def test_sent_export_resolution_order_sender_then_user_then_general():
    conf = kivitendo.parse(
        "[sent_emails_in_imap]\nenabled = 1\nhostname = h\nfolder = General\n"
        "[sent_emails_in_imap/email/user@x.test]\nenabled = 1\nhostname = h\nfolder = User\n"
        "[sent_emails_in_imap/email/sender@x.test]\nenabled = 1\nhostname = h\nfolder = Sender\n"
        "[sent_emails_in_imap/email/off@x.test]\nenabled = 0\n"
    )

    def folder(address, user=None):
        account = kivitendo.import_account(conf, address, user_address=user).account
        return account.receiving.sent_folder if account.receiving and account.receiving.sent_export else None

    assert folder("sender@x.test", user="user@x.test") == "Sender"
    assert folder("other@x.test", user="user@x.test") == "User"
    assert folder("other@x.test") == "General"
    assert folder("off@x.test", user="user@x.test") is None  # its own section switches the export off


def test_kivitendo_defaults_apply_where_keys_are_missing():
    conf = kivitendo.parse(
        "[mail_delivery]\nmethod = smtp\n[imap_client]\nenabled = 1\n[sent_emails_in_imap]\nenabled = 1\n"
    )
    acc = kivitendo.import_account(conf, "a@x.test").account
    assert (acc.sending.host, acc.sending.security, acc.sending.effective_port) == ("localhost", "none", 25)
    assert acc.sending.authenticate is False  # no login: kivitendo does not authenticate
    assert (acc.receiving.host, acc.receiving.security, acc.receiving.effective_port) == ("localhost", "tls", 993)
    assert (acc.receiving.base_folder, acc.receiving.sent_folder) == ("INBOX", "Sent/Kivitendo")
    assert acc.auth.method == "none"

    plain = kivitendo.parse("[imap_client]\nenabled = 1\nssl = 0\n")
    assert kivitendo.import_account(plain, "a@x.test").account.receiving.effective_port == 143


def test_sendmail_template_and_disabled_delivery():
    conf = kivitendo.parse(
        "[mail_delivery]\nmethod = sendmail\nsendmail = /usr/sbin/sendmail -t<%if myconfig_email%> "
        "-f <%myconfig_email%><%end%>\n"
    )
    sending = kivitendo.import_account(conf, "a@x.test").account.sending
    assert (sending.method, sending.sendmail_command) == ("sendmail", "/usr/sbin/sendmail -t -f a@x.test")

    off = kivitendo.import_account(kivitendo.parse("[mail_delivery]\nmethod =\n"), "a@x.test")
    assert off.account.sending is None
    assert "mail delivery is off" in off.notes[0]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("[mail_delivery]\nmethod = smtp\nsecurity = starttls\n", 3, "security: 'starttls' must be none, tls"),
        ("[imap_client]\nenabled = ja\n", 2, "enabled: 'ja' must be 0 or 1"),
        ("[imap_client]\nenabled = 1\nport = 99999\n", 3, "port: '99999' is not a port number"),
        ("[mail_delivery]\nmethod = smtp\nhost = a\nhost = b\n", 4, "host is given twice (first on line 3)"),
        ("[mail_delivery]\nmethod smtp\n", 2, "expected '[section]' or 'key = value'"),
    ],
)
def test_errors_name_file_line_and_key(text, line, words):
    with pytest.raises(FormatError) as caught:
        kivitendo.import_account(kivitendo.parse(text, path="/etc/kivitendo.conf"), "a@x.test")
    assert caught.value.line == line
    assert str(caught.value).startswith(f"/etc/kivitendo.conf, line {line}: ")
    assert words in str(caught.value)


def test_no_address_to_import_is_a_clear_error():
    with pytest.raises(FormatError, match="give the address the accounts send as"):
        kivitendo.import_accounts(kivitendo.parse("[mail_delivery]\nmethod = sendmail\n"))


def test_round_trip_keeps_the_settings_and_the_rest_of_the_file():
    conf = kivitendo.parse(INSTALLED)
    addresses = ["rechnung@mueller-gmbh.test", "vertrieb@mueller-gmbh.test"]
    imported = kivitendo.import_accounts(conf, addresses)
    secrets = {f"workspace:{k}": v for i in imported for k, v in i.secrets.items()}

    def password(account: Account, side: str) -> str | None:
        reference = getattr(getattr(account, side), "password", None) or account.auth.password
        return secrets.get(reference)

    exported = kivitendo.export([i.account for i in imported], passwords=password)
    merged = kivitendo.merge(INSTALLED, exported.text)

    # the sections kivitendo owns besides mail are untouched, comments included
    for kept in ("[authentication]", "admin_password = admin123", "[system]", "# background jobs\n[task_server]"):
        assert kept in merged
    # read back, the same accounts come out (the second keeps its receiving side from its sent section)
    again = kivitendo.import_accounts(kivitendo.parse(merged), addresses)
    assert [i.account for i in again] == [i.account for i in imported]
    assert [i.secrets for i in again] == [i.secrets for i in imported]
    # and exporting once more changes nothing
    assert kivitendo.merge(merged, kivitendo.export([i.account for i in again], passwords=password).text) == merged


def test_export_writes_no_password_unless_asked():
    account = Account(
        name="info",
        address="info@x.test",
        sending=Sending(host="smtp.x.test", security="tls"),
        receiving=Receiving(host="imap.x.test", security="starttls", sent_export=True),
        auth=Auth(password="workspace:info.password"),
    )
    exported = kivitendo.export([account])
    assert "password = \n" in exported.text
    assert "kept by mailkit as workspace:info.password" in exported.text
    # mailkit's implicit TLS is kivitendo's ssl; its IMAP has no STARTTLS, so it moves to implicit TLS on 993
    assert "security = ssl" in exported.text
    assert any("no STARTTLS" in n for n in exported.notes)
    back = kivitendo.import_account(kivitendo.parse(exported.text), "info@x.test").account
    assert (back.receiving.security, back.receiving.effective_port, back.receiving.sent_folder) == ("tls", 993, "Sent")
    assert (back.sending.security, back.sending.effective_port) == ("tls", 465)


def test_export_notes_what_kivitendo_cannot_hold():
    pop = Account(
        name="p", address="p@x.test", receiving=Receiving(protocol="pop3", host="pop.x.test"), auth=Auth("none")
    )
    exported = kivitendo.export([pop])
    assert "[imap_client]\nenabled = 0" in exported.text
    assert any("IMAP only" in n for n in exported.notes)


# an installation with three per-address sections, as an admin leaves it: comments, kivitendo's own
# spellings (hostname for SMTP, double spaces), defaults spelled out or left out
THREE_ADDRESSES = """\
[authentication]
admin_password = Geheim

[system]
# Firma: Müller & Söhne, Lager Süd
language = de

[mail_delivery]
# Delivery method can be 'sendmail' or 'smtp'.
method = smtp
sendmail = /usr/sbin/sendmail -t<%if myconfig_email%> -f <%myconfig_email%><%end%>
hostname = smtp.mueller.test
port = 25
security = tls
login  =  info@mueller.test
password = Söhne2026

[mail_delivery/email/vertrieb@mueller.test]
method = smtp
hostname = smtp.mueller.test
security = ssl
login = vertrieb@mueller.test
password = Vertrieb€1

[mail_delivery/email/service@mueller.test]
method = smtp
hostname = smtp.mueller.test
port = 25
security = tls
login = info@mueller.test
password = Söhne2026

[imap_client]
enabled = 1
hostname = imap.mueller.test
ssl = 1
username = info@mueller.test
password = Söhne2026
base_folder = INBOX

[sent_emails_in_imap]
enabled = 1
hostname = imap.mueller.test
ssl = 1
username = info@mueller.test
password = Söhne2026
folder = Sent/Kivitendo

[sent_emails_in_imap/email/vertrieb@mueller.test]
enabled = 1
hostname = imap.mueller.test
username = vertrieb@mueller.test
password = Gesendet!
folder = Sent

[sent_emails_in_imap/email/buchhaltung@mueller.test]
enabled = 1
hostname = imap.mueller.test
port = 993
username = buchhaltung@mueller.test
password = Bücher
folder = Gesendet/Rechnungen

[task_server]
run_as = www-data
"""


def _reader(imported):
    secrets = {f"workspace:{k}": v for i in imported for k, v in i.secrets.items()}

    def password(account: Account, side: str) -> str | None:
        return secrets.get(getattr(getattr(account, side), "password", None) or account.auth.password)

    return password


def test_default_import_gives_every_address_its_own_account_and_sent_mailbox():
    imported = kivitendo.import_accounts(kivitendo.parse(THREE_ADDRESSES))
    by_name = {i.account.name: i for i in imported}
    assert list(by_name) == ["info", "vertrieb", "service", "buchhaltung"]  # the import mailbox's account first
    info, vertrieb = by_name["info"].account, by_name["vertrieb"].account
    assert (info.receiving.base_folder, info.receiving.sent_folder, info.login) == (
        "INBOX",
        "Sent/Kivitendo",
        "info@mueller.test",
    )
    # vertrieb@ logs into its own mailbox with its own password, and keeps its copies in its own Sent
    assert (vertrieb.receiving.username or vertrieb.login, vertrieb.receiving.sent_folder) == (
        "vertrieb@mueller.test",
        "Sent",
    )
    assert by_name["vertrieb"].secrets == {"vertrieb.password": "Vertrieb€1", "vertrieb.sent-password": "Gesendet!"}
    assert vertrieb.receiving.password == "workspace:vertrieb.sent-password"
    assert vertrieb.sending.password == "workspace:vertrieb.password"
    assert by_name["buchhaltung"].account.receiving.sent_folder == "Gesendet/Rechnungen"
    assert all(i.account.problems() == [] for i in imported)


@pytest.mark.parametrize(
    ("encoding", "newline"), [("utf-8", "\n"), ("utf-8-sig", "\r\n"), ("latin-1", "\r\n"), ("cp1252", "\n")]
)
@pytest.mark.parametrize("with_passwords", [True, False])
def test_export_into_the_file_it_came_from_changes_no_byte(encoding, newline, with_passwords):
    text = THREE_ADDRESSES.replace("\n", newline)
    if encoding == "latin-1":
        text = text.replace("€", "E")
    data = text.encode(encoding)
    decoded, found = kivitendo.decode(data)
    assert found == encoding
    imported = kivitendo.import_accounts(kivitendo.parse(decoded))
    exported = kivitendo.export([i.account for i in imported], passwords=_reader(imported) if with_passwords else None)
    merged = kivitendo.merge(decoded, exported)
    assert merged.encode(encoding) == data


def test_a_changed_setting_changes_only_its_lines():
    imported = kivitendo.import_accounts(kivitendo.parse(THREE_ADDRESSES))
    accounts = [i.account for i in imported]
    accounts[0].sending.port = 587  # info@'s relay moves to submission
    accounts[1].receiving.sent_folder = "Gesendete Elemente"
    merged = kivitendo.merge(THREE_ADDRESSES, kivitendo.export(accounts, passwords=_reader(imported)))
    old, new = THREE_ADDRESSES.splitlines(), merged.splitlines()
    changed = [(a, b) for a, b in zip(old, new, strict=False) if a != b]
    assert changed[:2] == [("port = 25", "port = 587"), ("folder = Sent", "folder = Gesendete Elemente")]
    # service@ keeps the old relay port 25: its own section stays as it was
    assert (
        "[mail_delivery/email/service@mueller.test]\nmethod = smtp\nhostname = smtp.mueller.test\nport = 25" in merged
    )
    # buchhaltung@ used the general relay; it keeps port 25, so it gets a section of its own
    assert "[mail_delivery/email/buchhaltung@mueller.test]\nmethod = smtp\nhost = smtp.mueller.test\n" in merged
    assert "# Delivery method can be 'sendmail' or 'smtp'." in merged  # comments inside a changed section stay
    back = {i.account.name: i.account for i in kivitendo.import_accounts(kivitendo.parse(merged))}
    assert back["info"].sending.effective_port == 587 and back["buchhaltung"].sending.effective_port == 25


def test_sections_of_addresses_not_exported_are_left_alone():
    imported = kivitendo.import_accounts(kivitendo.parse(THREE_ADDRESSES))
    only_info = kivitendo.export([imported[0].account], passwords=_reader(imported))
    assert kivitendo.merge(THREE_ADDRESSES, only_info) == THREE_ADDRESSES
