"""OAuth2 login benchmark: what a token costs next to a password, against the sandbox's real servers.

Run: ``.venv/bin/python bench/bench_oauth.py [--rounds 20]``.
Not a test: figures vary with the machine; the ratios are the point. Median milliseconds of:
- a new client-credentials token (MSAL, HTTPS to the sandbox authority) and a cached one (from
  ``secrets.toml``, in a new :class:`TokenSource`, as a new process would);
- an IMAP login with a password, with OAUTHBEARER and with XOAUTH2 (cached token; Dovecot validates
  the RS256 JWT locally), and a POP3 and SMTP login with OAUTHBEARER / XOAUTH2.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from mailkit.net.connect import imap_login, pop3_login, smtp_login
from mailkit.net.oauth import TokenSource
from mailkit.sandbox import Sandbox


def median_ms(action, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        action()
        times.append((time.perf_counter() - began) * 1000)
    return round(statistics.median(times), 2)


def login(opener, account, workspace, mechanism=None):
    def run():
        with opener(account, workspace, *([mechanism] if mechanism else [])):
            pass

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds
    with Sandbox(demo_mail=0) as world:
        ws = world.workspace
        account, _ = world.oauth_app("info@mailkit.test")
        pop_account, _ = world.oauth_app("vertrieb@mailkit.test", protocol="pop3")

        def new_token():
            source = TokenSource(account, ws)
            source.forget()
            source.token("imap")

        figures = {
            "token_new_ms": median_ms(new_token, rounds),
            "token_cached_ms": median_ms(lambda: TokenSource(account, ws).token("imap"), rounds),
            "imap_password_login_ms": median_ms(login(imap_login, ws.get("info"), ws), rounds),
            "imap_oauthbearer_login_ms": median_ms(login(imap_login, account, ws, "OAUTHBEARER"), rounds),
            "imap_xoauth2_login_ms": median_ms(login(imap_login, account, ws, "XOAUTH2"), rounds),
            "pop3_oauthbearer_login_ms": median_ms(login(pop3_login, pop_account, ws, "OAUTHBEARER"), rounds),
            "smtp_password_login_ms": median_ms(login(smtp_login, ws.get("info"), ws), rounds),
            "smtp_xoauth2_login_ms": median_ms(login(smtp_login, account, ws, "XOAUTH2"), rounds),
        }
        for side, oauth in (("imap", "imap_oauthbearer"), ("smtp", "smtp_xoauth2")):
            ratio = figures[f"{oauth}_login_ms"] / figures[f"{side}_password_login_ms"]
            figures[f"{side}_oauth_vs_password"] = round(ratio, 2)
        figures["rounds"] = rounds
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
