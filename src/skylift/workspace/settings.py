"""Typed settings of a workspace: defaults < skylift.yaml < SKYLIFT_* env < flags.

Loaded once at the edge (the CLI or a library caller) and passed down; no
module reads configuration on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationError

from skylift.domain.assessment import AssessSettings, TcoAssumptions
from skylift.domain.cloud import Cloud
from skylift.domain.plan import PlanningSettings
from skylift.domain.policy import PolicySettings
from skylift.optimize.settings import OptimizeSettings
from skylift.workspace.storage_settings import (
    ENV_PREFIX,
    RemoteOption,
    StateSettings,
    deep_merge,
    merged_settings,
    option_text,
    section_overrides,
    settings_error,
)
from skylift.workspace.storage_settings import Section as _Section

__all__ = ["ENV_PREFIX", "RemoteOption", "Settings", "StateSettings", "option_text"]


class Target(_Section):
    """One target cloud and the regions to compare within it."""

    cloud: Cloud
    regions: tuple[str, ...] = Field(min_length=1)


class Headroom(_Section):
    """How demand is inflated before sizing.

    ``comfort_factor`` multiplies (Azure Migrate, 1.3), ``percent`` adds a
    share (AWS Compute Optimizer, 20 → ×1.2), ``target_utilisation`` divides
    by the target share (Google, 70 → ÷0.7).
    """

    style: Literal["comfort_factor", "percent", "target_utilisation"] = "comfort_factor"
    value: float = Field(default=1.3, gt=0)

    def factor(self) -> float:
        """The multiplier this headroom applies to demand."""
        if self.style == "comfort_factor":
            return self.value
        if self.style == "percent":
            return 1.0 + self.value / 100.0
        return 100.0 / self.value


class SizingSettings(_Section):
    """How servers are right-sized (see docs/assess.md and reference sizing.md)."""

    method: Literal["performance", "as-is"] = "performance"
    window_days: Literal[1, 7, 30] = 30
    cpu_statistic: Literal["avg", "p50", "p90", "p95", "p99", "max"] = "p95"
    memory_statistic: Literal["avg", "p50", "p90", "p95", "p99", "max"] = "p95"
    headroom: Headroom = Headroom()
    cpu_speed_multiplier: float = Field(default=1.0, gt=0)
    #: Deprecated: use ``assess.forecast.horizon_months`` (which wins when set).
    forecast_horizon_months: int | None = Field(default=None, ge=0, le=60)
    pricing: Literal["on_demand", "spot", "commit_1y", "commit_3y"] = "on_demand"
    uptime_hours_month: float = Field(default=730.0, gt=0, le=744)
    discount_pct: float = Field(default=0.0, ge=0, lt=100)
    allow_burstable: bool = False
    exclude_families: tuple[str, ...] = ()


class Goals(_Section):
    """Business goals, each weighted 1–5 (AWS Strategy Recommendations' four)."""

    license_cost: int = Field(default=3, ge=1, le=5)
    modernise: int = Field(default=3, ge=1, le=5)
    managed_services: int = Field(default=3, ge=1, le=5)
    speed: int = Field(default=3, ge=1, le=5)


#: Planner limits live in the domain so the planning stage can take them as a value.
Constraints = PlanningSettings


def _waf_reference(cloud: Cloud) -> Callable[[str | None], str | None]:
    def check(value: str | None) -> str | None:
        from skylift.clouds import profile  # on use: clouds imports numpy (~0.1 s)

        shape = profile(cloud).waf_reference
        if value is None or value.strip() == "" or shape is None:
            return None
        if not shape.matches(value.strip()):
            raise ValueError(f"expected {shape.what}, e.g. {shape.example}")
        return value.strip()

    return check


class WafSettings(_Section):
    """The organisation's web application firewall, per cloud, that ``generate``
    attaches (Terraform and the Kubernetes Gateway) instead of creating one."""

    aws: Annotated[str | None, AfterValidator(_waf_reference(Cloud.AWS))] = None
    azure: Annotated[str | None, AfterValidator(_waf_reference(Cloud.AZURE))] = None
    gcp: Annotated[str | None, AfterValidator(_waf_reference(Cloud.GCP))] = None

    def of(self, cloud: Cloud) -> str | None:
        """The reference set for ``cloud`` (``None``: generate creates one)."""
        value: str | None = getattr(self, cloud.value)
        return value


class Settings(_Section):
    """All settings of one workspace."""

    project: str = "my-migration"
    currency: str = "USD"
    targets: tuple[Target, ...] = (
        Target(cloud=Cloud.AWS, regions=("us-east-1",)),
        Target(cloud=Cloud.AZURE, regions=("eastus",)),
        Target(cloud=Cloud.GCP, regions=("us-central1",)),
    )
    sizing: SizingSettings = SizingSettings()
    goals: Goals = Goals()
    constraints: Constraints = Constraints()
    state: StateSettings = StateSettings()
    remotes: dict[str, dict[str, RemoteOption]] = Field(default_factory=dict)
    policies: PolicySettings = PolicySettings()
    assess: AssessSettings = AssessSettings()
    tco: TcoAssumptions = TcoAssumptions()
    waf: WafSettings = WafSettings()
    optimize: OptimizeSettings = OptimizeSettings()


def env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    """Turn ``SKYLIFT_SIZING__WINDOW_DAYS=7`` into ``{"sizing": {"window_days": "7"}}``.

    Only variables whose first part names a settings section are settings; the
    others with the prefix (``SKYLIFT_WORKSPACE``, ``SKYLIFT_ENCRYPTION_KEY``,
    ``SKYLIFT_SFTP_PASSWORD`` …) belong to other parts of skylift and are left alone.
    """
    return section_overrides(environ, Settings.model_fields)


def load_settings(
    path: Path | None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Load settings: defaults, then ``path`` (skylift.yaml), env, then ``overrides``.

    Raises :class:`ConfigError` naming the file and the field on any invalid value.
    """
    data, source = merged_settings(path, environ, Settings.model_fields)
    if overrides:
        data = deep_merge(data, overrides)
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise settings_error(source, exc) from exc
