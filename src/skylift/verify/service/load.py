"""Performance: the same load at source and target, compared against thresholds.

Both runs are made by one Locust process (:mod:`skylift.verify.service.loadrun`),
by default in the same time window (``together``: a noisy client machine slows
both alike), or source first, then target (``together: false``). The target
passes when its p95 is at most ``source p95 × p95_ratio + p95_slack_ms``, its
error rate at most the source's plus ``error_rate_delta``, and (when set) its
throughput at least ``source × throughput_ratio``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from skylift.errors import MissingDependencyError, ProviderError
from skylift.verify.service.endpoint import Endpoint
from skylift.verify.service.model import LoadComparison, LoadProfile, LoadStats, Thresholds


def _locust_available() -> bool:
    from importlib.util import find_spec

    return find_spec("locust") is not None


def drive(
    endpoints: list[Endpoint], profile: LoadProfile, cpus: str | None = None
) -> list[LoadStats]:
    """Load runs against each endpoint in turn, in one Locust process (``cpus``: taskset)."""
    if not _locust_available():
        raise MissingDependencyError("locust", "load")
    jobs = [
        {
            "url": endpoint.url,
            "paths": list(profile.paths),
            "users": profile.users,
            "duration_s": profile.duration_s,
            "rate": profile.rate,
            "timeout_s": profile.timeout_s,
            "warmup_s": profile.warmup_s,
        }
        for endpoint in endpoints
    ]
    # run by path: ``-m`` would import skylift.verify (and the data mover) first
    cmd = [sys.executable, str(Path(__file__).with_name("loadrun.py"))]
    if cpus:
        cmd = ["taskset", "-c", cpus, *cmd]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    budget = len(jobs) * (profile.warmup_s + profile.duration_s + profile.timeout_s) + 60
    # taskset/cpus: benchmarks pin the client away from the server
    proc = subprocess.run(
        cmd,
        input=json.dumps({"jobs": jobs, "together": profile.together}),
        capture_output=True,
        text=True,
        env=env,
        timeout=budget,
        check=False,
    )
    if proc.returncode != 0 or not proc.stdout.strip():
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1][:200]
        urls = ", ".join(e.url for e in endpoints)
        raise ProviderError(f"the load generator failed against {urls}: {last}")
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    return [LoadStats.model_validate(item) for item in found]


def compare_load(
    source: LoadStats, target: LoadStats, profile: LoadProfile, thresholds: Thresholds
) -> LoadComparison:
    """The verdict of two runs under ``thresholds``."""
    problems: list[str] = []
    limit = source.p95_ms * thresholds.p95_ratio + thresholds.p95_slack_ms
    if target.p95_ms > limit:
        problems.append(
            f"p95 {target.p95_ms:.1f} ms above {limit:.1f} ms "
            f"(source {source.p95_ms:.1f} ms × {thresholds.p95_ratio:g} "
            f"+ {thresholds.p95_slack_ms:g} ms)"
        )
    if target.error_rate > source.error_rate + thresholds.error_rate_delta:
        problems.append(
            f"error rate {target.error_rate:.2%} above the source's {source.error_rate:.2%}"
        )
    if target.requests == 0:
        problems.append("no request completed on the target")
    if thresholds.throughput_ratio is not None:
        floor = source.throughput * thresholds.throughput_ratio
        if target.throughput < floor:
            problems.append(f"throughput {target.throughput:.0f}/s below {floor:.0f}/s")
    return LoadComparison(
        profile=profile,
        thresholds=thresholds,
        source=source,
        target=target,
        passed=not problems,
        problems=tuple(problems),
    )


def run_load(
    source: Endpoint, target: Endpoint, profile: LoadProfile, thresholds: Thresholds
) -> LoadComparison:
    """Drive source and target and compare; with ``profile.confirm`` a failure is
    measured again and only a second failure stands."""

    def measure() -> LoadComparison:
        measured_source, measured_target = drive([source, target], profile)
        return compare_load(measured_source, measured_target, profile, thresholds)

    first = measure()
    if first.passed or not profile.confirm:
        return first
    return measure().model_copy(update={"remeasured": True})
