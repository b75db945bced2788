"""Secret detection: skylift's own rules, plus detect-secrets' detectors, as findings.

Per file:

1. shape rules in any text (:mod:`patterns`): private keys, AWS key IDs, Azure
   storage keys, GCP service-account keys, connection strings with passwords;
2. key rules in configuration files (:mod:`assignments`): a secret-looking key
   (:func:`rules.is_secret_key`) set to a literal is SKY-SECRET-020 (003 for cloud
   credentials, 021 when it is a well-known default, 030 — low — when it is an
   obvious placeholder); references and empty values are fine;
3. detect-secrets' default plugins (:mod:`detect_secrets_adapter`), reported
   only on lines skylift has no finding for and did not recognise as a
   reference or placeholder.

Lock files and the dependency sections of manifests (:mod:`dependency_files`)
get the value-shape rules only: no key-name rule (their keys are package names)
and none of detect-secrets' keyword or entropy detectors (their hashes are
high-entropy by design).

One finding per line (the most severe); every line holding a secret is reported,
so a value repeated on several lines gives several findings with one fingerprint. A line carrying
``pragma: allowlist secret`` (detect-secrets' marker) or ``skylift:ignore`` is
skipped. Values never leave this module: findings carry a fingerprint.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING

from skylift.domain.findings import Category, Finding, Location, Severity
from skylift.domain.progress import Progress
from skylift.security.assignments import READERS, Assignment
from skylift.security.dependency_files import DependencyFile, dependency_file
from skylift.security.detect_secrets_adapter import DetectSecrets, DetectSecretsHit, available
from skylift.security.files import FileKind, ScanFile, ScanRoot, read_text
from skylift.security.fingerprint import fingerprint
from skylift.security.patterns import find_patterns
from skylift.security.rules import (
    ACCESS_KEY_ID_KEYS,
    AWS_ACCESS_KEY_ID,
    AZURE_STORAGE_KEY,
    CLOUD_CREDENTIAL,
    CONNECTION_STRING,
    GCP_SERVICE_ACCOUNT_KEY,
    LITERAL_SECRET,
    PLACEHOLDER_CREDENTIAL,
    PRIVATE_KEY,
    RULES,
    SECRET_FILE,
    WEAK_PASSWORD,
    SecretRule,
    is_cloud_credential_key,
    is_secret_key,
    mentions_secret,
    normalized_key,
)
from skylift.security.secret_files import MAX_SECRET_FILE, SecretFileRef, compose_secret_files
from skylift.security.values import ValueKind, classify_value, reference_default

if TYPE_CHECKING:
    from skylift.security.scan import ScannerOutput, ScanOptions

_IGNORE_MARKERS = ("pragma: allowlist secret", "skylift:ignore")
_TEMPLATE_NAME = re.compile(r"(^|[._\-])(example|sample|template|dist|tmpl|tpl)([._\-]|$)", re.I)
#: the more specific rule wins when several find the same line
_PRIORITY = {
    rule.id: i
    for i, rule in enumerate(
        (
            GCP_SERVICE_ACCOUNT_KEY,
            AZURE_STORAGE_KEY,
            CLOUD_CREDENTIAL,
            AWS_ACCESS_KEY_ID,
            PRIVATE_KEY,
            CONNECTION_STRING,
            LITERAL_SECRET,
            WEAK_PASSWORD,
            PLACEHOLDER_CREDENTIAL,
        )
    )
}


#: rules whose values are not looked for again on other lines: well-known defaults and
#: placeholders (``admin`` would match every user name), entropy (found on every line
#: anyway), detect-secrets' keyword detector (it may take the wrong string of a line)
_NOT_REPEATED = frozenset(
    {
        WEAK_PASSWORD.id,
        PLACEHOLDER_CREDENTIAL.id,
        "DS-SECRET-KEYWORD",
        "DS-BASE64-HIGH-ENTROPY-STRING",
        "DS-HEX-HIGH-ENTROPY-STRING",
        "DS-PUBLIC-IP-IPV4",
    }
)
_MIN_REPEATED = 8  #: shorter values are not looked for again (too many chance matches)
_MAX_HUNTED = 500  #: values looked for in other files (the longest first)
_TEXT_BUDGET = 64 * 1024 * 1024  #: characters of file text held for the second look


@dataclass(frozen=True)
class _Hit:
    rule: SecretRule
    line: int
    value: str
    message: str
    tool: str = "skylift"


class SecretScanner:
    """Finds literal secrets in the scanned files (the ``secrets`` scanner)."""

    name = "secrets"

    def __init__(self, options: ScanOptions, *, detect_secrets: bool = True) -> None:
        self.options = options
        self.use_detect_secrets = detect_secrets

    def run(
        self, roots: Sequence[ScanRoot], files: Sequence[ScanFile], progress: Progress
    ) -> ScannerOutput:
        """Scan every file; detect-secrets is used when installed (noted when not)."""
        from skylift.security.scan import ScannerOutput

        reason = available() if self.use_detect_secrets else "disabled"
        findings: list[Finding] = []
        seen = _Seen()
        progress.begin("scanning for secrets", total=len(files), unit="files")
        ds = DetectSecrets()
        refs: list[SecretFileRef] = []
        with ds.session() if reason is None else nullcontext(ds):
            for file in files:
                text = read_text(file)
                seen.keep(file, text)
                lines, hits = _file_hits(file, ds if reason is None else None, text)
                seen.add(file, lines, hits)
                findings.extend(_findings(file, lines, hits))
                if file.kind is FileKind.YAML and lines:
                    refs.extend(compose_secret_files(file.abspath, "\n".join(lines)))
                progress.advance()
        progress.end()
        findings.extend(_secret_files(files, refs, seen))
        findings.extend(seen.elsewhere(files))
        return ScannerOutput(findings=tuple(findings), files_scanned=len(files))


def scan_file(file: ScanFile, ds: DetectSecrets | None) -> list[Finding]:
    """The secret findings of one file (``ds`` inside its session, or ``None``)."""
    lines, hits = _file_hits(file, ds)
    return _findings(file, lines, hits)


def _findings(file: ScanFile, lines: list[str], hits: dict[int, _Hit]) -> list[Finding]:
    return [_finding(file, hit) for line, hit in sorted(hits.items()) if not _ignored(lines, line)]


def _file_hits(
    file: ScanFile, ds: DetectSecrets | None, text: str | None = None
) -> tuple[list[str], dict[int, _Hit]]:
    """The file's lines, and its hits by line (ignore markers not applied yet); ``text``
    when the caller has read the file already."""
    if text is None:
        text = read_text(file)
    if not text:
        return [], {}
    deps = dependency_file(file.rel, text)
    hits, cleared = _skylift_hits(file, text, deps)
    by_line: dict[int, _Hit] = {}
    for hit in hits:
        current = by_line.get(hit.line)
        if current is None or _better(hit, current):
            by_line[hit.line] = hit
    lines = text.splitlines()
    if ds is not None:
        whole = deps is not None and deps.whole
        for found in ds.scan_shapes(file.abspath, text) if whole else ds.scan(file.abspath, text):
            line = _locate(lines, found)
            if deps is not None and deps.covers(line) and found.type in _BY_KEY_OR_ENTROPY:
                continue  # a package name or an integrity hash
            if line not in by_line and line not in cleared:
                by_line[line] = _from_detect_secrets(found, line)
    return lines, _repeats(lines, by_line)


class _Seen:
    """The values found so far (held only during the scan), to report them in other files.

    A secret found in one file (``.env``) and copied into another where nothing names it
    (a probe's ``sqlcmd -P <it>``) is reported there too, as the same rule."""

    def __init__(self) -> None:
        self.first: dict[str, tuple[_Hit, str]] = {}  #: value → first hit and its path
        self.lines: dict[str, set[int]] = {}  #: path → lines that already have a finding
        self.texts: dict[str, str] = {}  #: the first files' texts, not to read them twice
        self.kept = 0  #: characters in ``texts``

    def keep(self, file: ScanFile, text: str | None) -> None:
        """Hold ``text`` for the second look while the budget allows."""
        if text and self.kept + len(text) <= _TEXT_BUDGET:
            self.texts[file.path] = text
            self.kept += len(text)

    def add(self, file: ScanFile, lines: list[str], hits: dict[int, _Hit]) -> None:
        """Remember the repeatable values of one file's hits."""
        self.lines[file.path] = set(hits)
        for hit in hits.values():
            if _repeatable(hit) and not _ignored(lines, hit.line):
                self.first.setdefault(hit.value, (hit, file.path))

    def elsewhere(self, files: Sequence[ScanFile]) -> list[Finding]:
        """Findings for the known values on lines of other files that have none yet."""
        if not self.first:
            return []
        values = sorted(self.first, key=len, reverse=True)[:_MAX_HUNTED]
        anywhere = re.compile("|".join(re.escape(v) for v in values))
        whole = {v: _whole(v) for v in values}
        found: list[Finding] = []
        for file in files:
            text = self.texts[file.path] if file.path in self.texts else read_text(file)
            if not text or not anywhere.search(text):
                continue
            done = self.lines.get(file.path, set())
            lines = text.splitlines()
            for number, line in enumerate(lines, 1):
                if number in done or _ignored(lines, number):
                    continue
                value = next((v for v in values if v in line and whole[v].search(line)), None)
                if value is None:
                    continue
                hit, where = self.first[value]
                message = f"the secret of {where}:{hit.line} again ({hit.message})"
                found.append(_finding(file, _Hit(hit.rule, number, value, message, hit.tool)))
        return found


def _secret_files(
    files: Sequence[ScanFile], refs: list[SecretFileRef], seen: _Seen
) -> list[Finding]:
    """Findings for compose secret files that are among the scanned files (their content is
    judged like a value: a placeholder is low, a well-known default 021, else 006)."""
    scanned = {f.abspath.resolve(): f for f in files}
    found: list[Finding] = []
    for ref in refs:
        file = scanned.pop(ref.target, None)  # one finding per file, however many references
        if file is None or file.size > MAX_SECRET_FILE or seen.lines.get(file.path):
            continue
        text = read_text(file)
        value = (text or "").strip()
        if not value or value.startswith("#") or "pragma: allowlist secret" in value:
            continue
        kind = classify_value(value)
        if kind in (ValueKind.EMPTY, ValueKind.NOT_SECRET, ValueKind.REFERENCE):
            continue
        rule = {ValueKind.PLACEHOLDER: PLACEHOLDER_CREDENTIAL, ValueKind.WEAK: WEAK_PASSWORD}.get(
            kind, SECRET_FILE
        )
        message = f"the value of compose secret '{ref.name}', committed with the code"
        hit = _Hit(rule, 1, value, message)
        seen.add(file, value.splitlines(), {1: hit})
        found.append(_finding(file, hit))
    return found


def _repeatable(hit: _Hit) -> bool:
    """Whether to look for ``hit``'s value on other lines: only values shaped like a
    credential (letters with digits or symbols, 8+ characters): ``development`` or
    ``skylift`` under a secret key would match all over the prose and code."""
    v = hit.value
    if hit.rule.id in _NOT_REPEATED or len(v) < _MIN_REPEATED or "\n" in v or " " in v:
        return False
    letters = any(c.isalpha() for c in v)
    others = any(c.isdigit() or not (c.isalnum() or c in "_-.") for c in v)
    return letters and others


def _whole(value: str) -> re.Pattern[str]:
    """``value`` not inside a longer word (not cached: values stay inside the scan)."""
    return re.compile(rf"(?<![\w]){re.escape(value)}(?![\w])")


def _repeats(lines: list[str], by_line: dict[int, _Hit]) -> dict[int, _Hit]:
    """Every line holding a value already found (a password in a healthcheck command, the
    same POSTGRES_PASSWORD in two services), as a hit with the first one's rule and value.

    A later hit whose value merely contains an earlier one (``PGPASSWORD=<pw> pg_isready``
    read as one value) takes the earlier value, so the same secret has one fingerprint.
    """
    out = dict(by_line)
    for first in sorted(by_line):
        hit = out[first]
        if not _repeatable(hit):
            continue
        whole = _whole(hit.value)
        for number, text in enumerate(lines, 1):
            if number == first or hit.value not in text or not whole.search(text):
                continue
            own = out.get(number)
            if own is None:
                message = f"the secret of line {first} again ({hit.message})"
                out[number] = _Hit(hit.rule, number, hit.value, message, hit.tool)
            elif number > first and own.value != hit.value and whole.search(own.value):
                out[number] = _Hit(own.rule, number, hit.value, own.message, own.tool)
    return out


def _locate(lines: list[str], found: DetectSecretsHit) -> int:
    """The line that really holds the value (detect-secrets' YAML reader can be a line off)."""
    if not found.value or found.value in _line(lines, found.line):
        return found.line
    for delta in (-1, 1, -2, 2, -3, 3):
        if found.value in _line(lines, found.line + delta):
            return found.line + delta
    return found.line


def _line(lines: list[str], number: int) -> str:
    return lines[number - 1] if 0 < number <= len(lines) else ""


def _better(a: _Hit, b: _Hit) -> bool:
    if a.rule.severity.rank != b.rule.severity.rank:
        return a.rule.severity.rank > b.rule.severity.rank
    return _PRIORITY.get(a.rule.id, 99) < _PRIORITY.get(b.rule.id, 99)


def _ignored(lines: list[str], line: int) -> bool:
    return any(marker in _line(lines, line) for marker in _IGNORE_MARKERS)


def _skylift_hits(
    file: ScanFile, text: str, deps: DependencyFile | None = None
) -> tuple[list[_Hit], set[int]]:
    """skylift's own hits, and the lines whose secret-looking values it recognised as fine.

    Key-name rules are not applied on the dependency lines of ``deps``."""
    name = file.rel.rsplit("/", 1)[-1]
    reader = None if deps is not None and deps.whole else READERS.get(file.kind)
    hits: list[_Hit] = []
    cleared: set[int] = set()
    for p in find_patterns(text, configuration=reader is not None):
        if p.rule is None:
            cleared.add(p.line)  # a connection string with a reference or example password
        else:
            hits.append(_Hit(p.rule, p.line, p.value, p.detail))
    if reader is None:
        return hits, cleared
    template = bool(_TEMPLATE_NAME.search(name))
    for assignment in reader(text):
        if deps is not None and deps.covers(assignment.line):
            continue  # "registry-auth-token": "^5.0.1" names a package
        if not is_secret_key(assignment.key):
            if mentions_secret(assignment.key):
                cleared.add(assignment.line)  # secretName, DB_PASSWORD_FILE: about a secret
            continue
        hit = _judge(assignment, template)
        if hit is None:
            cleared.add(assignment.line)
        else:
            hits.append(hit)
    return hits, cleared


def _judge(a: Assignment, template: bool) -> _Hit | None:
    """The hit for a secret-looking key's value, ``None`` when the value is fine."""
    key = a.key.strip("\"'")
    default = None if a.vaulted else reference_default(a.value)
    if default is not None:  # ${DB_PASSWORD:-s3cret}: the default is deployed when unset
        a = Assignment(a.key, default, a.line, f"{a.where}, as the default of a reference")
    kind = ValueKind.REFERENCE if a.vaulted else classify_value(a.value)
    if kind in (ValueKind.EMPTY, ValueKind.NOT_SECRET, ValueKind.REFERENCE):
        return None
    if kind is ValueKind.PLACEHOLDER:
        if template:
            return None
        return _Hit(
            PLACEHOLDER_CREDENTIAL,
            a.line,
            a.value,
            f"'{key}' holds a placeholder in {a.where}: the real value would go here",
        )
    if kind is ValueKind.WEAK:
        return _Hit(WEAK_PASSWORD, a.line, a.value, f"'{key}' is set to a well-known default value")
    if normalized_key(key) in ACCESS_KEY_ID_KEYS:
        rule = AWS_ACCESS_KEY_ID
    elif is_cloud_credential_key(key):
        rule = CLOUD_CREDENTIAL
    else:
        rule = LITERAL_SECRET
    return _Hit(rule, a.line, a.value, f"literal value for '{key}' in {a.where}")


#: detect-secrets detectors that judge by key name or randomness, not by a value's shape
_BY_KEY_OR_ENTROPY = frozenset(
    {"Secret Keyword", "Base64 High Entropy String", "Hex High Entropy String"}
)

_DS_SEVERITY = {
    "Secret Keyword": Severity.MEDIUM,
    "Base64 High Entropy String": Severity.LOW,
    "Hex High Entropy String": Severity.LOW,
    "Public IP (ipv4)": Severity.INFO,
    "Private Key": Severity.CRITICAL,
    "AWS Access Key": Severity.CRITICAL,
    "Azure Storage Account access key": Severity.CRITICAL,
}


def detect_secrets_rule(secret_type: str) -> SecretRule:
    """The rule a detect-secrets type is reported under (``DS-SECRET-KEYWORD`` …)."""
    slug = re.sub(r"[^A-Z0-9]+", "-", secret_type.upper()).strip("-")
    return SecretRule(
        f"DS-{slug}",
        f"{secret_type} (detect-secrets)",
        _DS_SEVERITY.get(secret_type, Severity.HIGH),
        f"detect-secrets' '{secret_type}' detector.",
        "Remove the value, rotate it, and read it from a secret store.",
    )


def _from_detect_secrets(found: DetectSecretsHit, line: int) -> _Hit:
    rule = detect_secrets_rule(found.type)
    return _Hit(rule, line, found.value, found.type.lower(), tool="detect-secrets")


def _finding(file: ScanFile, hit: _Hit) -> Finding:
    return Finding(
        rule_id=hit.rule.id,
        title=hit.rule.title,
        severity=hit.rule.severity,
        category=Category.SECRET,
        location=Location(path=file.path, line=hit.line),
        message=hit.message,
        remediation=hit.rule.remediation,
        tool=hit.tool,
        fingerprint=fingerprint(hit.rule.id, file.path, hit.value),
    )


def iter_rules() -> Iterator[SecretRule]:
    """skylift's own secret rules (detect-secrets' are named on the fly)."""
    yield from RULES
