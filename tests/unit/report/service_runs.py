"""A stored ``skylift verify service`` run for the report tests: the verifier's own values
(load figures summarised by its load runner, findings made by its rule table), stored
through the workspace's store call — no server is needed to put it in the report."""

from __future__ import annotations

from pathlib import Path

from skylift.domain.findings import Severity
from skylift.verify.service.findings import finding
from skylift.verify.service.loadrun import summarise
from skylift.verify.service.model import (
    CheckOutcome,
    LoadComparison,
    LoadProfile,
    LoadStats,
    ServiceVerification,
    Thresholds,
)
from skylift.workspace import Workspace

#: latencies (ms) of the source (fast) and the target (a slow tail)
SOURCE_MS = [1.0 + (i % 7) * 0.5 for i in range(400)]
TARGET_MS = [2.0 + (i % 9) * 1.5 for i in range(380)] + [150.0] * 20


def verification(started_at: str = "2026-12-07T02:00:00+00:00") -> ServiceVerification:
    """A failing run: slower target, one failed check, two findings."""
    source = LoadStats.model_validate(summarise("http://old/", SOURCE_MS, 0, {}, 2.0))
    target = LoadStats.model_validate(summarise("http://new/", TARGET_MS, 8, {"reset": 8}, 4.0))
    load = LoadComparison(
        profile=LoadProfile(),
        thresholds=Thresholds(),
        source=source,
        target=target,
        passed=False,
        problems=("p95 20.8 ms exceeds the source's 4.0 ms × 1.1 + 2 ms",),
    )
    checks = (
        CheckOutcome(name="GET /", kind="http", passed=True, origin="compose"),
        CheckOutcome(
            name="GET /api/items", kind="http", passed=False,
            problems=("status 200 → 500",), origin="checks.yaml:4",
        ),
    )  # fmt: skip
    findings = (
        finding("SKY-VERIFY-TLS-PROTOCOL", Severity.HIGH, "new:8443", "TLS 1.0 accepted"),
        finding("SKY-VERIFY-TLS-HOSTNAME", Severity.MEDIUM, "new:8443", "name mismatch"),
    )
    return ServiceVerification(
        source="http://old", target="http://new", functional=checks, performance=load,
        findings=findings, started_at=started_at, elapsed_s=7.0,
    )  # fmt: skip


def store_run(root: Path, result: ServiceVerification | None = None) -> None:
    """Store ``result`` (default :func:`verification`) in the workspace at ``root``."""
    from skylift.workspace.verifying import _store

    with Workspace.open(root) as ws:
        _store(ws, result or verification(), ())
