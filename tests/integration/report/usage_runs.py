"""A stored ``skylift optimize`` run with usage series, for the report and dashboard tests.

The run document has the shape ``optimize_workspace`` stores; its series are
encoded with the optimize stage's own encoder and stored through the
workspace's own call (``usage_series.store_usage``) — no Prometheus needed to
put them in the report. ``tests/integration/optimize/test_series.py`` checks
the same path from a real Prometheus.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from skylift.optimize.ranking import container_score, vm_score
from skylift.optimize.series import MAX_POINTS, encode
from skylift.workspace import Workspace

START = 1_796_000_400.0  # bucket grid start (Unix seconds, a whole hour)
BUCKET_S = 7200


def _series(
    rng: np.random.Generator, cpu_scale: float, mem_scale: float, now: tuple[float, float]
) -> np.ndarray:
    """(resources, slots, points): p50 ≤ p95 ≤ max per bucket, a few gaps, and the
    current allocation over time (1.5 × ``now`` for the first third, then ``now``)."""
    out = np.empty((2, 4, MAX_POINTS), dtype=np.float32)
    for r, scale in enumerate((cpu_scale, mem_scale)):
        out[r, :3] = np.sort(rng.gamma(2.0, scale / 4, (3, MAX_POINTS)), axis=0)
        out[r, 3] = np.where(np.arange(MAX_POINTS) < MAX_POINTS // 3, 1.5, 1.0) * now[r]
    out[:, :3, rng.random(MAX_POINTS) < 0.03] = np.nan
    return out


def _vm(i: int, rng: np.random.Generator) -> dict[str, Any]:
    cores = int(rng.choice([2, 4, 8, 16]))
    saving = round(float(rng.gamma(2.0, 30.0)), 3) * (-1 if i == 7 else 1)  # vm0007: upsize
    return {
        "server": f"vm{i:04d}", "server_key": f"key-vm{i:04d}", "instance": f"vm{i:04d}:9100",
        "cores": cores, "memory_gib": cores * 4.0, "cpu_stat_pct": 30.0, "cpu_max_pct": 80.0,
        "mem_stat_pct": 40.0, "mem_max_pct": 60.0, "covered_days": 14.0,
        "cpu_demand": cores * 0.4, "memory_demand_gib": cores * 2.0, "reason": "",
        "targets": [{
            "cloud": "aws", "region": "eu-west-1", "current_type": "m7i.2xlarge",
            "current_month": 300.0, "recommended_type": "m7i.large",
            "recommended_vcpus": max(1, cores // 2), "recommended_memory_gib": cores * 2.0,
            "recommended_month": 300.0 - saving, "saving_month": saving, "note": "",
        }],
    }  # fmt: skip


def _container(i: int, rng: np.random.Generator) -> dict[str, Any]:
    cpu, mem = float(rng.choice([0.5, 1.0, 2.0])), float(rng.choice([512.0, 1024.0, 4096.0]))
    return {
        "namespace": "shop", "container": f"c{i:04d}", "covered_days": 14.0,
        "cpu_max": cpu * 0.9, "memory_max_mib": mem * 0.7,
        "current": {"cpu_request": cpu, "cpu_limit": 2 * cpu,
                    "memory_request_mib": mem, "memory_limit_mib": mem},
        "recommended": {"cpu_request": round(cpu * float(rng.uniform(0.2, 1.0)), 3),
                        "cpu_limit": 2 * cpu, "memory_request_mib": mem * 0.8,
                        "memory_limit_mib": mem * 0.8},
        "reason": "", "flags": ["OOM kill under 512 MiB"] if i == 11 else [],
    }  # fmt: skip


def seed_run(root: Path, vms: int, containers: int, seed: int = 21) -> dict[str, Any]:
    """Store one optimize run of ``vms`` VMs and ``containers`` containers; its document."""
    from sqlalchemy import insert

    from skylift.workspace.tables_optimize import optimizations
    from skylift.workspace.usage_series import store_usage

    rng = np.random.default_rng(seed)
    vm_rows = [_vm(i, rng) for i in range(vms)]
    ct_rows = [_container(i, rng) for i in range(containers)]
    run_id = f"seed{seed:08d}"
    doc = {
        "run": run_id, "prometheus": "http://127.0.0.1:9090", "window_days": 14.0,
        "at": START + BUCKET_S * MAX_POINTS, "vms": vm_rows, "containers": ct_rows, "nodes": {},
        "totals": {"vms": vms, "vms_recommended": vms, "containers": containers,
                   "containers_recommended": containers, "flagged": 1,
                   "vm_saving_month": {}, "node_saving_month": None},
        "warnings": [], "files": {}, "elapsed_s": 1.0,
    }  # fmt: skip
    base = {"start": START, "bucket_s": BUCKET_S, "points": MAX_POINTS}
    rows = [
        {"kind": "vm", "key": v["server_key"], "score": vm_score(v),
         "data": encode(_series(rng, v["cores"] * 0.5, v["memory_gib"] * 0.5,
                                (v["cores"], v["memory_gib"]))), **base}
        for v in vm_rows
    ] + [
        {"kind": "container", "key": f"shop/{c['container']}", "score": container_score(c),
         "data": encode(_series(rng, c["current"]["cpu_request"],
                                c["current"]["memory_request_mib"] / 1024,
                                (c["current"]["cpu_request"],
                                 c["current"]["memory_request_mib"] / 1024))), **base}
        for c in ct_rows
    ]  # fmt: skip
    with Workspace.open(root) as ws, ws.store.engine.begin() as conn:
        conn.execute(
            insert(optimizations),
            [{"id": run_id, "created_at": datetime.now(UTC), "prometheus": doc["prometheus"],
              "window_days": 14.0, "vms": vms, "containers": containers, "result": doc}],
        )  # fmt: skip
        store_usage(conn, run_id, rows)
    return doc


def stored(root: Path, kind: str, key: str) -> tuple[float, int, np.ndarray]:
    """The oracle's read of one stored series: raw SQL, zlib and numpy float16."""
    import sqlite3

    with sqlite3.connect(root / ".skylift" / "state.db") as db:
        start, bucket, points, blob = db.execute(
            "select start, bucket_s, points, data from optimization_series "
            "where kind = ? and key = ?",
            (kind, key),
        ).fetchone()
    values = np.frombuffer(zlib.decompress(blob), dtype="<f2").astype(np.float64)
    return start, bucket, values.reshape(2, 4, points)
