"""``--region`` is checked against the shipped catalog before any Terraform is written."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from skylift.catalog.loader import BUNDLED_DIR
from skylift.domain.target import Cloud, HostSpec, ServiceRole, TargetSpec
from skylift.errors import InputError
from skylift.generate.terraform import check_region, render_terraform
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parents[3]


def _target(region: str | None) -> TargetSpec:
    host = HostSpec(key="app01", name="app01", role=ServiceRole.APP, ports=(8080,))
    return TargetSpec(name="shop", hosts=(host,), region=region)


def _catalog_regions(cloud: Cloud) -> set[str]:
    """Oracle: the regions of the catalog's CSV read with the standard library."""
    with (BUNDLED_DIR / f"{cloud.value}.csv").open(newline="") as fh:
        return {row["region"] for row in csv.DictReader(fh) if row["price_hour_ondemand"]}


@pytest.mark.parametrize("cloud", list(Cloud))
def test_every_catalog_region_is_accepted_and_written(cloud: Cloud) -> None:
    for region in sorted(_catalog_regions(cloud)):
        check_region(cloud, region)
    region = sorted(_catalog_regions(cloud))[0]
    files, _ = render_terraform(_target(region), cloud)
    assert f'"{region}"' in files["variables.tf"]


def test_mars_is_refused_with_the_closest_regions() -> None:
    with pytest.raises(InputError) as caught:
        render_terraform(_target("mars-1"), Cloud.AWS)
    message = caught.value.message
    assert message.startswith("--region 'mars-1' is not a region of aws in skylift's catalog")
    assert "\n" not in message and "us-east-1" in caught.value.hint


@pytest.mark.parametrize(
    ("cloud", "typo", "meant"),
    [(Cloud.AWS, "eu-west-l", "eu-west-1"), (Cloud.AZURE, "westeurop", "westeurope"),
     (Cloud.GCP, "europe-west-1", "europe-west1")],
)  # fmt: skip
def test_a_typo_names_the_region_meant(cloud: Cloud, typo: str, meant: str) -> None:
    with pytest.raises(InputError, match=f"did you mean [^)]*{meant}"):
        check_region(cloud, typo)


def test_cli_refuses_mars_and_writes_nothing(tmp_path: Path) -> None:
    app = ROOT / "samples" / "app"
    out = tmp_path / "target"
    done = run_cli(
        "generate", str(app), "--compose", str(app / "docker-compose.yml"), "--out", str(out),
        "--no-workspace-data", "--only", "terraform", "--region", "mars-1",
    )  # fmt: skip
    assert done.code == 2, done.stderr
    assert done.stderr.splitlines()[0].startswith("error: --region 'mars-1' is not a region")
    assert not out.exists()
