"""skylift.yaml ``assess:`` and ``tco:`` sections, and SKYLIFT_ASSESS__/SKYLIFT_TCO__ overrides,
change the assessment (through policy_from_settings, as the CLI does)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from skylift.assess.result import Assessment
from skylift.assess.run import assess, default_forecaster
from skylift.catalog.loader import Catalog
from skylift.domain.assessment import AssessSettings, SizingBasis, TcoAssumptions
from skylift.domain.imports import ImportBatch
from skylift.errors import ConfigError
from skylift.workspace import Workspace
from skylift.workspace.assessments import AssessmentStore, policy_from_settings
from skylift.workspace.settings import Settings, load_settings
from tests.helpers import run_cli
from tests.unit.assess.conftest import T0, frame, hourly, server

AWS_ONLY = "targets:\n  - cloud: aws\n    regions: [us-east-1]\n"
ENERGY_PER_CORE_PER_KWH_PRICE = 0.009 * 2.0 * 1.8 * 8760  # kW × load × PUE × hours


def _settings(tmp_path: Path, text: str = "", env: dict[str, str] | None = None) -> Settings:
    cfg = tmp_path / "skylift.yaml"
    cfg.write_text(AWS_ONLY + text, encoding="utf-8")
    return load_settings(cfg, environ=env or {})


def _run(settings: Settings, catalog: Catalog, rows: list[tuple[object, ...]]) -> Assessment:
    servers = [server(k, cores=4, memory_gib=16) for k in sorted({str(r[0]) for r in rows})]
    return assess(servers, [], frame(rows), catalog, policy_from_settings(settings),
                  forecaster=default_forecaster())  # fmt: skip


def _quiet(key: str, pct: float, days: int = 14) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for metric in ("cpu_pct", "mem_pct"):
        rows += hourly(key, metric, [pct] * 24 * days)
    return rows + hourly(key, "net_out_mbps", [0.5] * 24 * days)


def test_template_sections_are_the_defaults_and_list_every_key(tmp_path: Path) -> None:
    from skylift.workspace.template import render

    text = render("acme")
    cfg = tmp_path / "skylift.yaml"
    cfg.write_text(text, encoding="utf-8")
    s = load_settings(cfg, environ={})
    assert s.assess == AssessSettings()
    assert s.tco == TcoAssumptions()
    assert policy_from_settings(s).forecast_horizon_days == 365
    for model in (AssessSettings, TcoAssumptions, *(type(v) for v in dict(s.assess).values())):
        for name in getattr(model, "model_fields", {}):
            assert f"  {name}:" in text, name


@pytest.mark.parametrize(
    ("yaml_text", "env", "expected"),
    [
        ("", {}, "active"),  # 20 % CPU and memory: above the 5 % defaults
        ("assess:\n  classes: {idle_cpu_pct: 30, idle_mem_pct: 30}\n", {}, "idle"),
        (
            "",
            {
                "SKYLIFT_ASSESS__CLASSES__IDLE_CPU_PCT": "30",
                "SKYLIFT_ASSESS__CLASSES__IDLE_MEM_PCT": "30",
            },
            "idle",
        ),
        # env beats the file: CPU limit back down to 10 % → active again
        (
            "assess:\n  classes: {idle_cpu_pct: 30, idle_mem_pct: 30}\n",
            {"SKYLIFT_ASSESS__CLASSES__IDLE_CPU_PCT": "10"},
            "active",
        ),
    ],
)
def test_class_thresholds_come_from_yaml_and_env(
    tmp_path: Path, catalog: Catalog, yaml_text: str, env: dict[str, str], expected: str
) -> None:
    a = _run(_settings(tmp_path, yaml_text, env), catalog, _quiet("s", 20.0))
    assert a.servers["utilisation_class"].to_list() == [expected]
    if expected == "idle":
        choice = a.strategies["s"]
        reasons = [o.reason for o in (choice.preferred, *choice.alternatives)]
        assert any(r.startswith("idle: below 30 % CPU, 30 % memory") for r in reasons), reasons


def test_tco_assumptions_come_from_yaml_and_env(tmp_path: Path, catalog: Catalog) -> None:
    rows = _quiet("s", 20.0)
    base = _run(_settings(tmp_path), catalog, rows).summary.tco[0]
    dear = _run(_settings(tmp_path, "tco:\n  energy_price_kwh: 1.12\n"), catalog, rows)
    # one 4-core server: energy = 4 × 0.009 kW × 2.0 × 1.8 × 8,760 h × price
    delta = dear.summary.tco[0].on_prem_annual - base.on_prem_annual
    assert delta == pytest.approx(4 * ENERGY_PER_CORE_PER_KWH_PRICE * 1.0, abs=0.02)
    env = {"SKYLIFT_TCO__MIGRATION_COST_PER_SERVER": "1e9", "SKYLIFT_TCO__RAMP": "[1, 1, 1]"}
    costly = _run(_settings(tmp_path, env=env), catalog, rows).summary.tco[0]
    assert costly.payback_years is None  # a billion per server never pays back in 5 years
    assert [y.migrated_share for y in costly.years] == [1.0] * 5


def test_bad_tco_or_assess_value_is_a_config_error_naming_the_field(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"tco\.hw_depreciation_years"):
        _settings(tmp_path, "tco:\n  hw_depreciation_years: 0\n")
    with pytest.raises(ConfigError, match=r"assess\.classes\.idle_cpu_pct"):
        _settings(tmp_path, env={"SKYLIFT_ASSESS__CLASSES__IDLE_CPU_PCT": "150"})


def _trending(key: str) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for metric in ("cpu_pct", "mem_pct"):
        rows += hourly(key, metric, [10 + 0.5 * (h // 24) + (h % 5) for h in range(24 * 40)])
    return rows


@pytest.mark.parametrize(
    ("yaml_text", "env", "basis"),
    [
        # Off by default (issue 14: not cheaper at equal safety on real traces).
        ("", {}, SizingBasis.PERFORMANCE),
        ("assess:\n  forecast: {enabled: true}\n", {}, SizingBasis.FORECAST),  # rises 0.5/day
        ("", {"SKYLIFT_ASSESS__FORECAST__ENABLED": "true"}, SizingBasis.FORECAST),
        (
            "assess:\n  forecast: {enabled: true, min_history_days: 60}\n",
            {},
            SizingBasis.PERFORMANCE,
        ),
        (
            "",
            {
                "SKYLIFT_ASSESS__FORECAST__ENABLED": "true",
                "SKYLIFT_ASSESS__FORECAST__HORIZON_MONTHS": "0",
            },
            SizingBasis.PERFORMANCE,
        ),
    ],
)
def test_forecast_switch_and_history_come_from_yaml_and_env(
    tmp_path: Path, catalog: Catalog, yaml_text: str, env: dict[str, str], basis: SizingBasis
) -> None:
    a = _run(_settings(tmp_path, yaml_text, env), catalog, _trending("t"))
    assert a.sized("t").basis is basis
    no_forecast = any("no demand forecast" in w for w in a.summary.warnings)
    assert no_forecast is (basis is SizingBasis.PERFORMANCE and "min_history" not in yaml_text)


def test_horizon_new_key_wins_over_the_older_sizing_key(tmp_path: Path) -> None:
    legacy = _settings(tmp_path, "sizing:\n  forecast_horizon_months: 6\n")
    assert policy_from_settings(legacy).forecast_horizon_days == 182
    both = _settings(
        tmp_path,
        "sizing:\n  forecast_horizon_months: 6\nassess:\n  forecast:\n    horizon_months: 3\n",
    )
    assert policy_from_settings(both).forecast_horizon_days == 91
    env = {"SKYLIFT_ASSESS__FORECAST__HORIZON_MONTHS": "24"}
    assert policy_from_settings(_settings(tmp_path, env=env)).forecast_horizon_days == 730


def test_confidence_warning_threshold_and_egress_share(tmp_path: Path, catalog: Catalog) -> None:
    rows = _quiet("gappy", 20.0)[::2]  # every other hour: ~50 % of the expected points
    default = _run(_settings(tmp_path), catalog, rows)
    assert any("less than 80 % of the expected" in w for w in default.summary.warnings)
    lenient = _run(_settings(tmp_path, "assess:\n  confidence_warn_pct: 40\n"), catalog, rows)
    assert not any("expected data points" in w for w in lenient.summary.warnings)
    env = {"SKYLIFT_ASSESS__EGRESS_SHARE_PCT": "100"}
    everything = _run(_settings(tmp_path, env=env), catalog, rows)
    ratio = everything.servers["egress_gb_month"][0] / default.servers["egress_gb_month"][0]
    assert ratio == pytest.approx(10.0)


def test_cli_forecast_flags_are_recorded_with_the_run(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace.store.apply_import(
        ImportBatch(format="test", files=(), servers=(server("t", cores=4, memory_gib=16),)), T0
    )
    perf = workspace.root / "perf.parquet"
    pl.DataFrame(
        _trending("t"), schema=["server", "timestamp", "metric", "value"], orient="row"
    ).write_parquet(perf)
    workspace.discover("perf", [perf])
    root = str(workspace.root)
    monkeypatch.setenv("SKYLIFT_ASSESS__CLASSES__IDLE_CPU_PCT", "99")
    monkeypatch.setenv("SKYLIFT_ASSESS__CLASSES__IDLE_MEM_PCT", "99")
    on = json.loads(
        run_cli("--workspace", root, "assess", "--json", "--clouds", "aws", "--forecast").stdout
    )
    assert on["servers"][0]["basis"] == "forecast"
    assert on["servers"][0]["utilisation_class"] == "idle"  # env reached the CLI run
    r = run_cli("--workspace", root, "assess", "--json", "--clouds", "aws")  # off by default
    assert json.loads(r.stdout)["servers"][0]["basis"] == "performance"
    r = run_cli("--workspace", root, "assess", "--json", "--clouds", "aws", "--horizon", "1")
    assert r.code == 0, r.stderr
    ws = Workspace.open(workspace.root)
    try:
        store = AssessmentStore(ws)
        runs = {run.id: run for run in store.list()}
        assert len(runs) == 3
        diff = store.compare(1, 2).settings_diff
        assert any("enabled" in line for line in diff), diff
        assert any("horizon_months" in line for line in store.compare(1, 3).settings_diff)
    finally:
        ws.close()
