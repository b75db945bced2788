"""Run, store, list, load and compare assessments in the workspace.

A run's per-server and per-target frames are written as Parquet under
``.skylift/assessments/run-NNNNNN/`` (temporary folder, then renamed) and the
run is recorded in the state store with its settings (YAML, without the state
URL and remotes) and summary, in one transaction; a failed insert removes the
files again, so nothing is half-written.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
import yaml
from sqlalchemy import func, select

from skylift.assess.policy import (
    AssessPolicy,
    ClassThresholds,
    GoalWeights,
    TargetRegion,
    TcoAssumptions,
)
from skylift.assess.result import Assessment
from skylift.assess.run import Forecaster, assess, default_forecaster
from skylift.catalog.loader import Catalog, load_catalog
from skylift.domain.assessment import (
    AssessmentComparison,
    AssessmentRun,
    AssessmentSummary,
    ServerChange,
    StrategyChoice,
)
from skylift.domain.progress import NULL_PROGRESS, Progress
from skylift.errors import InputError
from skylift.workspace import tables_assess as ta
from skylift.workspace.settings import Settings

if TYPE_CHECKING:
    from skylift.workspace.core import Workspace


def policy_from_settings(
    settings: Settings,
    classes: ClassThresholds | None = None,
    tco: TcoAssumptions | None = None,
) -> AssessPolicy:
    """The assessment policy for these settings (``sizing``, ``targets``, ``goals``,
    ``assess`` and ``tco``); ``classes`` and ``tco`` override those sections."""
    s = settings.sizing
    g = settings.goals
    a = settings.assess
    return AssessPolicy(
        method=s.method,
        window_days=s.window_days,
        cpu_statistic=s.cpu_statistic,
        memory_statistic=s.memory_statistic,
        headroom_factor=s.headroom.factor(),
        cpu_speed_multiplier=s.cpu_speed_multiplier,
        forecast=a.forecast.enabled,
        forecast_horizon_days=round(forecast_horizon_months(settings) * 365 / 12),
        min_history_days=a.forecast.min_history_days,
        pricing=s.pricing,
        uptime_hours_month=s.uptime_hours_month,
        discount_pct=s.discount_pct,
        allow_burstable=s.allow_burstable,
        exclude_families=s.exclude_families,
        family_classes=a.families.classes,
        partial_gpus=a.families.partial_gpus,
        include_powered_off=a.include_powered_off,
        currency=settings.currency,
        currency_rates=dict(a.currency_rates),
        targets=tuple(
            TargetRegion(cloud=t.cloud.value, region=r) for t in settings.targets for r in t.regions
        ),
        goals=GoalWeights(
            license_cost=g.license_cost,
            modernise=g.modernise,
            managed_services=g.managed_services,
            speed=g.speed,
        ),
        classes=classes or a.classes,
        tco=tco or settings.tco,
        confidence_warn_pct=a.confidence_warn_pct,
        egress_share_pct=a.egress_share_pct,
    )


def forecast_horizon_months(settings: Settings) -> int:
    """``assess.forecast.horizon_months``; the older ``sizing.forecast_horizon_months``
    still counts when the new key is not set (workspaces made before it existed)."""
    fc = settings.assess.forecast
    legacy = settings.sizing.forecast_horizon_months
    if legacy is not None and "horizon_months" not in fc.model_fields_set:
        return legacy
    return fc.horizon_months


def settings_yaml(settings: Settings) -> str:
    """Settings as YAML for the record (state URL and remotes left out: they may hold secrets)."""
    data = settings.model_dump(mode="json", exclude={"state", "remotes"})
    return yaml.safe_dump(data, sort_keys=True)


@dataclass(frozen=True)
class StoredAssessment:
    """A run read back from the workspace."""

    run: AssessmentRun
    servers: pl.DataFrame
    targets: pl.DataFrame
    applications: tuple[StrategyChoice, ...]


class AssessmentStore:
    """The assessments of one workspace."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.dir = ws.state_dir / "assessments"

    def run(
        self,
        progress: Progress = NULL_PROGRESS,
        *,
        catalog: Catalog | None = None,
        forecaster: Forecaster | None = None,
        forecast: bool | None = None,
        policy: AssessPolicy | None = None,
    ) -> tuple[AssessmentRun, Assessment]:
        """Assess the workspace's estate with its settings and store the run.

        ``forecaster`` defaults to :func:`skylift.assess.run.default_forecaster`;
        whether it is used follows ``assess.forecast.enabled`` unless
        ``forecast`` says otherwise.
        """
        ws = self.ws
        files = [ws.state_dir / p for p in ws.store.series_paths()]
        fc = forecaster or default_forecaster()
        chosen = policy or policy_from_settings(ws.settings)
        if forecast is not None:
            chosen = chosen.model_copy(update={"forecast": forecast})
        result = assess(
            ws.servers(),
            ws.dependencies(),
            ws.series(),
            catalog or load_catalog(self.catalog_dir()),
            chosen,
            progress,
            forecaster=fc,
            parquet_files=[f for f in files if f.exists()],
        )
        return self._save(result), result

    def catalog_dir(self) -> Path | None:
        """The workspace's refreshed catalog (``.skylift/catalog``) if any, else None (bundled)."""
        d = self.ws.state_dir / "catalog"
        return d if (d / "aws.csv").exists() else None

    def _save(self, result: Assessment) -> AssessmentRun:
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".run-", dir=self.dir))
        created = datetime.now(UTC)
        text = settings_yaml(self.ws.settings)
        try:
            result.servers.write_parquet(tmp / "servers.parquet")
            result.targets.write_parquet(tmp / "targets.parquet")
            with self.ws.store.engine.begin() as conn:
                next_id = (
                    int(
                        conn.execute(
                            select(func.coalesce(func.max(ta.assessment_runs.c.id), 0))
                        ).scalar_one()
                    )
                    + 1
                )
                rel = f"assessments/run-{next_id:06d}"
                conn.execute(
                    ta.assessment_runs.insert().values(
                        id=next_id,
                        created_at=created,
                        settings_yaml=text,
                        summary=result.summary.model_dump(mode="json"),
                        applications=[a.model_dump(mode="json") for a in result.applications],
                        servers=result.servers.height,
                        results_path=rel,
                    )
                )
                target = self.ws.state_dir / rel
                if target.exists():
                    shutil.rmtree(target)
                tmp.rename(target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return AssessmentRun(
            id=next_id, created_at=created, settings_yaml=text, summary=result.summary
        )

    def list(self) -> list[AssessmentRun]:
        """All stored runs, newest first."""
        with self.ws.store.engine.connect() as conn:
            rows = conn.execute(
                select(ta.assessment_runs).order_by(ta.assessment_runs.c.id.desc())
            ).all()
        return [_run(r) for r in rows]

    def load(self, run_id: int | None = None) -> StoredAssessment:
        """A stored run (the latest when ``run_id`` is None); InputError if there is none."""
        with self.ws.store.engine.connect() as conn:
            q = select(ta.assessment_runs)
            q = (
                q.where(ta.assessment_runs.c.id == run_id)
                if run_id is not None
                else q.order_by(ta.assessment_runs.c.id.desc()).limit(1)
            )
            row = conn.execute(q).first()
        if row is None:
            known = [r.id for r in self.list()]
            raise InputError(
                f"no assessment run {run_id}"
                if run_id is not None
                else "no assessment has been run yet",
                f"stored runs: {', '.join(map(str, known))}"
                if known
                else "run 'skylift assess' first",
            )
        base = self.ws.state_dir / row.results_path
        return StoredAssessment(
            run=_run(row),
            servers=pl.read_parquet(base / "servers.parquet"),
            targets=pl.read_parquet(base / "targets.parquet"),
            applications=tuple(StrategyChoice.model_validate(a) for a in row.applications),
        )

    def compare(
        self, before: int, after: int | None = None, limit: int = 50
    ) -> AssessmentComparison:
        """What changed from run ``before`` to run ``after`` (default: the latest)."""
        a = self.load(before)
        b = self.load(after)
        cols = ["server_key", "cloud", "region", "instance_type", "total_month"]
        j = a.targets.select(cols).join(
            b.targets.select(cols),
            on=["server_key", "cloud", "region"],
            how="full",
            coalesce=True,
            suffix="_after",
        )
        changed = j.filter(
            (pl.col("instance_type").fill_null("") != pl.col("instance_type_after").fill_null(""))
            | (
                (
                    pl.col("total_month").fill_null(0) - pl.col("total_month_after").fill_null(0)
                ).abs()
                > 0.005
            )
        ).sort("server_key", "cloud", "region")
        ta_ = {(t.cloud, t.region): t for t in a.run.summary.totals}
        tb = {(t.cloud, t.region): t for t in b.run.summary.totals}
        keys = sorted(set(ta_) | set(tb))
        return AssessmentComparison(
            before=a.run.id,
            after=b.run.id,
            totals=tuple((ta_.get(k), tb.get(k)) for k in keys),
            changed=tuple(
                ServerChange(
                    server_key=r["server_key"],
                    cloud=r["cloud"],
                    region=r["region"],
                    before=r["instance_type"],
                    after=r["instance_type_after"],
                    before_month=r["total_month"],
                    after_month=r["total_month_after"],
                )
                for r in changed.head(limit).iter_rows(named=True)
            ),
            changed_count=changed.height,
            settings_diff=_diff_yaml(a.run.settings_yaml, b.run.settings_yaml),
        )


def _run(row: object) -> AssessmentRun:
    r = row._mapping  # type: ignore[attr-defined]
    created = r["created_at"]
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return AssessmentRun(
        id=r["id"],
        created_at=created,
        settings_yaml=r["settings_yaml"],
        summary=AssessmentSummary.model_validate(r["summary"]),
    )


def _flatten(data: object, prefix: str = "") -> dict[str, str]:
    if isinstance(data, dict):
        out: dict[str, str] = {}
        for k, v in data.items():
            out.update(_flatten(v, f"{prefix}{k}."))
        return out
    return {prefix.rstrip("."): repr(data)}


def _diff_yaml(before: str, after: str) -> tuple[str, ...]:
    a = _flatten(yaml.safe_load(before) or {})
    b = _flatten(yaml.safe_load(after) or {})
    lines: Sequence[str] = [
        f"{k}: {a.get(k, '-')} → {b.get(k, '-')}"
        for k in sorted(set(a) | set(b))
        if a.get(k) != b.get(k)
    ]
    return tuple(lines)
