"""Safe, streaming reading of .xlsx sheets as :class:`~skylift.inventory.tabular.Table`.

Before a workbook is handed to a parser it is checked as a zip archive:

* not a zip → ``InputError("not an .xlsx workbook (not a zip archive)")``; an OLE
  compound file (password-protected workbook or legacy ``.xls``) gets its own message;
* every member is decompressed once, streaming, and counted: the total uncompressed
  size is capped (:attr:`XlsxLimits.max_total_bytes`, 4 GiB by default, override with
  ``SKYLIFT_XLSX_MAX_BYTES``) and so is each member's compression ratio
  (:attr:`XlsxLimits.max_ratio`, 200:1, for members over 1 MiB) — zip bombs are
  refused before any parser sees them, whatever sizes the archive headers claim;
* in the same pass each worksheet's real extent is measured (rows present, last row).

Sheets are then read with python-calamine (Rust; ~10× faster than openpyxl
read-only, see docs/benchmarks.md). Calamine allocates the sheet's *used* range, so
a sheet whose rows are sparse (a stray value at row 1,048,576, say) would be
materialised as a million empty rows; such sheets are read instead by a streaming
XML reader that yields only rows that hold data. A declared ``<dimension>`` is
never trusted by either path.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

import python_calamine as pc

from skylift.errors import InputError, InputLocation
from skylift.inventory.tabular import Table
from skylift.inventory.xlsx.stream import parse_sheet, shared_strings

GIB = 1 << 30
MIB = 1 << 20
_CHUNK = 1 << 20
_TAIL = 64 << 10
#: Parse the next sheet ahead only while both sheets' XML together is at most this.
PREFETCH_XML_BYTES = 512 * MIB
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ROW_TAG = re.compile(rb"<(?:\w+:)?row\b[^>]*?\br=\"(\d+)\"")
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@dataclass(frozen=True)
class XlsxLimits:
    """Caps that protect against zip bombs. Sizes are uncompressed bytes."""

    max_total_bytes: int = 4 * GIB
    max_ratio: float = 200.0
    ratio_floor_bytes: int = MIB

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> XlsxLimits:
        """Defaults, with ``SKYLIFT_XLSX_MAX_BYTES`` (an integer, bytes) applied when set."""
        env = os.environ if environ is None else environ
        raw = env.get("SKYLIFT_XLSX_MAX_BYTES", "").strip()
        if not raw:
            return cls()
        try:
            value = int(raw.replace("_", ""))
        except ValueError:
            raise InputError(
                f"SKYLIFT_XLSX_MAX_BYTES must be a whole number of bytes, got {raw!r}",
                "e.g. SKYLIFT_XLSX_MAX_BYTES=8589934592 for 8 GiB",
            ) from None
        return cls(max_total_bytes=value)


@dataclass(frozen=True)
class SheetExtent:
    """What a worksheet really holds: ``rows`` row elements, the last at ``last_row``,
    in ``xml_bytes`` of uncompressed XML."""

    member: str
    rows: int = 0
    last_row: int = 0
    xml_bytes: int = 0

    @property
    def sparse(self) -> bool:
        """True when the used range is far larger than the rows present."""
        return self.last_row > 2 * self.rows + 1024


@dataclass
class Workbook:
    """A checked workbook: sheet names in order and their measured extents.

    :meth:`prefetch` lets the next sheet be parsed (Rust, without the GIL) on a
    background thread while the caller processes the current one — only while the
    two sheets' XML together stay under :data:`PREFETCH_XML_BYTES`, so the look-ahead
    never raises peak memory above what the largest sheet alone needs (parsed cells
    take about twice their XML size).
    """

    path: Path
    sheets: dict[str, SheetExtent] = field(default_factory=dict)
    _calamine: pc.CalamineWorkbook | None = None
    _plan: list[str] = field(default_factory=list)
    _loads: dict[str, Future[pc.CalamineSheet]] = field(default_factory=dict)
    _pool: ThreadPoolExecutor | None = None

    def sheet_names(self) -> list[str]:
        """Sheet names in workbook order."""
        return list(self.sheets)

    def find(self, name: str) -> str | None:
        """The workbook's spelling of sheet ``name`` (case-insensitive), or ``None``."""
        want = name.strip().lower()
        for s in self.sheets:
            if s.strip().lower() == want:
                return s
        return None

    def prefetch(self, order: Sequence[str]) -> None:
        """Declare the order sheets will be read in (exact names; absent ones are ignored)."""
        self._plan = [s for s in order if s in self.sheets and not self.sheets[s].sparse]

    def table(self, sheet: str) -> Table:
        """Stream sheet ``sheet`` (exact name) as a table; the first non-empty row is the header."""
        extent = self.sheets[sheet]
        rows = _stream_rows(self.path, extent) if extent.sparse else self._calamine_rows(sheet)
        header: Sequence[object] = ()
        for _, cells in rows:
            header = cells
            break
        return Table(
            file=str(self.path),
            sheet=sheet,
            header=tuple("" if h is None else str(h).strip() for h in header),
            rows=rows,
        )

    def _load(self, sheet: str) -> Future[pc.CalamineSheet]:
        if sheet not in self._loads:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xlsx")
            self._loads[sheet] = self._pool.submit(self._parse, sheet)
        return self._loads[sheet]

    def _parse(self, sheet: str) -> pc.CalamineSheet:
        if self._calamine is None:
            self._calamine = pc.CalamineWorkbook.from_path(str(self.path))
        return self._calamine.get_sheet_by_name(sheet)

    def _calamine_rows(self, sheet: str) -> Iterator[tuple[int, Sequence[object]]]:
        future = self._load(sheet)
        if sheet in self._plan:
            later = self._plan[self._plan.index(sheet) + 1 :]
            pair = self.sheets[sheet].xml_bytes + (self.sheets[later[0]].xml_bytes if later else 0)
            if later and pair <= PREFETCH_XML_BYTES:
                self._load(later[0])
        try:
            data = future.result()
        except pc.PasswordError as exc:
            raise _encrypted(self.path) from exc
        except (pc.CalamineError, pc.XmlError, pc.ZipError, ValueError, OSError) as exc:
            raise _corrupt(self.path, sheet, exc) from exc
        finally:
            self._loads.pop(sheet, None)
        start = data.start
        first = start[0] + 1 if start is not None else 1
        return _non_empty(enumerate(data.iter_rows(), start=first))

    def close(self) -> None:
        """Release the parser and any sheet loaded ahead."""
        if self._pool is not None:
            for f in self._loads.values():
                f.cancel()
            self._pool.shutdown(wait=True)
            self._pool = None
        self._loads.clear()
        if self._calamine is not None:
            self._calamine.close()
            self._calamine = None


def _non_empty(
    rows: Iterator[tuple[int, Sequence[object]]],
) -> Iterator[tuple[int, Sequence[object]]]:
    for n, cells in rows:
        for c in cells:
            if c is not None and c != "" and not (isinstance(c, str) and not c.strip()):
                yield n, cells
                break


def _encrypted(path: Path) -> InputError:
    return InputError(
        "the workbook is password-protected (or a legacy .xls), not a plain .xlsx",
        "open it in Excel and save it without a password as .xlsx, or export RVTools to CSV",
        InputLocation(str(path)),
    )


def _corrupt(path: Path, sheet: str | None, exc: BaseException) -> InputError:
    reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
    return InputError(
        f"the workbook is corrupt or unreadable ({reason})",
        "export it again from RVTools, or export to CSV instead",
        InputLocation(str(path), sheet),
    )


def open_workbook(path: Path, limits: XlsxLimits | None = None) -> Workbook:
    """Check ``path`` as a safe .xlsx and measure its sheets; raise :class:`InputError` if not.

    Every member is decompressed once (streaming, bounded memory) to enforce
    ``limits`` on the real, not the declared, sizes.
    """
    limits = limits or XlsxLimits()
    loc = InputLocation(str(path))
    try:
        with path.open("rb") as fh:
            magic = fh.read(8)
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", "check the path", loc) from exc
    if not magic:
        raise InputError("the file is empty", "export the workbook again from RVTools", loc)
    if magic.startswith(_OLE_MAGIC):
        raise _encrypted(path)
    if not magic.startswith(b"PK"):
        raise InputError(
            "not an .xlsx workbook (not a zip archive)",
            "pass the RVTools .xlsx export, or a folder of its CSV files",
            loc,
        )
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            if "xl/workbook.xml" not in names:
                raise InputError(
                    "not an .xlsx workbook (a zip archive without xl/workbook.xml)",
                    "pass the RVTools .xlsx export, or a folder of its CSV files",
                    loc,
                )
            extents = _measure(path, zf, limits)
            order = _sheet_members(zf)
    except zipfile.BadZipFile as exc:
        raise _corrupt(path, None, exc) from exc
    except (ET.ParseError, KeyError, EOFError, ValueError, OSError) as exc:
        raise _corrupt(path, None, exc) from exc
    sheets = {name: extents.get(member, SheetExtent(member)) for name, member in order}
    return Workbook(path=path, sheets=sheets)


def _measure(path: Path, zf: zipfile.ZipFile, limits: XlsxLimits) -> dict[str, SheetExtent]:
    total = 0
    extents: dict[str, SheetExtent] = {}
    for info in zf.infolist():
        if info.is_dir():
            continue
        if info.flag_bits & 0x1:
            raise _encrypted(path)
        is_sheet = info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
        size = rows = last = 0
        tail = b""
        needle = b"<row "
        with zf.open(info) as member:
            while chunk := member.read(_CHUNK):
                size += len(chunk)
                total += len(chunk)
                _check(path, info, size, total, limits)
                if is_sheet:
                    if size == len(chunk) and needle not in chunk and b":row " in chunk:
                        needle = b":row "  # namespace-prefixed XML (<x:row …>)
                    window = tail + chunk
                    rows += window.count(needle) - tail.count(needle)
                    tail = window[-_TAIL:]
        if is_sheet:
            found = _ROW_TAG.findall(tail)
            last = int(found[-1]) if found else rows
            extents[info.filename] = SheetExtent(info.filename, rows, last, size)
    return extents


def _check(path: Path, info: zipfile.ZipInfo, size: int, total: int, limits: XlsxLimits) -> None:
    if total > limits.max_total_bytes:
        raise InputError(
            f"the workbook expands to more than {limits.max_total_bytes:,} bytes "
            "(possible zip bomb)",
            "if the export is genuine, raise the limit with SKYLIFT_XLSX_MAX_BYTES=<bytes>",
            InputLocation(str(path), value=info.filename),
        )
    if size > limits.ratio_floor_bytes and size > limits.max_ratio * max(info.compress_size, 1):
        raise InputError(
            f"member {info.filename} expands more than {limits.max_ratio:g}:1 (possible zip bomb)",
            "export the workbook again from RVTools; real exports compress about 10:1",
            InputLocation(str(path)),
        )


def _sheet_members(zf: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, member path) in workbook order, via xl/_rels/workbook.xml.rels."""
    rels: dict[str, str] = {}
    if "xl/_rels/workbook.xml.rels" in zf.namelist():
        root = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))  # noqa: S314 (size-checked)
        for rel in root:
            target = rel.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            rels[rel.get("Id", "")] = target
    wb = ET.fromstring(zf.read("xl/workbook.xml"))  # noqa: S314 (size-checked above)
    out: list[tuple[str, str]] = []
    for i, el in enumerate(e for e in wb.iter() if e.tag.endswith("}sheet")):
        rid = el.get(f"{{{_REL_NS}}}id", "")
        out.append(
            (el.get("name", f"Sheet{i + 1}"), rels.get(rid, f"xl/worksheets/sheet{i + 1}.xml"))
        )
    return out


def _stream_rows(path: Path, extent: SheetExtent) -> Iterator[tuple[int, Sequence[object]]]:
    """Yield only rows holding data, reading the sheet XML incrementally."""
    try:
        with zipfile.ZipFile(path) as zf:
            sst = shared_strings(zf)
            with zf.open(extent.member) as fh:
                yield from parse_sheet(fh, sst)
    except (ET.ParseError, zipfile.BadZipFile, ValueError) as exc:
        raise _corrupt(path, None, exc) from exc
