"""The CLI starts without the heavy libraries: pandas, matplotlib and ipywidgets never on the way to a command."""

import json
import subprocess
import sys

from mailkit import autoconfig, dkim
from mailkit.cli import diagnose as cli_diagnose
from mailkit.cli import dkim as cli_dkim

HEAVY = (
    "pandas",
    "matplotlib",
    "ipywidgets",
    "numpy",
    "msal",
    "requests",
    "dkim",
    "imapclient",
    "cryptography",
    "psycopg",
)


def loaded_after(code: str) -> set[str]:
    """Which of HEAVY a fresh interpreter has imported after running ``code``."""
    probe = f"import sys, json\n{code}\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_the_cli_and_its_parser_import_nothing_heavy():
    assert loaded_after("import mailkit.cli; mailkit.cli.build_parser()") == set()


def test_sync_check_send_diagnose_and_dkim_never_import_pandas_matplotlib_or_ipywidgets():
    for module in ("mailkit.sync.watch", "mailkit.check", "mailkit.send", "mailkit.diagnose", "mailkit.dkim"):
        assert not loaded_after(f"import {module}") & {"pandas", "matplotlib", "ipywidgets"}, module
    assert "msal" not in loaded_after("import mailkit.sync.watch")  # OAuth2's libraries only for OAuth2 accounts


def test_a_sync_into_an_sqlite_journal_loads_neither_psycopg_nor_the_smime_code():
    """A no-change run is mostly the interpreter's start: PostgreSQL's driver and S/MIME load only when needed."""
    loaded = loaded_after("import mailkit.cli.sync, mailkit.sync.watch, mailkit.journal.store")
    assert not loaded & {"psycopg", "cryptography", "dkim"}, loaded


def test_the_spelled_out_choices_match_the_library():
    assert cli_diagnose.AUTOCONFIG_SOURCES == autoconfig.SOURCES
    assert cli_dkim.DKIM_ALGORITHMS == dkim.ALGORITHMS
