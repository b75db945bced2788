"""The application layer the CLI calls: flag parsing and request handling moved out of
the commands, tested here without the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from skylift.domain.cloud import Cloud
from skylift.domain.findings import (
    Category,
    Finding,
    Location,
    ScanResult,
    ScanSummary,
    Severity,
)
from skylift.domain.target import GenerateResult, TargetSpec
from skylift.domain.transfer import TransferResult
from skylift.errors import ConfigError, InputError
from skylift.workspace.assessing import AssessFlags, parse_rates, parse_targets
from skylift.workspace.catalogs import CatalogListing, CatalogOverview, CatalogQuery, show_catalog
from skylift.workspace.core import Workspace, create_workspace
from skylift.workspace.deciding import DecideRequest, decide, parse_option, parse_weights
from skylift.workspace.generating import (
    GenerateRequest,
    check_failure,
    generate_target,
    parse_cloud,
    parse_kinds,
)
from skylift.workspace.packing import PackRequest, read_workloads
from skylift.workspace.planning import PlanRequest
from skylift.workspace.scanning import ScanOutcome, parse_severity
from skylift.workspace.transferring import (
    TransferRequest,
    VerifyRequest,
    transfer_data,
    verify_copy,
    workspace_context,
)

# ---- plan decide ------------------------------------------------------------


def test_option_accepts_risk_words_numbers_hours_and_dollars() -> None:
    a = parse_option("blue-green:6h:$900:low")
    assert (a.name, a.time_hours, a.cost, a.risk) == ("blue-green", 6.0, 900.0, 1.0)
    assert parse_option("C:1:100:HIGH").risk == 3.0
    assert parse_option("D:1:100:2.5").risk == 2.5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("A:2:200", "expected NAME:HOURS:COST:RISK"),
        ("A:2:200:low:x", "expected NAME:HOURS:COST:RISK"),
        ("A:two:200:low", "must be numbers"),
        ("A:2:200:extreme", "must be numbers"),
    ],
)
def test_a_bad_option_names_itself(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        parse_option(text)
    assert repr(text) in info.value.message
    assert info.value.hint


def test_weights_parse_and_a_bad_part_is_named() -> None:
    assert parse_weights("time=1,cost=0.5,risk=2") == {"time": 1.0, "cost": 0.5, "risk": 2.0}
    with pytest.raises(InputError, match="'risk=x' is not NAME=NUMBER"):
        parse_weights("time=1,risk=x")


def test_decide_without_options_is_an_input_error() -> None:
    with pytest.raises(InputError, match="no options given"):
        decide(DecideRequest())


def test_decide_keeps_input_order_and_sweeps_the_risk_weight() -> None:
    d = decide(DecideRequest(options=("A:2:200:low", "C:1:100:high"), max_risk=2))
    assert [o.name for o in d.options] == ["A", "C"]
    assert d.choice.chosen == "A"  # C is above the risk limit
    assert len(d.sweep) == 21 and d.sweep[0][0] == 0.0
    assert d.as_json()["choice"]["chosen"] == "A"


def test_a_single_option_has_no_sweep() -> None:
    assert decide(DecideRequest(options=("A:2:200:low",))).sweep == []


# ---- plan pack --------------------------------------------------------------


def test_workloads_csv_with_aliases_and_default_replicas(tmp_path: Path) -> None:
    f = tmp_path / "w.csv"
    f.write_text("name,cpu_cores,memory,replicas\nweb,0.5,1,3\napi,2,4,\n", encoding="utf-8")
    items = read_workloads(f)
    assert [(w.name, w.cpu, w.memory_gib, w.replicas) for w in items] == [
        ("web", 0.5, 1.0, 3),
        ("api", 2.0, 4.0, 1),
    ]


def test_a_workload_row_without_memory_names_file_and_row(tmp_path: Path) -> None:
    f = tmp_path / "w.csv"
    f.write_text("name,cpu,memory_gib\nweb,1,2\napi,2,\n", encoding="utf-8")
    with pytest.raises(InputError, match="required") as info:
        read_workloads(f)
    assert "w.csv" in info.value.message and "row 3" in info.value.message


def test_any_scale_out_flag_means_scale_out() -> None:
    assert not PackRequest().scale_out
    assert PackRequest(cores=8).scale_out
    assert PackRequest(node_type="m5.large").scale_out
    assert PackRequest(memory_gib=16).scale_out


# ---- plan, assess -----------------------------------------------------------


def test_plan_overrides_only_what_was_given() -> None:
    assert PlanRequest().overrides() == {}
    assert PlanRequest(lanes=2, pilot=0).overrides() == {
        "constraints": {"lanes": 2, "pilot_max_servers": 0}
    }


def test_assess_flags_become_settings_overrides() -> None:
    flags = AssessFlags(statistic="p99", headroom=1.5, horizon=6, rates=("cny=0.14",))
    assert flags.overrides() == {
        "sizing": {
            "cpu_statistic": "p99",
            "memory_statistic": "p99",
            "headroom": {"style": "comfort_factor", "value": 1.5},
        },
        "assess": {"currency_rates": {"CNY": 0.14}, "forecast": {"horizon_months": 6}},
    }
    assert AssessFlags().overrides() == {}


def test_a_bad_rate_is_a_config_error_naming_it() -> None:
    with pytest.raises(ConfigError, match="--rate 'CNY=x'"):
        parse_rates(("EUR=1.1", "CNY=x"))


def test_clouds_keep_configured_regions_unless_one_is_named() -> None:
    current = [{"cloud": "aws", "regions": ["us-east-1", "eu-west-1"]}]
    assert parse_targets("AWS,gcp:europe-west1,aws:us-east-1", current) == [
        {"cloud": "aws", "regions": ["us-east-1", "eu-west-1"]},
        {"cloud": "gcp", "regions": ["europe-west1"]},
    ]
    with pytest.raises(ConfigError, match="unknown cloud 'oci'"):
        parse_targets("oci", current)
    with pytest.raises(ConfigError, match="azure has no region"):
        parse_targets("azure", current)


# ---- scan -------------------------------------------------------------------


def test_severity_is_case_insensitive_and_a_bad_one_names_the_flag() -> None:
    assert parse_severity("HIGH", "--fail-on") is Severity.HIGH
    with pytest.raises(InputError, match="--severity-min: unknown severity 'bogus'"):
        parse_severity("bogus", "--severity-min")


def test_findings_at_the_threshold_fail_unless_the_baseline_was_updated(tmp_path: Path) -> None:
    high = Finding(
        rule_id="SKY-SECRET-001", title="t", severity=Severity.HIGH, category=Category.SECRET,
        location=Location(path="a.env", line=1), message="m", fingerprint="f1",
    )  # fmt: skip
    result = ScanResult(findings=(high,), summary=ScanSummary(findings=1))
    assert ScanOutcome(result, Severity.HIGH).failing
    assert not ScanOutcome(result, Severity.CRITICAL).failing
    assert not ScanOutcome(result, Severity.LOW, baseline_written=tmp_path / "b.json").failing


# ---- init, inventory, catalog ----------------------------------------------


def test_create_workspace_refuses_a_folder_inside_a_file(tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="which is a file, not a folder"):
        create_workspace(f / "ws")


def test_create_then_report_an_empty_inventory(tmp_path: Path) -> None:
    created = create_workspace(tmp_path / "w", project="demo")
    assert created.project == "demo"
    assert Path(created.state).name == "state.db"
    with Workspace.open(Path(created.workspace), environ={}) as ws:
        report = ws.inventory_report()
    assert report.servers == [] and report.imports == []
    assert report.as_json()["totals"]["servers"] == 0


def test_catalog_overview_without_a_cloud_and_listing_with_one(tmp_path: Path) -> None:
    outside = tmp_path / "nowhere"
    overview = show_catalog(CatalogQuery(workspace=None, directory=None))
    assert isinstance(overview, CatalogOverview)
    assert {c["cloud"] for c in overview.clouds} == {"aws", "azure", "gcp"}
    listing = show_catalog(
        CatalogQuery(cloud="aws", region="us-east-1", min_vcpus=4, limit=3, directory=None)
    )
    assert isinstance(listing, CatalogListing)
    assert listing.shown.height == 3 and listing.total >= 3
    assert all(v >= 4 for v in listing.shown["vcpus"])
    assert not outside.exists()


# ---- generate ---------------------------------------------------------------


def test_kinds_and_cloud_parse_and_bad_values_are_named() -> None:
    assert [k.value for k in parse_kinds(" Docker, k8s ,")] == ["docker", "k8s"]
    with pytest.raises(InputError, match="--only: unknown kind 'vm'"):
        parse_kinds("docker,vm")
    with pytest.raises(InputError, match="none given"):
        parse_kinds(" , ")
    assert parse_cloud("GCP") is Cloud.GCP
    with pytest.raises(InputError, match="--cloud: unknown cloud 'oci'"):
        parse_cloud("oci")


def test_a_failed_check_names_the_first_problem_and_counts_the_rest() -> None:
    target = TargetSpec(name="shop")
    assert check_failure(GenerateResult(out_dir="o", target=target)) is None
    one = GenerateResult(out_dir="o", target=target, written=False, problems=("a",))
    failure = check_failure(one)
    assert failure is not None and failure.message == "--check failed: a"
    three = GenerateResult(out_dir="o", target=target, written=False, problems=("a", "b", "c"))
    failure = check_failure(three)
    assert failure is not None and failure.message == "--check failed: a (and 2 more)"
    assert failure.exit_code == 7


def test_an_unknown_application_outside_any_workspace_data_is_an_input_error(
    tmp_path: Path,
) -> None:
    created = create_workspace(tmp_path / "w")
    request = GenerateRequest(application="Shop", workspace=Path(created.workspace))
    with pytest.raises(InputError, match="no workspace server matches --application 'Shop'"):
        generate_target(request)


# ---- transfer, verify -------------------------------------------------------


def test_transfer_flags_parse_sizes_and_ages_and_name_a_bad_flag() -> None:
    opts = TransferRequest("a", "b", min_size="1M", max_age="30d", manifest=False).options()
    assert opts.min_size == 1 << 20 and not opts.manifest
    with pytest.raises(InputError, match="--max-size"):
        TransferRequest("a", "b", max_size="lots").options()


def test_workspace_context_outside_a_workspace_is_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SKYLIFT_WORKSPACE", raising=False)
    assert workspace_context(None) == (None, {})
    with pytest.raises(ConfigError, match="is not a skylift workspace"):
        workspace_context(tmp_path / "none")


def test_workspace_context_reads_remotes_without_opening_the_store(tmp_path: Path) -> None:
    root = tmp_path / "w"
    root.mkdir()
    (root / "skylift.yaml").write_text(
        "remotes:\n  s3://b:\n    allow_http: true\n    endpoint: http://127.0.0.1:9\n",
        encoding="utf-8",
    )
    journal, remotes = workspace_context(root)
    assert journal == root.resolve() / ".skylift" / "transfers"
    assert remotes == {"s3://b": {"allow_http": "true", "endpoint": "http://127.0.0.1:9"}}
    assert not (root / ".skylift").exists()


def test_a_run_in_a_workspace_is_recorded_and_verifies(tmp_path: Path) -> None:
    created = create_workspace(tmp_path / "w")
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_bytes(b"x" * 100)
    ws = Path(created.workspace)
    plan = transfer_data(
        TransferRequest(str(src), str(tmp_path / "dst"), dry_run=True, workspace=ws)
    )
    assert not isinstance(plan, TransferResult) and plan.copy_count == 1
    result = transfer_data(TransferRequest(str(src), str(tmp_path / "dst"), workspace=ws))
    assert isinstance(result, TransferResult) and result.ok and result.transferred == 1
    assert (ws / ".skylift" / "transfers" / "history.jsonl").is_file()
    check = verify_copy(VerifyRequest(str(src), str(tmp_path / "dst"), checksum=True, workspace=ws))
    assert check.matches
