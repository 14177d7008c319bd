"""The presentation helper: what a reader of the table sees, and that the data stays as it was."""

import nbformat
import pandas as pd

from mailkit.runbook import scrub_widget_state
from mailkit.tables import table


def test_badges_left_aligned_text_and_no_meaningless_index():
    frame = pd.DataFrame({"check": ["TCP", "SPF <v>"], "status": ["ok", "warn"], "ms": [3, 12]})
    html = table(frame, labels={"warn": "Warnung"}, headers={"ms": "Zeit (ms)"}).to_html()
    assert 'class="mk-badge mk-warn"' in html and ">Warnung<" in html and ">ok<" in html
    assert "SPF &lt;v&gt;" in html  # text is escaped, badges are not
    assert "text-align:left!important" in html and "mk-num" in html  # numbers alone right-aligned
    assert "Zeit (ms)" in html and 'class="row_heading' not in html  # the RangeIndex is hidden
    named = frame.set_index("check")
    assert 'class="row_heading' in table(named).to_html()  # a meaningful index stays


def test_long_tables_show_the_first_rows_and_fold_the_rest():
    frame = pd.DataFrame({"rank": range(31), "status": ["ok"] * 3 + ["skip"] * 28})
    shown = table(frame, limit=3, more="{n} weitere")
    html = shown.to_html()
    head, rest = html.split("<details", 1)
    assert head.count("mk-badge") == 3 and rest.count("mk-badge") == 28 and "28 weitere" in rest
    assert shown.data is frame and len(shown.data) == 31  # analysts get the frame as it was


def test_saved_widget_state_keeps_no_password():
    notebook = nbformat.v4.new_notebook()
    state = {
        "a": {"model_name": "PasswordModel", "state": {"value": "hunter2"}},
        "b": {"model_name": "TextModel", "state": {"value": "info@firma.de"}},
        "c": {"model_name": "PasswordModel", "state": {"value": ""}},
    }
    notebook.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": state}}
    assert scrub_widget_state(notebook) == 1
    saved = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    assert saved["a"]["state"]["value"] == "" and saved["b"]["state"]["value"] == "info@firma.de"


def test_every_text_has_both_languages():
    from mailkit.handover import _WORDS
    from mailkit.i18n import TEXTS, text

    for key, pair in {**TEXTS, **_WORDS}.items():
        assert len(pair) == 2 and (all(pair) or key == "col.copy"), key
    assert text("form.sender", "de", document="Rechnung") == "Absender: Rechnung"
