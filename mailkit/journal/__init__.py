"""The mail journal: every message imported or sent, where it sits, and every run.

The names below load on first use, so that a light submodule (``journal.views``) can be imported
without the store and its database drivers: the CLI starts without them.
"""

import importlib

__all__ = ["Journal", "Location", "ParsedMessage", "QuarantineReason", "parse_message"]

_HOME = {
    "Journal": ".store",
    "Location": ".store",
    "ParsedMessage": ".parse",
    "QuarantineReason": ".parse",
    "parse_message": ".parse",
}


def __getattr__(name: str):
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOME[name], __name__), name)
