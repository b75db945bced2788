"""Sizing pinned to hand-computed examples (reference sizing.md) against the bundled catalog."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import polars as pl
import pytest

from skylift.assess.run import assess
from skylift.catalog.loader import Catalog
from skylift.domain.assessment import SizingBasis
from tests.unit.assess.conftest import T0, empty, frame, hourly, policy, server


def test_seed_case_100_cores_at_80_percent_is_80_cores_before_headroom(catalog: Catalog) -> None:
    s = server("seed", cores=100, memory_gib=400, cpu_util_pct=80.0, mem_util_pct=50.0)
    a = assess([s], [], empty(), catalog, policy(headroom_factor=1.0))
    sized = a.sized("seed")
    assert sized.cpu_demand == pytest.approx(80.0)
    assert sized.memory_demand_gib == pytest.approx(200.0)
    assert sized.basis is SizingBasis.SUMMARY
    assert sized.confidence_stars is None  # summary-only imports get no rating


@pytest.mark.parametrize(("factor", "expected"), [(1.0, 2.0), (2.0, 4.0)])
def test_ten_cores_at_20_percent(catalog: Catalog, factor: float, expected: float) -> None:
    s = server("s", cores=10, memory_gib=16, cpu_util_pct=20.0, mem_util_pct=20.0)
    a = assess([s], [], empty(), catalog, policy(headroom_factor=factor))
    assert a.sized("s").cpu_demand == pytest.approx(expected)


def test_four_cores_8gb_at_half_with_factor_1_3(catalog: Catalog) -> None:
    s = server("s", cores=4, memory_gib=8, cpu_util_pct=50.0, mem_util_pct=50.0)
    a = assess([s], [], empty(), catalog, policy(headroom_factor=1.3))
    assert a.sized("s").cpu_demand == pytest.approx(2.6)
    assert a.sized("s").memory_demand_gib == pytest.approx(5.2)
    rec = a.recommendations("s")[0]
    # cheapest AWS us-east-1 type with ≥ 2.6 vCPU and ≥ 5.2 GiB (non-burstable, x86_64)
    assert rec.vcpus is not None and rec.vcpus >= 2.6
    assert rec.memory_gib is not None and rec.memory_gib >= 5.2
    cheaper = catalog.offers("aws", "us-east-1", min_vcpus=2.6, min_memory_gib=5.2).filter(
        ~pl.col("burstable") & (pl.col("arch") == "x86_64")
    )
    assert rec.price_hour == pytest.approx(cheaper["price_hour"][0])


def _p95_series(key: str, pct: float) -> list[tuple[object, ...]]:
    rows = hourly(key, "cpu_pct", [pct] * 24 * 30)
    return rows + hourly(key, "mem_pct", [pct] * 24 * 30)


def test_sixteen_vcpu_at_p95_20_percent_factor_1_5_needs_an_8_vcpu_size(catalog: Catalog) -> None:
    s = server("big", cores=16, memory_gib=64)
    a = assess([s], [], frame(_p95_series("big", 20.0)), catalog, policy(headroom_factor=1.5))
    sized = a.sized("big")
    assert sized.cpu_demand == pytest.approx(4.8)
    assert sized.memory_demand_gib == pytest.approx(19.2)
    assert sized.basis is SizingBasis.PERFORMANCE
    assert sized.confidence_stars == 5
    rec = a.recommendations("big")[0]
    assert rec.vcpus == 8  # 4 is too small, sizes are discrete
    assert rec.instance_type == "m5a.2xlarge"  # 8 vCPU / 32 GiB at $0.344/h in the snapshot
    assert rec.compute_month == pytest.approx(0.344 * 730)


def test_ten_minute_peaks_feed_the_statistic() -> None:
    from skylift.assess.observed import ObservedSettings, observed_statistics

    # one day of minute samples, one spike per 10 minutes
    per_minute = [
        ("m", T0 + timedelta(minutes=i), "cpu_pct", 50.0 if i % 10 == 0 else 10.0)
        for i in range(24 * 60)
    ]
    obs = observed_statistics(
        frame(per_minute), ["m"], ObservedSettings(window_days=1, cpu_quantile=None)
    )
    assert obs["cpu_stat"][0] == pytest.approx(50.0)  # the mean of the 10-minute peaks
    assert obs["cpu_points"][0] == 144


def test_window_ignores_older_samples(catalog: Catalog) -> None:
    rows = hourly("w", "cpu_pct", [90.0] * 24 * 20 + [10.0] * 24 * 7)
    rows += hourly("w", "mem_pct", [10.0] * 24 * 27)
    s = server("w", cores=10, memory_gib=10)
    week = assess([s], [], frame(rows), catalog, policy(window_days=7, headroom_factor=1.0))
    month = assess([s], [], frame(rows), catalog, policy(window_days=30, headroom_factor=1.0))
    assert week.sized("w").cpu_demand == pytest.approx(1.0)
    assert month.sized("w").cpu_demand == pytest.approx(9.0)


def test_gaps_lower_confidence_and_warn(catalog: Catalog) -> None:
    values = [30.0] * (24 * 30)
    rows = [r for i, r in enumerate(hourly("g", "cpu_pct", values)) if i % 2 == 0]
    rows += [r for i, r in enumerate(hourly("g", "mem_pct", values)) if i % 2 == 0]
    # the interval is one hour (the estate's other server reports hourly)
    rows += hourly("full", "cpu_pct", values) + hourly("full", "mem_pct", values)
    a = assess([server("g"), server("full")], [], frame(rows), catalog, policy())
    assert a.sized("full").confidence_stars == 5
    assert a.sized("g").coverage_pct == pytest.approx(50.0, abs=1.0)
    assert a.sized("g").confidence_stars == 3
    assert any("less than 80 %" in w for w in a.summary.warnings)


def test_duplicates_are_merged_and_reported(catalog: Catalog) -> None:
    rows = hourly("d", "cpu_pct", [20.0] * 48) + hourly("d", "cpu_pct", [40.0] * 48)
    rows += hourly("d", "mem_pct", [20.0] * 48)
    a = assess([server("d", cores=10)], [], frame(rows), catalog, policy(headroom_factor=1.0))
    assert a.sized("d").cpu_demand == pytest.approx(4.0)  # the peak of each duplicate pair
    assert any("duplicate" in w for w in a.summary.warnings)


def test_as_is_uses_allocated(catalog: Catalog) -> None:
    s = server("a", cores=6, memory_gib=24, cpu_util_pct=10.0, mem_util_pct=10.0)
    a = assess([s], [], empty(), catalog, policy(method="as-is"))
    assert a.sized("a").cpu_demand == 6
    assert a.sized("a").memory_demand_gib == 24
    assert a.sized("a").basis is SizingBasis.AS_IS


def test_no_data_falls_back_to_allocated_with_a_note(catalog: Catalog) -> None:
    a = assess([server("n", cores=2, memory_gib=4)], [], empty(), catalog, policy())
    assert a.sized("n").basis is SizingBasis.AS_IS
    assert "no utilisation data" in a.sized("n").reason


def test_no_data_is_sized_as_on_premises_without_headroom_at_the_lowest_confidence(
    catalog: Catalog,
) -> None:
    """Issue 14: allocated x 1.3 headroom was labelled "as-is" (+36 % cost)."""
    a = assess([server("n", cores=4, memory_gib=16)], [], empty(), catalog, policy())
    s = a.sized("n")
    assert (s.cpu_demand, s.memory_demand_gib) == (4.0, 16.0)
    assert s.confidence_stars == 1
    assert "no headroom" in s.reason and "lowest confidence" in s.reason
    assert a.recommendations("n")[0].instance_type == "m5a.xlarge"  # 4 vCPU / 16 GiB
    assert any("no utilisation data" in w and "1★" in w for w in a.summary.warnings)
    measured = server("m", cores=4, memory_gib=16, cpu_util_pct=50.0, mem_util_pct=50.0)
    b = assess([measured], [], empty(), catalog, policy())
    assert b.sized("m").cpu_demand == pytest.approx(4 * 0.5 * 1.3)  # headroom on measured
    half = server("h", cores=4, memory_gib=16, cpu_util_pct=50.0)
    c = assess([half], [], empty(), catalog, policy())
    assert c.sized("h").memory_demand_gib == 16.0  # unmeasured memory: allocated, no headroom


@pytest.mark.parametrize(
    ("cores", "memory", "reason"),
    [(None, 8.0, "no cores"), (0, 8.0, "no cores"), (4, None, "no memory")],
)
def test_servers_without_cores_or_memory_say_why(
    catalog: Catalog, cores: int | None, memory: float | None, reason: str
) -> None:
    a = assess(
        [server("x", cores=cores, memory_gib=memory), server("ok")], [], empty(), catalog, policy()
    )
    rec = a.recommendations("x")[0]
    assert rec.instance_type is None
    assert reason in rec.not_sized_reason
    assert a.summary.not_sized == 1 and a.summary.sized == 1


def _fake_forecaster(
    samples: pl.LazyFrame, metrics: Sequence[str], q: float | None, horizon: int, min_hist: float
) -> pl.DataFrame:
    """Our own seam's contract (columns of skylift.assess.forecast.forecast_demand)."""
    keys = samples.select("server_key").unique().collect()["server_key"].to_list()
    return pl.DataFrame(
        [
            {"server_key": k, "metric": m, "observed": 20.0, "forecast": 40.0, "method": "test",
             "history_days": 30.0 if k == "long" else 3.0}
            for k in keys
            for m in metrics
        ]
    )  # fmt: skip


def test_forecast_is_used_only_with_enough_history(catalog: Catalog) -> None:
    rows = _p95_series("long", 20.0) + _p95_series("short", 20.0)
    servers = [server("long", cores=10, memory_gib=10), server("short", cores=10, memory_gib=10)]
    a = assess(
        servers, [], frame(rows), catalog, policy(headroom_factor=1.0), forecaster=_fake_forecaster
    )
    assert a.sized("long").cpu_demand == pytest.approx(4.0)
    assert a.sized("long").basis is SizingBasis.FORECAST
    assert a.sized("short").cpu_demand == pytest.approx(2.0)
    assert a.sized("short").basis is SizingBasis.PERFORMANCE


def test_empty_estate_is_an_input_error(catalog: Catalog) -> None:
    from skylift.errors import InputError

    with pytest.raises(InputError, match="empty"):
        assess([], [], empty(), catalog, policy())


def test_unknown_region_in_targets_is_a_config_error(catalog: Catalog) -> None:
    from skylift.assess.policy import TargetRegion
    from skylift.errors import ConfigError

    bad = (TargetRegion(cloud="aws", region="mars-east-1"),)
    with pytest.raises(ConfigError, match=r"mars-east-1.*valid: ap-northeast-1, ap-south-1"):
        assess([server("s")], [], empty(), catalog, policy(targets=bad))


def test_streamed_parquet_and_lazy_frame_paths_agree(tmp_path: object) -> None:
    """The row-group streaming path (clustered files) equals the generic Polars path."""
    from pathlib import Path

    from skylift.assess.observed import ObservedSettings, observed_statistics

    rows = []
    for i, key in enumerate(("a", "b", "c")):
        for metric in ("cpu_pct", "mem_pct", "disk_read_iops", "disk_write_iops"):
            rows += hourly(key, metric, [float((h * (i + 3)) % 97) for h in range(24 * 40)])
    rows += hourly("b", "cpu_pct", [99.0] * 5)  # duplicates of b's first hours
    path = Path(str(tmp_path)) / "s.parquet"
    df = pl.DataFrame(rows, schema=["server_key", "ts", "metric", "value"], orient="row")
    df.sort("server_key", "metric", "ts").write_parquet(path, row_group_size=500)
    settings = ObservedSettings(window_days=30, cpu_quantile=0.95, memory_quantile=0.5)
    lazy = observed_statistics(pl.scan_parquet(path), ["a", "b", "c"], settings)
    streamed = observed_statistics(
        pl.scan_parquet(path), ["a", "b", "c"], settings, parquet_files=[path]
    )
    assert streamed.sort("server_key").equals(lazy.sort("server_key"))
    assert streamed.filter(pl.col("server_key") == "b")["duplicates"][0] == 5
    assert streamed["disk_iops_points"].to_list() == [720, 720, 720]
