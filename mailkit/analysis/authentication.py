"""Whether inbound mail was authenticated: Authentication-Results (RFC 8601) parsed, and SPF/DKIM/DMARC per domain."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd


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
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
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


def authentication(messages: pd.DataFrame, by: str | None = "domain") -> pd.DataFrame:
    """SPF, DKIM and DMARC results of inbound mail per sending domain (or overall with ``by=None``).

    Counts per ``(method, result)`` for pass / fail / softfail / none / other (neutral, policy,
    temperror, permerror), and ``(dmarc, pass_share)``; mail without an Authentication-Results
    header is left out (nothing was checked). Rows: most mail first. A ``count`` column weighs each row.
    """
    checked = messages[(messages["direction"] == "in") & messages["dmarc"].notna()]
    keys = checked[by] if by else pd.Series("all", index=checked.index, name="all")
    weights = {"values": checked["count"], "aggfunc": "sum"} if "count" in checked else {}
    shown = ["pass", "fail", "softfail", "none"]
    parts = {}
    for method in ("spf", "dkim", "dmarc"):
        results = checked[method].astype("object").where(checked[method].isin(shown), "other")
        counts = pd.crosstab(keys, results, **weights).fillna(0).astype("int64")
        parts[method] = counts.reindex(columns=[*shown, "other"], fill_value=0)
    combined = pd.concat(parts, axis=1)
    total = combined["dmarc"].sum(axis=1)
    combined[("dmarc", "pass_share")] = combined[("dmarc", "pass")] / total
    return combined.loc[total.sort_values(ascending=False, kind="stable").index]
