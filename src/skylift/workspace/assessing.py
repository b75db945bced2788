"""``skylift assess`` as one call: the flags as typed values in, a stored run out.

:class:`AssessFlags` turns the command's flags into settings overrides (flags
override skylift.yaml); :func:`assess_workspace` opens the workspace with
them and lists, compares, or runs, stores and exports an assessment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skylift.domain.cloud import Cloud
from skylift.domain.progress import NULL_PROGRESS, Progress
from skylift.errors import ConfigError

if TYPE_CHECKING:
    from skylift.assess.result import Assessment
    from skylift.domain.assessment import AssessmentComparison, AssessmentRun

CLOUD_NAMES = tuple(c.value for c in Cloud)


@dataclass(frozen=True)
class AssessFlags:
    """Settings given as flags; None (or empty) leaves skylift.yaml's value."""

    window: int | None = None
    statistic: str | None = None
    memory_statistic: str | None = None
    headroom: float | None = None
    pricing: str | None = None
    clouds: str | None = None
    as_is: bool = False
    burstable: bool | None = None
    forecast: bool | None = None
    horizon: int | None = None
    include_powered_off: bool | None = None
    families: str | None = None
    partial_gpus: bool | None = None
    rates: tuple[str, ...] = ()

    def overrides(self) -> dict[str, Any]:
        """The ``sizing`` and ``assess`` settings overrides these flags make
        (``--clouds`` needs skylift.yaml's targets: :func:`parse_targets`)."""
        sizing: dict[str, Any] = {}
        if self.window is not None:
            sizing["window_days"] = self.window
        if self.statistic is not None:
            sizing["cpu_statistic"] = self.statistic
            sizing.setdefault("memory_statistic", self.statistic)
        if self.memory_statistic is not None:
            sizing["memory_statistic"] = self.memory_statistic
        if self.headroom is not None:
            sizing["headroom"] = {"style": "comfort_factor", "value": self.headroom}
        if self.pricing is not None:
            sizing["pricing"] = self.pricing
        if self.as_is:
            sizing["method"] = "as-is"
        if self.burstable is not None:
            sizing["allow_burstable"] = self.burstable
        fc: dict[str, Any] = {}
        if self.forecast is not None:
            fc["enabled"] = self.forecast
        if self.horizon is not None:
            fc["horizon_months"] = self.horizon
        out: dict[str, Any] = {"sizing": sizing} if sizing else {}
        section = self._assess_keys()
        if fc:
            section["forecast"] = fc
        if section:
            out["assess"] = section
        return out

    def _assess_keys(self) -> dict[str, Any]:
        """``assess:`` settings from the flags (only those given)."""
        out: dict[str, Any] = {}
        if self.include_powered_off is not None:
            out["include_powered_off"] = self.include_powered_off
        fam: dict[str, Any] = {}
        if self.families is not None:
            fam["classes"] = [f.strip() for f in self.families.split(",") if f.strip()]
        if self.partial_gpus is not None:
            fam["partial_gpus"] = self.partial_gpus
        if fam:
            out["families"] = fam
        if self.rates:
            out["currency_rates"] = parse_rates(self.rates)
        return out


def parse_rates(items: tuple[str, ...]) -> dict[str, float]:
    """``CNY=0.14`` items as ``{"CNY": 0.14}``; ConfigError naming the bad item."""
    parsed: dict[str, float] = {}
    for item in items:
        code, _, value = item.partition("=")
        try:
            parsed[code.strip().upper()] = float(value)
        except ValueError:
            raise ConfigError(
                f"--rate {item!r}: expected CURRENCY=RATE, e.g. CNY=0.14",
                "RATE is units of the reporting currency (skylift.yaml 'currency') "
                "per unit of CURRENCY",
            ) from None
    return parsed


def parse_targets(spec: str, current: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``aws,gcp:europe-west1`` → targets (a cloud alone keeps its configured regions)."""
    have = {t["cloud"]: t["regions"] for t in current}
    picked: dict[str, list[str]] = {}
    for part in [p.strip() for p in spec.split(",") if p.strip()]:
        cloud, _, region = part.partition(":")
        cloud = cloud.lower()
        if cloud not in CLOUD_NAMES:
            raise ConfigError(
                f"--clouds: unknown cloud {cloud!r}; valid: {', '.join(CLOUD_NAMES)}",
                "e.g. --clouds aws,azure:westeurope",
            )
        regions = [region] if region else list(have.get(cloud, []))
        if not regions:
            raise ConfigError(
                f"--clouds: {cloud} has no region in skylift.yaml 'targets'",
                f"name one, e.g. --clouds {cloud}:REGION "
                f"(see 'skylift catalog show --cloud {cloud}')",
            )
        picked.setdefault(cloud, [])
        picked[cloud] += [r for r in regions if r not in picked[cloud]]
    return [{"cloud": c, "regions": r} for c, r in picked.items()]


@dataclass(frozen=True)
class AssessRequest:
    """One ``skylift assess``: list runs, compare run ``compare`` with the latest,
    or run (and write ``csv`` / ``xlsx``)."""

    flags: AssessFlags = field(default_factory=AssessFlags)
    csv: Path | None = None
    xlsx: Path | None = None
    list_runs: bool = False
    compare: int | None = None
    workspace: Path | None = None


@dataclass(frozen=True)
class AssessOutcome:
    """A stored run, its full result, and the files written (kind → path)."""

    run: AssessmentRun
    result: Assessment
    files: dict[str, str]

    def as_json(self) -> dict[str, Any]:
        """The ``--json`` document."""
        run, result = self.run, self.result
        return {
            "run": {"id": run.id, "created_at": run.created_at.isoformat()},
            "summary": run.summary,
            "applications": list(result.applications),
            "servers": result.servers.to_dicts(),
            "targets": result.targets.to_dicts(),
            "files": self.files,
        }


def assess_workspace(
    request: AssessRequest, progress: Progress = NULL_PROGRESS
) -> list[AssessmentRun] | AssessmentComparison | AssessOutcome:
    """Open the workspace with the flags' overrides; list runs, compare, or assess.

    A run is stored in the workspace, then written to ``csv`` / ``xlsx`` when given.
    """
    from skylift.workspace.assessments import AssessmentStore
    from skylift.workspace.core import Workspace

    overrides = request.flags.overrides()
    if request.flags.clouds is not None:  # settings only: the store is not opened
        with Workspace.open(request.workspace) as ws0:
            current = [t.model_dump(mode="json") for t in ws0.settings.targets]
        overrides["targets"] = parse_targets(request.flags.clouds, current)
    with Workspace.open(request.workspace, overrides=overrides) as ws:
        store = AssessmentStore(ws)
        if request.list_runs:
            return store.list()
        if request.compare is not None:
            return store.compare(request.compare)
        run, result = store.run(progress)
    return AssessOutcome(run, result, _export(result, request.csv, request.xlsx))


def _export(result: Assessment, csv: Path | None, xlsx: Path | None) -> dict[str, str]:
    from skylift.report.assessment import write_csv, write_xlsx

    files: dict[str, str] = {}
    if csv is not None:
        write_csv(csv, result.servers, result.targets)
        files["csv"] = str(csv)
    if xlsx is not None:
        write_xlsx(xlsx, result.servers, result.targets, result.summary, result.applications)
        files["xlsx"] = str(xlsx)
    return files
