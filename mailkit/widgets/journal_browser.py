"""The journal browser (kivitendo's E-Mail-Journal): filter the mails, open one in a pane, download its attachments.

The same queries as ``mailkit journal list`` and ``journal show`` (:mod:`mailkit.journal.view`). A
page of mails is a Select; choosing one shows its header fields, text, where it sits on the server,
record, ticket, documents and auto-reply, with each attachment as a download link (a data URI, so it
works in JupyterLab, Voilà and the saved notebook without a server round trip).
"""

from __future__ import annotations

__all__ = ["JournalBrowser"]

import base64
import html

import ipywidgets as w

from ..errors import MailkitError
from ..journal.store import Journal
from ..journal.view import ListFilter, attachment_content, list_messages, show_message

_ANY = ""
_INLINE_LIMIT = 8 * 1024 * 1024  # larger attachments: `mailkit journal show ID --save-attachment N`


def _esc(value) -> str:
    return html.escape("" if value is None else str(value))


class JournalBrowser(w.VBox):
    """A filterable, paged list of the journal's mails and the chosen mail in a pane (:attr:`shown`)."""

    def __init__(self, journal: Journal, page_size: int = 25) -> None:
        self.journal = journal
        self.page_size = page_size
        self.offset = 0
        accounts = [a for (a,) in journal.db.execute("SELECT DISTINCT account FROM messages ORDER BY account")]
        self.account = w.Dropdown(options=[("all", _ANY), *[(a, a) for a in accounts]], description="Account")
        self.direction = w.ToggleButtons(
            options=[("both", _ANY), ("in", "in"), ("out", "out")], description="Direction"
        )
        self.sender = w.Text(description="From", placeholder="address or name", continuous_update=False)
        self.subject = w.Text(description="Subject", placeholder="part of the subject", continuous_update=False)
        self.record = w.Text(description="Record", placeholder="[type:]number", continuous_update=False)
        self.ticket = w.Text(description="Ticket", continuous_update=False)
        self.has_attachment = w.Checkbox(description="with attachments", indent=False)
        self.mails = w.Select(options=[], rows=12, layout=w.Layout(width="100%"))
        self.status = w.HTML()
        self.previous = w.Button(description="◀ newer", layout=w.Layout(width="8em"))
        self.next = w.Button(description="older ▶", layout=w.Layout(width="8em"))
        self.pane = w.HTML(layout=w.Layout(border="1px solid #ddd", padding="0.5em"))
        self.shown: dict | None = None
        for control in self.filters:
            control.observe(lambda _: self.refresh(reset=True), names="value")
        self.mails.observe(lambda change: self.open_mail(change["new"]), names="value")
        self.previous.on_click(lambda _: self.page(-1))
        self.next.on_click(lambda _: self.page(+1))
        super().__init__(
            [
                w.HBox([self.account, self.direction]),
                w.HBox([self.sender, self.subject]),
                w.HBox([self.record, self.ticket, self.has_attachment]),
                self.mails,
                w.HBox([self.previous, self.next, self.status]),
                self.pane,
            ]
        )
        self.refresh(reset=True)

    @property
    def filters(self) -> list[w.ValueWidget]:
        return [self.account, self.direction, self.sender, self.subject, self.record, self.ticket, self.has_attachment]

    def where(self) -> ListFilter:
        return ListFilter(
            account=self.account.value,
            direction=self.direction.value,
            sender=self.sender.value.strip(),
            subject=self.subject.value.strip(),
            record=self.record.value.strip(),
            ticket=self.ticket.value.strip(),
            has_attachment=True if self.has_attachment.value else None,
        )

    def page(self, step: int) -> None:
        self.offset = max(0, self.offset + step * self.page_size)
        self.refresh()

    def refresh(self, reset: bool = False) -> dict:
        """List the page the filters and the offset describe; returns it as ``list_messages`` does."""
        if reset:
            self.offset = 0
        found = list_messages(self.journal, self.where(), limit=self.page_size, offset=self.offset)
        options = []
        for row in found["rows"]:
            when = (row["date_utc"] or "")[:16].replace("T", " ")
            clip = "📎" if row["attachments"] else "  "
            label = f"{when:<16}  {row['direction']:<3} {clip} {(row['from_addr'] or '-')[:32]:<32}  {row['subject']}"
            options.append((label, row["id"]))
        self.mails.options = options
        first = found["offset"] + 1 if found["rows"] else 0
        self.status.value = f"{first}–{found['offset'] + len(found['rows'])} of {found['total']} mails"
        self.previous.disabled = self.offset == 0
        self.next.disabled = self.offset + self.page_size >= found["total"]
        return found

    def open_mail(self, row: int | None) -> dict | None:
        """Show one mail in the pane."""
        if row is None:
            return None
        try:
            shown = show_message(self.journal, row)
        except MailkitError as exc:
            self.pane.value = f"<div style='color:#b00020'>{_esc(exc)}</div>"
            return None
        self.shown = shown
        self.pane.value = self._render(shown)
        return shown

    def _render(self, shown: dict) -> str:
        m = shown["message"]
        wanted = ("from", "to", "cc", "date", "subject", "message-id")
        head = "".join(
            f"<tr><th style='text-align:left;padding-right:1em'>{_esc(n)}</th><td>{_esc(v)}</td></tr>"
            for n, v in shown["headers"]
            if n.lower() in wanted
        )
        facts = [f"mail {m['id']}, {m['direction']}, account {_esc(m['account'])}, {shown['size']} bytes"]
        if m.get("record_number"):
            facts.append(f"record {_esc(m['record_type'])} {_esc(m['record_number'])}")
        if m.get("ticket_number"):
            facts.append(f"ticket {_esc(m['ticket_number'])} ({_esc(m.get('ticket_status'))}, "
                         f"queue {_esc(m.get('queue') or '–')}, project {_esc(m.get('project') or '–')})")  # fmt: skip
        for loc in shown["locations"]:
            state = "on the server" if loc["present"] else f"gone since {_esc(loc['gone_at'])}"
            facts.append(f"{_esc(loc['folder'])} UID {loc['uid']} ({state})")
        for doc in shown["documents"]:
            facts.append(f"filed as {_esc(doc['file'] or doc['target'])}")
        if shown["autoreply"]:
            facts.append(f"auto-reply {_esc(shown['autoreply']['decision'])}: {_esc(shown['autoreply']['reason'])}")
        links = [self._download(m["id"], number, a) for number, a in enumerate(shown["attachments"])]
        problems = [*shown["problems"], *m["parse_errors"]]
        return (
            f"<table>{head}</table><div style='color:#555'>{'<br>'.join(facts)}</div>"
            + (f"<div>📎 {' · '.join(links)}</div>" if links else "")
            + (f"<div style='color:#b00020'>{_esc('; '.join(problems))}</div>" if problems else "")
            + "<pre style='white-space:pre-wrap;max-height:30em;overflow:auto'>"
            + f"{_esc(shown['text'] or '(no text)')}</pre>"
        )

    def _download(self, row: int, index: int, attachment: dict) -> str:
        label = f"{_esc(attachment['name'])} ({attachment['size']:,} bytes)"
        if attachment["size"] > _INLINE_LIMIT:
            return f"{label}: `mailkit journal show {row} --save-attachment {index + 1}`"
        try:
            name, mime, data = attachment_content(self.journal, row, index)
        except MailkitError as exc:
            return f"{label}: {_esc(exc)}"
        from ..sync.documents import safe_name

        uri = f"data:{_esc(mime)};base64,{base64.b64encode(data).decode()}"
        return f"<a download='{_esc(safe_name(name, index + 1))}' href='{uri}'>{label}</a>"
