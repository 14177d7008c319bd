"""The account's receiving settings as run options: what OpenXE and REV+ keep per account, flags override it."""

from __future__ import annotations

__all__ = ["options_for"]

import dataclasses
import datetime as dt

from ..model import Account
from .base import SyncOptions


def options_for(account: Account, options: SyncOptions | None = None, **given) -> SyncOptions:
    """``options`` (or ``given`` fields) where they are set, else the account's ``after_import`` and ``since``.

    ``after=None`` and ``since=None`` mean "the account's setting".

    >>> from mailkit.model import Receiving
    >>> receiving = Receiving(host="h", after_import="seen", since="2026-01-02")
    >>> acc = Account(name="a", address="a@x.test", receiving=receiving)
    >>> o = options_for(acc, after=None, since=None)
    >>> o.after, o.since
    ('seen', datetime.date(2026, 1, 2))
    >>> options_for(acc, after="delete").after
    'delete'
    """
    receiving = account.receiving
    fields = dataclasses.asdict(options) if options is not None else {}
    fields.update(given)
    if fields.get("after") is None:
        fields["after"] = receiving.after_import if receiving else "keep"
    if fields.get("since") is None and receiving is not None and receiving.since:
        fields["since"] = dt.date.fromisoformat(receiving.since)
    return SyncOptions(**fields)
