"""Client-side CPU day quantiles vs Prometheus' own subqueries, on awkward series (#21).

A small real Prometheus holds container CPU counters with several pods per
container (a replica replaced halfway: pod churn), a counter reset, scrape
gaps, label values with regex and quote characters, and two namespaces. The
oracle is the first query plan (``quantile_over_time`` / ``max_over_time`` over
``[1d:5m]`` subqueries of ``max by (namespace, container) (rate(...))``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from skylift.optimize import cpu_days as plan
from skylift.optimize.prometheus import PrometheusClient
from skylift.optimize.settings import ContainerMetrics
from skylift.optimize.testing.server import PrometheusServer
from skylift.optimize.testing.server_plan import server_cpu_days
from skylift.optimize.window import Window

STEP = 300
N = 15 * 288  # 15 days of 5-minute samples
PODS = [  # namespace, container, pod, first sample, last sample (exclusive), reset at
    ("shop", "web", "web-0", 0, N // 2, None),
    ("shop", "web", "web-1", N // 2 - 12, N, None),  # the replacement overlaps one hour
    ("shop", "api.v2+", "api-0", 0, N, N // 3),  # a restart: the counter resets
    ('team"x', "a|b", "ab-0", 2 * 288, N, None),  # starts on day 2; quote and bar in labels
    ("team-y", "gappy", "g-0", 0, N, None),  # scrape gaps below
]


@pytest.fixture(scope="module")
def prom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, float]]:
    root = tmp_path_factory.mktemp("cpu-plan")
    at = float(int(time.time()) // STEP * STEP)
    t = at - 60 - STEP * np.arange(N - 1, -1, -1, dtype=np.float64)
    rng = np.random.default_rng(7)
    lines = ["# TYPE container_cpu_usage_seconds counter"]
    for ns, c, pod, a, b, reset in PODS:
        cores = rng.gamma(2.0, 0.4, N) * (1 + 0.5 * np.sin(t / 86400 * 2 * np.pi))
        total = np.cumsum(cores * STEP)
        if reset is not None:
            total[reset:] -= total[reset - 1]
        keep = np.zeros(N, dtype=bool)
        keep[a:b] = True
        if c == "gappy":
            keep &= rng.random(N) > 0.3
            keep[1000:1100] = False  # 8 hours without samples
        esc = ns.replace('"', '\\"')
        head = f'container_cpu_usage_seconds_total{{namespace="{esc}",pod="{pod}",container="{c}"}}'
        lines += [f"{head} {v:.3f} {s:.0f}" for s, v in zip(t[keep], total[keep], strict=True)]
    om = root / "cpu.om"
    om.write_text("\n".join([*lines, "# EOF", ""]))
    server = PrometheusServer(root / "prom")
    server.backfill(om)
    server.start()
    try:
        yield server.url, at
    finally:
        server.remove()


@pytest.mark.parametrize("shift", [0.0, 123.4])
def test_day_quantiles_equal_prometheus_subqueries(
    prom: tuple[str, float], shift: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, at = prom
    monkeypatch.setattr(plan, "POINTS_PER_QUERY", 2 * N)  # two containers per shard
    monkeypatch.setattr(plan, "MAX_STEPS", 1500)  # three time chunks
    monkeypatch.setattr(plan, "SHARDS_AHEAD", 1)  # the queue refills as shards are folded
    client = PrometheusClient(url)
    m = ContainerMetrics()
    w = Window(at + shift, 14)
    day_ends = w.end - 86400 * np.arange(13, -1, -1, dtype=np.float64)
    shards = plan.cpu_shards(client, m, plan.step_grid(day_ends, w.step_s))
    assert len(shards) == 3  # shop: its 2 containers in one shard; one per other namespace
    with ThreadPoolExecutor(4) as pool:
        got = plan.cpu_days(client, m, w, day_ends, pool, shards)
    want = server_cpu_days(client, m, w, day_ends)
    assert set(got) == set(want) == {(ns, c) for ns, c, *_ in PODS}
    for key, days in want.items():
        np.testing.assert_allclose(got[key], days, rtol=1e-9, atol=1e-12, equal_nan=True)
    # the late starter has no data on its first day; the churned web is never empty
    assert np.isnan(got[('team"x', "a|b")][0]).all()
    assert not np.isnan(got[("shop", "web")]).any()


def test_bad_input_on_the_client_side_plan(prom: tuple[str, float]) -> None:
    """An unreachable server and a selector Prometheus rejects stay one-line errors with
    hints (the query timeout shares the client's path: test_optimize.py, on heavier data —
    queries on these few series can finish inside Prometheus' 1 ms minimum)."""
    from skylift.errors import InputError, ProviderError
    from skylift.optimize.containers import collect_containers

    url, at = prom
    w = Window(at, 14)
    with pytest.raises(ProviderError, match="unreachable") as down:
        collect_containers(PrometheusClient("http://127.0.0.1:9"), ContainerMetrics(), w)
    assert "--prometheus" in down.value.hint
    with pytest.raises(InputError, match="rejected"):
        collect_containers(PrometheusClient(url), ContainerMetrics(selector="container=~'("), w)
