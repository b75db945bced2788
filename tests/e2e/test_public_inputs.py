"""The CLI over real public inputs written by others.

1. Bitbrains "Rnd" VM traces (TU Delft Grid Workloads Archive, read from
   ../shared/data/traces when present): discover servers + perf → assess
   --no-forecast. Each server's CPU and memory demand is recomputed here
   from the raw gzip files by the documented method (docs/assess.md §1:
   10-minute peaks, the 30-day window ending at the last sample, P95 with
   linear interpolation, × 1.3 headroom) and must agree.
2. dockersamples/example-voting-app (Apache-2.0, vendored by the generate
   corpus under tests/fixtures/compose-apps): generate → scan → transfer →
   verify, asserting the services, the planted password's finding and the
   copied files.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.e2e.cli import ROOT, files_under, skylift

TRACES = ROOT.parent / "shared" / "data" / "traces" / "bitbrains-rnd"
MONTH = "2013-9"
VMS = (1, 2, 7)
VOTING = ROOT / "tests" / "fixtures" / "compose-apps" / "example-voting-app"
HEADROOM = 1.3
WINDOW_S = 30 * 86400


def _trace(vm: int) -> np.ndarray:
    """Rows of one trace: ts, cores, cpu %, memory provisioned KB, memory used KB."""
    rows = []
    with gzip.open(TRACES / MONTH / f"{vm}.csv.gz", "rt", encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            cells = [c.strip() for c in line.split(";")]
            rows.append([float(cells[i]) for i in (0, 1, 4, 5, 6)])
    return np.array(rows)


def _demand(values: np.ndarray, ts: np.ndarray) -> float:
    """P95 of the 10-minute peaks in the 30-day window ending at the last sample."""
    last = ts.max()
    keep = ts > last - WINDOW_S
    slots = np.floor(ts[keep] / 600.0)
    peaks = [values[keep][slots == s].max() for s in np.unique(slots)]
    return float(np.percentile(peaks, 95))


@pytest.mark.skipif(
    not TRACES.is_dir(), reason=f"../shared is absent: no Bitbrains traces at {TRACES}"
)
def test_bitbrains_traces_are_sized_by_the_documented_method(tmp_path: Path) -> None:
    traces = {vm: _trace(vm) for vm in VMS}
    servers = ["name,key,cores,memory_gib,os,environment,application"]
    mapping = ["source,server"]
    for vm, t in traces.items():
        cores, mem_gib = int(t[0, 1]), t[0, 3] / 1024 / 1024
        servers.append(f"bitbrains-vm-{vm},bb-{vm},{cores},{mem_gib:g},Linux,production,rnd")
        mapping.append(f"{vm},bitbrains-vm-{vm}")
    (tmp_path / "servers.csv").write_text("\n".join(servers) + "\n", encoding="utf-8")
    (tmp_path / "map.csv").write_text("\n".join(mapping) + "\n", encoding="utf-8")
    skylift("init", "ws", "--project", "bitbrains", cwd=tmp_path)
    ws = ("-w", "ws")
    made = skylift(*ws, "discover", "servers", "servers.csv", "--json", cwd=tmp_path).json()
    assert made["servers_created"] == len(VMS)
    files = [str(TRACES / MONTH / f"{vm}.csv.gz") for vm in VMS]
    perf = skylift(
        *ws, "discover", "perf", *files, "--format", "bitbrains", "--map", "map.csv", "--json",
        cwd=tmp_path,
    ).json()  # fmt: skip
    assert perf["series_rows"] >= sum(len(t) for t in traces.values())  # several metrics a row
    result: dict[str, Any] = skylift(*ws, "assess", "--no-forecast", "--json", cwd=tmp_path).json()
    by_name = {s["name"]: s for s in result["servers"]}
    for vm, t in traces.items():
        s = by_name[f"bitbrains-vm-{vm}"]
        assert s["basis"] == "performance", s
        cores, mem_gib = t[0, 1], t[0, 3] / 1024 / 1024
        cpu = cores * _demand(t[:, 2], t[:, 0]) / 100 * HEADROOM
        mem_pct = 100 * t[:, 4] / t[:, 3]
        mem = mem_gib * _demand(mem_pct, t[:, 0]) / 100 * HEADROOM
        assert s["cpu_demand"] == pytest.approx(cpu, rel=0.002, abs=0.001), (vm, s)
        assert s["memory_demand_gib"] == pytest.approx(mem, rel=0.002, abs=0.001), (vm, s)
        assert s["confidence_stars"] >= 4  # 5-minute samples over a whole month
    for row in result["targets"]:
        s = next(v for v in result["servers"] if v["server_key"] == row["server_key"])
        assert row["vcpus"] >= s["cpu_demand"] - 1e-6
        assert row["instance_memory_gib"] >= s["memory_demand_gib"] - 1e-6


def test_public_compose_app_generate_scan_transfer_verify(tmp_path: Path) -> None:
    assert VOTING.is_dir(), "the generate corpus vendors example-voting-app"
    skylift("init", "ws", "--project", "voting", cwd=tmp_path)
    ws = ("-w", "ws")
    gen = skylift(
        *ws, "generate", VOTING, "--compose", VOTING / "docker-compose.yml", "--out", "target",
        "--json", cwd=tmp_path,
    ).json()  # fmt: skip
    listed = {f["path"] for f in gen["files"]}
    assert listed <= files_under(tmp_path / "target")
    for service in ("vote", "result", "worker", "redis", "db"):
        assert f"k8s/{service}.yaml" in listed, service
    assert {"docker/vote/Dockerfile", "docker/result/Dockerfile"} <= listed
    scan = skylift(
        *ws, "scan", VOTING, "target", "--no-misconfig", "--json", cwd=tmp_path, expect=1
    ).json()
    compose_findings = [
        f for f in scan["findings"] if f["location"]["path"].endswith("docker-compose.yml")
    ]
    assert any(f["category"] == "secret" for f in compose_findings), scan["findings"]
    assert not [f for f in scan["findings"] if "/target/" in f["location"]["path"]
                and f["category"] == "secret"]  # fmt: skip
    sent = skylift(*ws, "transfer", VOTING, "copy", "--json", cwd=tmp_path).json()
    assert sent["transferred"] == len(files_under(VOTING)) and sent["failed"] == 0
    checked = skylift(*ws, "verify", VOTING, "copy", "--checksum", "--json", cwd=tmp_path).json()
    assert checked["ok"] == len(files_under(VOTING)) and checked["changed_count"] == 0
