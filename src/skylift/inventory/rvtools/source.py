"""Where RVTools sheets come from: an .xlsx workbook or RVTools' per-sheet CSV export.

Also the fast, typed cell access used on hundreds of thousands of rows: columns
are resolved once per sheet, cells are read by index, and every bad value
raises :class:`InputError` naming file, sheet, row, column and value.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from skylift.errors import InputError, InputLocation
from skylift.inventory.tabular import Table, norm_header, parse_number, read_csv
from skylift.inventory.xlsx.workbook import Workbook, XlsxLimits, open_workbook

#: The order the importer reads sheets in (the workbook parses the next one ahead).
SHEET_ORDER = ("vHost", "vInfo", "vCPU", "vMemory", "vDisk", "vPartition", "vNetwork")
_CSV_NAME = re.compile(r"^(?:rvtools_?)?(?:tab)?(v[a-z]+)$", re.IGNORECASE)


class RVToolsSource:
    """One RVTools export: an .xlsx file, a folder of CSVs, or CSV files from one folder."""

    def __init__(self, path: Path, limits: XlsxLimits, csv_files: Sequence[Path] = ()) -> None:
        self.path = path
        self._workbook: Workbook | None = None
        self._csv: dict[str, Path] = {}
        if csv_files or path.is_dir():
            files = list(csv_files) or sorted(p for p in path.iterdir() if p.is_file())
            for f in files:
                m = _CSV_NAME.match(f.stem) if f.suffix.lower() == ".csv" else None
                if m:
                    self._csv.setdefault(m.group(1).lower(), f)
            if not self._csv:
                raise InputError(
                    "no RVTools CSV files found (expected names like RVTools_tabvInfo.csv)",
                    "export RVTools to CSV ('Export all to csv') or pass the .xlsx",
                    InputLocation(str(path)),
                )
        else:
            self._workbook = open_workbook(path, limits)
            wb = self._workbook
            self._workbook.prefetch([r for name in SHEET_ORDER if (r := wb.find(name))])

    def sheet_names(self) -> list[str]:
        """Sheets present (workbook names, or CSV sheet names in lower case)."""
        if self._workbook is not None:
            return self._workbook.sheet_names()
        return sorted(self._csv)

    def has(self, name: str) -> bool:
        """True when sheet ``name`` (case-insensitive) is present."""
        if self._workbook is not None:
            return self._workbook.find(name) is not None
        return name.lower() in self._csv

    def rows_hint(self, name: str | None) -> float | None:
        """Data rows of sheet ``name`` as measured in the workbook (``None`` for CSV/unknown)."""
        if self._workbook is None or name is None:
            return None
        real = self._workbook.find(name)
        if real is None:
            return None
        return float(max(self._workbook.sheets[real].rows - 1, 0))

    def table(self, name: str) -> Table | None:
        """Sheet ``name`` (case-insensitive) as a streamed table, or ``None`` when absent."""
        if self._workbook is not None:
            real = self._workbook.find(name)
            return None if real is None else self._workbook.table(real)
        f = self._csv.get(name.lower())
        if f is None:
            return None
        return replace(read_csv(f), sheet=name)

    def close(self) -> None:
        """Release the workbook parser, if any."""
        if self._workbook is not None:
            self._workbook.close()


def group_sources(paths: Sequence[Path], limits: XlsxLimits) -> list[RVToolsSource]:
    """One source per .xlsx or folder; loose CSV files are grouped by their folder."""
    out: list[RVToolsSource] = []
    loose: dict[Path, list[Path]] = {}
    for p in paths:
        if p.is_file() and p.suffix.lower() == ".csv":
            loose.setdefault(p.parent, []).append(p)
        else:
            out.append(RVToolsSource(p, limits))
    for parent, files in loose.items():
        out.append(RVToolsSource(parent, limits, files))
    return out


# --------------------------------------------------------------------------- cells

_BOOL = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


@dataclass(frozen=True)
class Cells:
    """Typed access to the cells of one table by pre-resolved column index."""

    table: Table

    def index(self, names: Sequence[str]) -> int | None:
        """Index of the first header among ``names`` present in the sheet."""
        cols = self.table.columns()
        for n in names:
            i = cols.get(norm_header(n))
            if i is not None:
                return i
        return None

    def loc(self, row: int, i: int | None = None, value: object = None) -> InputLocation:
        """Where a cell is, for messages."""
        column = self.table.header[i] if i is not None and i < len(self.table.header) else None
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # show 4, not 4.0, as the spreadsheet does
        return InputLocation(
            self.table.file,
            self.table.sheet,
            row,
            column,
            None if value is None else str(value),
        )

    @staticmethod
    def raw(cells: Sequence[object], i: int | None) -> object:
        """Cell ``i`` or ``None`` when absent or blank."""
        if i is None or i >= len(cells):
            return None
        v = cells[i]
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        return v

    def text(self, cells: Sequence[object], i: int | None) -> str | None:
        """Cell as stripped text (``4.0`` → ``'4'``)."""
        if i is None or i >= len(cells):
            return None
        v = cells[i]
        if type(v) is str:
            return v.strip() or None
        if v is None:
            return None
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v).strip() or None

    def number(
        self,
        row: int,
        cells: Sequence[object],
        i: int | None,
        expected: str = "a size in MiB",
        whole: bool = False,
    ) -> float | None:
        """Cell as a non-negative number; thousands separators accepted; bad → InputError."""
        v = self.raw(cells, i)
        if v is None:
            return None
        if isinstance(v, bool):
            value: float | None = None
        elif isinstance(v, int | float):
            value = float(v)
        else:
            value = parse_number(v)
        if value is None:
            raise InputError(
                f"expected {expected}, got text",
                "fix the cell or leave it empty",
                self.loc(row, i, v),
            )
        if value < 0:
            raise InputError(
                f"expected {expected} ≥ 0, got a negative value",
                "sizes and counts cannot be negative; fix the cell or leave it empty",
                self.loc(row, i, v),
            )
        if whole and not value.is_integer():
            raise InputError(
                f"expected {expected}, got a fraction",
                "fix the cell or leave it empty",
                self.loc(row, i, v),
            )
        return value

    def flag(self, row: int, cells: Sequence[object], i: int | None) -> bool | None:
        """``True``/``False`` (also yes/no, 1/0) → bool; anything else → InputError."""
        v = self.raw(cells, i)
        if v is None:
            return None
        if isinstance(v, bool):
            return v
        b = _BOOL.get(str(v).strip().lower())
        if b is None:
            raise InputError("expected True or False", "use True or False", self.loc(row, i, v))
        return b
