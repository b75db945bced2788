"""Fixtures for the RVTools importer tests: workbooks built with samples/rvtools_writer."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import xlsxwriter
from samples.rvtools_writer import RVToolsHost, RVToolsVM, sample_hosts, sample_vm

from skylift.domain.imports import ImportBatch
from skylift.inventory.base import ImportContext
from skylift.inventory.rvtools.importer import RVToolsImporter


def vm(i: int, **changes: Any) -> RVToolsVM:
    """Sample VM ``i`` (see samples/rvtools_writer.sample_vm) with fields replaced."""
    base = sample_vm(i)
    base.template = False
    return dataclasses.replace(base, **changes)


def hosts() -> list[RVToolsHost]:
    """The 40 sample hosts."""
    return sample_hosts()


def parse(*paths: Path) -> ImportBatch:
    """Run the importer without a workspace."""
    return RVToolsImporter().parse(list(paths), ImportContext())


def write_sheets(path: Path, sheets: dict[str, Sequence[Sequence[object]]]) -> Path:
    """A raw workbook: sheet name → rows (first row is the header)."""
    wb = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            ws.write_row(r, 0, list(row))
    wb.close()
    return path
