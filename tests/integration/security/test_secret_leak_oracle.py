"""No secret planted in any fixture reaches any output channel of ``skylift scan``.

The forbidden values are not a hand-kept list: they are read out of the fixture
files themselves by a deliberately simple extractor (values under secret-looking
keys, passwords in URLs and connection strings, tokens in query strings, cloud
key IDs, private-key bodies, Kubernetes ``name:``/``value:`` pairs, Terraform
variable defaults). A test pins that the extractor finds the values a reader
sees in the fixtures (``changeme``, ``postgres`` …), so a fixture added later is
covered without editing this file.

Channels: the table (stdout and stderr), ``--json``, the SARIF file, the
baseline file, a ``--debug`` run as a subprocess (its logging at DEBUG level
included), and the workspace folder (state store, settings) after a scan
inside a workspace. One run has checkov on (its findings carry code).
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from skylift.workspace import Workspace
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures"
#: Fixture trees that plant secrets (``clean`` folders hold none by design).
PLANTED = [FIXTURES / "scan", FIXTURES / "compose-apps"]

_KEY = (
    r"[\w.\-]*(?:pass(?:word|wd)?|pwd|secret|token|api_?key|apikey|access_?key"
    r"|private_?key|accountkey|credential|auth)[\w.\-]*"
)
_VALUE = r"""(?:"([^"\n]*)"|'([^'\n]*)'|([^\s;,"'#}]+))"""
PATTERNS = (
    # KEY = value, KEY: value, "key": "value", Password=value; (connection strings)
    re.compile(rf"""(?i)["']?{_KEY}["']?[ \t]*[=:][ \t]*{_VALUE}"""),
    # Kubernetes env: - name: DB_PASSWORD / value: "..."
    re.compile(rf"""(?i)name:[ \t]*["']?{_KEY}["']?[ \t]*\n[ \t]*value:[ \t]*{_VALUE}"""),
    # Terraform: variable "db_password" { default = "..." }
    re.compile(rf"""(?is)variable[ \t]+"{_KEY}"[ \t]*\{{[^}}]*?default[ \t]*=[ \t]*{_VALUE}"""),
    # .NET config: <add key="PaymentApiKey" value="..."/>
    re.compile(r'(?i)key="[^"]*(?:key|secret|pass|token)[^"]*"\s+value="([^"]*)"'),
    # user:password@ in URLs
    re.compile(r"://[^/\s:@\"']+:([^@\s/\"']+)@"),
    # ?token=...
    re.compile(r"[?&](?:token|key|secret|password|sig)=([^&\s\"']+)"),
    # AWS access key IDs
    re.compile(r"\b((?:AKIA|ASIA)[0-9A-Z]{16})\b"),
)
PEM = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----(.*?)-----END", re.S)
#: Not secrets: references, paths and version ranges under secret-looking keys.
_NOT_A_VALUE = re.compile(r"^(?:\$|\{|<|/|\^|~|@|var\.|random_|local\.|module\.|data\.|arn:|-----)")


def planted_values(roots: list[Path] = PLANTED) -> dict[str, str]:
    """Every secret value planted in a fixture file → the file it is in."""
    found: dict[str, str] = {}
    for root in roots:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if not path.is_file() or "clean" in path.relative_to(root).parts:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            for value in _values(text):
                value = value.strip()
                if len(value) >= 4 and not _NOT_A_VALUE.match(value) and not value.isdigit():
                    found.setdefault(value, str(path.relative_to(FIXTURES)))
    return found


def _values(text: str) -> Iterator[str]:
    for pattern in PATTERNS:
        for m in pattern.finditer(text):
            yield next(g for g in m.groups() if g is not None)
    for m in PEM.finditer(text):
        for line in re.split(r"\\n|\n", m.group(1)):
            if len(line.strip()) >= 16:
                yield line.strip()


FORBIDDEN = planted_values()


def _paths() -> list[str]:
    """Fixture paths as outputs show them (absolute, from the repo, from the fixtures).

    Paths are removed before looking for values: ``gitea`` is a planted password
    and also the folder ``compose-apps/gitea-postgres`` a finding names.
    """
    out: set[str] = set()
    for root in PLANTED:
        if root.is_dir():
            for p in [root, *root.rglob("*")]:
                out.update({str(p), str(p.relative_to(ROOT)), str(p.relative_to(FIXTURES))})
                out.add(p.as_uri())
    return sorted(out, key=len, reverse=True)


PATHS = _paths()
#: A URL scheme is named in messages ("password in a postgres URL"); ``postgres``
#: is also a planted password, so the scheme is removed where it is one.
SCHEME = re.compile(r"\b[a-z][a-z0-9+.-]*(?=://| URL\b)")


def leaks(text: str) -> list[str]:
    """Planted values found in ``text`` (as written, or JSON/XML-escaped), paths aside."""
    for path in PATHS:
        text = text.replace(path, "<path>").replace(path.replace("/", "\\/"), "<path>")
    text = SCHEME.sub("<scheme>", text)
    out = []
    for value in FORBIDDEN:
        forms = {value, value.replace("/", "\\/"), value.replace("+", "\\u002b")}
        if any(f in text for f in forms):
            out.append(f"{value!r} (from {FORBIDDEN[value]})")
    return out


def assert_clean(text: str, channel: str) -> None:
    """No planted value in ``text``."""
    found = leaks(text)
    assert not found, f"{channel} shows secret values: {found}"


def sarif_without_rule_docs(path: Path) -> str:
    """The SARIF file without ``tool.driver.rules``: static rule documentation.

    A rule's description lists example defaults ("changeme, admin, password …")
    whatever was scanned; everything else (results, messages, snippets,
    fingerprints, invocations) is checked.
    """
    doc = json.loads(path.read_text(encoding="utf-8"))
    for run in doc["runs"]:
        rules = run["tool"]["driver"].pop("rules", [])
        assert all(set(r) <= RULE_KEYS for r in rules), rules[:1]
    return json.dumps(doc, ensure_ascii=False)


RULE_KEYS = {
    "id",
    "name",
    "shortDescription",
    "fullDescription",
    "help",
    "helpUri",
    "properties",
    "defaultConfiguration",
}


def scan_roots() -> list[str]:
    """The planted fixture trees that exist."""
    return [str(r) for r in PLANTED if r.is_dir()]


def test_the_extractor_finds_what_a_reader_sees_in_the_fixtures() -> None:
    """The oracle is not vacuous: the values the issue names and one of each kind."""
    for value in (
        "changeme",  # weak default in an .env
        "postgres",  # POSTGRES_PASSWORD in compose
        "SuperSecret123!",
        "Pr0d-Passw0rd-2019",  # Kubernetes name/value pair
        "Tf-Literal-Pass-42",  # Terraform variable default
        "Sql-Pa55-word",  # connection string
        "Xk29-dbpass",  # URL user:password@
        "pk-9Hh3Lq7Vt2Xw8Rz",  # .NET appSettings
        "AKIAZ4Q7RT2W9XKDJ3LM",
        "YOUR_SECRET_KEY",  # placeholder: still never printed
    ):
        assert value in FORBIDDEN, value
    assert any(v.startswith("ghp_") for v in FORBIDDEN)  # query-string token in a lockfile
    assert sum(1 for f in FORBIDDEN.values() if f.endswith(".pem")) >= 5  # key body lines
    assert "${STRIPE_API_KEY}" not in FORBIDDEN and "/run/secrets/db" not in FORBIDDEN


def test_leak_check_sees_a_planted_value() -> None:
    """The check itself fires (guards against an always-empty FORBIDDEN)."""
    assert leaks("error: 'ADMIN_PASSWORD' is set to changeme")
    assert leaks('{"value": "CzBVep\\/E6Q4zWH2ix+wRNluApcrvFDleg6jN8hc8YYar0PUaP2SJrtP4HUJnjLHW'
                 '+yBFao+02f4jSG2St9wBJg=="}')  # fmt: skip
    assert leaks("'POSTGRES_PASSWORD' is set to postgres")
    assert not leaks("19 findings (5 critical, 12 high, 2 low)")
    assert not leaks("password in a postgres URL")


def test_table_json_sarif_and_baseline_show_no_secret(tmp_path: Path) -> None:
    """Every file-or-stream output of one secrets scan over all planted fixtures."""
    roots = scan_roots()
    table = run_cli("scan", *roots, "--no-misconfig", "--no-policies", "--fail-on", "low")
    assert table.code == 1 and "findings" in table.stdout
    assert_clean(table.stdout + table.stderr, "the table")

    sarif = tmp_path / "out.sarif"
    done = run_cli(
        "scan", *roots, "--no-misconfig", "--no-policies", "--json", "--sarif", str(sarif)
    )
    assert done.code == 1
    assert '"findings"' in done.stdout and sarif.stat().st_size > 1000
    assert_clean(done.stdout + done.stderr, "--json")
    assert_clean(sarif_without_rule_docs(sarif), "SARIF")

    baseline = tmp_path / "baseline.json"
    made = run_cli(
        "scan",
        *roots,
        "--no-misconfig",
        "--no-policies",
        "--baseline",
        str(baseline),
        "--update-baseline",
    )
    assert made.code == 0 and baseline.stat().st_size > 100
    assert_clean(made.stdout + made.stderr + baseline.read_text(encoding="utf-8"), "baseline")
    # every weak/default password was found (so its message was rendered and checked)
    assert "SKY-SECRET" in done.stdout and done.stdout.count("default") >= 1


def test_debug_run_and_its_logs_show_no_secret(tmp_path: Path) -> None:
    """``--debug`` as a subprocess, Python logging at DEBUG, plus an error path."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "SKYLIFT_LOG_LEVEL": "DEBUG"}
    code = (
        "import logging, sys; logging.basicConfig(level=logging.DEBUG, stream=sys.stderr);"
        "from skylift.cli.app import main; main(sys.argv[1:])"
    )
    args = ["--debug", "scan", *scan_roots(), "--no-misconfig", "--no-policies"]
    run = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert run.returncode == 1, run.stderr[-2000:]
    assert_clean(run.stdout + run.stderr, "--debug output/logs")
    # an error under --debug (a baseline that is not JSON) prints a traceback: still clean
    bad = tmp_path / "baseline.json"
    bad.write_text("{not json", encoding="utf-8")
    failed = subprocess.run(
        [sys.executable, "-c", code, *args, "--baseline", str(bad)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert failed.returncode == 2 and "Traceback" in failed.stderr
    assert_clean(failed.stdout + failed.stderr, "--debug traceback")


def test_in_process_logging_shows_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    """Every log record skylift (or a library it calls) emits during a scan."""
    with caplog.at_level(logging.DEBUG):
        run_cli("scan", *scan_roots(), "--no-misconfig", "--no-policies")
    text = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records)
    assert_clean(text, "log records")


def test_scan_inside_a_workspace_stores_no_secret(tmp_path: Path) -> None:
    """A scan with the policies on, inside a workspace: nothing in its files (state store)."""
    ws = Workspace.init(tmp_path / "ws", project="leak")
    ws.close()
    done = run_cli("-w", str(tmp_path / "ws"), "scan", *scan_roots(), "--no-misconfig", "--json")
    assert done.code == 1
    assert_clean(done.stdout + done.stderr, "scan in a workspace")
    files = [p for p in (tmp_path / "ws").rglob("*") if p.is_file()]
    assert files
    for path in files:
        assert_clean(path.read_bytes().decode("utf-8", errors="replace"), str(path))


def test_checkov_findings_show_no_secret(tmp_path: Path) -> None:
    """With the misconfiguration pass on (checkov reports carry code): JSON and SARIF."""
    sarif = tmp_path / "all.sarif"
    root = FIXTURES / "scan" / "secrets"
    done = run_cli("scan", str(root), "--no-policies", "--json", "--sarif", str(sarif))
    assert done.code == 1, done.stderr
    assert "CKV" in done.stdout, "checkov produced no finding: is it installed?"
    assert_clean(done.stdout + done.stderr, "--json with checkov")
    assert_clean(sarif_without_rule_docs(sarif), "SARIF with checkov")
