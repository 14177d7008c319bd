"""The diagnostics panel: pick an account and options, run :func:`mailkit.diagnose.diagnose`, read the table.

The check runs in a thread so the notebook stays responsive; the progress bar counts the
walks (sending server, receiving server, domain records, test mail) as they start.
"""

from __future__ import annotations

__all__ = ["DiagnosticsPanel"]

import html
import threading

import ipywidgets as w

from ..diagnose import Report, diagnose
from ..diagnose.remedies import remedy_in
from ..i18n import check_lang, text
from ..workspace import Workspace
from ._controls import button, checkbox, error_html

_STYLE = {"description_width": "9em"}


class DiagnosticsPanel(w.VBox):
    """Account, test-mail address, DKIM selectors, Run; then the coloured report and the remedies."""

    def __init__(self, workspace: Workspace, account: str | None = None, *, lang: str = "en") -> None:
        self.workspace = workspace
        self.lang = check_lang(lang)

        def _t(key: str) -> str:
            return text(f"panel.{key}", lang)

        names = sorted(workspace.accounts)
        self.account = w.Dropdown(
            options=names, value=account or (names[0] if names else None), description=_t("account"), style=_STYLE
        )
        self.test_mail_to = w.Text(description=_t("test_mail_to"), placeholder=_t("nothing_sent"), style=_STYLE)
        self.dkim_selectors = w.Text(description=_t("selectors"), placeholder="mail, 2026", style=_STYLE)
        self.record_folder = checkbox(_t("record_folder"), style=_STYLE)
        self.run_button = button(_t("run"), style="primary", icon="stethoscope")
        self.progress = w.IntProgress(value=0, min=0, max=1, description=_t("progress"), style=_STYLE)
        self.status = w.HTML()
        self.table = w.HTML()
        self.remedies = w.HTML()
        self.run_button.on_click(lambda _: self.run())
        self._thread: threading.Thread | None = None
        self.last_report: Report | None = None
        super().__init__(
            [
                self.account,
                w.HBox([self.test_mail_to, self.dkim_selectors]),
                self.record_folder,
                w.HBox([self.run_button, self.progress]),
                self.status,
                self.table,
                self.remedies,
            ]
        )

    def _step(self, what: str) -> None:
        self.progress.value = min(self.progress.value + 1, self.progress.max)
        self.status.value = f"checking {html.escape(what)} …"

    def run(self, wait: bool = False) -> None:
        """Start the diagnosis; ``wait=True`` blocks until it is done (headless runs and tests)."""
        account = self.workspace.get(self.account.value)
        to = self.test_mail_to.value.strip() or None
        walks = 1 + (account.sending is not None and account.sending.method == "smtp") + (account.receiving is not None)
        self.progress.max, self.progress.value = walks + (to is not None), 0
        self.run_button.disabled = True
        self.table.value = self.remedies.value = ""
        selectors = [s.strip() for s in self.dkim_selectors.value.replace(",", " ").split() if s.strip()]
        self._thread = threading.Thread(target=self._run, args=(account, to, selectors), daemon=True)
        self._thread.start()
        if wait:
            self._thread.join()

    def _run(self, account, to, selectors) -> None:
        try:
            report = diagnose(
                account,
                self.workspace,
                test_mail_to=to,
                dkim_selectors=selectors,
                record_folder=self.record_folder.value,
                progress=self._step,
            )
        except Exception as exc:  # a sentence in the status line, never a traceback in the output area
            self.status.value = error_html(exc, "diagnosis failed")
            return
        finally:
            self.run_button.disabled = False
        self.last_report = report
        self.progress.value = self.progress.max
        self.table.value = report.table(lang=self.lang).to_html()
        self.remedies.value = _remedies(report, self.lang)
        counts = ", ".join(f"{n} {s}" for s, n in report.counts().items() if n)
        colour, verdict = ("#1b5e20", "nothing failed") if report.ok else ("#b00020", "something failed")
        self.status.value = f"<b style='color:{colour}'>{verdict}</b> ({counts}, {report.elapsed_ms} ms)"


def _remedies(report: Report, lang: str) -> str:
    items = [
        f"<li><b>{html.escape(r.check)}</b> {html.escape(r.target)}: {html.escape(remedy_in(r.remedy, lang))}</li>"
        for r in report.rows
        if r.remedy and r.status in ("fail", "warn")
    ]
    what = "What to do" if lang == "en" else text("col.remedy", lang)
    return f"<p><b>{html.escape(what)}</b></p><ul>{''.join(items)}</ul>" if items else ""
