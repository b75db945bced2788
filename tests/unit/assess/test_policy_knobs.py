"""Each sizing knob of the issue, by hand: statistics, memory statistic, CPU speed, exclusions."""

from __future__ import annotations

import numpy as np
import pytest

from skylift.assess.run import assess
from skylift.catalog.loader import Catalog
from skylift.errors import ConfigError
from tests.unit.assess.conftest import ALL, frame, hourly, policy, server

# 30 days of hourly samples cycling through 1..100 %: every statistic differs.
VALUES = [float(1 + (h * 37) % 100) for h in range(24 * 30)]


@pytest.mark.parametrize(
    ("name", "q"),
    [("avg", None), ("p50", 0.5), ("p90", 0.9), ("p95", 0.95), ("p99", 0.99), ("max", 1.0)],
)
def test_each_statistic_of_the_10_minute_peaks(
    catalog: Catalog, name: str, q: float | None
) -> None:
    rows = hourly("s", "cpu_pct", VALUES) + hourly("s", "mem_pct", VALUES)
    s = server("s", cores=100, memory_gib=100)
    p = policy(cpu_statistic=name, memory_statistic=name, headroom_factor=1.0)
    a = assess([s], [], frame(rows), catalog, p)
    expected = float(np.mean(VALUES)) if q is None else float(np.quantile(VALUES, q))
    assert a.sized("s").cpu_demand == pytest.approx(expected)  # 100 cores × pct / 100
    assert a.sized("s").memory_demand_gib == pytest.approx(expected)


def test_memory_has_its_own_statistic(catalog: Catalog) -> None:
    rows = hourly("s", "cpu_pct", VALUES) + hourly("s", "mem_pct", VALUES)
    p = policy(cpu_statistic="p50", memory_statistic="max", headroom_factor=1.0)
    a = assess([server("s", cores=100, memory_gib=100)], [], frame(rows), catalog, p)
    assert a.sized("s").cpu_demand == pytest.approx(float(np.quantile(VALUES, 0.5)))
    assert a.sized("s").memory_demand_gib == pytest.approx(100.0)


def test_cpu_speed_multiplier_scales_cores_not_memory(catalog: Catalog) -> None:
    s = server("s", cores=10, memory_gib=10, cpu_util_pct=50.0, mem_util_pct=50.0)
    p = policy(headroom_factor=1.0, cpu_speed_multiplier=0.8)
    a = assess([s], [], frame([]), catalog, p)
    assert a.sized("s").cpu_demand == pytest.approx(10 * 0.5 * 0.8)
    assert a.sized("s").memory_demand_gib == pytest.approx(5.0)


def test_excluded_families_must_exist_on_a_target_cloud(catalog: Catalog) -> None:
    s = server("s", cpu_util_pct=50.0, mem_util_pct=50.0)
    ok = assess([s], [], frame([]), catalog, policy(targets=ALL, exclude_families=("t2", "m5a")))
    assert not ok.targets["instance_type"].str.starts_with("m5a").any()
    with pytest.raises(ConfigError, match=r"exclude_families.*'m5x'") as err:
        assess([s], [], frame([]), catalog, policy(targets=ALL, exclude_families=("m5x",)))
    assert "skylift catalog show" in err.value.hint
