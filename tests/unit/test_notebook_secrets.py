"""No saved notebook may carry a secret: every output and all metadata (widget state included) is scanned.

The sandbox's demo passwords are random per sandbox folder (``secrets.token_urlsafe``), so they cannot
be searched for by value once the sandbox is gone; the scan looks for the shapes secrets leak in
instead: ``password=…`` outside a secret reference, protocol lines (``PASS``, ``AUTH PLAIN``, IMAP
``LOGIN``), PEM private keys, JWT-shaped tokens, bearer headers, OAuth token fields, and a
Password widget whose value was saved with the notebook. Image payloads are skipped (base64 of
pixels is not text). The scanner is shown to catch each shape planted into a real notebook.
"""

import copy
import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
_REFERENCE = r"(?:\*{3}|(?:env|file|keyring|workspace):[^\s\"',)]*|None|null|<[a-z ]+>)"
SHAPES: dict[str, re.Pattern] = {
    "password assignment": re.compile(
        rf"(?i)\bpass(?:word|wd)\b\\?[\"']?\s*[=:]\s*\\?[\"']?(?!{_REFERENCE}[\\\"',)\s]|{_REFERENCE}$)[^\s\"',)]{{3,}}"
    ),
    "POP3 PASS command": re.compile(r"(?m)(?:^|[>:]\s?)PASS [^\s*]{3,}"),
    # a payload, not the next mechanism of an EHLO list (those are upper case only)
    "SMTP AUTH payload": re.compile(
        r"AUTH (?:PLAIN|LOGIN|XOAUTH2|OAUTHBEARER) (?=[A-Za-z0-9+/]*[a-z0-9])[A-Za-z0-9+/]{8,}={0,2}"
    ),
    "IMAP LOGIN command": re.compile(r"(?m)^\S+ LOGIN \S+ \S+"),
    "PEM private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "JWT": re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    "bearer header": re.compile(r"(?i)Authorization:\s*Bearer\s+[A-Za-z0-9._~+/-]{8,}"),
    "OAuth token field": re.compile(
        r"(?i)\b(?:access_token|refresh_token|client_secret|id_token)\\?[\"']?\s*[=:]\s*\\?[\"']?[A-Za-z0-9._~+/-]{8,}"
    ),
}
_PIXELS = {"image/png", "image/jpeg", "image/gif", "image/webp", "buffers"}


def _strings(value, where: str):
    """Every string in a JSON value with its path; image payloads and binary widget buffers left out."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, list):
        if value and all(isinstance(item, str) for item in value):
            yield where, "".join(value)  # nbformat splits text into lines
        else:
            for index, item in enumerate(value):
                yield from _strings(item, f"{where}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in _PIXELS:
                yield from _strings(item, f"{where}.{key}")


def _saved_passwords(metadata: dict):
    """Password widgets whose typed value was saved in the notebook's widget state."""
    state = metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    for model_id, model in state.items():
        if model.get("model_name") == "PasswordModel" and model.get("state", {}).get("value"):
            yield f"metadata.widgets.state.{model_id}.value"


def scan(notebook: dict, name: str) -> list[str]:
    """Findings as ``notebook: cell N (first line): shape at path`` — the secret itself is never repeated."""
    found = []
    places = [("notebook metadata", "metadata", notebook.get("metadata", {}))]
    for index, cell in enumerate(notebook.get("cells", [])):
        source = "".join(cell.get("source", "")).strip().splitlines()
        label = f"cell {index} ({source[0][:50] if source else 'empty'})"
        places += [(label, "outputs", cell.get("outputs", [])), (label, "metadata", cell.get("metadata", {}))]
        places.append((label, "attachments", cell.get("attachments", {})))
    for label, root, value in places:
        for where, text in _strings(value, root):
            found += [f"{name}: {label}: {shape} in {where}" for shape, rx in SHAPES.items() if rx.search(text)]
    found += [f"{name}: notebook metadata: saved Password widget value in {p}" for p in _saved_passwords(
        notebook.get("metadata", {}))]  # fmt: skip
    return found


SAVED = sorted(NOTEBOOKS.rglob("*.ipynb"))


def test_the_notebooks_are_there_to_scan():
    names = {p.name for p in SAVED}
    assert {"01-account-setup.ipynb", "04-sync-run.ipynb", "05-journal-analysis.ipynb"} <= names


@pytest.mark.parametrize("path", SAVED, ids=lambda p: str(p.relative_to(NOTEBOOKS)))
def test_no_secret_in_a_saved_notebook(path):
    findings = scan(json.loads(path.read_text(encoding="utf-8")), str(path.relative_to(NOTEBOOKS)))
    assert not findings, (
        "secrets in saved notebooks (clear the outputs, fix the code that printed them):\n" + "\n".join(findings)
    )


PLANTED = {
    "password assignment": 'Account(name="info", password="Xk3-vQ9_tZ2pLm8w")',
    "POP3 PASS command": "C: USER info@mailkit.test\nC: PASS Xk3vQ9tZ2pLm8w\nS: +OK",
    "SMTP AUTH payload": "send: 'AUTH PLAIN AGluZm9AbWFpbGtpdC50ZXN0AFhrM3ZROXRaMnBMbTh3\\r\\n'",
    "IMAP LOGIN command": "a001 LOGIN info@mailkit.test Xk3vQ9tZ2pLm8w",
    "PEM private key": "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA",
    "JWT": "token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJpbmZvQG1haWxraXQudGVzdCJ9.c2lnbmF0dXJlLXZhbHVl",
    "bearer header": "Authorization: Bearer ya29.a0AfH6SMBx-Xk3vQ9tZ2pLm8w",
    "OAuth token field": '{"access_token": "ya29.a0AfH6SMBxXk3vQ9tZ2pLm8w", "expires_in": 3599}',
}
HARMLESS = [
    'auth=Auth(method="password", password="workspace:info.password")',
    "password: ***",
    "password=None",
    "spf=pass dkim=pass dmarc=pass; DMARC PASS share 86%",
    "5.7.139 SMTP AUTH disabled or blocked (Microsoft 365)",
    "S: * CAPABILITY IMAP4rev1 AUTH=PLAIN LOGINDISABLED",
    "-----BEGIN CERTIFICATE-----",
    "SIZE 33554432, 8BITMIME, AUTH LOGIN OAUTHBEARER PLAIN XOAUTH2",
    "the server refused the user name or the password; check both",
]


def planted(base: dict, text: str, where: str) -> dict:
    notebook = copy.deepcopy(base)
    code = next(i for i, c in enumerate(notebook["cells"]) if c["cell_type"] == "code")
    if where == "output":
        notebook["cells"][code].setdefault("outputs", []).append(
            {"output_type": "stream", "name": "stdout", "text": ["before\n", text + "\n"]}
        )
    else:
        notebook["metadata"].setdefault("widgets", {}).setdefault("application/vnd.jupyter.widget-state+json", {})
        state = notebook["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"].setdefault("state", {})
        state["planted"] = {"model_name": "HTMLModel", "state": {"value": text}}
    return notebook


@pytest.fixture(scope="module")
def real_notebook():
    return json.loads((NOTEBOOKS / "04-sync-run.ipynb").read_text(encoding="utf-8"))


@pytest.mark.parametrize("where", ["output", "metadata"])
@pytest.mark.parametrize("shape", list(PLANTED))
def test_the_scanner_catches_a_planted_secret_and_names_the_place(real_notebook, shape, where):
    assert scan(real_notebook, "04-sync-run.ipynb") == []
    findings = scan(planted(real_notebook, PLANTED[shape], where), "04-sync-run.ipynb")
    assert any(shape in f for f in findings), findings
    first_code = next(i for i, c in enumerate(real_notebook["cells"]) if c["cell_type"] == "code")
    place = f"cell {first_code} (# Parameters" if where == "output" else "notebook metadata"
    assert all(f.startswith(f"04-sync-run.ipynb: {place}") for f in findings), findings
    secret_part = PLANTED[shape].split()[-1][-10:]
    assert not any(secret_part in f for f in findings), "a finding must not repeat the secret"


def test_a_saved_password_widget_value_is_caught(real_notebook):
    notebook = copy.deepcopy(real_notebook)
    state = notebook["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    state["pw"] = {"model_name": "PasswordModel", "state": {"description": "Password", "value": "Geheim-123"}}
    assert scan(notebook, "x.ipynb") == ["x.ipynb: notebook metadata: saved Password widget value in "
                                         "metadata.widgets.state.pw.value"]  # fmt: skip
    state["pw"]["state"]["value"] = ""
    assert scan(notebook, "x.ipynb") == []


@pytest.mark.parametrize("text", HARMLESS)
def test_references_masks_and_protocol_words_are_not_secrets(real_notebook, text):
    assert scan(planted(real_notebook, text, "output"), "x.ipynb") == []
