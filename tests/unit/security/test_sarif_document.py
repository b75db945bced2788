"""The SARIF log of a scan, written out by hand from the SARIF 2.1.0 spec and docs/scan.md.

One scan with every kind of location (end line, column, a resource, no path,
an absolute path), a skylift rule and an external one (with help URI), a
value repeated on several lines of one file, and a skipped scanner; the whole
document must be exactly the one below.
"""

from __future__ import annotations

from skylift import __version__
from skylift.domain.findings import Finding, Location, ScanResult, Severity
from skylift.report.sarif import to_sarif
from skylift.security.rules import RULES

OWN = RULES[0]


def _finding(**kw: object) -> Finding:
    base: dict[str, object] = {
        "rule_id": "CKV_AWS_24",
        "title": "ensure no SG allows 22 / 0.0.0.0",
        "severity": Severity.MEDIUM,
        "category": "misconfiguration",
        "location": Location(path="main.tf"),
        "message": "port 22 open",
        "remediation": "",
        "tool": "checkov",
        "fingerprint": "fpA",
    }
    base.update(kw)
    return Finding.model_validate(base)


def test_the_whole_document() -> None:
    findings = (
        _finding(
            rule_id=OWN.id, title=OWN.title, severity=Severity.CRITICAL, category="secret",
            tool="skylift", fingerprint="fpK", message="private key",
            location=Location(path="keys/a.pem", line=3, end_line=9, column=1),
        ),
        _finding(
            location=Location(path="tf/main.tf", line=5, end_line=4, resource="aws_sg.web"),
            help_uri="https://docs.example/CKV_AWS_24",
        ),
        _finding(fingerprint="fpR", severity=Severity.HIGH, category="secret", tool="skylift",
                 rule_id="SKY-X", title="", location=Location(path="/abs/my app/.env", line=7)),
        _finding(fingerprint="fpR", severity=Severity.HIGH, category="secret", tool="skylift",
                 rule_id="SKY-X", title="", location=Location(path="/abs/my app/.env", line=2)),
        _finding(fingerprint="fpP", severity=Severity.LOW, category="policy", tool="policy",
                 rule_id="SKY-POL", title="region", location=Location(resource="plan")),
    )  # fmt: skip
    doc = to_sarif(ScanResult(findings=findings, skipped=("checkov: not installed",)))
    ckv_tags = ["security", "misconfiguration", "checkov"]
    assert doc == {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "skylift",
                        "version": __version__,
                        "informationUri": "https://github.com/skylift/skylift/blob/main/docs/scan.md",
                        "rules": [
                            {
                                "id": OWN.id,
                                "name": "".join(w[:1].upper() + w[1:] for w in OWN.title.split()),
                                "shortDescription": {"text": OWN.title},
                                "fullDescription": {"text": OWN.description},
                                "help": {"text": OWN.remediation},
                                "defaultConfiguration": {"level": "error"},
                                "properties": {
                                    "tags": ["security", "secret", "skylift"],
                                    "security-severity": "9.5",
                                },
                            },
                            {
                                "id": "CKV_AWS_24",
                                "name": "EnsureNoSGAllows220000",
                                "shortDescription": {"text": "ensure no SG allows 22 / 0.0.0.0"},
                                "fullDescription": {"text": "ensure no SG allows 22 / 0.0.0.0"},
                                "help": {"text": "ensure no SG allows 22 / 0.0.0.0"},
                                "defaultConfiguration": {"level": "warning"},
                                "properties": {"tags": ckv_tags, "security-severity": "5.5"},
                                "helpUri": "https://docs.example/CKV_AWS_24",
                            },
                            {
                                "id": "SKY-X",
                                "name": "Finding",
                                "shortDescription": {"text": ""},
                                "fullDescription": {"text": ""},
                                "help": {"text": ""},
                                "defaultConfiguration": {"level": "error"},
                                "properties": {
                                    "tags": ["security", "secret", "skylift"],
                                    "security-severity": "8.0",
                                },
                            },
                            {
                                "id": "SKY-POL",
                                "name": "Region",
                                "shortDescription": {"text": "region"},
                                "fullDescription": {"text": "region"},
                                "help": {"text": "region"},
                                "defaultConfiguration": {"level": "note"},
                                "properties": {
                                    "tags": ["security", "policy", "policy"],
                                    "security-severity": "3.0",
                                },
                            },
                        ],
                    }
                },
                "results": [
                    {
                        "ruleId": OWN.id, "ruleIndex": 0, "level": "error",
                        "message": {"text": "private key"},
                        "partialFingerprints": {"skylift/v1": "fpK"},
                        "properties": {"severity": "critical", "category": "secret",
                                       "tool": "skylift"},
                        "locations": [{"physicalLocation": {
                            "artifactLocation": {"uri": "keys/a.pem"},
                            "region": {"startLine": 3, "endLine": 9, "startColumn": 1}}}],
                    },
                    {
                        "ruleId": "CKV_AWS_24", "ruleIndex": 1, "level": "warning",
                        "message": {"text": "port 22 open"},
                        "partialFingerprints": {"skylift/v1": "fpA"},
                        "properties": {"severity": "medium", "category": "misconfiguration",
                                       "tool": "checkov"},
                        "locations": [{
                            "physicalLocation": {"artifactLocation": {"uri": "tf/main.tf"},
                                                 "region": {"startLine": 5}},
                            "logicalLocations": [{"fullyQualifiedName": "aws_sg.web"}]}],
                    },
                    {  # line 7: the second occurrence of fpR in the file (line 2 is first)
                        "ruleId": "SKY-X", "ruleIndex": 2, "level": "error",
                        "message": {"text": "port 22 open"},
                        "partialFingerprints": {"skylift/v1": "fpR",
                                                "skylift/occurrence/v1": "fpR:2"},
                        "properties": {"severity": "high", "category": "secret",
                                       "tool": "skylift"},
                        "locations": [{"physicalLocation": {
                            "artifactLocation": {"uri": "file:///abs/my%20app/.env"},
                            "region": {"startLine": 7}}}],
                    },
                    {
                        "ruleId": "SKY-X", "ruleIndex": 2, "level": "error",
                        "message": {"text": "port 22 open"},
                        "partialFingerprints": {"skylift/v1": "fpR"},
                        "properties": {"severity": "high", "category": "secret",
                                       "tool": "skylift"},
                        "locations": [{"physicalLocation": {
                            "artifactLocation": {"uri": "file:///abs/my%20app/.env"},
                            "region": {"startLine": 2}}}],
                    },
                    {
                        "ruleId": "SKY-POL", "ruleIndex": 3, "level": "note",
                        "message": {"text": "port 22 open"},
                        "partialFingerprints": {"skylift/v1": "fpP"},
                        "properties": {"severity": "low", "category": "policy", "tool": "policy"},
                        "locations": [{"logicalLocations": [{"fullyQualifiedName": "plan"}]}],
                    },
                ],
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolExecutionNotifications": [
                            {"level": "note",
                             "message": {"text": "not run: checkov: not installed"}}
                        ],
                    }
                ],
            }
        ],
    }  # fmt: skip


def test_equal_start_and_end_line_is_kept() -> None:
    f = _finding(location=Location(path="a", line=4, end_line=4))
    region = to_sarif(ScanResult(findings=(f,)))["runs"][0]["results"][0]["locations"][0]
    assert region["physicalLocation"]["region"] == {"startLine": 4, "endLine": 4}


def test_one_value_in_two_files_is_a_first_occurrence_in_each() -> None:
    findings = tuple(
        _finding(fingerprint="same", location=Location(path=p, line=n))
        for p, n in (("b.env", 1), ("a.env", 5), ("a.env", 2))
    )
    results = to_sarif(ScanResult(findings=findings))["runs"][0]["results"]
    assert [r["partialFingerprints"] for r in results] == [
        {"skylift/v1": "same"},
        {"skylift/v1": "same", "skylift/occurrence/v1": "same:2"},
        {"skylift/v1": "same"},
    ]
