"""Typed settings of a workspace: defaults < skylift.yaml < SKYLIFT_* env < flags.

Loaded once at the edge (the CLI or a library caller) and passed down; no
module reads configuration on its own.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
)

from skylift.domain.assessment import AssessSettings, TcoAssumptions
from skylift.domain.cloud import Cloud
from skylift.domain.plan import PlanningSettings
from skylift.domain.policy import PolicySettings
from skylift.errors import ConfigError
from skylift.optimize.settings import OptimizeSettings


def option_text(value: object) -> object:
    """A YAML scalar as the option string a storage backend reads (``true`` → ``"true"``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


#: A per-remote storage option: YAML booleans and numbers are accepted as their text.
RemoteOption = Annotated[str, BeforeValidator(option_text)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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


class StateSettings(_Section):
    """Where the state store lives; default is SQLite inside the workspace."""

    url: str | None = None


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


ENV_PREFIX = "SKYLIFT_"
_NOT_SETTINGS = {"SKYLIFT_WORKSPACE", "SKYLIFT_DEBUG"}


def _deep_merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = v
    return out


def env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    """Turn ``SKYLIFT_SIZING__WINDOW_DAYS=7`` into ``{"sizing": {"window_days": "7"}}``.

    Only variables whose first part names a settings section are settings; the
    others with the prefix (``SKYLIFT_WORKSPACE``, ``SKYLIFT_ENCRYPTION_KEY``,
    ``SKYLIFT_SFTP_PASSWORD`` …) belong to other parts of skylift and are left alone.
    """
    out: dict[str, Any] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name in _NOT_SETTINGS:
            continue
        path = name[len(ENV_PREFIX) :].lower().split("__")
        if path[0] not in Settings.model_fields:
            continue
        node = out
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = yaml.safe_load(value) if value else value
    return out


def load_settings(
    path: Path | None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Load settings: defaults, then ``path`` (skylift.yaml), env, then ``overrides``.

    Raises :class:`ConfigError` naming the file and the field on any invalid value.
    """
    data: dict[str, Any] = {}
    source = "defaults"
    if path is not None:
        source = str(path)
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" line {mark.line + 1}" if mark is not None else ""
            raise ConfigError(
                f"{path}:{where} is not valid YAML ({getattr(exc, 'problem', exc)})",
                "fix the syntax, or recreate it with 'skylift init --force'",
            ) from exc
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc.strerror}", "check the path") from exc
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ConfigError(
                f"{path}: expected a mapping at the top level", "see docs/workspace.md"
            )
        data = loaded
    env = env_overrides(os.environ if environ is None else environ)
    if env:
        data = _deep_merge(data, env)
        source += " + SKYLIFT_* environment"
    if overrides:
        data = _deep_merge(data, overrides)
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        value = err.get("input")
        shown = "" if isinstance(value, dict | list) else f" (value {value!r})"
        raise ConfigError(
            f"{source}: setting '{field}'{shown}: {err['msg']}",
            "see the comments in skylift.yaml or docs/workspace.md for allowed values",
        ) from exc
