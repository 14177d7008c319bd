"""What every form shares: controls as wide as their label, a busy state, errors in words, Enter to submit.

ipywidgets' buttons are 148 px wide and cut longer labels with an ellipsis; ``button`` sizes them to
their text. ``busy`` disables the button and spins its icon while an action talks to a server, and
turns any failure into a sentence in the status line: a :class:`~mailkit.errors.MailkitError` as its
message, anything unexpected with the traceback behind a disclosure, never in the output area.
"""

from __future__ import annotations

__all__ = ["busy", "button", "checkbox", "error_html", "on_enter", "say"]

import html
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import ipywidgets as w

from ..errors import MailkitError

COLOURS = {"ok": "#1b5e20", "warn": "#8a6d00", "fail": "#b00020", "info": "#333333"}


def button(description: str, *, icon: str = "", style: str = "", tooltip: str = "") -> w.Button:
    """A button whose label always fits (no ellipsis at any width)."""
    return w.Button(
        description=description,
        icon=icon,
        button_style=style,
        tooltip=tooltip or description,
        layout=w.Layout(width="max-content", min_width="max-content"),
    )


def checkbox(description: str, value: bool = False, **options) -> w.Checkbox:
    """A checkbox whose label always fits (ipywidgets cuts it at 300 px)."""
    return w.Checkbox(value=value, description=description, layout=w.Layout(width="max-content"), **options)


def say(widget: w.HTML, level: str, text: str) -> None:
    """Put one coloured sentence into a status widget."""
    widget.value = f"<span style='color:{COLOURS[level]};font-weight:600'>{html.escape(text)}</span>"


def error_html(exc: BaseException, prefix: str = "") -> str:
    """An error in words; an unexpected one with its traceback folded away."""
    lead = f"{prefix}: " if prefix else ""
    if isinstance(exc, MailkitError):
        return f"<span style='color:{COLOURS['fail']};font-weight:600'>{html.escape(lead + str(exc))}</span>"
    detail = "".join(traceback.format_exception(exc))
    sentence = f"{lead}unexpected {type(exc).__name__}: {exc}"
    return (
        f"<span style='color:{COLOURS['fail']};font-weight:600'>{html.escape(sentence)}</span>"
        f"<details><summary>details for a bug report</summary><pre>{html.escape(detail)}</pre></details>"
    )


@contextmanager
def busy(control: w.Button, status: w.HTML, doing: str, failed: str) -> Iterator[None]:
    """Disable ``control`` and say ``doing`` while the block runs; a failure becomes ``failed: reason``."""
    icon = control.icon
    control.disabled, control.icon = True, "spinner spin"
    say(status, "info", doing)
    try:
        yield
    except Exception as exc:
        status.value = error_html(exc, failed)
    finally:
        control.disabled, control.icon = False, icon


def on_enter(field: w.Text, action: Callable[[], object]) -> None:
    """Run ``action`` when Enter is pressed in ``field`` (ipywidgets' submit event)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # on_submit still works and fires on Enter only
        field.on_submit(lambda _: action())
