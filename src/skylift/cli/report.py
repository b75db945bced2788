"""``skylift report``: the workspace as one self-contained HTML file (and XLSX, PDF)."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer

from skylift.cli.context import JSON_OPTION, global_options
from skylift.cli.output import emit, err, out

REPORT_HELP = """Write the migration report: one HTML file that opens offline (from file:// or
an e-mail attachment), with a section for every stage that has run and, for the
others, the command that fills them.

Examples:

  skylift report                                  # report.html in the workspace

  skylift report --out build/estate.html --xlsx build/estate.xlsx

  skylift report --pdf estate.pdf                  # printed by headless Chromium

  skylift report --json | jq '.sections'
"""


def report(
    ctx: typer.Context,
    out_path: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="HTML file (default: report.html in the workspace)."),
    ] = None,
    xlsx: Annotated[
        Path | None, typer.Option(help="Also write the tables as XLSX, with Excel charts.")
    ] = None,
    pdf: Annotated[Path | None, typer.Option(help="Also print the report to PDF.")] = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Write the HTML (and XLSX/PDF) report."""
    from skylift.workspace.reporting import ReportRequest, write_report

    request = ReportRequest(
        out=out_path, xlsx=xlsx, pdf=pdf, workspace=global_options(ctx).workspace
    )
    with err.status("Writing the report…") if not as_json else nullcontext():
        result = write_report(request)

    def render() -> None:
        for sid, why in result.sections.items():
            out.print(
                f"  {'[green]✓[/green]' if not why else '[yellow]–[/yellow]'} {sid}"
                + (f": {why}" if why else ""),
                highlight=False,
            )
        for path in (result.xlsx, result.pdf):
            if path is not None:
                out.print(f"Wrote {path}", highlight=False)
        out.print(f"Report: {result.html} ({result.html_bytes / 1e6:.1f} MB)", highlight=False)

    emit(result.as_json(), as_json, render)
