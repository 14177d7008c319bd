"""Runbook 05 on a PostgreSQL journal, named by its JOURNAL parameter alone: the same tables as on SQLite."""

import json
from pathlib import Path

from mailkit.journal import Journal
from mailkit.journal.copy import copy_journal
from mailkit.journal.synthetic import generate
from mailkit.runbook import run_notebook
from mailkit.workspace import Workspace

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "05-journal-analysis.ipynb"


def checked_outputs(notebook: dict) -> list[str]:
    """The text the notebook's NBVAL_CHECK_OUTPUT cells print (what nbval compares)."""
    texts = []
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code" and "".join(cell["source"]).startswith("# NBVAL_CHECK_OUTPUT"):
            texts.append(
                "".join("".join(o.get("text", "")) for o in cell.get("outputs", []) if o.get("name") == "stdout")
            )
    return texts


def test_notebook_05_on_postgres_prints_what_it_prints_on_sqlite(tmp_path, postgres_database):
    # the notebook's own synthetic journal (SYNTHETIC = 20_000, SEED = 7), moved into PostgreSQL
    generate(tmp_path / "synthetic.sqlite", 20_000, seed=7)
    with Journal(tmp_path / "synthetic.sqlite") as source, Journal(postgres_database) as target:
        assert copy_journal(source, target, batch=20_000).verified
    ws = Workspace.create(tmp_path / "ws")
    executed, _ = run_notebook(NOTEBOOK, tmp_path / "out", {"WORKSPACE": str(ws.path), "JOURNAL": postgres_database})
    on_postgres = checked_outputs(json.loads(executed.read_text()))
    committed = checked_outputs(json.loads(NOTEBOOK.read_text()))
    assert len(on_postgres) == len(committed) > 5
    # the first cell names the world (a workspace here, the sandbox in the committed run); the rest is the analysis
    assert on_postgres[0].splitlines()[1:] == committed[0].splitlines()[1:]
    assert on_postgres[1:] == committed[1:]
