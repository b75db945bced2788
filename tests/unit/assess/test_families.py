"""Instance families, constrained-vCPU sizes and GPUs: what a server may be sized to."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skylift.assess.policy import AssessPolicy, TargetRegion
from skylift.assess.pricing import choose_instances
from skylift.catalog.classes import accelerator, family_class
from skylift.catalog.constrained import active_vcpus
from skylift.catalog.eligibility import EligibilityRules, eligible_rows, with_classes
from skylift.catalog.loader import Catalog, load_catalog
from skylift.errors import ConfigError
from skylift.workspace.assessments import policy_from_settings
from skylift.workspace.settings import load_settings
from tests.unit.assess.conftest import policy

AZ = (TargetRegion(cloud="azure", region="eastus"),)


@cache
def _catalog() -> Catalog:
    return load_catalog()


def _sized(
    cpu: list[float], mem: list[float], gpus: list[int] | None = None, **cols: list[object]
) -> pl.DataFrame:
    n = len(cpu)
    return pl.DataFrame(
        {
            "server_key": [f"s{i}" for i in range(n)],
            "cpu_demand": cpu,
            "memory_demand_gib": mem,
            "arch": cols.pop("arch", ["x86_64"] * n),
            "gpus": gpus or [0] * n,
            "gpu_vendor": cols.pop("gpu_vendor", [None] * n),
            "sizing_note": [""] * n,
        },
        schema_overrides={"gpu_vendor": pl.String, "cpu_demand": pl.Float64,
                          "memory_demand_gib": pl.Float64},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("cloud", "name", "cls"),
    [
        ("aws", "m5.large", "general"),
        ("aws", "c7i.xlarge", "compute"),
        ("aws", "r6i.large", "memory"),
        ("aws", "inf1.2xlarge", "accelerator"),
        ("aws", "dl1.24xlarge", "accelerator"),
        ("aws", "g4dn.xlarge", "accelerator"),
        ("aws", "hpc7g.16xlarge", "hpc"),
        ("aws", "i4i.large", "storage"),
        ("aws", "m3.large", "previous"),
        ("aws", "t3.micro", "general"),
        ("aws", "u-6tb1.112xlarge", "memory"),
        ("aws", "mac2.metal", "other"),
        ("azure", "Standard_D2s_v5", "general"),
        ("azure", "Standard_F4s_v2", "compute"),
        ("azure", "Standard_E8-4as_v5", "memory"),
        ("azure", "Standard_DC2as_cc_v5", "confidential"),
        ("azure", "Standard_EC8as_v5", "confidential"),
        ("azure", "Standard_DC4as_v6", "confidential"),
        ("azure", "Standard_HB120-16rs_v2", "hpc"),
        ("azure", "Standard_HC44-16rs", "hpc"),
        ("azure", "Standard_HX176-144rs", "hpc"),
        ("azure", "Standard_NC24ads_A100_v4", "accelerator"),
        ("azure", "Standard_NCC40ads_H100_v5", "confidential"),
        ("azure", "Standard_L8s_v3", "storage"),
        ("azure", "Standard_DS1", "previous"),
        ("azure", "Standard_B2ms", "general"),
        ("gcp", "n2-standard-4", "general"),
        ("gcp", "c2-standard-4", "compute"),
        ("gcp", "m3-megamem-64", "memory"),
        ("gcp", "a2-highgpu-1g", "accelerator"),
        ("gcp", "h3-standard-88", "hpc"),
        ("gcp", "z3-highmem-14-standardlssd", "storage"),
    ],
)
def test_family_classes(cloud: str, name: str, cls: str) -> None:
    assert family_class(cloud, name) == cls


def test_partitioned_and_amd_gpus_are_recognised() -> None:
    a10 = accelerator("azure", "Standard_NV6ads_A10_v5", 1, 6)
    assert a10 is not None and a10.partial and a10.gpus == pytest.approx(1 / 6)
    whole = accelerator("azure", "Standard_NV36ads_A10_v5", 1, 36)
    assert whole is not None and not whole.partial and whole.vendor == "nvidia"
    mi25 = accelerator("azure", "Standard_NV32as_v4", 1, 32)
    assert mi25 is not None and mi25.vendor == "amd" and not mi25.partial
    assert accelerator("aws", "g4ad.xlarge", 1, 4).vendor == "amd"  # type: ignore[union-attr]
    assert accelerator("aws", "inf1.xlarge", 0, 4).kind == "ai-chip"  # type: ignore[union-attr]
    assert accelerator("aws", "m5.large", 0, 2) is None


def test_plain_servers_never_get_exotic_families() -> None:
    """Seen in issue 14: inf1, dl1, _cc_ and HB/HC sizes for ordinary servers."""
    cat = _catalog()
    shapes = [(c, m) for c in (1, 2, 4, 8, 16, 24, 48, 96) for m in (1, 4, 16, 64, 256, 768)]
    sized = _sized([float(c) for c, _ in shapes], [float(m) for _, m in shapes])
    for cloud, region in (("aws", "us-east-1"), ("azure", "eastus"), ("gcp", "us-central1"),
                          ("aws", "eu-west-1")):  # fmt: skip
        got = choose_instances(sized, cat, cloud, region, policy(targets=()))
        picked = got.filter(pl.col("instance_type").is_not_null())
        assert picked.height > 30
        for name in picked["instance_type"].unique().to_list():
            assert family_class(cloud, name) in ("general", "compute", "memory"), name


def test_family_classes_are_a_setting() -> None:
    cat = _catalog()
    sized = _sized([2.0], [4.0])
    only_compute = choose_instances(
        sized, cat, "aws", "us-east-1", policy(family_classes=("compute",))
    )
    assert family_class("aws", only_compute["instance_type"][0]) == "compute"


def test_gpu_server_gets_whole_gpus_of_its_vendor_unless_partial_allowed() -> None:
    cat = _catalog()
    sized = _sized([4.0, 4.0], [16.0, 16.0], gpus=[1, 1], gpu_vendor=[None, "amd"])
    got = choose_instances(sized, cat, "azure", "eastus", policy(targets=AZ))
    nvidia, amd = got["instance_type"].to_list()
    a = accelerator("azure", nvidia, 1, 0)
    assert a is not None and a.vendor == "nvidia" and a.gpus >= 1 and not a.partial, nvidia
    b = accelerator("azure", amd, 1, 0)
    assert b is not None and b.vendor == "amd" and b.gpus >= 1 and not b.partial, amd
    shared = choose_instances(sized, cat, "azure", "eastus", policy(targets=AZ, partial_gpus=True))
    part = accelerator("azure", shared["instance_type"][0], 1, 0)
    assert part is not None and part.partial  # a share of an A10 is cheaper
    assert shared["price_hour"][0] < got["price_hour"][0]


def test_no_allowed_type_in_a_partly_covered_region_says_no_price_in_the_catalog() -> None:
    cat = _catalog()
    sized = _sized([8.0], [32.0], gpus=[1])
    got = choose_instances(sized, cat, "aws", "sa-east-1", policy())
    reason = got["not_sized_reason"][0]
    if got["instance_type"][0] is None:
        assert "no price in the catalog" in reason and "not offered" not in reason.replace(
            "does not mean the type is not offered", ""
        )
    huge = choose_instances(_sized([900.0], [64.0]), cat, "aws", "sa-east-1", policy())
    assert "no price in the catalog does not mean" in huge["not_sized_reason"][0]


def test_eligible_rows_apply_the_documented_rules_to_raw_csv_rows() -> None:
    """The public rules work on rows read straight from a CSV (for an independent oracle)."""
    from skylift.catalog.loader import BUNDLED_DIR

    raw = pl.read_csv(BUNDLED_DIR / "azure.csv").filter(pl.col("region") == "eastus")
    rows = eligible_rows(with_classes(raw), EligibilityRules())
    names = set(rows["instance_type"].to_list())
    assert "Standard_D2s_v5" in names
    assert not {"Standard_B2ms", "Standard_DC2as_cc_v5", "Standard_HB120-16rs_v2"} & names
    assert not any(n.startswith("Standard_N") for n in names)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["eastus", "westeurope", "japaneast"]),
    st.floats(min_value=0.5, max_value=128, allow_nan=False),
    st.floats(min_value=0.5, max_value=1024, allow_nan=False),
    st.sampled_from([("general", "compute", "memory"), ("memory",), ("hpc", "memory")]),
)
def test_a_constrained_size_is_never_chosen_above_its_active_vcpus(
    region: str, cpu: float, mem: float, classes: tuple[str, ...]
) -> None:
    """Over the whole Azure catalog: the vCPUs counted are the active ones (from the name)."""
    got = choose_instances(
        _sized([cpu], [mem]), _catalog(), "azure", region,
        AssessPolicy(family_classes=classes, targets=()),  # type: ignore[arg-type]
    ).row(0, named=True)  # fmt: skip
    name = got["instance_type"]
    if name is None:
        return
    active = active_vcpus(name)
    assert (active if active is not None else got["vcpus"]) >= cpu - 1e-6, (name, cpu)


def test_e8_4as_v5_is_not_chosen_for_5_to_8_vcpus() -> None:
    """Issue 14: Standard_E8-4as_v5 (4 active vCPUs) was chosen for 5–8 vCPU demands."""
    cat = _catalog()
    sized = _sized([5.0, 6.0, 8.0, 4.0], [64.0, 64.0, 64.0, 64.0])
    got = choose_instances(sized, cat, "azure", "eastus", policy(targets=AZ))
    types = got["instance_type"].to_list()
    assert "Standard_E8-4as_v5" not in types[:3]
    for name, want in zip(types, (5, 6, 8, 4), strict=True):
        row = cat.instances.filter(
            (pl.col("instance_type") == name) & (pl.col("region") == "eastus")
        )
        assert row["vcpus"][0] >= want


def test_settings_reject_an_unknown_family_class(tmp_path: Path) -> None:
    cfg = tmp_path / "skylift.yaml"
    cfg.write_text("assess:\n  families:\n    classes: [general, gpu]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_settings(cfg, environ={})
    assert "assess.families.classes" in str(exc.value) and "'accelerator'" in str(exc.value)
    env = {"SKYLIFT_ASSESS__FAMILIES__CLASSES": "[general, storage]"}
    s = load_settings(None, environ=env)
    assert policy_from_settings(s).family_classes == ("general", "storage")


def test_assessing_a_partly_covered_region_warns_no_price_in_the_catalog() -> None:
    from skylift.assess.run import assess
    from tests.unit.assess.conftest import empty, server

    eu = (TargetRegion(cloud="aws", region="eu-west-1"),)
    a = assess([server("s", cores=2, memory_gib=8)], [], empty(), _catalog(), policy(targets=eu))
    assert a.recommendations("s")[0].instance_type is not None
    notes = [w for w in a.summary.warnings if "partly covered" in w]
    assert notes and "no price in the catalog does not mean the type is not offered" in notes[0]
    us = assess([server("s", cores=2, memory_gib=8)], [], empty(), _catalog(), policy())
    assert not any("partly covered" in w for w in us.summary.warnings)


def test_no_constrained_row_of_any_region_is_chosen_above_its_active_vcpus() -> None:
    """Exhaustive over the catalog: for every constrained row, demand just above its
    active vCPUs (with its memory) never gets a size with fewer active vCPUs."""
    from skylift.catalog.classes import FAMILY_CLASSES

    cat = _catalog()
    rows = cat.instances.filter(pl.col("vcpus_parent").is_not_null())
    everything = AssessPolicy(family_classes=FAMILY_CLASSES, targets=())
    checked = 0
    for (region,), g in rows.group_by("region"):
        cpu = (g["vcpus"] + 0.5).to_list()
        mem = g["memory_gib"].to_list()
        got = choose_instances(_sized(cpu, mem), cat, "azure", str(region), everything)
        for want, name in zip(cpu, got["instance_type"].to_list(), strict=True):
            if name is None:
                continue
            active = active_vcpus(name)
            assert active is None or active >= want, (name, want)
            row = cat.instances.filter(
                (pl.col("instance_type") == name) & (pl.col("region") == region)
            )
            assert row["vcpus"][0] >= want, (name, want)
            checked += 1
    assert checked > 2000
