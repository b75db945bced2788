"""Performance: the same load at source and target, compared against thresholds.

Each run is a Locust process (:mod:`skylift.verify.service.loadrun`); source
first, then target, so they do not compete for the client's CPU. The target
passes when its p95 is at most ``source p95 × p95_ratio + p95_slack_ms``, its
error rate at most the source's plus ``error_rate_delta``, and (when set) its
throughput at least ``source × throughput_ratio``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from skylift.errors import MissingDependencyError, ProviderError
from skylift.verify.service.endpoint import Endpoint
from skylift.verify.service.model import LoadComparison, LoadProfile, LoadStats, Thresholds


def _locust_available() -> bool:
    from importlib.util import find_spec

    return find_spec("locust") is not None


def drive(endpoint: Endpoint, profile: LoadProfile, cpus: str | None = None) -> LoadStats:
    """One load run against ``endpoint`` in a Locust process (``cpus``: taskset list)."""
    if not _locust_available():
        raise MissingDependencyError("locust", "load")
    job = {
        "url": endpoint.url,
        "paths": list(profile.paths),
        "users": profile.users,
        "duration_s": profile.duration_s,
        "rate": profile.rate,
        "timeout_s": profile.timeout_s,
    }
    cmd = [sys.executable, "-m", "skylift.verify.service.loadrun"]
    if cpus:
        cmd = ["taskset", "-c", cpus, *cmd]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run(
        cmd,
        input=json.dumps(job),
        capture_output=True,
        text=True,
        env=env,
        timeout=profile.duration_s + 60,
        check=False,
    )
    if proc.returncode != 0 or not proc.stdout.strip():
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1][:200]
        raise ProviderError(f"the load generator failed against {endpoint.url}: {last}")
    return LoadStats.model_validate(json.loads(proc.stdout.strip().splitlines()[-1]))


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
    """Drive the source, then the target, and compare."""
    return compare_load(drive(source, profile), drive(target, profile), profile, thresholds)
