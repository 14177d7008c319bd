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
"""

from __future__ import annotations

__all__ = [
    "BASIC_CODES",
    "DEFAULT_TZ",
    "ENHANCED_CODES",
    "SUMMARY_COLUMNS",
    "AuthResult",
    "AuthenticationResults",
    "Summary",
    "attachment_types",
    "authentication",
    "correspondents",
    "enhanced_code",
    "failures",
    "failures_by_domain",
    "failures_by_reason",
    "parse_authentication_results",
    "plot_attachments",
    "plot_authentication",
    "plot_failures",
    "plot_response_times",
    "plot_runs",
    "plot_volume",
    "records",
    "response_stats",
    "response_times",
    "run_health",
    "smtp_meaning",
    "summarize",
    "summary",
    "volume",
]

import html
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .journal.store import Journal

DEFAULT_TZ = "Europe/Berlin"

# -- SMTP reply codes ------------------------------------------------------------------------------
#: enhanced status codes (RFC 3463, and the ones big providers use): code -> (English, German)
ENHANCED_CODES: dict[str, tuple[str, str]] = {
    "4.2.1": ("mailbox temporarily disabled or rate-limited", "Postfach vorübergehend gesperrt oder gedrosselt"),
    "4.2.2": ("mailbox full, try again later", "Postfach voll, später erneut versuchen"),
    "4.3.0": ("temporary problem of the receiving system", "vorübergehendes Problem beim Empfangssystem"),
    "4.3.1": ("receiving system out of storage", "Empfangssystem ohne Speicherplatz"),
    "4.3.2": ("receiving system not accepting mail now", "Empfangssystem nimmt gerade keine Mail an"),
    "4.4.1": ("no answer from the receiving server", "keine Antwort vom Empfangsserver"),
    "4.4.2": ("connection dropped", "Verbindung abgebrochen"),
    "4.4.3": ("directory or DNS lookup failed", "Verzeichnis- oder DNS-Abfrage fehlgeschlagen"),
    "4.4.7": ("delivery time expired", "Zustellfrist abgelaufen"),
    "4.7.0": ("temporarily refused by policy (rate limit, TLS)", "vorübergehend abgelehnt (Drosselung, TLS)"),
    "4.7.1": ("temporarily refused: greylisting or policy", "vorübergehend abgelehnt: Greylisting oder Richtlinie"),
    "5.0.0": ("permanent failure without details", "dauerhafter Fehler ohne Angaben"),
    "5.1.0": ("bad address", "fehlerhafte Adresse"),
    "5.1.1": ("recipient address does not exist", "Empfängeradresse existiert nicht"),
    "5.1.2": ("recipient domain does not exist or has no mail server", "Empfängerdomain existiert nicht"),
    "5.1.3": ("recipient address syntax is invalid", "Empfängeradresse syntaktisch ungültig"),
    "5.1.6": ("mailbox has moved, no forwarding", "Postfach umgezogen, keine Weiterleitung"),
    "5.1.8": ("sender's domain is not accepted", "Absenderdomain wird nicht akzeptiert"),
    "5.1.10": ("recipient not found (Microsoft 365)", "Empfänger nicht gefunden (Microsoft 365)"),
    "5.2.0": ("recipient mailbox problem", "Problem mit dem Empfängerpostfach"),
    "5.2.1": ("recipient mailbox disabled", "Empfängerpostfach deaktiviert"),
    "5.2.2": ("recipient mailbox full", "Empfängerpostfach voll"),
    "5.2.3": ("message too large for the recipient", "Nachricht zu groß für den Empfänger"),
    "5.3.0": ("receiving system error", "Fehler des Empfangssystems"),
    "5.3.4": ("message too large for the receiving system", "Nachricht zu groß für das Empfangssystem"),
    "5.4.1": ("recipient rejected: access denied (Microsoft 365)", "Empfänger abgelehnt: Zugriff verweigert"),
    "5.4.4": ("recipient domain cannot be routed (no MX)", "Empfängerdomain nicht erreichbar (kein MX)"),
    "5.4.6": ("mail routing loop", "Mail-Schleife"),
    "5.7.0": ("refused by security policy", "durch Sicherheitsrichtlinie abgelehnt"),
    "5.7.1": ("refused: relaying denied, sender blocked or spam", "abgelehnt: kein Relay, Absender gesperrt, Spam"),
    "5.7.8": (
        "our SMTP login was rejected: wrong credentials",
        "SMTP-Anmeldung abgelehnt: falsche Zugangsdaten",
    ),
    "5.7.9": ("our SMTP login method is too weak", "unser SMTP-Anmeldeverfahren ist zu schwach"),
    "5.7.23": ("SPF check failed", "SPF-Prüfung fehlgeschlagen"),
    "5.7.25": ("sending IP has no reverse DNS (PTR)", "sendende IP ohne Reverse-DNS (PTR)"),
    "5.7.26": ("not authenticated: DMARC, SPF or DKIM failed", "nicht authentifiziert: DMARC, SPF oder DKIM"),
    "5.7.27": ("sender domain accepts no mail (null MX)", "Absenderdomain nimmt keine Mail an (Null-MX)"),
    "5.7.57": ("client not authenticated to send (Microsoft 365)", "Client nicht zum Senden angemeldet"),
    "5.7.139": ("SMTP AUTH disabled or blocked (Microsoft 365)", "SMTP AUTH deaktiviert oder gesperrt"),
    "5.7.509": ("refused by the sender domain's DMARC policy", "abgelehnt wegen DMARC-Richtlinie"),
    "5.7.606": ("sending IP is banned (Microsoft 365)", "sendende IP gesperrt (Microsoft 365)"),
    "5.7.708": ("sending IP not accepted (Microsoft 365)", "sendende IP nicht akzeptiert"),
}
#: basic reply codes (RFC 5321): code -> (English, German)
BASIC_CODES: dict[int, tuple[str, str]] = {
    421: ("service not available, try again later", "Dienst nicht verfügbar, später erneut versuchen"),
    450: ("mailbox unavailable for now", "Postfach vorübergehend nicht verfügbar"),
    451: ("local error at the server, try again later", "lokaler Fehler beim Server, später erneut versuchen"),
    452: ("insufficient storage or too many recipients", "zu wenig Speicher oder zu viele Empfänger"),
    454: ("TLS or authentication temporarily unavailable", "TLS oder Anmeldung vorübergehend nicht verfügbar"),
    500: ("command not recognised", "Befehl nicht erkannt"),
    501: ("syntax error in parameters", "Syntaxfehler in den Parametern"),
    502: ("command not implemented", "Befehl nicht implementiert"),
    503: ("bad sequence of commands", "falsche Befehlsreihenfolge"),
    504: ("parameter not implemented", "Parameter nicht implementiert"),
    530: ("authentication (or STARTTLS) required", "Anmeldung (oder STARTTLS) erforderlich"),
    534: ("authentication method too weak", "Anmeldeverfahren zu schwach"),
    535: ("authentication failed", "Anmeldung fehlgeschlagen"),
    550: ("mailbox unavailable: unknown, no access or policy", "Postfach nicht verfügbar: unbekannt oder gesperrt"),
    551: ("user not local", "Empfänger nicht lokal"),
    552: ("storage exceeded or message too large", "Speicher überschritten oder Nachricht zu groß"),
    553: ("mailbox name not allowed (bad address)", "Postfachname nicht erlaubt (fehlerhafte Adresse)"),
    554: ("transaction failed (often spam or blocklist)", "Übertragung fehlgeschlagen (oft Spam oder Sperrliste)"),
    555: ("MAIL or RCPT parameters not recognised", "MAIL- oder RCPT-Parameter nicht erkannt"),
}
_CLASSES = {"4": ("temporary", "vorübergehend"), "5": ("permanent", "dauerhaft")}
_SUBJECTS = {
    "0": ("other", "sonstiges"),
    "1": ("addressing", "Adressierung"),
    "2": ("mailbox", "Postfach"),
    "3": ("mail system", "Mailsystem"),
    "4": ("network and routing", "Netz und Routing"),
    "5": ("protocol", "Protokoll"),
    "6": ("content", "Inhalt"),
    "7": ("security or policy", "Sicherheit oder Richtlinie"),
}
_NO_REPLY = ("no reply: connection failed or timed out", "keine Antwort: Verbindung fehlgeschlagen")
_ENHANCED = re.compile(r"\s*(?:\d{3}[ -])?([245]\.\d{1,3}\.\d{1,3})\b")


def _lang(lang: str) -> int:
    if lang not in ("en", "de"):
        raise ValueError(f"lang {lang!r}: use 'en' or 'de'")
    return 0 if lang == "en" else 1


def enhanced_code(reply: str | None) -> str | None:
    """The enhanced status code at the start of an SMTP reply text, if it has one.

    >>> enhanced_code("5.1.1 <x@kunde.test>: Recipient address rejected"), enhanced_code("550 5.7.1 relay denied")
    ('5.1.1', '5.7.1')
    >>> enhanced_code("Requested action not taken") is None
    True
    """
    found = _ENHANCED.match(reply or "")
    return found.group(1) if found else None


def smtp_meaning(code: int | None, enhanced: str | None = None, lang: str = "en") -> str:
    """What a failure means in plain words: the enhanced code if known, else the basic code, else its class.

    >>> smtp_meaning(550, "5.1.1")
    'recipient address does not exist'
    >>> smtp_meaning(451, None, lang="de")
    'lokaler Fehler beim Server, später erneut versuchen'
    >>> smtp_meaning(550, "5.7.999"), smtp_meaning(None)
    ('permanent: security or policy', 'no reply: connection failed or timed out')
    """
    index = _lang(lang)
    if enhanced in ENHANCED_CODES:
        return ENHANCED_CODES[enhanced][index]
    if enhanced and enhanced[0] in _CLASSES:
        kind, subject = enhanced.split(".")[:2]
        if subject in _SUBJECTS:
            return f"{_CLASSES[kind][index]}: {_SUBJECTS[subject][index]}"
    if code is None or pd.isna(code):
        return _NO_REPLY[index]
    if int(code) in BASIC_CODES:
        return BASIC_CODES[int(code)][index]
    return f"SMTP {int(code)}"


# -- Authentication-Results (RFC 8601) -------------------------------------------------------------
@dataclass(frozen=True)
class AuthResult:
    """One ``method=result`` of an Authentication-Results header, with its reason and properties."""

    method: str
    result: str
    version: int | None = None
    reason: str | None = None
    properties: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AuthenticationResults:
    """A parsed Authentication-Results header: who checked (authserv-id) and what they found."""

    authserv_id: str
    version: int | None
    results: tuple[AuthResult, ...]

    def result(self, method: str) -> str:
        """The verdict of a method: DKIM passes when any signature passed (RFC 7489); absent means none."""
        found = [r.result for r in self.results if r.method == method.lower()]
        if not found:
            return "none"
        return "pass" if "pass" in found else found[0]


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|;|=|/|[^\s;=/"]+')


def _strip_comments(text: str) -> str:
    """Remove RFC 5322 comments (nested parentheses, quoted pairs), keeping quoted strings intact."""
    out: list[str] = []
    depth = 0
    quoted = escaped = False
    for char in text:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(char)
            continue
        if char == "\\":
            escaped = True
            if depth == 0:
                out.append(char)
            continue
        if quoted:
            quoted = char != '"'
            out.append(char)
        elif char == '"' and depth == 0:
            quoted = True
            out.append(char)
        elif char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
            out.append(" ")
        elif depth == 0:
            out.append(char)
    return "".join(out)


def _unquote(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value[1:-1]) if value.startswith('"') else value


def parse_authentication_results(header: str) -> AuthenticationResults:
    """Parse an Authentication-Results header value (RFC 8601), comments and folding included.

    >>> ar = parse_authentication_results(
    ...     "mx.firma.test; spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=kunde.test;\\r\\n"
    ...     "\\tdkim=fail reason=\\"bad sig\\" header.d=kunde.test; dkim=pass header.d=esp.test;"
    ...     " dmarc=pass (p=reject) header.from=kunde.test")
    >>> ar.authserv_id, ar.result("spf"), ar.result("dkim"), ar.result("dmarc"), ar.result("arc")
    ('mx.firma.test', 'pass', 'pass', 'pass', 'none')
    >>> ar.results[1].reason, ar.results[0].properties
    ('bad sig', {'smtp.mailfrom': 'kunde.test'})
    >>> parse_authentication_results("mx.firma.test 1; none")
    AuthenticationResults(authserv_id='mx.firma.test', version=1, results=())
    """
    segments = [_TOKEN.findall(s) for s in _split_top_level(_strip_comments(header))]
    head = segments[0] if segments else []
    authserv_id = _unquote(head[0]) if head else ""
    version = int(head[1]) if len(head) > 1 and head[1].isdigit() else None
    results = []
    for tokens in segments[1:]:
        if tokens == ["none"] or len(tokens) < 3 or tokens[1] not in ("=", "/"):
            continue
        method, position, method_version = tokens[0].lower(), 1, None
        if tokens[1] == "/" and len(tokens) > 4 and tokens[2].isdigit():
            method_version, position = int(tokens[2]), 3
        if tokens[position] != "=" or position + 1 >= len(tokens):
            continue
        result = tokens[position + 1].lower()
        reason, properties = None, {}
        rest = tokens[position + 2 :]
        for index in range(0, len(rest) - 2, 3):
            key, equals, value = rest[index : index + 3]
            if equals != "=":
                break
            if key.lower() == "reason":
                reason = _unquote(value)
            else:
                properties[key.lower()] = _unquote(value)
        results.append(AuthResult(method, result, method_version, reason, properties))
    return AuthenticationResults(authserv_id, version, tuple(results))


def _split_top_level(text: str) -> list[str]:
    """Split at semicolons outside quoted strings."""
    parts, current, quoted, escaped = [], [], False, False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


# -- volumes and correspondents --------------------------------------------------------------------
_PERIODS = ("hour", "weekday", "day", "week", "month")


def _local(times: pd.Series, tz: str) -> pd.Series:
    """UTC times as naive local wall-clock times (no DST ambiguity in day and week buckets)."""
    return times.dt.tz_convert(tz).dt.tz_localize(None)


def _bucket(times: pd.Series, per: str, tz: str) -> pd.Series:
    if per not in _PERIODS:
        raise ValueError(f"per {per!r}: use one of {', '.join(_PERIODS)}")
    local = _local(times, tz)
    if per == "hour":
        return local.dt.hour.rename("hour")
    if per == "weekday":
        return local.dt.day_of_week.rename("weekday")
    day = local.dt.floor("D")
    if per == "day":
        return day.rename("day")
    if per == "week":
        return (day - pd.to_timedelta(day.dt.day_of_week, unit="D")).rename("week")
    return day.dt.to_period("M").dt.start_time.rename("month")


def volume(messages: pd.DataFrame, per: str = "day", by=("account", "direction"), tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Messages per hour of day, weekday (0 = Monday), day, week or month, one column per ``by`` group.

    Days, weeks and months without mail are rows of zeros, so plots show the gaps.
    """
    by = [by] if isinstance(by, str) else list(by)
    dated = messages[messages["date"].notna()]
    key = _bucket(dated["date"], per, tz)
    table = pd.crosstab(key, [dated[b] for b in by]) if by else key.value_counts().sort_index().to_frame("messages")
    if per == "hour":
        index = pd.RangeIndex(24, name="hour")
    elif per == "weekday":
        index = pd.RangeIndex(7, name="weekday")
    elif len(table):
        step = {"day": "D", "week": "7D", "month": "MS"}[per]
        index = pd.date_range(table.index.min(), table.index.max(), freq=step, name=per)
    else:
        index = table.index
    return table.reindex(index, fill_value=0).astype("int64")


def correspondents(messages: pd.DataFrame, by: str = "domain", top: int | None = 20) -> pd.DataFrame:
    """Who the mail is exchanged with (``by`` = ``correspondent`` or ``domain``): in, out, total, first, last."""
    if by not in ("correspondent", "domain"):
        raise ValueError(f"by {by!r}: use 'correspondent' or 'domain'")
    known = messages[messages[by].notna()]
    grouped = known.groupby(by, observed=True)
    counts = pd.crosstab(known[by], known["direction"]).reindex(columns=["in", "out"], fill_value=0)
    table = counts.assign(total=counts["in"] + counts["out"], first=grouped["date"].min(), last=grouped["date"].max())
    table = table.sort_values(["total", "last"], ascending=[False, False])
    table.columns.name = None
    return table.head(top) if top else table


# -- failures --------------------------------------------------------------------------------------
def failures(send_recipients: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The recipients a send did not reach: refused ones and those of failed sends, with the reason."""
    failed = send_recipients[send_recipients["outcome"].isin(["refused", "failed"])].copy()
    failed["enhanced"] = failed["smtp_reply"].astype("object").map(enhanced_code).astype("str")
    failed["class"] = _failure_class(failed["smtp_code"], failed["enhanced"])
    pairs = failed[["smtp_code", "enhanced"]].astype(object)
    pairs = pairs.where(pairs.notna(), None)
    meanings = {pair: smtp_meaning(*pair, lang) for pair in set(pairs.itertuples(index=False, name=None))}
    failed["meaning"] = [meanings[pair] for pair in pairs.itertuples(index=False, name=None)]
    return failed.reset_index(drop=True)


def _failure_class(codes: pd.Series, enhanced: pd.Series) -> pd.Categorical:
    first = enhanced.str[0].fillna(codes.astype("string").str[0])
    labels = first.map({"4": "temporary", "5": "permanent"}).fillna("no reply")
    return pd.Categorical(labels, categories=["permanent", "temporary", "no reply"])


def failures_by_reason(send_recipients: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Failed recipients grouped by SMTP code and enhanced code, with the meaning and an example reply."""
    failed = failures(send_recipients, lang)
    keys = ["smtp_code", "enhanced"]
    grouped = failed.groupby(keys, dropna=False, observed=True, sort=False)
    table = grouped.agg(
        failures=("recipient", "size"),
        domains=("domain", "nunique"),
        klass=("class", "first"),
        meaning=("meaning", "first"),
        example=("smtp_reply", "first"),
    ).rename(columns={"klass": "class"})
    table["share"] = table["failures"] / max(len(failed), 1)
    table = table.reset_index().sort_values(["failures", "smtp_code"], ascending=[False, True], na_position="last")
    table["smtp_code"] = table["smtp_code"].astype("Int64")
    columns = ["smtp_code", "enhanced", "class", "meaning", "failures", "share", "domains", "example"]
    return table[columns].reset_index(drop=True)


def failures_by_domain(send_recipients: pd.DataFrame, top: int | None = 20, lang: str = "en") -> pd.DataFrame:
    """Per recipient domain: recipients tried, failed, the failure rate and the most frequent reason."""
    tried = send_recipients[send_recipients["outcome"] != "pending"]
    failed = failures(tried, lang)
    attempts = tried.groupby("domain", observed=True).size().rename("recipients")
    counts = failed.groupby("domain", observed=True).size().rename("failed")
    reason = (
        failed.assign(reason=failed["meaning"])
        .groupby("domain", observed=True)["reason"]
        .agg(lambda r: r.value_counts().index[0])
    )
    table = pd.concat([attempts, counts], axis=1).fillna({"failed": 0}).astype({"failed": "int64"})
    table["rate"] = table["failed"] / table["recipients"]
    table["top_reason"] = reason.reindex(table.index)
    table = table[table["failed"] > 0].sort_values(["failed", "rate"], ascending=False)
    return table.head(top) if top else table


# -- threads and response times --------------------------------------------------------------------
def _components(a: np.ndarray, b: np.ndarray, size: int) -> np.ndarray:
    """Connected components of an undirected graph given as edge arrays: each node's smallest node."""
    label = np.arange(size)
    while True:
        low = np.minimum(label[a], label[b])
        high = np.maximum(label[a], label[b])
        moving = low != high
        if not moving.any():
            return label
        np.minimum.at(label, high[moving], low[moving])  # hook each root under the smaller one
        while True:  # then point every node straight at its root
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped


def _threads(messages: pd.DataFrame, references: pd.DataFrame) -> np.ndarray:
    """A thread number per message, from Message-ID, In-Reply-To and References."""
    count = len(messages)
    ids = messages["message_id"].astype("str")
    own = ids.where(ids.notna(), "\0" + messages["id"].astype("str"))  # no Message-ID: a thread of its own
    replied = messages["in_reply_to"].notna().to_numpy()
    rows = pd.Index(messages["id"]).get_indexer(references["id"])
    kept = rows >= 0
    parts = [own, messages["in_reply_to"][replied].astype("str"), references["ref"][kept].astype("str")]
    arrays = [pa.array(part) for part in parts]
    chunks = [c for a in arrays for c in (a.chunks if isinstance(a, pa.ChunkedArray) else [a])]
    encoded = pc.dictionary_encode(pa.chunked_array(chunks, type=pa.large_string()))  # one dictionary for all
    codes = np.concatenate([np.zeros(0, "int64")] + [c.indices.to_numpy(zero_copy_only=False) for c in encoded.chunks])
    uniques = encoded.chunks[0].dictionary if encoded.num_chunks else []
    start_refs = count + int(replied.sum())
    a = np.concatenate([codes[:count][replied], codes[:count][rows[kept]]])
    b = np.concatenate([codes[count:start_refs], codes[start_refs:]])
    return _components(a, b, len(uniques))[codes[:count]]


def response_times(messages: pd.DataFrame, references: pd.DataFrame) -> pd.DataFrame:
    """For each inbound mail: its thread, the first outbound mail of that thread after it, and the delay.

    Needs the message columns id, message_id, in_reply_to, date, direction, account and the
    :func:`~mailkit.journal.frames.references` frame. ``reply`` is missing for unanswered mail.
    """
    frame = messages[["id", "account", "date", "direction"]].assign(thread=_threads(messages, references))
    frame = frame[frame["date"].notna()].reset_index(drop=True)
    inbound = (frame["direction"] == "in").to_numpy()
    dates = frame["date"].dt.tz_localize(None).to_numpy().view("int64")
    threads = frame["thread"].to_numpy()
    # by thread, then date; an outbound mail sorts before an inbound one of the same moment (it is not "after")
    order = np.lexsort((inbound, dates, threads))
    size = len(order)
    outbound_at = np.where(inbound[order], size, np.arange(size))
    following = np.append(np.minimum.accumulate(outbound_at[::-1])[::-1], size)  # next outbound from here on
    sorted_threads = np.append(threads[order], -1)
    rows = np.flatnonzero(inbound[order])
    answer = following[rows]
    answered = sorted_threads[answer] == sorted_threads[rows]
    reply = np.where(answered, np.append(order, 0)[answer], 0)
    result = frame.iloc[order[rows]][["id", "account", "date", "thread"]].reset_index(drop=True)
    result["reply"] = pd.arrays.IntegerArray(frame["id"].to_numpy()[reply], ~answered)
    replied = np.where(answered, dates[reply], np.iinfo("int64").min).view("datetime64[us]")  # min is NaT
    result["replied_at"] = pd.Series(replied).dt.tz_localize("UTC")
    result["delay"] = result["replied_at"] - result["date"]
    return result.sort_values("id").reset_index(drop=True)


def response_stats(times: pd.DataFrame, by: str | None = "account", tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Count, answered share, median and 75th / 90th percentile delay per ``by`` (account, weekday, hour or None).

    Weekday (0 = Monday) and hour are the inbound mail's local time in ``tz``.
    """
    frame = times.assign(seconds=times["delay"] / pd.Timedelta(seconds=1))
    if by in ("weekday", "hour"):
        frame[by] = _bucket(frame["date"], by, tz).to_numpy()
    elif by is None:
        frame["all"] = "all"
        by = "all"
    grouped = frame.groupby(by, observed=True)
    table = pd.DataFrame({"inbound": grouped.size(), "answered": grouped["seconds"].count()})
    table["answered_share"] = table["answered"] / table["inbound"]
    for name, q in (("median", 0.5), ("p75", 0.75), ("p90", 0.9)):
        table[name] = pd.to_timedelta(grouped["seconds"].quantile(q).round(), unit="s")
    return table


# -- authentication, attachments, runs, records ----------------------------------------------------
def authentication(messages: pd.DataFrame, by: str | None = "domain") -> pd.DataFrame:
    """SPF, DKIM and DMARC results of inbound mail per sending domain (or overall with ``by=None``).

    Counts per ``(method, result)`` for pass / fail / softfail / none / other (neutral, policy,
    temperror, permerror), and ``(dmarc, pass_share)``; mail without an Authentication-Results
    header is left out (nothing was checked). Rows: most mail first.
    """
    checked = messages[(messages["direction"] == "in") & messages["dmarc"].notna()]
    keys = checked[by] if by else pd.Series("all", index=checked.index, name="all")
    shown = ["pass", "fail", "softfail", "none"]
    parts = {}
    for method in ("spf", "dkim", "dmarc"):
        results = checked[method].astype("object").where(checked[method].isin(shown), "other")
        parts[method] = pd.crosstab(keys, results).reindex(columns=[*shown, "other"], fill_value=0)
    combined = pd.concat(parts, axis=1)
    total = combined["dmarc"].sum(axis=1)
    combined[("dmarc", "pass_share")] = combined[("dmarc", "pass")] / total
    return combined.loc[total.sort_values(ascending=False, kind="stable").index]


def attachment_types(attachments: pd.DataFrame) -> pd.DataFrame:
    """Per MIME type: how many attachments, their total, median and largest size, and the share of all."""
    grouped = attachments.groupby("mime_type", observed=True)["size"]
    table = pd.DataFrame(
        {
            "count": grouped.size(),
            "total_bytes": grouped.sum().astype("int64"),
            "median_bytes": grouped.median(),
            "max_bytes": grouped.max().astype("int64"),
        }
    )
    table["share"] = table["count"] / max(len(attachments), 1)
    return table.sort_values(["count", "total_bytes"], ascending=False)


def run_health(runs: pd.DataFrame, quarantine: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per account and folder: runs by status, durations, what they found, the last run and last error."""
    ordered = runs.sort_values("started_at")
    grouped = ordered.groupby(["account", "folder"], observed=True, dropna=False)
    status = pd.crosstab([ordered["account"], ordered["folder"]], ordered["status"])
    table = pd.DataFrame(
        {
            "runs": grouped.size(),
            "ok": status.get("ok", 0),
            "failed": status.get("failed", 0),
            "interrupted": status.get("interrupted", 0),
            "median_duration": grouped["duration"].median(),
            "max_duration": grouped["duration"].max(),
            "new": grouped["new"].sum(),
            "errors": grouped["errors"].sum(),
            "quarantined": grouped["quarantined"].sum(),
            "last_run": grouped["started_at"].last(),
            "last_status": grouped["status"].last().astype("object"),
            "last_error": grouped["error_text"].last(),
        }
    )
    for column in ("ok", "failed", "interrupted"):
        table[column] = table[column].fillna(0).astype("int64")
    if quarantine is not None:
        held = quarantine.groupby(["account", "folder"], observed=True).size()
        table["held_in_quarantine"] = held.reindex(table.index, fill_value=0).astype("int64")
    return table


def records(messages: pd.DataFrame) -> pd.DataFrame:
    """Per record (type and number): its mail in and out, first and last, and whether an answer is due.

    ``awaiting_reply`` is true when the record's latest mail came in: the customer wrote last.
    """
    linked = messages[messages["record_type"].notna() & messages["record_number"].notna() & messages["date"].notna()]
    linked = linked.assign(inbound=(linked["direction"] == "in").astype("int64"))
    grouped = linked.groupby(["record_type", "record_number"], observed=True, sort=False)
    table = grouped.agg(
        messages=("id", "size"), inbound=("inbound", "sum"), first=("date", "min"), last=("date", "max")
    )
    table.insert(1, "in", table.pop("inbound"))
    table.insert(2, "out", table["messages"] - table["in"])
    if "correspondent" in linked:
        table.insert(3, "correspondents", grouped["correspondent"].nunique())
    table["awaiting_reply"] = linked.loc[grouped["date"].idxmax().to_numpy(), "direction"].to_numpy() == "in"
    return table.sort_values("last", ascending=False)


# -- plots -----------------------------------------------------------------------------------------
_LABELS = {
    "en": {
        "messages": "messages",
        "volume": "Mail volume per {per}",
        "hour": "hour of day",
        "weekday": "weekday",
        "day": "day",
        "week": "week",
        "month": "month",
        "days": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
        "in": "in",
        "out": "out",
        "response": "Response times per {by}",
        "hours": "hours until the first reply",
        "account": "account",
        "failures": "Delivery failures by reason",
        "recipients": "failed recipients",
        "auth": "Authentication of inbound mail",
        "share": "share of checked mail",
        "attachments": "Attachments by type",
        "count": "attachments",
        "megabytes": "total size (MB)",
        "runs": "Sync runs",
        "duration": "duration (s)",
        "failed": "failed",
        "median": "median",
        "p90": "90th percentile",
        "all": "all",
    },
    "de": {
        "messages": "Nachrichten",
        "volume": "Mailaufkommen pro {per}",
        "hour": "Stunde",
        "weekday": "Wochentag",
        "day": "Tag",
        "week": "Woche",
        "month": "Monat",
        "days": ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"],
        "in": "eingehend",
        "out": "ausgehend",
        "response": "Antwortzeiten pro {by}",
        "hours": "Stunden bis zur ersten Antwort",
        "account": "Konto",
        "failures": "Zustellfehler nach Ursache",
        "recipients": "fehlgeschlagene Empfänger",
        "auth": "Authentifizierung eingehender Mail",
        "share": "Anteil geprüfter Mail",
        "attachments": "Anhänge nach Typ",
        "count": "Anhänge",
        "megabytes": "Gesamtgröße (MB)",
        "runs": "Synchronisationsläufe",
        "duration": "Dauer (s)",
        "failed": "fehlgeschlagen",
        "median": "Median",
        "p90": "90. Perzentil",
        "all": "alle",
    },
}


def _labels(lang: str) -> dict:
    _lang(lang)
    return _LABELS[lang]


def _figure(width: float = 9, height: float = 4.5) -> Figure:
    """A figure without pyplot: no global state, so it renders headless, in tests and in notebooks."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _series_label(key, words: dict) -> str:
    parts = key if isinstance(key, tuple) else (key,)
    return " / ".join(words.get(str(p), str(p)) for p in parts)


def plot_volume(table: pd.DataFrame, lang: str = "en") -> Figure:
    """Lines over days, weeks or months; grouped bars over hours of the day or weekdays."""
    words = _labels(lang)
    per = table.index.name or "day"
    figure = _figure()
    axes = figure.add_subplot()
    if per in ("hour", "weekday"):
        width = 0.8 / max(len(table.columns), 1)
        for number, column in enumerate(table.columns):
            axes.bar(table.index + number * width, table[column], width, label=_series_label(column, words))
        axes.set_xticks(table.index + 0.4 - width / 2)
        axes.set_xticklabels(words["days"] if per == "weekday" else [str(h) for h in table.index])
    else:
        for column in table.columns:
            axes.plot(table.index, table[column], label=_series_label(column, words))
        figure.autofmt_xdate()
    axes.set_title(words["volume"].format(per=words.get(per, per)))
    axes.set_xlabel(words.get(per, per))
    axes.set_ylabel(words["messages"])
    if len(table.columns) > 1:
        axes.legend(fontsize="small", ncols=2)
    return figure


def plot_response_times(stats: pd.DataFrame, lang: str = "en") -> Figure:
    """Median and 90th percentile reply delay in hours per group of :func:`response_stats`."""
    words = _labels(lang)
    figure = _figure()
    axes = figure.add_subplot()
    positions = np.arange(len(stats))
    hours = {name: stats[name] / pd.Timedelta(hours=1) for name in ("median", "p90")}
    axes.bar(positions - 0.2, hours["median"], 0.4, label=words["median"])
    axes.bar(positions + 0.2, hours["p90"], 0.4, label=words["p90"])
    by = stats.index.name or "all"
    names = [words["days"][i] for i in stats.index] if by == "weekday" else [str(i) for i in stats.index]
    axes.set_xticks(positions, [words.get(n, n) for n in names])
    axes.set_title(words["response"].format(by=words.get(by, by)))
    axes.set_xlabel(words.get(by, by))
    axes.set_ylabel(words["hours"])
    axes.legend()
    return figure


def plot_failures(by_reason: pd.DataFrame, lang: str = "en", top: int = 10) -> Figure:
    """Horizontal bars: failed recipients per reason (code, enhanced code and meaning)."""
    words = _labels(lang)
    shown = by_reason.head(top).iloc[::-1]
    labels = [
        f"{'' if pd.isna(c) else int(c)} {'' if pd.isna(e) else e} {m}".strip()
        for c, e, m in zip(shown["smtp_code"], shown["enhanced"], shown["meaning"], strict=True)
    ]
    figure = _figure(10, 0.45 * max(len(shown), 3) + 1.5)
    axes = figure.add_subplot()
    axes.barh(labels, shown["failures"], color="tab:red")
    axes.set_title(words["failures"])
    axes.set_xlabel(words["recipients"])
    return figure


def plot_authentication(table: pd.DataFrame, lang: str = "en") -> Figure:
    """Stacked shares of each result for SPF, DKIM and DMARC (from :func:`authentication`)."""
    words = _labels(lang)
    figure = _figure(8, 3.5)
    axes = figure.add_subplot()
    methods = ["spf", "dkim", "dmarc"]
    totals = {m: table[m][["pass", "fail", "softfail", "none", "other"]].to_numpy().sum() for m in methods}
    left = np.zeros(len(methods))
    colours = {"pass": "green", "fail": "red", "softfail": "pink", "none": "gray", "other": "orange"}
    for result, colour in colours.items():
        shares = np.array([table[m][result].sum() / totals[m] if totals[m] else 0 for m in methods])
        axes.barh([m.upper() for m in methods], shares, left=left, color=colour, label=result)
        left += shares
    axes.set_xlim(0, 1)
    axes.set_title(words["auth"])
    axes.set_xlabel(words["share"])
    axes.legend(ncols=4, fontsize="small", loc="lower center", bbox_to_anchor=(0.5, -0.45))
    return figure


def plot_attachments(types: pd.DataFrame, lang: str = "en", top: int = 10) -> Figure:
    """Two panels: attachment count and total size per MIME type (from :func:`attachment_types`)."""
    words = _labels(lang)
    shown = types.head(top).iloc[::-1]
    labels = [str(t).replace("application/vnd.openxmlformats-officedocument.", "…") for t in shown.index]
    figure = _figure(10, 0.4 * max(len(shown), 3) + 1.5)
    count_axes, size_axes = figure.subplots(1, 2, sharey=True)
    count_axes.barh(labels, shown["count"])
    count_axes.set_xlabel(words["count"])
    size_axes.barh(labels, shown["total_bytes"] / 1e6, color="tab:purple")
    size_axes.set_xlabel(words["megabytes"])
    figure.suptitle(words["attachments"])
    return figure


def plot_runs(runs: pd.DataFrame, lang: str = "en") -> Figure:
    """Run durations over time, failed runs marked in red."""
    words = _labels(lang)
    figure = _figure()
    axes = figure.add_subplot()
    seconds = runs["duration"] / pd.Timedelta(seconds=1)
    failed = runs["status"] != "ok"
    axes.scatter(runs["started_at"][~failed], seconds[~failed], s=4, alpha=0.4, label="ok")
    axes.scatter(runs["started_at"][failed], seconds[failed], s=16, color="tab:red", label=words["failed"])
    axes.set_title(words["runs"])
    axes.set_ylabel(words["duration"])
    axes.legend()
    figure.autofmt_xdate()
    return figure


# -- the summary -----------------------------------------------------------------------------------
#: what the summary needs of the messages frame
SUMMARY_COLUMNS = (
    "id", "message_id", "in_reply_to", "date", "account", "direction", "domain", "record_type",
    "record_number", "spf", "dkim", "dmarc",
)  # fmt: skip


@dataclass
class Summary:
    """The journal on one screen; ``str()`` for terminals, ``_repr_html_`` for notebooks, ``to_dict()`` for JSON."""

    period: dict
    messages: dict
    top_domains: list[dict]
    response: dict
    sends: dict
    top_failures: list[dict]
    authentication: dict
    attachments: dict
    runs: dict
    records: dict
    lang: str = "en"

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("lang")
        return data

    def _rows(self) -> list[tuple[str, str]]:
        de = self.lang == "de"
        m, r, s, a, runs = self.messages, self.response, self.sends, self.authentication, self.runs
        per_account = ", ".join(f"{name} {c['in']}/{c['out']}" for name, c in m["accounts"].items())
        rows = [
            ("Zeitraum" if de else "period", f"{self.period['first'] or '–'} … {self.period['last'] or '–'}"),
            (
                "Nachrichten" if de else "messages",
                f"{m['total']:,} ({m['in']:,} {'ein' if de else 'in'}, {m['out']:,} {'aus' if de else 'out'})",
            ),
            ("Konten ein/aus" if de else "accounts in/out", per_account or "–"),
            (
                "Top-Domains" if de else "top domains",
                ", ".join(f"{d['domain']} ({d['messages']:,})" for d in self.top_domains) or "–",
            ),
            (
                "Antwortzeit" if de else "response time",
                f"{'beantwortet' if de else 'answered'} {_percent(r['answered_share'])} "
                f"{'von' if de else 'of'} {r['inbound']:,}; median {_hours(r['median_hours'])}, "
                f"p90 {_hours(r['p90_hours'])}",
            ),
            (
                "Versand" if de else "sending",
                f"{s['attempts']:,} {'Versuche' if de else 'attempts'}, {s['failed']:,} "
                f"{'fehlgeschlagen' if de else 'failed'}, {s['refused_recipients']:,} "
                f"{'Empfänger abgelehnt' if de else 'recipients refused'} ({_percent(s['failure_rate'])})",
            ),
            (
                "häufigste Fehler" if de else "top failures",
                "; ".join(
                    f"{f['smtp_code'] or '–'} {f['enhanced'] or ''} {f['meaning']} ({f['failures']})".replace("  ", " ")
                    for f in self.top_failures
                )
                or "–",
            ),
            (
                "Authentifizierung" if de else "authentication",
                f"DMARC pass {_percent(a['dmarc_pass_share'])} {'von' if de else 'of'} {a['checked']:,}; "
                f"fail: SPF {a['spf_fail']:,}, DKIM {a['dkim_fail']:,}, DMARC {a['dmarc_fail']:,}",
            ),
            (
                "Anhänge" if de else "attachments",
                f"{self.attachments['count']:,} ({self.attachments['bytes'] / 1e6:,.1f} MB)"
                + "".join(
                    f"{'; ' if n == 0 else ', '}{t['mime_type']} {t['count']:,}"
                    for n, t in enumerate(self.attachments["top_types"])
                ),
            ),
            (
                "Läufe" if de else "sync runs",
                f"{runs['runs']:,}, {runs['failed']:,} {'fehlgeschlagen' if de else 'failed'}, "
                f"{runs['interrupted']:,} {'abgebrochen' if de else 'interrupted'}; "
                f"{'letzter' if de else 'last'} {runs['last'] or '–'}; "
                f"{'Quarantäne' if de else 'quarantined'} {runs['quarantined']:,}",
            ),
            (
                "Vorgänge" if de else "records",
                f"{self.records['records']:,} ({self.records['messages']:,} "
                f"{'Nachrichten' if de else 'messages'}, {self.records['awaiting_reply']:,} "
                f"{'warten auf Antwort' if de else 'awaiting a reply'})",
            ),
        ]
        if runs["last_failure"]:
            rows.append(("letzter Fehler" if de else "last failure", runs["last_failure"]))
        return rows

    def __str__(self) -> str:
        rows = self._rows()
        width = max(len(label) for label, _ in rows)
        return "\n".join(f"{label:<{width}}  {value}" for label, value in rows)

    def _repr_html_(self) -> str:
        title = "Mail-Journal" if self.lang == "de" else "Mail journal"
        body = "".join(
            f"<tr><th style='text-align:left;padding-right:1em'>{html.escape(label)}</th>"
            f"<td style='text-align:left'>{html.escape(value)}</td></tr>"
            for label, value in self._rows()
        )
        return f"<table><caption style='text-align:left;font-weight:bold'>{title}</caption>{body}</table>"


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{share:.1%}"


def _hours(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} h"


def _iso(value) -> str | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).isoformat()


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 4)


def summarize(
    messages: pd.DataFrame,
    times: pd.DataFrame,
    sends: pd.DataFrame,
    send_recipients: pd.DataFrame,
    runs: pd.DataFrame,
    attachments: pd.DataFrame,
    quarantine: pd.DataFrame,
    lang: str = "en",
) -> Summary:
    """The summary from frames already loaded and :func:`response_times` (pure); :func:`summary` loads them."""
    index = _lang(lang)
    direction = messages["direction"]
    inbound, outbound = int((direction == "in").sum()), int((direction == "out").sum())
    per_account = (
        messages.groupby(["account", "direction"], observed=True).size().unstack(fill_value=0)
        .reindex(columns=["in", "out"], fill_value=0)
    )  # fmt: skip
    domains = messages["domain"].value_counts().head(5)
    delays = times["delay"].dropna() / pd.Timedelta(hours=1)
    failed_recipients = failures(send_recipients, lang)
    reasons = failures_by_reason(send_recipients, lang).head(3) if len(failed_recipients) else pd.DataFrame()
    checked = messages[(direction == "in") & messages["dmarc"].notna()]
    dmarc_pass = int((checked["dmarc"] == "pass").sum())
    tried = int((send_recipients["outcome"] != "pending").sum())
    ordered_runs = runs.sort_values("started_at")
    broken = ordered_runs[ordered_runs["status"] == "failed"]
    record_table = records(messages)
    types = attachments["mime_type"].value_counts().head(3)
    return Summary(
        period={"first": _iso(messages["date"].min()), "last": _iso(messages["date"].max())},
        messages={
            "total": len(messages),
            "in": inbound,
            "out": outbound,
            "accounts": {str(a): {"in": int(r["in"]), "out": int(r["out"])} for a, r in per_account.iterrows()},
        },
        top_domains=[{"domain": str(d), "messages": int(n)} for d, n in domains.items()],
        response={
            "inbound": len(times),
            "answered": len(delays),
            "answered_share": _number(len(delays) / len(times)) if len(times) else None,
            "median_hours": _number(delays.median()) if len(delays) else None,
            "p90_hours": _number(delays.quantile(0.9)) if len(delays) else None,
        },
        sends={
            "attempts": len(sends),
            "sent": int((sends["status"] == "sent").sum()),
            "failed": int((sends["status"] == "failed").sum()),
            "pending": int((sends["status"] == "pending").sum()),
            "refused_recipients": int((send_recipients["outcome"] == "refused").sum()),
            "failure_rate": _number(len(failed_recipients) / tried) if tried else None,
        },
        top_failures=[
            {
                "smtp_code": None if pd.isna(row.smtp_code) else int(row.smtp_code),
                "enhanced": None if pd.isna(row.enhanced) else row.enhanced,
                "meaning": row.meaning,
                "failures": int(row.failures),
            }
            for row in reasons.itertuples()
        ],
        authentication={
            "checked": len(checked),
            "dmarc_pass_share": _number(dmarc_pass / len(checked)) if len(checked) else None,
            "spf_fail": int(checked["spf"].isin(["fail", "softfail"]).sum()),
            "dkim_fail": int((checked["dkim"] == "fail").sum()),
            "dmarc_fail": int((checked["dmarc"] == "fail").sum()),
        },
        attachments={
            "count": len(attachments),
            "bytes": int(attachments["size"].sum()),
            "top_types": [{"mime_type": str(t), "count": int(n)} for t, n in types.items()],
        },
        runs={
            "runs": len(runs),
            "failed": len(broken),
            "interrupted": int((runs["status"] == "interrupted").sum()),
            "last": _iso(ordered_runs["started_at"].iloc[-1]) if len(runs) else None,
            "last_failure": None if broken.empty else str(broken["error_text"].iloc[-1]),
            "quarantined": len(quarantine),
        },
        records={
            "records": len(record_table),
            "messages": int(record_table["messages"].sum()),
            "awaiting_reply": int(record_table["awaiting_reply"].sum()),
        },
        lang=("en", "de")[index],
    )


def summary(
    journal: Journal, *, since=None, until=None, account=None, lang: str = "en", messages: pd.DataFrame | None = None
) -> Summary:
    """Load what the summary needs (in parallel: the queries release the GIL) and summarise it.

    ``messages``: a messages frame already loaded with the same filters (and at least
    :data:`SUMMARY_COLUMNS`), so a notebook that has one does not read the journal twice.
    """
    from .journal import frames

    _lang(lang)
    window = {"since": since, "until": until, "account": account}
    if messages is None:
        messages = frames.messages(journal, columns=SUMMARY_COLUMNS, **window)  # itself read in parallel
    jobs = {
        # threading the mail runs beside the other queries: Arrow and SQLite release the GIL
        "times": lambda: response_times(messages, frames.references(journal, **window)),
        "sends": lambda: frames.sends(journal, columns=("status",), **window),
        "send_recipients": lambda: frames.send_recipients(journal, **window),
        "runs": lambda: frames.runs(journal, **window),
        "attachments": lambda: frames.attachments(journal, columns=("mime_type", "size"), **window),
        "quarantine": lambda: frames.quarantine(journal, **window),
    }
    with ThreadPoolExecutor(2) as pool:
        futures = {name: pool.submit(job) for name, job in jobs.items()}
        loaded = {name: future.result() for name, future in futures.items()}
    return summarize(messages, **loaded, lang=lang)
