"""``skylift verify service`` end to end: stored results, tracking, SARIF, proposed
checks, and bad input (unreachable target, bad checks file) as one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skylift.verify.service.testpki import Pki
from tests.helpers import run_cli
from tests.integration.verify.shops import free_port, shop


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with one server, web01, in its inventory."""
    root = tmp_path_factory.mktemp("ws")
    ws = root / "w"
    assert run_cli("init", str(ws)).code == 0
    servers = root / "servers.csv"
    servers.write_text("name,cores,memory_mib,os_name\nweb01,2,4096,Ubuntu 22.04\n")
    assert run_cli("-w", str(ws), "discover", "servers", str(servers)).code == 0
    return ws


def _service(ws: Path, source: str, target: str, *extra: str) -> tuple[int, str, str]:
    r = run_cli("-w", str(ws), "verify", "service", "--source", source, "--target", target,
                "--load", "off", *extra)  # fmt: skip
    return r.code, r.stdout, r.stderr


def test_a_passing_run_is_stored_and_marks_the_server_verified_a_failing_one_failed(
    workspace: Path, pki: Pki, checks_file: Path, tmp_path: Path
) -> None:
    from skylift.workspace import Workspace
    from skylift.workspace.tracking import snapshot
    from skylift.workspace.verifying import service_verifications

    common = ["--checks", str(checks_file), "--ca-file", str(pki.ca), "--server", "web01"]
    port = str(free_port())
    with shop() as source, shop(pki) as target:
        code, out, err = _service(workspace, source, target, *common, "--probe-ports", port,
                                  "--json")  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["passed"] is True
    with Workspace.open(workspace) as ws:
        assert snapshot(ws).servers[0].state == "verified"
    sarif = tmp_path / "verify.sarif"
    with shop() as source, shop(pki, variant="no-header") as target:
        code, out, err = _service(workspace, source, target, *common, "--probe-ports", port,
                                  "--sarif", str(sarif))  # fmt: skip
    assert code == 6, err
    assert "SKY-VERIFY-HEADER" in out and "NOT verified" in out
    results = json.loads(sarif.read_text())["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["SKY-VERIFY-HEADER"]
    with Workspace.open(workspace) as ws:
        assert snapshot(ws).servers[0].state == "failed"
        stored = service_verifications(ws)
    assert [s.passed for s in stored] == [False, True]  # newest first
    assert stored[0].findings[0].rule_id == "SKY-VERIFY-HEADER"


def test_checks_are_proposed_from_compose_generated_files_and_openapi(
    pki: Pki, tmp_path: Path
) -> None:
    compose = tmp_path / "docker-compose.yml"
    compose.write_text(
        "services:\n  api:\n    image: shop\n    healthcheck:\n"
        '      test: ["CMD", "curl", "-f", "http://localhost:8000/healthz"]\n'
    )
    app = tmp_path / "app"
    app.mkdir()
    (app / "openapi.json").write_text(
        json.dumps(
            {"openapi": "3.0.3", "paths": {"/products": {"get": {}}, "/p/{id}": {"get": {}}}}
        )
    )
    allowed, extra = free_port(), free_port()
    generated = tmp_path / "generated" / "k8s"
    generated.mkdir(parents=True)
    (generated / "networkpolicies.yaml").write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: api}\n"
        f"spec:\n  ingress:\n    - ports:\n        - {{protocol: TCP, port: {allowed}}}\n"
    )
    import socket

    with (
        shop() as source,
        shop(pki, variant="extra-port", extra_port=extra) as target,
        socket.create_server(("127.0.0.1", allowed)),  # open, but the plan allows it
    ):
        r = run_cli("verify", "service", "--source", source, "--target", target, "--load", "off",
                    "--compose", str(compose), "--app", str(app), "--generated",
                    str(tmp_path / "generated"), "--ca-file", str(pki.ca), "--probe-ports",
                    f"{allowed},{extra}", "--json")  # fmt: skip
    data = json.loads(r.stdout)
    assert [c["name"] for c in data["functional"]] == ["GET /healthz", "GET /products"]
    assert all(c["passed"] for c in data["functional"])
    assert [f["location"]["resource"] for f in data["findings"]] == [f"127.0.0.1:{extra}"]
    assert r.code == 6


def test_an_unreachable_target_is_one_line_exit_4() -> None:
    with shop() as source:
        r = run_cli("verify", "service", "--source", source, "--target",
                    f"http://127.0.0.1:{free_port()}", "--load", "off")  # fmt: skip
    assert r.code == 4
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert lines[0].startswith("error: --target http://127.0.0.1:")
    assert "unreachable" in lines[0] and "Traceback" not in r.stderr


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        ("checks:\n  - path: /a\n    expect: {status: 200\n", ":4:", "not valid YAML"),
        ("checks:\n  - path: /a\n  - path: /b\n    expekt: {}\n", ":3:", "unknown key 'expekt'"),
        ("checks:\n  - path: /a\n    expect: {status: 999}\n", ":2:", "expect.status"),
        ("checks:\n  - path: /a\n    compare: {ignore: ['items.id']}\n", ":2:", "must start"),
        ("load: {users: 4, duration: soon}\n", ":1:", "not a duration"),
    ],
)
def test_a_bad_checks_file_is_one_line_naming_its_line(
    tmp_path: Path, text: str, where: str, what: str
) -> None:
    checks = tmp_path / "checks.yaml"
    checks.write_text(text)
    r = run_cli("verify", "service", "--source", "http://127.0.0.1:1", "--target",
                "http://127.0.0.1:1", "--checks", str(checks))  # fmt: skip
    assert r.code == 2, r.stderr
    first = r.stderr.splitlines()[0]
    assert first.startswith(f"error: {checks}{where}"), first
    assert what in first
