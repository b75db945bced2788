"""One read of the series serves sizing and the forecast, on several threads, unchanged."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from skylift.assess.forecast import DemandForecast, forecast_demand, forecast_storage
from skylift.assess.observed import ObservedSettings, PeakConsumer, series_statistics
from skylift.assess.run import assess, default_forecaster
from skylift.catalog.loader import Catalog
from skylift.domain.assessment import SizingBasis
from tests.unit.assess.conftest import SCHEMA, hourly, policy, server

KEYS = [f"s{i}" for i in range(6)]


def _rows() -> list[tuple[object, ...]]:
    """45 days of hourly CPU and memory: rising, falling, flat, noisy, short and gappy series."""
    rows: list[tuple[object, ...]] = []
    for i, key in enumerate(KEYS):
        hours = 24 * (5 if key == "s4" else 45)
        for metric, scale in (("cpu_pct", 1.0), ("mem_pct", 0.5)):
            slope = (0.04, -0.03, 0.0, 0.0, 0.01, 0.02)[i] * scale
            values = [
                20 + slope * h + 8 * math.sin(h / 24 * 2 * math.pi) + ((h * 7919 + i) % 13)
                for h in range(hours)
            ]
            series = hourly(key, metric, values)
            if key == "s5":
                series = series[::3] + series[:40]  # gaps and duplicates
            rows += series
        rows += hourly(key, "disk_read_iops", [100.0 + i] * hours)
        used = [50.0 + i * 10 + (0.5 * i) * (h // 24) + (h % 3) for h in range(hours)]
        rows += hourly(key, "disk_used_gib", used)
    return rows


def _parquet(tmp_path: Path) -> Path:
    path = tmp_path / "series.parquet"
    df = pl.DataFrame(_rows(), schema=SCHEMA, orient="row")
    df.sort("server_key", "metric", "ts").write_parquet(path, row_group_size=2_000)
    return path


def _fused(path: Path, streamed: bool, consumer: PeakConsumer) -> pl.DataFrame:
    """The consumer's rows from the sizing pass, in small chunks (streamed or lazy)."""
    stats = series_statistics(
        pl.scan_parquet(path),
        KEYS,
        ObservedSettings(chunk_rows=3_000, batch_servers=2),
        parquet_files=[path] if streamed else [],
        consumer=consumer,
    )
    return pl.concat([f for frames in stats.consumed.values() for f in frames])


@pytest.mark.parametrize("streamed", [True, False])
def test_forecast_from_the_sizing_pass_equals_forecast_demand(
    tmp_path: Path, streamed: bool
) -> None:
    path = _parquet(tmp_path)
    fc = DemandForecast()
    consumer = PeakConsumer(
        fc.history_days, {m: lambda r: fc.block(r, 0.95, 365, 7.0) for m in ("cpu_pct", "mem_pct")}
    )
    fused = _fused(path, streamed, consumer).sort("server_key", "metric")
    alone = forecast_demand(pl.scan_parquet(path), ["cpu_pct", "mem_pct"], 0.95, 365)
    assert_frame_equal(fused, alone)
    assert set(fused["method"]) == {"model", "observed-insufficient-history"}


def test_threads_and_chunking_do_not_change_the_statistics(tmp_path: Path) -> None:
    path = _parquet(tmp_path)
    results = [
        series_statistics(
            pl.scan_parquet(path),
            KEYS,
            ObservedSettings(chunk_rows=rows, threads=threads),
            parquet_files=[path],
        ).observed
        for rows, threads in ((10_000_000, 1), (3_000, 1), (3_000, 3))
    ]
    assert results[0].height == len(KEYS)
    for other in results[1:]:
        assert_frame_equal(other, results[0])


def test_assess_with_the_built_in_forecast_equals_a_separate_forecast_read(
    tmp_path: Path, catalog: Catalog
) -> None:
    path = _parquet(tmp_path)
    servers = [server(k, cores=16, memory_gib=64) for k in KEYS]

    def separate(*args: object) -> pl.DataFrame:
        return forecast_demand(*args)  # type: ignore[arg-type]

    p = policy(forecast_horizon_days=365)
    fused = assess(servers, [], pl.scan_parquet(path), catalog, p,
                   forecaster=default_forecaster(), parquet_files=[path])  # fmt: skip
    apart = assess(servers, [], pl.scan_parquet(path), catalog, p, forecaster=separate)
    assert_frame_equal(fused.servers, apart.servers)
    assert_frame_equal(fused.targets, apart.targets)
    assert fused.sized("s0").basis is SizingBasis.FORECAST  # rising: sized to the forecast
    assert fused.sized("s4").basis is SizingBasis.PERFORMANCE  # 5 days: too short


@pytest.mark.parametrize("streamed", [True, False])
def test_storage_forecast_from_the_sizing_pass_equals_forecast_storage(
    tmp_path: Path, streamed: bool
) -> None:
    path = _parquet(tmp_path)
    fc = DemandForecast()
    consumer = PeakConsumer(fc.history_days, {"disk_used_gib": lambda r: fc.storage_block(r, 365)})
    fused = _fused(path, streamed, consumer).sort("server_key")
    alone = forecast_storage(pl.scan_parquet(path), 365)
    assert_frame_equal(fused, alone)
    assert fused.filter(pl.col("server_key") == "s3")["growth_per_day"][0] > 1.0


def test_disks_grow_to_the_storage_forecast_and_never_shrink(
    tmp_path: Path, catalog: Catalog
) -> None:
    from skylift.domain.inventory import Disk

    path = _parquet(tmp_path)
    disks = (Disk(name="a", size_gib=100.0), Disk(name="b", size_gib=300.0))
    servers = [server(k, cores=16, memory_gib=64, disks=disks) for k in KEYS]
    p = policy(forecast_horizon_days=365)
    a = assess(servers, [], pl.scan_parquet(path), catalog, p,
               forecaster=default_forecaster(), parquet_files=[path])  # fmt: skip
    rows = {r["server_key"]: r for r in a.servers.iter_rows(named=True)}
    # s3 grows 1.5 GiB a day: 45 days of history, ~140 GiB used now → ~690 GiB in a year
    s3 = rows["s3"]
    assert s3["storage_demand_gib"] > 400 and s3["disk_growth"] == pytest.approx(
        s3["storage_demand_gib"] / 400.0
    )
    assert rows["s0"]["disk_growth"] == 1.0  # flat at ~50 GiB: disks stay at 400 GiB
    no_fc = assess(servers, [], pl.scan_parquet(path), catalog, p, parquet_files=[path])
    cost = {r["server_key"]: r["disk_month"] for r in a.targets.iter_rows(named=True)}
    before = {r["server_key"]: r["disk_month"] for r in no_fc.targets.iter_rows(named=True)}
    assert cost["s3"] > before["s3"] and cost["s0"] == before["s0"]
    assert any("storage forecast" in w for w in a.summary.warnings)


def test_storage_series_do_not_move_the_sizing_window_or_confidence(catalog: Catalog) -> None:
    from skylift.domain.inventory import Disk
    from tests.unit.assess.conftest import frame

    # CPU/memory stop after 30 days; disk usage goes on for 20 more days.
    rows = hourly("a", "cpu_pct", [40.0] * 24 * 30) + hourly("a", "mem_pct", [40.0] * 24 * 30)
    rows += hourly("a", "disk_used_gib", [10.0] * 24 * 50)
    rows += hourly("only", "disk_used_gib", [10.0 + h / 24 for h in range(24 * 20)])
    disk = (Disk(name="x", size_gib=100.0),)
    servers = [server("a", cores=10, memory_gib=10, disks=disk), server("only", disks=disk)]
    a = assess(servers, [], frame(rows), catalog, policy(headroom_factor=1.0),
               forecaster=default_forecaster())  # fmt: skip
    assert a.sized("a").cpu_demand == pytest.approx(4.0)  # the window ends at the last CPU sample
    assert a.sized("a").confidence_stars == 5
    # no sizing series: sized as on premises at the lowest confidence, no coverage warning
    assert a.sized("only").confidence_stars == 1
    assert not any("expected data points" in w for w in a.summary.warnings)
    only = a.servers.filter(pl.col("server_key") == "only").row(0, named=True)
    assert only["storage_demand_gib"] == pytest.approx(30.0 - 1 / 24 + 365, abs=0.5)


def test_disks_still_grow_when_the_demand_forecast_is_off(tmp_path: Path, catalog: Catalog) -> None:
    """Storage growth is a trend of used space, kept when the CPU/memory forecast is off."""
    from skylift.domain.inventory import Disk

    path = _parquet(tmp_path)
    disks = (Disk(name="a", size_gib=100.0), Disk(name="b", size_gib=300.0))
    servers = [server(k, cores=16, memory_gib=64, disks=disks) for k in KEYS]
    p = policy(forecast=False, forecast_horizon_days=365)
    a = assess(servers, [], pl.scan_parquet(path), catalog, p,
               forecaster=default_forecaster(), parquet_files=[path])  # fmt: skip
    rows = {r["server_key"]: r for r in a.servers.iter_rows(named=True)}
    assert rows["s3"]["disk_growth"] > 1.0 and rows["s0"]["disk_growth"] == 1.0
    assert a.sized("s0").basis is SizingBasis.PERFORMANCE  # rising, but no demand forecast
    with_fc = assess(servers, [], pl.scan_parquet(path), catalog,
                     policy(forecast=True, forecast_horizon_days=365),
                     forecaster=default_forecaster(), parquet_files=[path])  # fmt: skip
    grown = {
        r["server_key"]: r["storage_demand_gib"] for r in with_fc.servers.iter_rows(named=True)
    }
    assert rows["s3"]["storage_demand_gib"] == pytest.approx(grown["s3"])
