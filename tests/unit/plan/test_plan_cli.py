"""`skylift plan` through the CLI on a workspace: waves, explain, exports, bad input."""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from skylift.domain.imports import ImportBatch, SourceFile
from skylift.domain.inventory import Environment
from skylift.workspace import Workspace
from tests.helpers import run_cli
from tests.unit.plan.estates import dep, server


def _estate(ws: Workspace) -> None:
    servers = (
        server("web1", "shop"),
        server("web2", "shop"),
        server("db1", "shop-db"),
        server("devweb", "shop", Environment.DEVELOPMENT),
        server("devdb", "shop-db", Environment.DEVELOPMENT),
    )
    deps = (dep("web1", "db1", 3306), dep("web2", "db1", 3306), dep("devweb", "devdb", 3306))
    ws.store.apply_import(
        ImportBatch(
            format="test",
            files=(SourceFile(path="t", sha256="0" * 64, size_bytes=0),),
            servers=servers,
            dependencies=deps,
        ),
        datetime.now(UTC),
    )


def test_plan_json_explain_and_exports(workspace: Workspace, tmp_path: Path) -> None:
    _estate(workspace)
    root = str(workspace.root)
    gantt, waves, mgn = tmp_path / "g.svg", tmp_path / "w.csv", tmp_path / "m.csv"
    result = run_cli(
        "--workspace",
        root,
        "plan",
        "--json",
        "--gantt",
        str(gantt),
        "--csv",
        str(waves),
        "--mgn-csv",
        str(mgn),
    )
    assert result.code == 0, result.stderr
    plan = json.loads(result.stdout)
    order = {k: w["number"] for w in plan["waves"] for k in w["servers"]}
    assert order["devweb"] < order["web1"]
    assert order["db1"] <= order["web1"]
    assert gantt.read_text().startswith("<svg")
    rows = list(csv.DictReader(io.StringIO(waves.read_text())))
    assert {r["server_name"] for r in rows} == {"web1", "web2", "db1", "devweb", "devdb"}
    assert "mgn:wave:name" in mgn.read_text().splitlines()[0]
    explain = run_cli("--workspace", root, "plan", "--explain", "WEB1")
    assert explain.code == 0
    assert "web1 is in wave" in explain.stdout
    assert "same application" in explain.stdout
    table = run_cli("--workspace", root, "plan")
    assert table.code == 0 and "Migration waves" in table.stdout


def test_plan_zero_bandwidth_is_rejected(workspace: Workspace) -> None:
    _estate(workspace)
    result = run_cli("--workspace", str(workspace.root), "plan", "--bandwidth", "0")
    assert result.code == 3
    assert "constraints.bandwidth_mbps" in result.stderr
    assert "greater than 0" in result.stderr


def test_explain_unknown_server(workspace: Workspace) -> None:
    _estate(workspace)
    run_cli("--workspace", str(workspace.root), "plan")
    result = run_cli("--workspace", str(workspace.root), "plan", "--explain", "nope")
    assert result.code == 2 and "no server 'nope'" in result.stderr


def test_decide_seed_example_cli() -> None:
    result = run_cli("plan", "decide", "--seed-example", "--json")
    data = json.loads(result.stdout)
    assert data["choice"]["chosen"] == "A"
    low = run_cli("plan", "decide", "--seed-example", "--weights", "time=1,cost=1,risk=0.2")
    assert "TOPSIS chooses C" in low.stdout
    bad = run_cli("plan", "decide", "--option", "A:x:1:low")
    assert bad.code == 2 and "must be numbers" in bad.stderr


def test_pack_cli_with_workloads_file(tmp_path: Path) -> None:
    f = tmp_path / "w.csv"
    f.write_text("name,cpu,memory_gib,replicas\napi,0.5,1,3\nweb,0.25,0.5,2\nworker,2,4,1\n")
    ws = Workspace.init(tmp_path / "ws")
    ws.close()
    result = run_cli(
        "--workspace",
        str(tmp_path / "ws"),
        "plan",
        "pack",
        "--workloads",
        str(f),
        "--cloud",
        "aws",
        "--region",
        "us-east-1",
        "--json",
    )
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["replicas"] == 6
    assert data["monthly_cost"] >= data["lp_lower_bound_monthly"]


def test_servers_the_assessment_retires_are_decommissioned_not_moved(
    workspace: Workspace,
) -> None:
    from skylift.workspace.assessments import AssessmentStore

    idle = server("old1", "legacy").model_copy(update={"cpu_util_pct": 0.5, "mem_util_pct": 1.0})
    busy = server("app1", "shop").model_copy(update={"cpu_util_pct": 60.0, "mem_util_pct": 70.0})
    workspace.store.apply_import(
        ImportBatch(
            format="test",
            files=(SourceFile(path="t", sha256="0" * 64, size_bytes=0),),
            servers=(idle, busy),
        ),
        datetime.now(UTC),
    )
    root = str(workspace.root)
    assert run_cli("--workspace", root, "assess", "--json").code == 0
    assessed = AssessmentStore(workspace).load().servers
    retired = set(assessed.filter(assessed["strategy"] == "retire")["server_key"])
    assert retired == {"old1"}
    result = run_cli("--workspace", root, "plan", "--json")
    assert result.code == 0, result.stderr
    plan = json.loads(result.stdout)
    assert [d["server"] for d in plan["decommission"]] == ["old1"]
    assert all("old1" not in w["servers"] for w in plan["waves"])


def test_measured_bandwidth_comes_from_the_workspace_transfers(
    workspace: Workspace, tmp_path: Path
) -> None:
    _estate(workspace)
    root = str(workspace.root)
    refused = run_cli("--workspace", root, "plan", "--measured-bandwidth")
    assert refused.code == 8
    assert "no transfer in this workspace" in refused.stderr
    src = tmp_path / "data"
    src.mkdir()
    # 64 MiB, incompressible enough not to matter: a real local transfer through the CLI.
    (src / "blob.bin").write_bytes(os.urandom(64 << 20))
    moved = run_cli("--workspace", root, "transfer", str(src), str(tmp_path / "dst"), "--json")
    assert moved.code == 0, moved.stderr
    history = (workspace.state_dir / "transfers" / "history.jsonl").read_text().splitlines()
    assert len(history) == 1
    entry = json.loads(history[0])
    assert entry["source"] == "local" and entry["bytes"] == 64 << 20
    assert str(src) not in history[0]  # no paths recorded
    result = run_cli("--workspace", root, "plan", "--measured-bandwidth", "--json")
    assert result.code == 0, result.stderr
    settings = json.loads(result.stdout)["settings"]
    expected = (64 << 20) * 8 / 1e6 / entry["seconds"]
    assert settings["bandwidth_mbps"] == pytest.approx(expected, rel=0.01)
    assert settings["link_efficiency"] == 1.0
    assert settings["bandwidth_source"].startswith("measured")
