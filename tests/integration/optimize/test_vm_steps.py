"""The VM figures computed client-side from the values at every step (#21) against
Prometheus' own subquery expressions (``vms.vm_queries``, the server-side plan) on the
real fixture: a counter reset (vm1), a 3-day host (vm6), window ends on and off the
step grid, the mean statistic, and one host per shard."""

from __future__ import annotations

import math

import numpy as np
import pytest

from skylift.optimize.prometheus import PrometheusClient
from skylift.optimize.settings import VmMetrics
from skylift.optimize.vm_steps import FIELDS, vm_step_figures
from skylift.optimize.vms import VmSelectors, collect_vms, vm_queries
from skylift.optimize.window import Window
from tests.integration.optimize.conftest import Estate


def _server(client: PrometheusClient, w: Window, q: float | None) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for field, expr in vm_queries(VmMetrics(), w, q, q).items():
        if field in FIELDS:
            for labels, points in client.instant(expr, w.end):
                if points and not math.isnan(points[-1][1]):
                    out.setdefault(labels["instance"], {})[field] = points[-1][1]
    return out


@pytest.mark.parametrize(("shift", "q"), [(0, 0.95), (-137, 0.95), (-60, None), (-300, 0.5)])
def test_vm_figures_equal_the_server_side_expressions(
    estate: Estate, shift: int, q: float | None
) -> None:
    client = PrometheusClient(estate.url)
    w = Window(estate.at + shift, 14)
    want = _server(client, w, q)
    assert {"vm1:9100", "vm6:9100"} <= set(want)
    sel = VmSelectors.of(VmMetrics())
    for budget in (1_000_000, 1):  # all hosts in one query; one host per query
        got = vm_step_figures(client, VmMetrics(), w, q, q, sel.idle, sel.total, sel.avail, budget)
        assert set(got) == set(want)
        for host, fields in want.items():
            assert set(got[host]) == set(fields), host
            for f, v in fields.items():
                assert got[host][f] == pytest.approx(v, rel=1e-9, abs=1e-9), (host, f)


def test_collect_vms_uses_them(estate: Estate) -> None:
    client = PrometheusClient(estate.url)
    w = Window(estate.at, 14)
    want = _server(client, w, 0.95)
    for u in collect_vms(client, VmMetrics(), w, 0.95, 0.95):
        for f, v in want.get(u.instance, {}).items():
            assert getattr(u, f) == pytest.approx(v, rel=1e-9, abs=1e-9), (u.instance, f)


def test_usage_buckets_from_the_figures_values_equal_their_own_queries(estate: Estate) -> None:
    """The VM usage series bucketed from the values the figures read (no query of their
    own) == collect_vm_series' range queries (itself tested against the subqueries)."""
    from skylift.optimize.series import CURRENT, VmBuckets, collect_vm_series, grid

    client = PrometheusClient(estate.url)
    w = Window(estate.at, 14)
    g = grid(w)
    buckets = VmBuckets(g, w.step_s)
    hosts = [u.instance for u in collect_vms(client, VmMetrics(), w, 0.95, 0.95, on_values=buckets)]
    want = collect_vm_series(client, VmMetrics(), w, g, hosts).values[:, :, :CURRENT]
    assert {"vm1:9100", "vm6:9100"} <= set(buckets.stats)
    for i, h in enumerate(hosts):
        got = buckets.stats.get(h)
        if got is None:
            assert np.isnan(want[i]).all(), h
        else:
            np.testing.assert_allclose(
                got, want[i], rtol=1e-6, atol=1e-6, equal_nan=True, err_msg=h
            )


@pytest.mark.parametrize("step_s", [420, 900, 3600])
def test_vm_figures_at_a_step_that_does_not_divide_the_peak(estate: Estate, step_s: int) -> None:
    """optimize.step_s allows 15-3600 s: a 10-minute peak then holds one or two steps, or
    none (#21 review: the peaks took a fixed 600 // step + 1 steps ending at or after the
    peak — a wrong statistic at 420 or 900 s, an IndexError at 3600 s)."""
    client = PrometheusClient(estate.url)
    w = Window(estate.at - 137, 14, step_s)
    want = _server(client, w, 0.95)
    sel = VmSelectors.of(VmMetrics())
    got = vm_step_figures(client, VmMetrics(), w, 0.95, 0.95, sel.idle, sel.total, sel.avail)
    assert set(got) == set(want)
    for host, fields in want.items():
        assert set(got[host]) == set(fields), host
        for f, v in fields.items():
            assert got[host][f] == pytest.approx(v, rel=1e-9, abs=1e-9), (host, f)
