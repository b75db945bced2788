"""Export an assessment to CSV (one row per server × target) or XLSX (several sheets).

Files are written to a temporary name beside the target and renamed, so a
failed export leaves nothing half-written.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import polars as pl

from skylift.domain.assessment import AssessmentSummary, StrategyChoice
from skylift.errors import InputError


def flat_rows(servers: pl.DataFrame, targets: pl.DataFrame) -> pl.DataFrame:
    """Targets joined with their server's sizing and strategy columns."""
    return servers.join(targets, on="server_key", how="left").sort("name", "cloud", "region")


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    folder = path.expanduser().resolve().parent
    if not folder.is_dir():
        raise InputError(
            f"{path}: folder {folder} does not exist", "create it or pick another path"
        )
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_csv(path: Path, servers: pl.DataFrame, targets: pl.DataFrame) -> int:
    """Write one row per server × target region; returns the number of rows."""
    rows = flat_rows(servers, targets)
    _atomic(path, rows.write_csv)
    return rows.height


def _tco_frame(summary: AssessmentSummary) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "cloud": t.cloud,
                "region": t.region,
                "pricing": t.pricing,
                "currency": t.currency,
                "on_prem_annual": t.on_prem_annual,
                "cloud_annual": t.cloud_annual,
                "on_prem_5y": t.on_prem_5y,
                "with_cloud_5y": t.with_cloud_5y,
                "savings_pct_5y": t.savings_pct_5y,
                "npv_savings_5y": t.npv_savings_5y,
                "payback_years": t.payback_years,
                "note": t.note,
            }
            for t in summary.tco
        ]
    )


def _apps_frame(apps: Sequence[StrategyChoice]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "application": [a.subject for a in apps],
            "strategy": [a.preferred.strategy.value for a in apps],
            "service_model": [a.preferred.service_model.value for a in apps],
            "reason": [a.preferred.reason for a in apps],
            "alternatives": [
                "; ".join(f"{o.strategy.value}/{o.service_model.value}" for o in a.alternatives)
                for a in apps
            ],
        },
        schema={
            c: pl.String
            for c in ("application", "strategy", "service_model", "reason", "alternatives")
        },
    )


def write_xlsx(
    path: Path,
    servers: pl.DataFrame,
    targets: pl.DataFrame,
    summary: AssessmentSummary,
    applications: Sequence[StrategyChoice],
) -> list[str]:
    """Write sheets Totals, Servers, Targets, Applications, TCO, Warnings; returns sheet names."""
    import xlsxwriter

    totals = (
        pl.DataFrame([t.model_dump() for t in summary.totals]) if summary.totals else pl.DataFrame()
    )
    sheets: list[tuple[str, pl.DataFrame]] = [
        ("Totals", totals),
        ("Servers", servers),
        ("Targets", targets),
        ("Applications", _apps_frame(applications)),
        ("TCO", _tco_frame(summary) if summary.tco else pl.DataFrame()),
        (
            "Warnings",
            pl.DataFrame({"warning": list(summary.warnings)}, schema={"warning": pl.String}),
        ),
    ]

    def write(p: Path) -> None:
        with xlsxwriter.Workbook(str(p)) as wb:
            for name, frame in sheets:
                if frame.width == 0:
                    wb.add_worksheet(name)
                    continue
                frame.write_excel(workbook=wb, worksheet=name, autofit=frame.height < 5000)

    _atomic(path, write)
    return [n for n, _ in sheets]
