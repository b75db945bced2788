"""A scan result as SARIF 2.1.0, the format code-scanning tools read (GitHub, Azure DevOps …).

One run, driver ``skylift``; every rule that produced a finding is described
once in ``tool.driver.rules`` (id, short description, help, default level and
GitHub's numeric ``security-severity``); each finding is a result with its
level, message, file and line, and its fingerprint in ``partialFingerprints``
so that code scanning tracks it across commits (a value repeated on several lines
has one fingerprint; its second, third … occurrence in a file also carries
``skylift/occurrence/v1`` so that each stays a separate alert). Secret values never appear:
findings do not carry them.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from skylift import __version__
from skylift.domain.findings import Finding, ScanResult, Severity
from skylift.security.rules import RULES

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://github.com/skylift/skylift/blob/main/docs/scan.md"

#: GitHub code scanning's numeric severity (critical ≥ 9.0, high ≥ 7.0, medium ≥ 4.0)
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}

_OWN_RULES = {rule.id: rule for rule in RULES}


def to_sarif(result: ScanResult) -> dict[str, Any]:
    """The SARIF 2.1.0 log of ``result`` (findings only; baseline-suppressed ones are left out)."""
    rules: dict[str, dict[str, Any]] = {}
    for finding in result.findings:
        rules.setdefault(finding.rule_id, _rule(finding))
    index = {rule_id: i for i, rule_id in enumerate(rules)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "skylift",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": list(rules.values()),
                    }
                },
                "results": [
                    _result(f, index[f.rule_id], n)
                    for f, n in zip(result.findings, _occurrences(result.findings), strict=True)
                ],
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolExecutionNotifications": [
                            {"level": "note", "message": {"text": f"not run: {reason}"}}
                            for reason in result.skipped
                        ],
                    }
                ],
            }
        ],
    }


def _rule(finding: Finding) -> dict[str, Any]:
    own = _OWN_RULES.get(finding.rule_id)
    description = own.description if own else finding.title
    remediation = (own.remediation if own else finding.remediation) or finding.title
    rule: dict[str, Any] = {
        "id": finding.rule_id,
        "name": _pascal(finding.title),
        "shortDescription": {"text": finding.title},
        "fullDescription": {"text": description},
        "help": {"text": remediation},
        "defaultConfiguration": {"level": finding.severity.sarif_level},
        "properties": {
            "tags": ["security", finding.category.value, finding.tool],
            "security-severity": SECURITY_SEVERITY[finding.severity],
        },
    }
    if finding.help_uri:
        rule["helpUri"] = finding.help_uri
    return rule


def _occurrences(findings: tuple[Finding, ...]) -> list[int]:
    """For each finding, which occurrence of its fingerprint in its file it is (1, 2 …),
    counted in line order."""
    order = sorted(
        range(len(findings)),
        key=lambda i: (findings[i].location.path or "", findings[i].location.line or 0),
    )
    seen: dict[tuple[str, str], int] = {}
    numbers = [1] * len(findings)
    for i in order:
        key = (findings[i].fingerprint, findings[i].location.path or "")
        seen[key] = seen.get(key, 0) + 1
        numbers[i] = seen[key]
    return numbers


def _result(finding: Finding, rule_index: int, occurrence: int = 1) -> dict[str, Any]:
    loc = finding.location
    fingerprints = {"skylift/v1": finding.fingerprint}
    if occurrence > 1:
        fingerprints["skylift/occurrence/v1"] = f"{finding.fingerprint}:{occurrence}"
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": finding.severity.sarif_level,
        "message": {"text": finding.message},
        "partialFingerprints": fingerprints,
        "properties": {
            "severity": finding.severity.value,
            "category": finding.category.value,
            "tool": finding.tool,
        },
    }
    location: dict[str, Any] = {}
    if loc.path:
        physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(loc.path)}}
        if loc.line:
            region: dict[str, Any] = {"startLine": loc.line}
            if loc.end_line and loc.end_line >= loc.line:
                region["endLine"] = loc.end_line
            if loc.column:
                region["startColumn"] = loc.column
            physical["region"] = region
        location["physicalLocation"] = physical
    if loc.resource:
        location["logicalLocations"] = [{"fullyQualifiedName": loc.resource}]
    if location:
        result["locations"] = [location]
    return result


def artifact_uri(path: str) -> str:
    """A SARIF ``artifactLocation.uri``: relative paths stay relative, absolute become file://."""
    posix = PurePosixPath(path)
    if posix.is_absolute():
        return "file://" + quote(posix.as_posix())
    return quote(posix.as_posix())


def _pascal(title: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in title).split()
    return "".join(w[:1].upper() + w[1:] for w in words) or "Finding"
