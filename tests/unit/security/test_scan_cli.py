"""``skylift scan``: exit codes, outputs (table, JSON, SARIF), baseline, no secret printed."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.helpers import CliResult, run_cli

ROOT = Path(__file__).resolve().parents[3]
SECRETS = ROOT / "tests" / "fixtures" / "scan" / "secrets"
CLEAN = ROOT / "tests" / "fixtures" / "scan" / "clean" / "secrets"
SEED = SECRETS / "seed"
#: every literal secret in the fixtures: none may appear in any output
VALUES = (
    "SuperSecret123!", "Pr0d-Passw0rd-2019", "mailpass-7731", "Db-Secret-88", "Xk29-dbpass",
    "4f9c2e7a1b8d6f3e0a5c9b2d7e4f1a8c", "Tf-Literal-Pass-42", "Sql-Pa55-word", "pk-9Hh3Lq7Vt2Xw8Rz",
    "AKIAZ4Q7RT2W9XKDJ3LM", "q8Zt3vKp0Lw9Xr2Nc7Ym5Hb1Jd6Fs4Ga0Ue8Ti3R", "YOUR_SECRET_KEY",
    "CzBVep/E6Q4zWH2ix", "Jq7~Vb2.Nw9-Kx4_Lm8zRt5YpQ3sHd6FgC1aE0uW",
)  # fmt: skip


def scan(*args: str) -> CliResult:
    return run_cli("scan", *args, "--no-misconfig", "--no-policies")


def assert_no_secret(text: str) -> None:
    leaked = [v for v in VALUES if v in text]
    assert not leaked, f"secret values in output: {leaked}"


def test_table_lists_findings_and_gates_on_high_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    done = scan("tests/fixtures/scan/secrets")
    assert done.code == 1
    lines = done.stdout.splitlines()
    at = lines.index("tests/fixtures/scan/secrets/k8s/deployment.yaml")
    assert lines[at + 1].split()[:3] == ["23", "high", "SKY-SECRET-020"]
    assert "19 findings (5 critical, 12 high, 2 low)" in done.stdout
    assert_no_secret(done.stdout + done.stderr)


@pytest.mark.parametrize(
    ("fail_on", "code"), [("low", 1), ("medium", 0), ("high", 0), ("critical", 0)]
)
def test_fail_on_thresholds_on_the_seed_playbook(fail_on: str, code: int) -> None:
    """The seed's placeholders are low: they fail only a --fail-on low gate."""
    assert scan(str(SEED), "--fail-on", fail_on).code == code


def test_clean_tree_exits_zero_even_on_low() -> None:
    done = scan(str(CLEAN), "--fail-on", "low")
    assert done.code == 0, done.stdout
    assert "0 findings" in done.stdout


def test_json_output() -> None:
    done = scan(str(SECRETS), "--json", "--fail-on", "critical")
    assert done.code == 1
    data = json.loads(done.stdout)
    assert data["summary"]["findings"] == 19
    assert data["summary"]["by_severity"] == {"critical": 5, "high": 12, "low": 2}
    first = data["findings"][0]
    assert first["severity"] == "critical" and len(first["fingerprint"]) == 12
    assert_no_secret(done.stdout)


def test_severity_min_drops_low_findings() -> None:
    data = json.loads(scan(str(SECRETS), "--json", "--severity-min", "high").stdout)
    assert data["summary"]["findings"] == 17
    assert {f["severity"] for f in data["findings"]} == {"critical", "high"}


def test_missing_path_is_a_one_line_input_error(tmp_path: Path) -> None:
    done = scan(str(tmp_path / "nope"))
    assert done.code == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert lines[0] == f"error: {tmp_path / 'nope'}: no such file or folder"
    assert lines[1].startswith("hint:")


def test_unknown_severity_is_an_input_error() -> None:
    done = scan(str(SEED), "--fail-on", "severe")
    assert done.code == 2
    assert "--fail-on: unknown severity 'severe'" in done.stderr


def test_baseline_accepts_known_findings(tmp_path: Path) -> None:
    baseline = tmp_path / "ci" / "baseline.json"
    made = scan(str(SECRETS), "--baseline", str(baseline), "--update-baseline")
    assert made.code == 0
    data = json.loads(baseline.read_text())
    assert data["version"] == 1 and len(data["accepted"]) == 19
    assert os.listdir(baseline.parent) == ["baseline.json"]  # no temporary file left
    assert_no_secret(baseline.read_text())

    # a reason given by a reviewer survives the next update
    data["accepted"][0]["reason"] = "rotated; test account"
    baseline.write_text(json.dumps(data))
    again = scan(str(SECRETS), "--baseline", str(baseline), "--json")
    assert again.code == 0
    result = json.loads(again.stdout)
    assert result["summary"] == {**result["summary"], "findings": 0, "suppressed": 19}
    assert scan(str(SECRETS), "--baseline", str(baseline), "--update-baseline").code == 0
    assert json.loads(baseline.read_text())["accepted"][0]["reason"] == "rotated; test account"


def test_a_new_secret_is_not_covered_by_the_baseline(tmp_path: Path) -> None:
    tree = tmp_path / "app"
    tree.mkdir()
    (tree / ".env").write_text("DB_PASSWORD=SuperSecret123!\n")
    baseline = tmp_path / "baseline.json"
    assert scan(str(tree), "--baseline", str(baseline), "--update-baseline").code == 0
    (tree / ".env").write_text("DB_PASSWORD=SuperSecret123!\nAPI_TOKEN=Pr0d-Passw0rd-2019\n")
    done = scan(str(tree), "--baseline", str(baseline), "--json")
    assert done.code == 1
    assert [f["location"]["line"] for f in json.loads(done.stdout)["findings"]] == [2]


def test_bad_baseline_is_an_input_error(tmp_path: Path) -> None:
    bad = tmp_path / "baseline.json"
    bad.write_text('{"version": 1, "accepted": [{"rule_id": "x"}]}')
    done = scan(str(SEED), "--baseline", str(bad))
    assert done.code == 2
    assert "accepted.0.fingerprint" in done.stderr
    assert scan(str(SEED), "--baseline", str(tmp_path / "missing.json")).code == 2


# The parts of the SARIF 2.1.0 schema (OASIS, sarif-schema-2.1.0.json) that skylift
# emits, with the spec's required properties and enumerations; objects are closed so
# that a misspelt property fails (the official schema leaves most objects open). The
# official schema itself is vendored in tests/fixtures/sarif/ (see its README) and
# checked below too.
_MESSAGE = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}
_LEVEL = {"enum": ["none", "note", "warning", "error"]}
SARIF_SUBSET: dict[str, Any] = {
    "type": "object",
    "required": ["version", "runs"],
    "additionalProperties": False,
    "properties": {
        "$schema": {"type": "string", "format": "uri"},
        "version": {"const": "2.1.0"},
        "runs": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["tool"], "additionalProperties": False,
            "properties": {
                "tool": {"type": "object", "required": ["driver"], "properties": {"driver": {
                    "type": "object", "required": ["name"], "additionalProperties": False,
                    "properties": {
                        "name": {"type": "string"}, "version": {"type": "string"},
                        "informationUri": {"type": "string"},
                        "rules": {"type": "array", "items": {
                            "type": "object", "required": ["id"], "additionalProperties": False,
                            "properties": {
                                "id": {"type": "string"}, "name": {"type": "string"},
                                "shortDescription": _MESSAGE, "fullDescription": _MESSAGE,
                                "help": _MESSAGE, "helpUri": {"type": "string"},
                                "defaultConfiguration": {
                                    "type": "object", "additionalProperties": False,
                                    "properties": {"level": _LEVEL}},
                                "properties": {"type": "object"},
                            }}},
                    }}}},
                "results": {"type": "array", "items": {
                    "type": "object", "required": ["message"], "additionalProperties": False,
                    "properties": {
                        "ruleId": {"type": "string"},
                        "ruleIndex": {"type": "integer", "minimum": -1},
                        "level": _LEVEL, "message": _MESSAGE,
                        "partialFingerprints": {"type": "object",
                                                "additionalProperties": {"type": "string"}},
                        "properties": {"type": "object"},
                        "locations": {"type": "array", "items": {
                            "type": "object", "additionalProperties": False, "properties": {
                                "physicalLocation": {
                                    "type": "object", "required": ["artifactLocation"],
                                    "additionalProperties": False, "properties": {
                                        "artifactLocation": {
                                            "type": "object", "required": ["uri"],
                                            "properties": {"uri": {"type": "string"}}},
                                        "region": {
                                            "type": "object", "additionalProperties": False,
                                            "required": ["startLine"], "properties": {
                                                "startLine": {"type": "integer", "minimum": 1},
                                                "endLine": {"type": "integer", "minimum": 1},
                                                "startColumn": {"type": "integer", "minimum": 1},
                                            }}}},
                                "logicalLocations": {"type": "array"},
                            }}},
                    }}},
                "invocations": {"type": "array", "items": {
                    "type": "object", "required": ["executionSuccessful"],
                    "properties": {"executionSuccessful": {"type": "boolean"},
                                   "toolExecutionNotifications": {"type": "array", "items": {
                                       "type": "object", "required": ["message"]}}}}},
            }}},
    },
}  # fmt: skip


def _sarif(tmp_path: Path) -> dict[str, Any]:
    out = tmp_path / "reports" / "scan.sarif"
    done = scan(str(SECRETS), "--sarif", str(out))
    assert done.code == 1
    text = out.read_text()
    assert_no_secret(text)
    data: dict[str, Any] = json.loads(text)
    return data


def test_sarif_is_valid_and_complete(tmp_path: Path) -> None:
    sarif = _sarif(tmp_path)
    jsonschema.validate(sarif, SARIF_SUBSET)
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert len(run["results"]) == 19
    assert len({r["id"] for r in rules}) == len(rules) == 9
    for result in run["results"]:
        rule = rules[result["ruleIndex"]]
        assert rule["id"] == result["ruleId"]
        assert result["level"] == rule["defaultConfiguration"]["level"]
    k8s = next(
        r for r in run["results"]
        if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(
            "k8s/deployment.yaml")
        and r["locations"][0]["physicalLocation"]["region"]["startLine"] == 23
    )  # fmt: skip
    assert k8s["ruleId"] == "SKY-SECRET-020" and k8s["level"] == "error"
    assert k8s["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("file:///")
    assert len(k8s["partialFingerprints"]["skylift/v1"]) == 12
    levels = {r["properties"]["severity"]: r["level"] for r in run["results"]}
    assert levels == {"critical": "error", "high": "error", "low": "note"}


def test_sarif_relative_paths_stay_relative(tmp_path: Path) -> None:
    from skylift.report.sarif import artifact_uri

    assert artifact_uri("deploy/my app/.env") == "deploy/my%20app/.env"
    assert artifact_uri("/srv/app/.env") == "file:///srv/app/.env"


def test_sarif_against_the_official_schema(tmp_path: Path) -> None:
    schema_file = ROOT / "tests" / "fixtures" / "sarif" / "sarif-schema-2.1.0.json"
    schema = json.loads(schema_file.read_text())
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    sarif = _sarif(tmp_path)
    assert [e.message for e in validator.iter_errors(sarif)] == []
    # the schema has teeth: a wrong level and a missing message are caught
    broken = json.loads(json.dumps(sarif))
    broken["runs"][0]["results"][0]["level"] = "fatal"
    del broken["runs"][0]["results"][1]["message"]
    assert len(list(validator.iter_errors(broken))) >= 2
