"""The deliverability tables as pandas DataFrames (pandas is imported only here)."""

from __future__ import annotations

__all__ = ["aggregate_records", "bounced_sends", "tls_failures"]

import pandas as pd

from ..journal.store import Journal


def _read(journal: Journal, sql: str, params=()) -> pd.DataFrame:
    cursor = journal.db.execute(sql, params)
    return pd.DataFrame(cursor.fetchall(), columns=[d[0] for d in cursor.description])


def aggregate_records(journal: Journal, *, domain: str | None = None) -> pd.DataFrame:
    """One row per DMARC aggregate record, with its report's reporter, domain, period and policy."""
    where = " WHERE r.domain = ?" if domain else ""
    frame = _read(
        journal,
        f"""SELECT r.org_name, r.report_id, r.domain, r.begin_utc, r.end_utc, r.p, r.sp, r.pct,
                   d.source_ip, d.count, d.disposition, d.dkim, d.spf, d.header_from, d.envelope_from,
                   d.reasons, d.dkim_results, d.spf_results
            FROM dmarc_records d JOIN dmarc_reports r ON r.id = d.report{where} ORDER BY r.begin_utc, d.id""",
        (domain.lower(),) if domain else (),
    )
    for column in ("begin_utc", "end_utc"):
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    frame["passed"] = (frame["dkim"] == "pass") | (frame["spf"] == "pass")
    return frame


def tls_failures(journal: Journal) -> pd.DataFrame:
    """One row per TLS report policy and failure type (``result_type`` None: the policy's successes only)."""
    frame = _read(
        journal,
        """SELECT t.org_name, t.report_id, t.begin_utc, p.policy_type, p.policy_domain, p.succeeded, p.failed,
                  f.result_type, f.count, f.receiving_mx_hostname, f.sending_mta_ip
           FROM tls_policies p JOIN tls_reports t ON t.id = p.report LEFT JOIN tls_failures f ON f.policy = p.id
           ORDER BY t.begin_utc, p.id""",
    )
    frame["begin_utc"] = pd.to_datetime(frame["begin_utc"], utc=True, format="ISO8601")
    return frame


def bounced_sends(journal: Journal, *, account: str | None = None) -> pd.DataFrame:
    """Every bounced recipient: when, hard or soft, why, and the send it bounces ("sent, then bounced")."""
    where = " WHERE s.account = ?" if account else ""
    frame = _read(
        journal,
        f"""SELECT coalesce(b.date_utc, b.ingested_at) AS bounced_at, br.recipient,
                   lower(substr(br.recipient, instr(br.recipient, '@') + 1)) AS recipient_domain,
                   br.kind, br.reason, br.status, br.action, br.diagnostic, b.mta, b.original_message_id,
                   br.send_id AS send, s.account, s.created_at AS sent_at, s.status AS send_status,
                   coalesce(s.subject, b.original_subject) AS subject
            FROM bounce_recipients br JOIN bounces b ON b.id = br.bounce LEFT JOIN sends s ON s.id = br.send_id
            {where} ORDER BY bounced_at""",
        (account,) if account else (),
    )
    for column in ("bounced_at", "sent_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    frame["send"] = frame["send"].astype("Int64")
    return frame
