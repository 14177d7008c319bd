"""The onboarding app: one page that walks a consultant from an address to a working, documented account.

Address → autoconfiguration (best candidate filled in) → the account form → connection test (the
diagnosis with its remedies) → DKIM key and the SPF/DKIM/DMARC records to publish, each with a copy
button and its state in the DNS now → save to the workspace and write the handover report. Every step
says in words what it is doing and what went wrong, and stays usable for the next try. German by
default; the switch at the top changes every label.
"""

from __future__ import annotations

__all__ = ["OnboardingApp"]

import base64
import datetime as dt
import html
from collections.abc import Callable

import ipywidgets as w

from .. import dkim
from ..autoconfig import autoconfigure
from ..diagnose import Report, diagnose
from ..diagnose.remedies import remedy_in
from ..errors import ConfigError
from ..i18n import status_labels, text
from ..onboarding import DnsRecord, dns_records, records_frame
from ..tables import table
from ..workspace import Workspace
from ._controls import busy, button, on_enter, say
from .account_form import AccountForm

_STYLE = {"description_width": "10em"}


def _copy_button(value: str, label: str) -> str:
    """A button that puts ``value`` on the clipboard (in the page, no kernel round trip)."""
    return (
        f"<button class='mk-copy' data-value='{html.escape(value, quote=True)}' title='{html.escape(label)}' "
        "style='white-space:nowrap;cursor:pointer' "
        "onclick=\"navigator.clipboard.writeText(this.dataset.value);this.textContent='✓ '+this.title\">"
        f"{html.escape(label)}</button>"
    )


class OnboardingApp(w.VBox):
    """The five steps on one page; ``publish(name, value)`` (sandbox only) adds a button that publishes the records."""

    def __init__(
        self,
        workspace: Workspace,
        *,
        lang: str = "de",
        publish: Callable[[str, str], None] | None = None,
        report: Callable[[list[str], str], tuple[str, str]] | None = None,
    ) -> None:
        self.workspace = workspace
        self._publish, self._report = publish, report
        self.last_report: Report | None = None
        self.last_records: list[DnsRecord] = []
        self.last_candidates = None  # the autoconfig candidates' frame, best first
        self.language = w.ToggleButtons(options=[("Deutsch", "de"), ("English", "en")], value=lang, style=_STYLE)
        self.title = w.HTML()
        self.headings = {step: w.HTML() for step in ("address", "account", "test", "dns", "save")}
        # 1 · address
        self.address = w.Text(placeholder="rechnung@firma.de", style=_STYLE, layout=w.Layout(width="34em"))
        self.find_button = button("", icon="magic", style="primary")
        self.find_status, self.candidates = w.HTML(), w.HTML()
        # 2 · account
        self.account_intro = w.HTML()
        self.form = AccountForm(workspace, actions=False, lang=lang)
        # 3 · test
        self.test_button = button("", icon="plug", style="primary")
        self.test_status, self.diagnosis = w.HTML(), w.HTML()
        # 4 · DKIM and DNS
        self.selector = w.Text(value=f"mk{dt.date.today().year}", style=_STYLE, layout=w.Layout(width="24em"))
        self.generate_button = button("", icon="key", style="primary")
        self.check_button = button("", icon="search")
        self.publish_button = button("", icon="upload")
        self.dns_status, self.records = w.HTML(), w.HTML()
        # 5 · save and hand over
        self.save_button = button("", icon="save", style="success")
        self.report_button = button("", icon="file-text")
        self.save_status, self.download = w.HTML(), w.HTML()

        self.find_button.on_click(lambda _: self.find_settings())
        on_enter(self.address, self.find_settings)
        self.test_button.on_click(lambda _: self.test_connection())
        self.generate_button.on_click(lambda _: self.generate_key())
        self.check_button.on_click(lambda _: self.show_records())
        self.publish_button.on_click(lambda _: self.publish_records())
        self.save_button.on_click(lambda _: self.save())
        self.report_button.on_click(lambda _: self.write_report())
        self.language.observe(lambda _: self._relabel(), names="value")
        dns_buttons = [self.generate_button, self.check_button] + ([self.publish_button] if publish else [])
        save_buttons = [self.save_button] + ([self.report_button] if report else [])
        super().__init__(
            [
                w.HBox([self.title, self.language], layout=w.Layout(justify_content="space-between")),
                self.headings["address"],
                w.HBox([self.address, self.find_button]),
                self.find_status,
                self.candidates,
                self.headings["account"],
                self.account_intro,
                self.form,
                self.headings["test"],
                self.test_button,
                self.test_status,
                self.diagnosis,
                self.headings["dns"],
                w.HBox([self.selector, *dns_buttons]),
                self.dns_status,
                self.records,
                self.headings["save"],
                w.HBox(save_buttons),
                self.save_status,
                self.download,
            ],
            layout=w.Layout(max_width="1400px"),
        )
        self.add_class("mk-onboarding")
        self._relabel()

    @property
    def lang(self) -> str:
        return self.language.value

    def _t(self, key: str, **values) -> str:
        return text(f"app.{key}", self.lang, **values)

    def _relabel(self) -> None:
        self.title.value = f"<h2 style='margin:0'>{html.escape(self._t('title'))}</h2>"
        for step, heading in self.headings.items():
            heading.value = f"<h3 style='margin:18px 0 4px'>{html.escape(self._t('step.' + step))}</h3>"
        self.language.description = self._t("lang")
        self.address.description = self._t("address")
        self.selector.description = self._t("selector")
        self.account_intro.value = f"<p>{html.escape(self._t('account_intro'))}</p>"
        self.form.set_lang(self.lang)
        for control, key in (
            (self.find_button, "find"),
            (self.test_button, "test"),
            (self.generate_button, "generate"),
            (self.check_button, "check"),
            (self.publish_button, "publish"),
            (self.save_button, "save"),
            (self.report_button, "report"),
        ):
            control.description = control.tooltip = self._t(key)
        if self.last_candidates is not None:
            self._show_candidates()
        if self.last_report is not None:
            self._show_diagnosis(self.last_report)
        if self.last_records:
            self._show_records(self.last_records)

    # -- 1 · address -------------------------------------------------------------------------------
    def find_settings(self):
        """Autoconfigure the address; fill the form from the best candidate, list the others."""
        address = self.address.value.strip()
        result = None
        self.candidates.value = ""
        with busy(self.find_button, self.find_status, self._t("finding", address=address), self._t("find_failed")):
            result = autoconfigure(address, self.workspace)
        if result is None:
            return None
        fields = self.form.fields
        fields["address"].value = address
        if not fields["name"].value.strip():
            fields["name"].value = address.partition("@")[0]
        if result.best is None:
            say(self.find_status, "warn", self._t("none_found", address=address))
            return result
        self.form.apply_candidate(result.best, address)
        trusted = self.workspace.autoconfig.ca_file  # the CA the search trusted also signs the servers it found
        if trusted and not fields["ca_file"].value.strip():
            fields["ca_file"].value = trusted
        say(self.find_status, "ok", self._t("found", n=len(result.candidates), source=result.best.source))
        self.last_candidates = result.candidates_frame()
        self._show_candidates()
        return result

    def _show_candidates(self) -> None:
        if self.last_candidates is None:
            return
        frame = self.last_candidates[["source", "incoming", "outgoing", "username", "hints"]]
        headers = {c: text(f"col.{c}", self.lang) for c in frame.columns}
        more = self._t("candidates_more", n="{n}")
        self.candidates.value = table(frame, headers=headers, limit=3, more=more).to_html()

    # -- 3 · test ----------------------------------------------------------------------------------
    def test_connection(self) -> Report | None:
        """Diagnose the account as the form holds it (the typed password goes to the secret store first)."""
        self.form.store_password()
        try:
            account = self.form.account()
        except ConfigError as exc:
            problems = "; ".join(str(p) for p in exc.problems) or str(exc)
            say(self.test_status, "fail", self._t("fix_fields", problems=problems))
            return None
        report = None
        self.diagnosis.value = ""
        with busy(self.test_button, self.test_status, self._t("testing", name=account.name), self._t("test_failed")):
            report = diagnose(account, self.workspace)
        if report is None:
            return None
        self.last_report = report
        self._show_diagnosis(report)
        return report

    def _show_diagnosis(self, report: Report) -> None:
        failures = report.failures()
        if failures:
            remedies = "".join(
                f"<li><b>{html.escape(r.check)}</b> ({html.escape(r.target)}): {html.escape(r.detail)}"
                f" — <b>{html.escape(remedy_in(r.remedy, self.lang))}</b></li>"
                for r in failures
            )
            self.test_status.value = (
                f"<div style='color:#b00020;font-weight:600'>{html.escape(self._t('problems', n=len(failures)))}</div>"
                f"<ul class='mk-remedies'>{remedies}</ul>"
            )
        else:
            say(self.test_status, "ok", self._t("passed"))
        self.diagnosis.value = report.table(lang=self.lang, problems_first=True, limit=8).to_html()

    # -- 4 · DKIM and DNS --------------------------------------------------------------------------
    @property
    def domain(self) -> str:
        return self.form.fields["address"].value.strip().rpartition("@")[2].lower()

    def generate_key(self) -> dkim.DkimKey | None:
        """The selector's key (an existing one is reused: a new key needs a new selector), then the records.

        The account signs with it from then on: the form's DKIM selector becomes this one.
        """
        key = None
        selector = self.selector.value.strip()
        with busy(self.generate_button, self.dns_status, "…", self._t("key_failed")):
            if dkim.key_path(self.workspace, self.domain, selector).exists():
                key = dkim.load_key(self.workspace, self.domain, selector)
            else:
                key = dkim.generate_key(self.workspace, self.domain, selector)
        if key is None:
            return None
        self.form.fields["dkim_selector"].value = selector
        say(
            self.dns_status,
            "ok",
            self._t("generated", algorithm=key.algorithm.upper(), bits=key.bits, name=key.record_name),
        )
        self.show_records()
        return key

    def show_records(self) -> list[DnsRecord]:
        """SPF, DKIM and DMARC for the domain, with what the DNS serves now."""
        records: list[DnsRecord] = []
        with busy(self.check_button, self.dns_status, "…", self._t("check")):
            records = dns_records(self.workspace, self.domain, self.selector.value.strip())
            self.dns_status.value = ""
        if records:
            self.last_records = records
            self._show_records(records)
        return records

    def _show_records(self, records: list[DnsRecord]) -> None:
        frame = records_frame(records).drop(columns="type")
        frame.insert(3, "copy", [_copy_button(r.value, self._t("copy")) for r in records])
        frame["published"] = [  # the long value once: here only whether it is the same
            self._t("same") if r.published == r.value else r.published or self._t("nothing") for r in records
        ]
        notes = "".join(
            f"<li><b>{html.escape(r.kind)}</b>: {html.escape('; '.join(r.notes))}</li>" for r in records if r.notes
        )
        shown = table(
            frame,
            labels=status_labels(self.lang),
            headers={c: text(f"col.{c}", self.lang) for c in frame.columns},
            raw=("copy",),
            wrap=("value",),
        )
        intro = html.escape(self._t("records_intro", domain=self.domain))
        self.records.value = f"<p>{intro}</p>{shown.to_html()}" + (f"<ul>{notes}</ul>" if notes else "")

    def publish_records(self) -> None:
        """Sandbox only: publish every record that is not published as it should be."""
        if self._publish is None:
            return
        names = []
        with busy(self.publish_button, self.dns_status, "…", self._t("publish")):
            for record in self.last_records or self.show_records():
                if record.status != "ok":
                    self._publish(record.name, record.value)
                    names.append(record.name)
            self.show_records()
            say(self.dns_status, "ok", self._t("published", names=", ".join(names) or "—"))

    # -- 5 · save and hand over --------------------------------------------------------------------
    def save(self):
        """Save the account (its password in the secret store) to the workspace."""
        account = None
        with busy(self.save_button, self.save_status, "…", self._t("save_failed")):
            self.form.store_password()
            account = self.form.account()
            self.workspace.add(account, replace=True)
            self.workspace.save()
        if account is not None:
            say(self.save_status, "ok", self._t("saved", name=account.name, file=self.workspace.config_file))
        return account

    def write_report(self):
        """Write the handover report of the saved account and offer it for download."""
        name = self.form.fields["name"].value.strip()
        if name not in self.workspace.accounts:
            say(self.save_status, "warn", self._t("save_first"))
            return None
        written = None
        with busy(self.report_button, self.save_status, "…", self._t("report_failed")):
            written = self._report([name], self.lang)
        if written is None:
            return None
        path, page = written
        say(self.save_status, "ok", self._t("report_written", path=path))
        data = base64.b64encode(page.encode("utf-8")).decode("ascii")
        filename = html.escape(path.rpartition("/")[2], quote=True)
        self.download.value = (
            f"<a download='{filename}' href='data:text/html;base64,{data}'>{html.escape(self._t('download'))}</a>"
        )
        return path
