"""The report as a workbook: every table of the HTML report on its own sheet, with
native Excel charts (XlsxWriter) for the cost per cloud and region and the TCO."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from skylift.report.assessment import _atomic
from skylift.report.html.model import AssessmentInput, Section, Table

_MAX_NAME = 31


def _sheet_name(title: str, used: set[str]) -> str:
    base = "".join(ch for ch in title if ch not in "[]:*?/\\")[:_MAX_NAME].strip() or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name = base[: _MAX_NAME - len(suffix)] + suffix
        n += 1
    used.add(name.lower())
    return name


def _write_table(wb: Any, ws: Any, table: Table, start_row: int = 0) -> int:
    bold = wb.add_format({"bold": True, "bg_color": "#F0F4F8"})
    for c, name in enumerate(table.columns):
        ws.write(start_row, c, name, bold)
    for r, row in enumerate(table.rows, start=start_row + 1):
        for c, value in enumerate(row):
            if value is not None:
                ws.write(r, c, value)
    ws.freeze_panes(start_row + 1, 0)
    if table.rows:
        ws.autofilter(start_row, 0, start_row + len(table.rows), len(table.columns) - 1)
    for c, name in enumerate(table.columns):
        sample = [len(str(row[c])) for row in table.rows[:200] if row[c] is not None]
        ws.set_column(c, c, min(60, max(8, len(name) + 2, *sample, 0)))
    return start_row + len(table.rows) + 1


def _cost_chart(wb: Any, sheet: str, rows: int) -> Any:
    chart = wb.add_chart({"type": "column", "subtype": "stacked"})
    for col, name in ((4, "compute"), (5, "disks"), (6, "egress")):
        chart.add_series(
            {
                "name": name,
                "categories": [sheet, 1, 0, rows, 1],
                "values": [sheet, 1, col, rows, col],
            }
        )
    chart.set_title({"name": "Monthly cost per cloud and region"})
    chart.set_size({"width": 760, "height": 380})
    return chart


def _tco_sheet(wb: Any, assessment: AssessmentInput, used: set[str]) -> None:
    tco = assessment.summary.tco
    if not tco:
        return
    name = _sheet_name("TCO", used)
    ws = wb.add_worksheet(name)
    bold = wb.add_format({"bold": True})
    years = max(len(t.years) for t in tco)
    ws.write_row(0, 0, ["year", "on-premises (cumulative)"], bold)
    first = tco[0]
    run = 0.0
    for i, y in enumerate(first.years, start=1):
        run += y.on_prem
        ws.write_row(i, 0, [y.year, round(run, 2)])
    for c, t in enumerate(tco, start=2):
        ws.write(0, c, f"{t.cloud}/{t.region} ({t.pricing})", bold)
        run = 0.0
        for i, y in enumerate(t.years, start=1):
            run += y.total
            ws.write(i, c, round(run, 2))
    ws.set_column(0, len(tco) + 1, 22)
    chart = wb.add_chart({"type": "line"})
    for c in range(1, len(tco) + 2):
        chart.add_series(
            {
                "name": [name, 0, c],
                "categories": [name, 1, 0, years, 0],
                "values": [name, 1, c, years, c],
            }
        )
    chart.set_title({"name": "TCO: cumulative cost, on-premises vs migrating"})
    chart.set_x_axis({"name": "year"})
    chart.set_y_axis(
        {"name": assessment.summary.totals[0].currency if assessment.summary.totals else ""}
    )
    chart.set_size({"width": 760, "height": 380})
    ws.insert_chart(years + 3, 0, chart)
    start = years + 24
    ws.write_row(
        start,
        0,
        ["cloud/region", "pricing", "savings 5y %", "NPV savings 5y", "break-even years"],
        bold,
    )
    for i, t in enumerate(tco, start=start + 1):
        ws.write_row(
            i,
            0,
            [
                f"{t.cloud}/{t.region}",
                t.pricing,
                t.savings_pct_5y,
                t.npv_savings_5y,
                t.payback_years or "",
            ],
        )


def write_xlsx(
    path: Path, sections: Sequence[Section], assessment: AssessmentInput | None
) -> list[str]:
    """Write one sheet per table (and a Summary sheet of the headline figures); the
    cost sheet carries a stacked column chart and the TCO sheet a line chart.
    Returns the sheet names. Written to a temporary name, then renamed."""
    import xlsxwriter

    names: list[str] = []

    def write(p: Path) -> None:
        used: set[str] = set()
        with xlsxwriter.Workbook(str(p), {"nan_inf_to_errors": True}) as wb:
            summary = wb.add_worksheet(_sheet_name("Summary", used))
            names.append(summary.name)
            bold = wb.add_format({"bold": True})
            row = 0
            for s in sections:
                summary.write(row, 0, s.title, bold)
                row += 1
                if not s.available:
                    summary.write(row, 0, s.missing)
                    row += 2
                    continue
                for c in s.cards:
                    summary.write_row(row, 0, [c.label, c.value, c.note])
                    row += 1
                row += 1
            summary.set_column(0, 0, 34)
            summary.set_column(1, 2, 40)
            for s in sections:
                for t in s.tables:
                    ws = wb.add_worksheet(_sheet_name(t.title.split(" (")[0], used))
                    names.append(ws.name)
                    _write_table(wb, ws, t)
                    if t.id == "assessment-regions" and t.rows:
                        ws.insert_chart(len(t.rows) + 3, 0, _cost_chart(wb, ws.name, len(t.rows)))
            if assessment is not None:
                _tco_sheet(wb, assessment, used)
                if assessment.summary.tco:
                    names.append("TCO")

    _atomic(path, write)
    return names
