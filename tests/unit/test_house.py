"""The house rules that are no import rule: modules small enough to read in one sitting.

A module over :data:`LIMIT` lines needs its reason in :data:`LONGER_BECAUSE` (a module that shrank
below the limit may leave the list; nothing fails when it stays).
"""

from pathlib import Path

LIMIT = 500
PACKAGE = Path(__file__).resolve().parents[2] / "mailkit"

LONGER_BECAUSE = {
    "journal/store.py": "the one Journal class: every method a service may call, in one place",
    "journal/synthetic.py": "one seeded generator whose distributions read together; data tables, little logic",
    "journal/schema.py": "the migrations in order: a shipped one is never edited, so the list only grows",
    "journal/parse.py": "the never-raising parser: each defect it survives is a few lines next to the others",
    "formats/kivitendo.py": "kivitendo.conf read and written back byte-faithfully: reader and writer share the layout",
    "sandbox/oauth.py": "the OAuth2 authority as one server: discovery, token, device-code endpoints and their JWTs",
    "sandbox/bounces.py": "a labelled corpus: the bounce texts of six MTAs are data, not logic",
    "dkim.py": "keys, records, signing and verifying share the key lookup and its errors",
    "model.py": "every dataclass of mailkit.toml with its validation, so the file format reads in one place",
}


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_module_is_longer_than_the_limit_without_a_stated_reason():
    sizes = {str(p.relative_to(PACKAGE)): _lines(p) for p in PACKAGE.rglob("*.py")}
    unexplained = {name: n for name, n in sizes.items() if n > LIMIT and name not in LONGER_BECAUSE}
    assert not unexplained, (
        f"modules over {LIMIT} lines: {unexplained}; split them by question (as mailkit/analysis/), "
        "or state the reason in LONGER_BECAUSE in tests/unit/test_house.py"
    )
