"""``skylift catalog refresh``: rebuild the snapshot from its documented upstream sources.

Sources (Apache-2.0, see data/README.md): the Kubernetes cluster-autoscaler
instance-type tables (specs) and the Karpenter providers' generated price
tables (on-demand prices), for AWS and Azure; Cyclenerd's ``pricing.yml``
(specs, on-demand, spot, committed-use and sustained-use prices) for GCP
(:mod:`skylift.catalog.refresh_gcp`). Storage and egress rows are kept from the
current snapshot. Regions: those already in the snapshot.

The network is injected (``fetch``: URL → bytes) so tests run offline against
saved samples of each format. The new snapshot is written to a temporary
folder and swapped in with a rename: readers never see half a catalog.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from skylift.catalog.constrained import constrained_vcpus
from skylift.catalog.loader import BUNDLED_DIR, INSTANCE_SCHEMA, load_catalog
from skylift.catalog.refresh_gcp import GCP_PRICES, gcp_rows, parse_gcp_pricing
from skylift.clouds import names
from skylift.errors import ProviderError

Fetch = Callable[[str], bytes]

_RAW = "https://raw.githubusercontent.com"
_CA = f"{_RAW}/kubernetes/autoscaler/master/cluster-autoscaler/cloudprovider"
_KP = "pkg/providers/pricing"
SOURCES: dict[str, str] = {
    "aws_specs": f"{_CA}/aws/ec2_instance_types.go",
    "aws_prices": f"{_RAW}/aws/karpenter-provider-aws/main/{_KP}/zz_generated.pricing_aws.go",
    "azure_specs": f"{_CA}/azure/azure_instance_types.go",
    "azure_prices": f"{_RAW}/Azure/karpenter-provider-azure/main/{_KP}/zz_generated.pricing.go",
    "gcp_prices": GCP_PRICES,
}

_SPEC = re.compile(
    r'InstanceType:\s*"(?P<t>[^"]+)",\s*VCPU:\s*(?P<v>\d+),\s*MemoryMb:\s*(?P<m>\d+),'
    r'\s*GPU:\s*(?P<g>\d+)(?:,\s*Architecture:\s*"(?P<a>\w+)")?',
    re.S,
)
_REGION = re.compile(r'^\s*(?:"(?P<a>[a-z0-9-]+)":\s*\{|\w+\["(?P<b>[a-z0-9-]+)"\]\s*=\s*map)')
_PRICE = re.compile(r'"([^"]+)":\s*([0-9]+(?:\.[0-9]+)?)')
_UNPRICED = ("price_hour_spot", "price_hour_commit_1y", "price_hour_commit_3y", "price_month_sud")
_DATE = re.compile(r"generated at (\d{4}-\d{2}-\d{2})")


def urllib_fetch(url: str) -> bytes:
    """GET ``url`` (30 s timeout)."""
    with urllib.request.urlopen(url, timeout=30) as resp:  # noqa: S310 (https URLs above)
        data: bytes = resp.read()
        return data


def parse_specs(text: str) -> pl.DataFrame:
    """Instance specs from a cluster-autoscaler Go table (family rows with 0 MiB skipped)."""
    rows = [
        {
            "instance_type": m["t"],
            "vcpus": float(m["v"]),
            "memory_gib": int(m["m"]) / 1024.0,
            "gpus": int(m["g"]),
            "arch": "arm64" if (m["a"] or "").lower() in ("arm64", "aarch64") else "x86_64",
        }
        for m in _SPEC.finditer(text)
        if int(m["m"]) > 0
    ]
    schema = {"instance_type": pl.String, "vcpus": pl.Float64, "memory_gib": pl.Float64,
              "gpus": pl.Int64, "arch": pl.String}  # fmt: skip
    return pl.DataFrame(rows, schema=schema)


def parse_prices(text: str) -> tuple[pl.DataFrame, str | None]:
    """(region, instance_type, price) rows from a Karpenter generated price table, and its date."""
    region: str | None = None
    rows: list[tuple[str, str, float]] = []
    for line in text.splitlines():
        head = _REGION.match(line)
        if head:
            region = head["a"] or head["b"]
            continue
        if region is None:
            continue
        rows += [(region, name, float(p)) for name, p in _PRICE.findall(line)]
    date = _DATE.search(text)
    frame = pl.DataFrame(
        rows, schema={"region": pl.String, "instance_type": pl.String, "price": pl.Float64},
        orient="row",
    )  # fmt: skip
    return frame, date.group(1) if date else None


@dataclass(frozen=True)
class RefreshResult:
    """What a refresh wrote."""

    directory: Path
    rows: dict[str, int]
    sources: dict[str, str]
    kept: tuple[str, ...]


def _cloud_rows(cloud: str, fetch: Fetch, base: pl.DataFrame) -> tuple[pl.DataFrame, str]:
    specs_url, prices_url = SOURCES[f"{cloud}_specs"], SOURCES[f"{cloud}_prices"]
    try:
        specs = parse_specs(fetch(specs_url).decode("utf-8"))
        prices, date = parse_prices(fetch(prices_url).decode("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ProviderError(
            f"cannot fetch the {cloud} catalog sources ({exc})",
            "offline? the current snapshot stays in use; retry when online",
        ) from exc
    if specs.height == 0 or prices.height == 0:
        raise ProviderError(
            f"{cloud}: no rows parsed from {specs_url if specs.height == 0 else prices_url}",
            "the upstream format may have changed; the current snapshot stays in use",
        )
    regions = base["region"].unique().to_list()
    fresh = (
        prices.filter(pl.col("region").is_in(regions))
        .join(specs, on="instance_type", how="inner")
        .join(
            base.select("instance_type", "network_mbps").unique("instance_type"),
            on="instance_type",
            how="left",
        )
        .with_columns(
            pl.lit(cloud).alias("cloud"),
            pl.lit(None, pl.String).alias("gpu_model"),
            pl.lit("USD").alias("currency"),
            pl.col("price").alias("price_hour_ondemand"),
            *[
                pl.lit(None, pl.Float64).alias(c)
                for c in (
                    "price_hour_spot",
                    "price_hour_commit_1y",
                    "price_hour_commit_3y",
                    "price_month_sud",
                )
            ],
            pl.lit(date).alias("price_as_of"),
            pl.lit(None, pl.Float64).alias("vcpus_parent"),
        )
        .pipe(constrained_vcpus)
        .select(list(INSTANCE_SCHEMA))
        .cast(INSTANCE_SCHEMA)  # type: ignore[arg-type]
    )
    got = set(fresh["region"].unique().to_list())
    kept = base.filter(~pl.col("region").is_in(list(got)))
    out = pl.concat([fresh, kept.select(list(INSTANCE_SCHEMA))]).sort("instance_type", "region")
    return out, f"{specs_url} + {prices_url}"


def _gcp(fetch: Fetch, base: pl.DataFrame) -> pl.DataFrame:
    try:
        text = fetch(GCP_PRICES).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProviderError(
            f"cannot fetch the gcp catalog source ({exc})",
            "offline? the current snapshot stays in use; retry when online",
        ) from exc
    parsed, date = parse_gcp_pricing(text)
    if parsed.height == 0:
        raise ProviderError(
            f"gcp: no rows parsed from {GCP_PRICES}",
            "the upstream format may have changed; the current snapshot stays in use",
        )
    return gcp_rows(parsed, date, base)


def refresh_catalog(
    directory: Path, fetch: Fetch = urllib_fetch, base_dir: Path = BUNDLED_DIR
) -> RefreshResult:
    """Fetch AWS, Azure and GCP specs and prices, keep storage/egress (and the
    snapshot of any other registered cloud); write atomically.

    Raises :class:`ProviderError` when a source cannot be fetched or parsed;
    the existing snapshot in ``directory`` is then left untouched.
    """
    source = base_dir if (base_dir / "aws.csv").exists() else BUNDLED_DIR
    base = load_catalog(source)
    rows: dict[str, int] = {}
    sources: dict[str, str] = {}
    frames: dict[str, pl.DataFrame] = {}
    for cloud in ("aws", "azure"):
        cur = base.instances.filter(pl.col("cloud") == cloud).select(list(INSTANCE_SCHEMA))
        frames[cloud], sources[cloud] = _cloud_rows(cloud, fetch, cur)
        rows[cloud] = frames[cloud].height
    gcp = base.instances.filter(pl.col("cloud") == "gcp").select(list(INSTANCE_SCHEMA))
    frames["gcp"], sources["gcp"] = _gcp(fetch, gcp), GCP_PRICES
    rows["gcp"] = frames["gcp"].height
    directory = directory.expanduser().resolve()
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        for cloud, frame in frames.items():
            frame.write_csv(tmp / f"{cloud}.csv")
        # clouds without a price fetcher here keep their snapshot as it is
        unfetched = tuple(f"{c}.csv" for c in names() if c not in frames)
        kept = (*unfetched, "storage_prices.csv", "egress_prices.csv", "README.md", "NOTICE")
        for name in kept:
            if (source / name).exists():
                shutil.copy2(source / name, tmp / name)
        load_catalog(tmp)  # validate before publishing
        old = directory.with_name(f".{directory.name}.old")
        if directory.exists():
            shutil.rmtree(old, ignore_errors=True)
            directory.rename(old)
        tmp.rename(directory)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return RefreshResult(directory, rows, sources, ("storage", "egress"))
