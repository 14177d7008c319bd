"""``--json``: one envelope on every command, and a JSON Schema per command kept beside the CLI."""

import json
from pathlib import Path

import jsonschema
import pytest

from mailkit.cli import build_parser, iter_commands

SCHEMAS = Path(__file__).resolve().parents[2] / "mailkit" / "cli" / "schemas"
COMMANDS = [words for words, _ in iter_commands(build_parser())]


def schema(name: str) -> dict:
    return json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("words", COMMANDS, ids=" ".join)
def test_every_command_has_a_valid_schema(words):
    path = SCHEMAS / f"{'-'.join(words)}.json"
    assert path.exists(), f"add {path.relative_to(SCHEMAS.parents[2])}: the JSON Schema of its --json data"
    jsonschema.Draft202012Validator.check_schema(schema("-".join(words)))


def test_no_schema_without_a_command():
    names = {"-".join(words) for words in COMMANDS} | {"envelope"}
    assert {p.stem for p in SCHEMAS.glob("*.json")} == names


@pytest.mark.parametrize("words", COMMANDS, ids=" ".join)
def test_a_failure_with_json_is_an_envelope_too(words, cli, check_envelope, tmp_path):
    code, out, err = cli("--json", "-w", str(tmp_path / "none"), *words, "--no-such-option")
    assert code == 2 and "Traceback" not in err
    envelope = check_envelope(out, code, words)
    assert envelope["data"] is None and envelope["errors"][0]["kind"] == "UsageError"
