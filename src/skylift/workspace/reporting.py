"""``skylift report`` and the views of ``skylift serve``, read from one workspace.

:func:`gather` reads whatever the stages left in the workspace (inventory,
latest assessment, latest plan and its strategy trade-off, latest scan,
tracking) into :class:`~skylift.report.html.model.ReportInputs`;
:func:`write_report` renders the HTML (and XLSX, PDF) and writes each file to
a temporary name first, so a failure leaves nothing half-written. Everything
is read before anything is written: an unreadable or newer-schema state store
stops the command with one line and no file.

The latest scan of a workspace is kept as ``.skylift/scans/latest.json``
(:func:`remember_scan`, called by ``skylift scan``).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skylift.errors import ConfigError, InputError, PlanningError, WorkspaceNotFoundError

if TYPE_CHECKING:
    from skylift.domain.findings import ScanResult
    from skylift.report.html.model import (
        AssessmentInput,
        DecisionInput,
        ReportInputs,
        ServiceCheck,
        ServiceLoad,
    )
    from skylift.verify.service.model import LoadComparison
    from skylift.workspace.core import Workspace

SCAN_FILE = Path("scans") / "latest.json"


def remember_scan(explicit: Path | None, result: ScanResult) -> Path | None:
    """Keep ``result`` as the workspace's latest scan (for the report); None outside one."""
    from skylift.workspace.core import Workspace

    try:
        ws = Workspace.open(explicit)
    except WorkspaceNotFoundError:
        return None
    path = ws.state_dir / SCAN_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_text(path, result.model_dump_json())
    return path


def _atomic_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_store(ws: Workspace) -> None:
    """Open (and check) the state store before anything is read or written: a corrupt
    or newer-schema store is a one-line ConfigError (:meth:`StateStore.migrate`)."""
    _ = ws.store


def _assessment(ws: Workspace) -> AssessmentInput | None:
    from skylift.report.html.model import AssessmentInput
    from skylift.workspace.assessments import AssessmentStore

    store = AssessmentStore(ws)
    if not store.list():
        return None
    try:
        a = store.load()
    except OSError as exc:
        raise ConfigError(
            f"the latest assessment's results are unreadable: {exc}", "re-run 'skylift assess'"
        ) from exc
    return AssessmentInput(
        run_id=a.run.id,
        created_at=a.run.created_at,
        summary=a.run.summary,
        servers=a.servers,
        targets=a.targets,
        applications=a.applications,
    )


def _decision(ws: Workspace) -> DecisionInput | None:
    """The seed's deployment-strategy trade-off with the workspace's weights."""
    from skylift.report.html.model import DecisionInput
    from skylift.workspace.deciding import DecideRequest, decide

    weights = ",".join(f"{k}={v:g}" for k, v in ws.settings.constraints.strategy_weights.items())
    d = decide(DecideRequest(seed_example=True, weights=weights))
    return DecisionInput(options=tuple(d.options), choice=d.choice, sweep=tuple(d.sweep))


def _scan(ws: Workspace) -> tuple[ScanResult | None, datetime | None]:
    from pydantic import ValidationError

    from skylift.domain.findings import ScanResult

    path = ws.state_dir / SCAN_FILE
    if not path.exists():
        return None, None
    try:
        result = ScanResult.model_validate_json(path.read_bytes())
    except (ValidationError, OSError) as exc:
        raise ConfigError(
            f"{path}: the stored scan is unreadable ({type(exc).__name__})",
            "re-run 'skylift scan PATH' to replace it",
        ) from exc
    return result, datetime.fromtimestamp(path.stat().st_mtime, UTC)


def _service_checks(ws: Workspace) -> list[ServiceCheck]:
    """The stored ``verify service`` runs, newest first, as the report's rows."""
    from skylift.report.html.model import ServiceCheck
    from skylift.workspace.verifying import service_verifications

    out = []
    for v in service_verifications(ws):
        load = v.performance
        out.append(
            ServiceCheck(
                started_at=v.started_at,
                source=v.source,
                target=v.target,
                passed=v.passed,
                functional=v.functional_passed,
                performance=v.performance_passed,
                security=v.security_passed,
                checks=len(v.functional),
                checks_failed=sum(1 for c in v.functional if not c.passed),
                findings=len(v.findings),
                p95_ms=(load.source.p95_ms, load.target.p95_ms) if load else None,
                throughput=(load.source.throughput, load.target.throughput) if load else None,
                load=_service_load(load) if load else None,
                failed_checks=tuple(
                    (c.name, c.kind, "; ".join(c.problems), c.origin)
                    for c in v.functional
                    if not c.passed
                ),
                security_findings=tuple(
                    (str(f.severity), f.rule_id, f.title, str(f.location)) for f in v.findings
                ),
            )
        )
    return out


def _service_load(load: LoadComparison) -> ServiceLoad:
    """Both load runs and the thresholds in words, for the report's charts."""
    from skylift.report.html.model import LoadSide, ServiceLoad

    t = load.thresholds
    rule = f"target p95 ≤ source p95 × {t.p95_ratio:g} + {t.p95_slack_ms:g} ms"
    rule += f"; error rate ≤ source + {100 * t.error_rate_delta:g} %"
    if t.throughput_ratio is not None:
        rule += f"; req/s ≥ source × {t.throughput_ratio:g}"
    sides = [
        LoadSide(s.p50_ms, s.p95_ms, s.p99_ms, s.throughput, s.error_rate, s.requests,
                 s.histogram)
        for s in (load.source, load.target)
    ]  # fmt: skip
    return ServiceLoad(sides[0], sides[1], load.passed, rule, load.problems)


def gather(ws: Workspace, sections: set[str] | None = None, live: bool = False) -> ReportInputs:
    """Read what the stages left (only what ``sections`` need, when given; ``live``: for
    the dashboard, which serves the usage series on demand instead of embedding them)."""
    from skylift.report.html.model import ReportInputs
    from skylift.workspace.plans import load_plan
    from skylift.workspace.tracking import snapshot

    def wanted(*ids: str) -> bool:
        return sections is None or any(i in sections for i in ids)

    check_store(ws)
    servers = ws.servers() if wanted("summary", "inventory", "dependencies", "tracking") else []
    plan = None
    if wanted("summary", "plan", "dependencies", "tracking"):
        try:
            plan = load_plan(ws)
        except PlanningError:
            plan = None
    scan, scan_at = _scan(ws) if wanted("summary", "security") else (None, None)
    return ReportInputs(
        project=ws.settings.project,
        generated_at=datetime.now(UTC),
        currency=ws.settings.currency,
        servers=servers,
        dependencies=ws.dependencies() if wanted("dependencies") else [],
        with_series=ws.store.series_server_keys() if wanted("summary") else frozenset(),
        assessment=_assessment(ws) if wanted("summary", "inventory", "assessment") else None,
        plan=plan,
        decision=_decision(ws) if plan is not None and wanted("plan") else None,
        scan=scan,
        scan_at=scan_at,
        tracking=snapshot(ws) if wanted("transfers", "tracking") else None,
        service_checks=_service_checks(ws) if wanted("transfers") else [],
        **(_optimization(ws, live) if wanted("optimize") else {}),
        decomposition=_decomposition(ws) if wanted("decompose") else None,
    )


def _decomposition(ws: Workspace) -> dict[str, Any] | None:
    """The latest ``skylift decompose`` run, or None."""
    from skylift.workspace.decomposing import latest

    return latest(ws.state_dir)


def _optimization(ws: Workspace, live: bool) -> dict[str, Any]:
    """The latest ``skylift optimize`` run and its worst workloads' usage series."""
    from skylift.report.html.views_usage import EMBEDDED_PER_KIND, SHOWN_PER_KIND
    from skylift.workspace.optimizing import optimization_runs
    from skylift.workspace.usage_series import top_usage

    runs = optimization_runs(ws, 1)
    if not runs:
        return {}
    per_kind = SHOWN_PER_KIND if live else EMBEDDED_PER_KIND
    return {
        "optimization": runs[0],
        "usage": top_usage(ws, runs[0]["run"], per_kind),
        "usage_source": "fetch" if live else "embedded",
    }


@dataclass(frozen=True)
class ReportRequest:
    """``skylift report``: where to write the HTML, and optionally XLSX and PDF."""

    out: Path | None = None  # default: report.html in the workspace
    xlsx: Path | None = None
    pdf: Path | None = None
    workspace: Path | None = None


@dataclass(frozen=True)
class ReportResult:
    """What was written, and which sections have content."""

    html: Path
    html_bytes: int
    xlsx: Path | None
    pdf: Path | None
    sections: dict[str, str] = field(default_factory=dict)  # id → "" or what fills it

    def as_json(self) -> dict[str, Any]:
        """The ``--json`` document."""
        return {
            "html": str(self.html),
            "html_bytes": self.html_bytes,
            "xlsx": str(self.xlsx) if self.xlsx else None,
            "pdf": str(self.pdf) if self.pdf else None,
            "sections": {k: {"available": not v, "missing": v} for k, v in self.sections.items()},
        }


def _target(path: Path, flag: str, suffix: str) -> Path:
    """Check an output path before any work: not a folder, its folder writable."""
    p = path.expanduser()
    if p.is_dir():
        raise InputError(
            f"{flag} {path}: is a folder", f"give a file name, e.g. {path / ('report' + suffix)}"
        )
    folder = p.resolve().parent
    if not folder.is_dir():
        raise InputError(f"{flag} {path}: folder {folder} does not exist", "create it first")
    if not os.access(folder, os.W_OK):
        raise InputError(
            f"{flag} {path}: folder {folder} is not writable", "give a path you can write to"
        )
    if p.exists() and not os.access(p, os.W_OK):
        raise InputError(f"{flag} {path}: file is not writable", "give a path you can write to")
    return p


def write_report(request: ReportRequest) -> ReportResult:
    """Render the workspace's report and write the files asked for (all or nothing per file)."""
    from skylift.report.html.render import build_sections, render_report
    from skylift.workspace.core import Workspace

    with Workspace.open(request.workspace) as ws:
        out = _target(request.out or ws.root / "report.html", "--out", ".html")
        xlsx = _target(request.xlsx, "--xlsx", ".xlsx") if request.xlsx else None
        pdf = _target(request.pdf, "--pdf", ".pdf") if request.pdf else None
        if pdf is not None:
            from skylift.report.pdf import find_chromium

            find_chromium()  # before any work: --pdf without a browser is a one-line error
        inputs = gather(ws)
    html = render_report(inputs)
    try:
        _atomic_text(out, html)
    except OSError as exc:
        raise InputError(
            f"--out {out}: cannot write: {exc.strerror or exc}", "give a path you can write to"
        ) from exc
    sections = build_sections(inputs)
    if xlsx is not None:
        from skylift.report.xlsx import write_xlsx

        write_xlsx(xlsx, sections, inputs.assessment)
    if pdf is not None:
        from skylift.report.pdf import print_pdf

        print_pdf(out, pdf)
    return ReportResult(
        html=out.resolve(),
        html_bytes=len(html.encode()),
        xlsx=xlsx.resolve() if xlsx else None,
        pdf=pdf.resolve() if pdf else None,
        sections={s.id: s.missing for s in sections},
    )
