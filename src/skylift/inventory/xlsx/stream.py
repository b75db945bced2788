"""Streaming reader for worksheet XML: yields only rows that hold data.

Used for sparse sheets (a used range far larger than the rows present), where a
range-allocating parser would materialise every empty row. ElementTree's
incremental parser (expat, with its entity-expansion protection) reads the sheet
member; processed rows are cleared so memory stays flat.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator, Sequence
from typing import IO
from xml.etree import ElementTree as ET

_COL = re.compile(r"([A-Z]+)")


def _col_index(ref: str) -> int:
    m = _COL.match(ref)
    if m is None:
        return -1
    n = 0
    for ch in m.group(1):
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def shared_strings(zf: zipfile.ZipFile) -> list[str]:
    """The workbook's shared-string table (empty when it has none)."""
    if "xl/sharedStrings.xml" not in zf.namelist():
        return []
    out: list[str] = []
    with zf.open("xl/sharedStrings.xml") as fh:
        for _, el in ET.iterparse(fh, events=("end",)):  # noqa: S314 (size-checked)
            if _local(el.tag) == "si":
                out.append("".join(t.text or "" for t in el.iter() if _local(t.tag) == "t"))
                el.clear()
    return out


def _cell_value(el: ET.Element, sst: list[str]) -> object:
    kind = el.get("t", "n")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in el.iter() if _local(t.tag) == "t")
    v = next((c.text for c in el if _local(c.tag) == "v"), None)
    if v is None:
        return None
    if kind == "s":
        i = int(v)
        return sst[i] if 0 <= i < len(sst) else None
    if kind == "b":
        return v == "1"
    if kind in ("str", "e"):
        return v
    try:
        f = float(v)
    except ValueError:
        return v
    return int(f) if f.is_integer() else f


def parse_sheet(fh: IO[bytes], sst: list[str]) -> Iterator[tuple[int, Sequence[object]]]:
    """Yield ``(row number, cells)`` for rows holding data; memory stays flat."""
    row_no = 0
    cells: dict[int, object] = {}
    parent: ET.Element | None = None
    for event, el in ET.iterparse(fh, events=("start", "end")):  # noqa: S314 (size-checked)
        tag = _local(el.tag)
        if event == "start":
            if tag == "sheetData":
                parent = el
            continue
        if tag == "c":
            value = _cell_value(el, sst)
            if value is not None and value != "":
                ref = el.get("r")
                col = _col_index(ref) if ref else len(cells)
                cells[col if col >= 0 else len(cells)] = value
        elif tag == "row":
            r = el.get("r")
            row_no = int(r) if r else row_no + 1
            if cells and any(not (isinstance(v, str) and not v.strip()) for v in cells.values()):
                width = max(cells) + 1
                yield row_no, [cells.get(i, "") for i in range(width)]
            cells = {}
            if parent is not None:
                parent.clear()
