"""Helpers for assessment tests: servers, series frames and a policy per case."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from skylift.assess.policy import AssessPolicy, TargetRegion
from skylift.catalog.loader import Catalog, load_catalog
from skylift.domain.inventory import Server

T0 = datetime(2026, 10, 1, tzinfo=UTC)
SCHEMA = {"server_key": pl.String, "ts": pl.Datetime("us", "UTC"), "metric": pl.String,
          "value": pl.Float64}  # fmt: skip
AWS = (TargetRegion(cloud="aws", region="us-east-1"),)
ALL = (
    TargetRegion(cloud="aws", region="us-east-1"),
    TargetRegion(cloud="azure", region="eastus"),
    TargetRegion(cloud="gcp", region="us-central1"),
)


def server(key: str, cores: int | None = 4, memory_gib: float | None = 8.0, **kw: object) -> Server:
    """A Linux server with the given size (memory in GiB)."""
    base: dict[str, object] = {
        "key": key,
        "name": kw.pop("name", key),
        "source": "test",
        "cores": cores,
        "memory_mib": None if memory_gib is None else memory_gib * 1024,
        "os_family": "linux",
        "os_name": "Ubuntu Linux (64-bit)",
        "power_state": "on",
    }
    base.update(kw)
    return Server.model_validate(base)


def hourly(
    key: str, metric: str, values: Iterable[float], start: datetime = T0
) -> list[tuple[object, ...]]:
    """Rows of an hourly series."""
    return [(key, start + timedelta(hours=i), metric, float(v)) for i, v in enumerate(values)]


def frame(rows: list[tuple[object, ...]]) -> pl.LazyFrame:
    """The long samples frame the workspace hands to assess."""
    return pl.DataFrame(rows, schema=SCHEMA, orient="row").lazy()


def empty() -> pl.LazyFrame:
    """No samples."""
    return pl.LazyFrame(schema=SCHEMA)


def policy(**kw: object) -> AssessPolicy:
    """Defaults with AWS us-east-1 only unless ``targets`` is given."""
    kw.setdefault("targets", AWS)
    return AssessPolicy.model_validate(kw)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The bundled catalog snapshot."""
    return load_catalog()
