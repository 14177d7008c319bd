# the module that runs the CLI must not be imported by doctest collection
collect_ignore = ["mailkit/__main__.py"]
# the app notebooks start servers for a browser; tests/browser/test_onboarding_app.py drives them there
collect_ignore_glob = ["notebooks/apps/*"]

import io  # noqa: E402
import sys  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture
def cli():
    """Run ``mailkit ARGV`` in this process: ``cli(*argv, stdin=b"")`` gives (exit code, stdout, stderr)."""
    from mailkit.cli import main

    def run(*argv: str, stdin: bytes = b"") -> tuple[int, str, str]:
        out, err = (io.TextIOWrapper(io.BytesIO(), encoding="utf-8") for _ in range(2))
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(sys, "stdout", out)
            patch.setattr(sys, "stderr", err)
            patch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
            code = main(list(argv))
        texts = []
        for stream in (out, err):
            stream.flush()
            texts.append(stream.buffer.getvalue().decode("utf-8", "replace"))
        return code, *texts

    return run


@pytest.fixture
def check_envelope():
    """``check_envelope(stdout, exit_code, words)``: one ``--json`` envelope, its data by the command's schema."""
    import json
    from pathlib import Path

    import jsonschema

    schemas = Path(__file__).resolve().parent / "mailkit" / "cli" / "schemas"

    def check(out: str, code: int, words: tuple[str, ...]) -> dict:
        envelope = json.loads(out)
        jsonschema.validate(envelope, json.loads((schemas / "envelope.json").read_text(encoding="utf-8")))
        assert envelope["ok"] == (code == 0)
        if envelope["errors"]:
            assert envelope["errors"][-1]["exit_code"] == code
        if envelope["ok"] or envelope["data"] is not None:
            data_schema = json.loads((schemas / f"{'-'.join(words)}.json").read_text(encoding="utf-8"))
            jsonschema.validate(envelope["data"], data_schema)
        return envelope

    return check
