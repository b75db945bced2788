"""The load generator's process: Locust (as a library) drives one URL and prints
the measurements as JSON. Run as ``python .../verify/service/loadrun.py`` (it
imports nothing of skylift)
with the jobs as JSON on stdin (``{"jobs": [...], "together": true}``: run in the
same time window, else one after the other).

Locust runs on gevent, which patches the standard library when imported; it
therefore runs in a process of its own and never inside the CLI or the test
runner. Latency percentiles are computed over every request's own time
(Locust's stats round times under 100 ms to whole milliseconds, too coarse
for a local service).
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

#: latency histogram bounds (ms) for the report's charts
BUCKETS = (0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, float("inf"))
#: distinct error texts kept
ERROR_KINDS = 20


def _percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return 0.0
    rank = q * (len(ordered) - 1)
    lo = int(rank)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (rank - lo)


def summarise(
    url: str, times: list[float], failures: int, errors: dict[str, int], elapsed: float
) -> dict[str, Any]:
    """The JSON of a :class:`~skylift.verify.service.model.LoadStats`."""
    ordered = sorted(times)
    n = len(ordered)
    hist: list[list[float]] = []
    i = 0
    for bound in BUCKETS:
        count = 0
        while i < n and ordered[i] <= bound:
            count += 1
            i += 1
        hist.append([bound if bound != float("inf") else 1e12, count])
    return {
        "url": url,
        "requests": n,
        "failures": failures,
        "elapsed_s": elapsed,
        "p50_ms": _percentile(ordered, 0.50),
        "p95_ms": _percentile(ordered, 0.95),
        "p99_ms": _percentile(ordered, 0.99),
        "mean_ms": sum(ordered) / n if n else 0.0,
        "throughput": n / elapsed if elapsed > 0 else 0.0,
        "error_rate": failures / n if n else 0.0,
        "errors": errors,
        "histogram": hist,
    }


class Recorder:
    """Every request's time and failure of one job, from the end of the warm-up."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.errors: dict[str, int] = {}
        self.failures = 0

    def reset(self) -> None:
        """Forget the warm-up."""
        self.times, self.errors, self.failures = [], {}, 0

    def on_request(self, response_time: float, exception: BaseException | None, **_: Any) -> None:
        """Locust's request event."""
        self.times.append(response_time)
        if exception is not None:
            self.failures += 1
            text = (str(exception) or type(exception).__name__).splitlines()[0][:120]
            if text in self.errors or len(self.errors) < ERROR_KINDS:
                self.errors[text] = self.errors.get(text, 0) + 1


def _start(job: dict[str, Any], recorder: Recorder) -> Any:
    """A Locust local runner driving ``job['url']``, started."""
    from locust import FastHttpUser, constant, constant_throughput, task
    from locust.env import Environment

    paths: list[str] = list(job["paths"])
    users = int(job["users"])
    rate = job.get("rate")

    class Driver(FastHttpUser):
        host = job["url"].rstrip("/")
        network_timeout = float(job.get("timeout_s", 10.0))
        connection_timeout = float(job.get("timeout_s", 10.0))
        # each task requests every path once: ``rate`` counts requests, not tasks
        wait_time = constant_throughput(rate / users / len(paths)) if rate else constant(0)

        @task
        def hit(self) -> None:
            for path in paths:
                self.client.request("GET", path, name=path)

    env = Environment(user_classes=[Driver])
    runner = env.create_local_runner()
    # Only our recorder listens: Locust's own statistics (which the runner registers,
    # unused here) cost a third of the client's CPU (2,611 vs 1,765 req/s measured
    # back to back). EventHook has no public "remove all"; locust is pinned (==2.47.0)
    # and tests/unit/verify/test_loadrun.py checks this shape.
    env.events.request._handlers = [recorder.on_request]
    runner.start(users, spawn_rate=max(users, 1000))
    return runner


def run(jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drive every job's URL with its users for ``duration_s``, all in the same window
    (after a common warm-up: connections and TLS handshakes are not measured)."""
    import gevent  # type: ignore[import-untyped]

    recorders = [Recorder() for _ in jobs]
    runners = [_start(job, rec) for job, rec in zip(jobs, recorders, strict=True)]
    gevent.sleep(max(float(job.get("warmup_s", 0.5)) for job in jobs))
    for rec in recorders:
        rec.reset()
    start = time.perf_counter()
    gevent.sleep(max(float(job["duration_s"]) for job in jobs))
    elapsed = time.perf_counter() - start
    done = [(list(r.times), r.failures, dict(r.errors)) for r in recorders]
    for runner in runners:
        runner.quit()
    return [
        summarise(job["url"], times, failures, errors, elapsed)
        for job, (times, failures, errors) in zip(jobs, done, strict=True)
    ]


def main() -> None:
    """Read the jobs from stdin, print their measurements (a JSON list) on stdout."""
    import logging

    logging.disable(logging.CRITICAL)  # Locust logs each failure; the summary has them
    request = json.loads(sys.stdin.read())
    jobs = request["jobs"]
    found = run(jobs) if request.get("together") else [x for job in jobs for x in run([job])]
    sys.stdout.write(json.dumps(found) + "\n")


if __name__ == "__main__":
    main()
