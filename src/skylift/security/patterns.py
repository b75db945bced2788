"""Secrets recognisable by their shape, in any text file: keys, connection strings.

Each finder yields :class:`PatternHit` (rule, line, the matched secret); the
value never leaves the scanner except through a fingerprint.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass

from skylift.security.rules import (
    AWS_ACCESS_KEY_ID,
    AZURE_STORAGE_KEY,
    CONNECTION_STRING,
    GCP_SERVICE_ACCOUNT_KEY,
    PRIVATE_KEY,
    SecretRule,
)
from skylift.security.values import ValueKind, classify_value


@dataclass(frozen=True)
class PatternHit:
    """A secret found by its shape."""

    rule: SecretRule | None  #: ``None``: a connection string whose password is fine
    line: int
    value: str
    detail: str  #: what was found, for the message (never the value)


_PEM = re.compile(
    r"-----BEGIN ((?:RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY( BLOCK)?-----"
    r"(?:\\n|\s)*([A-Za-z0-9+/=:\-,\s]|\\n){0,200}"
)
_PEM_BODY = re.compile(r"[A-Za-z0-9+/]{40,}")
_AWS_KEY_ID = re.compile(r"(?<![A-Z0-9])((?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})(?![A-Z0-9])")
_AWS_PREFIXES = ("AKIA", "ASIA", "ABIA", "ACCA")
_AZURE_KEY = re.compile(r"AccountKey=([A-Za-z0-9+/]{86}==)")
_GCP_TYPE = re.compile(r'"type"\s*:\s*"service_account"')
_GCP_KEY = re.compile(r'"private_key"\s*:\s*"(-----BEGIN[^"]{40,})"')
_URL_CREDS = re.compile(
    r"\b([a-zA-Z][a-zA-Z0-9+.\-]{1,30})://([^\s:/@'\"<>{}\[\]]*):([^\s@/'\"<>\[\]]+)@[\w.\-\[\]]+"
)
_QUERY_PASSWORD = re.compile(r"[?&;](?:password|pwd|pass)=([^&\s\"';]+)", re.IGNORECASE)
_ADO_PASSWORD = re.compile(r"(?:^|[;\"'\s])(?:password|pwd)\s*=\s*([^;\"'\r\n]+)", re.IGNORECASE)
_ADO_HOST = re.compile(
    r"(?:^|[;\"'\s])(?:server|data source|host|address|addr|user id|uid|username)\s*=",
    re.IGNORECASE,
)


class _Lines:
    """Offsets → 1-based line numbers."""

    def __init__(self, text: str) -> None:
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def at(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset)


def find_patterns(text: str, *, configuration: bool = True) -> Iterator[PatternHit]:
    """Every key- and connection-string-shaped secret in ``text``.

    Outside ``configuration`` files (source code, documentation) a connection
    string only counts when its password is a real-looking literal, not a weak
    example such as ``user:password@``.
    """
    lines = _Lines(text)
    if "PRIVATE KEY" in text:
        for m in _PEM.finditer(text):
            if _PEM_BODY.search(m.group(0)):  # a header with a body, not a doc example
                kind = (m.group(1) or "").strip() or "PKCS#8"
                yield PatternHit(
                    PRIVATE_KEY, lines.at(m.start()), m.group(0), f"{kind} private key"
                )
    # the look-behind keeps ``re`` from skipping ahead to a prefix: test the prefixes first
    aws = any(prefix in text for prefix in _AWS_PREFIXES)
    for m in _AWS_KEY_ID.finditer(text) if aws else ():
        if "EXAMPLE" not in m.group(1):
            yield PatternHit(
                AWS_ACCESS_KEY_ID, lines.at(m.start()), m.group(1), "AWS access key ID"
            )
    if "AccountKey=" in text:
        for m in _AZURE_KEY.finditer(text):
            yield PatternHit(
                AZURE_STORAGE_KEY, lines.at(m.start()), m.group(1), "Azure storage AccountKey"
            )
    if '"private_key"' in text and _GCP_TYPE.search(text):
        for m in _GCP_KEY.finditer(text):
            yield PatternHit(
                GCP_SERVICE_ACCOUNT_KEY,
                lines.at(m.start()),
                m.group(1),
                "GCP service-account private key",
            )
    yield from _connection_strings(text, lines, configuration)


def _may_hold(text: str, words: tuple[str, ...]) -> bool:
    """Whether a case-insensitive search for one of ``words`` (lower-case ASCII) could match.

    On ASCII text a substring test of the lower-cased text decides it; other text may
    hold letters that match case-insensitively without lowering to ASCII (the long s
    matches ``s``), so it is always searched.
    """
    if not text.isascii():
        return True
    lowered = text.lower()
    return any(word in lowered for word in words)


def _connection_strings(text: str, lines: _Lines, configuration: bool) -> Iterator[PatternHit]:
    accept = {ValueKind.LITERAL, ValueKind.WEAK} if configuration else {ValueKind.LITERAL}

    def hit(offset: int, password: str, detail: str) -> PatternHit:
        rule = CONNECTION_STRING if classify_value(password) in accept else None
        return PatternHit(rule, lines.at(offset), password, detail)

    if "://" in text:
        for m in _URL_CREDS.finditer(text):
            yield hit(m.start(), m.group(3), f"password in a {m.group(1)} URL")
        for m in _QUERY_PASSWORD.finditer(text):
            yield hit(m.start(), m.group(1), "password parameter in a URL")
    if ";" not in text or not _may_hold(text, ("password", "pwd")):
        return
    for m in _ADO_PASSWORD.finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        line_end = text.find("\n", m.end())
        line = text[line_start : line_end if line_end >= 0 else len(text)]
        if ";" in line and _ADO_HOST.search(line):
            yield hit(m.start(), m.group(1).strip(), "password in a connection string")
