"""Reports over the journal's frames: volumes, correspondents, failures, response times, authentication.

What pflogsumm gives Postfix admins as text, for the mail of an ERP: every report is a pure
function from the frames of :mod:`mailkit.journal.frames` to a DataFrame, so a notebook, the
CLI and a script get the same numbers; ``plot_*`` functions draw the tables people would rather
look at (static matplotlib figures, made without pyplot's global state, labels in German or
English). :func:`summary` fits the whole journal on one screen.

Times: the journal keeps UTC; reports that bucket by day, week, hour or weekday take ``tz``
(default Europe/Berlin, where these businesses work) and use local wall-clock time.

Response times follow threads, not subjects: messages are linked by Message-ID, In-Reply-To and
References, and for each inbound mail the answer is the first outbound mail of the same thread
written after it (from any account: a colleague's answer counts for the team).

One module per question (``volumes``, ``failures``, ``threads``, ``authentication``,
``attachments``, ``runs``, ``records``, ``deliverability``, ``smime``), the figures in ``plots``, the
words in ``labels``, the one-screen view in ``summary``; everything public is imported from here. A new report is a new
module beside them, its names added below.
"""

from .attachments import attachment_types
from .authentication import AuthenticationResults, AuthResult, authentication, parse_authentication_results
from .deliverability import (
    Readiness,
    bounce_rates,
    pass_rates,
    plot_bounces,
    plot_pass_rates,
    plot_tls_failures,
    readiness,
    tls_summary,
    unaligned_sources,
    with_services,
)
from .failures import (
    BASIC_CODES,
    ENHANCED_CODES,
    enhanced_code,
    failures,
    failures_by_domain,
    failures_by_reason,
    smtp_meaning,
)
from .plots import plot_attachments, plot_authentication, plot_failures, plot_response_times, plot_runs, plot_volume
from .records import records
from .runs import run_health
from .smime import plot_smime, smime_shares
from .summary import SUMMARY_COLUMNS, Summary, summarize, summary
from .threads import journal_response_stats, response_stats, response_times
from .volumes import DEFAULT_TZ, correspondents, utc_bucket, volume

__all__ = [
    "BASIC_CODES",
    "DEFAULT_TZ",
    "ENHANCED_CODES",
    "SUMMARY_COLUMNS",
    "AuthResult",
    "AuthenticationResults",
    "Readiness",
    "Summary",
    "attachment_types",
    "authentication",
    "bounce_rates",
    "correspondents",
    "enhanced_code",
    "failures",
    "failures_by_domain",
    "failures_by_reason",
    "journal_response_stats",
    "parse_authentication_results",
    "pass_rates",
    "plot_attachments",
    "plot_authentication",
    "plot_bounces",
    "plot_failures",
    "plot_pass_rates",
    "plot_response_times",
    "plot_runs",
    "plot_smime",
    "plot_tls_failures",
    "plot_volume",
    "readiness",
    "records",
    "response_stats",
    "response_times",
    "run_health",
    "smime_shares",
    "smtp_meaning",
    "summarize",
    "summary",
    "tls_summary",
    "unaligned_sources",
    "utc_bucket",
    "volume",
    "with_services",
]
