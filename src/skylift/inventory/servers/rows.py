"""CSV server lists: one entry per row.

Disks as ``disk_1_gib``, ``disk_1_used_gib`` … or one ``disks_gib`` cell
``"100;200"``; services as ``"80:nginx; 443/tcp:nginx"``; tags as
``"env=prod; owner=ops"``; any other column becomes a tag. Cells are typed
here (sizes with their unit checked); the schema validates the entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from skylift.errors import InputError, InputLocation
from skylift.inventory.server_rows import GB_UNITS, MB_UNITS, extra_columns, extra_tags, sized
from skylift.inventory.servers.schema import FIELDS, HINT, ServerEntry
from skylift.inventory.tabular import Row, norm_header, parse_number, read_csv

_INT_FIELDS = ("cores", "sockets", "gpus")
_FLOAT_FIELDS = (
    "memory_gib", "memory_mib", "cpu_util_pct", "mem_util_pct", "net_in_mbps", "net_out_mbps",
)  # fmt: skip
_SIZE_UNITS = {"memory_gib": GB_UNITS, "memory_mib": MB_UNITS}
_LIST_FIELDS = ("disks", "services", "tags")
_DISK_COLUMN = re.compile(r"^disk(\d+)(used)?gib$")
_SERVICE = re.compile(r"^(\d{1,5})(?:/(tcp|udp))?(?::(.+))?$", re.I)
_ITEMS = re.compile(r"\s*[;,]\s*")
_FIELD_BY_NORM = {norm_header(f): f for f in FIELDS if f not in _LIST_FIELDS}


def csv_entries(path: Path) -> Iterator[ServerEntry]:
    """The rows of a CSV server list as entries (sizes, disks, services and tags parsed)."""
    table = read_csv(path)
    cols = table.columns()
    if "name" not in cols:
        raise InputError("missing required column 'name'", HINT, InputLocation(str(path), row=1))
    disk_cols: dict[int, dict[str, str]] = {}
    for header in table.header:
        m = _DISK_COLUMN.match(norm_header(header))
        if m:
            disk_cols.setdefault(int(m.group(1)), {})["used" if m.group(2) else "size"] = str(
                header
            )
    special = {"disksgib", "services", "tags"} | {
        norm_header(h) for d in disk_cols.values() for h in d.values()
    }
    extras = extra_columns(table, (*_FIELD_BY_NORM, *special))
    present = [(f, norm) for norm, f in _FIELD_BY_NORM.items() if norm in cols]
    for number, cells in table.rows:
        row = Row(table, cols, number, cells)
        data: dict[str, Any] = {}
        for field, _norm in present:
            if field in _INT_FIELDS:
                value: Any = row.integer(field)
            elif field in _SIZE_UNITS:
                value = sized(row, field, units=_SIZE_UNITS[field], expected=f"a number ({field})")
            elif field in _FLOAT_FIELDS:
                value = row.number_(field)
            else:
                value = row.text(field)
            if value is not None:
                data[field] = value
        data["disks"] = _csv_disks(row, disk_cols)
        services = row.text("services")
        if services:
            data["services"] = _csv_services(row, services)
        tags = extra_tags(row, extras)
        tags.update(_csv_tags(row))
        data["tags"] = tags
        yield ServerEntry(data, row.loc(), partial(_row_location, row), partial(_key_column, row))


def _key_column(row: Row, has_key: bool) -> str:
    return row.header_of("key" if has_key else "name")


def _row_location(row: Row, loc: tuple[int | str, ...], value: object) -> InputLocation:
    column = row.header_of(str(loc[0])) if loc else None
    return row.loc(column, value if isinstance(value, str | int | float) else None)


def _csv_disks(row: Row, disk_cols: dict[int, dict[str, str]]) -> list[dict[str, Any]]:
    disks: list[dict[str, Any]] = []
    listed = row.text("disks_gib")
    if listed:
        for i, item in enumerate(p for p in _ITEMS.split(listed) if p):
            disks.append(
                {"name": f"disk{i + 1}", "size_gib": _cell_number(row, "disks_gib", item, listed)}
            )
    for n in sorted(disk_cols):
        cols_n = disk_cols[n]
        size = (
            sized(row, cols_n["size"], units=GB_UNITS, expected="GiB") if "size" in cols_n else None
        )
        used = (
            sized(row, cols_n["used"], units=GB_UNITS, expected="GiB") if "used" in cols_n else None
        )
        if size is None and used is None:
            continue
        if size is None:
            raise InputError(
                f"disk {n} has a used size but no size",
                f"fill in disk_{n}_gib or clear disk_{n}_used_gib",
                row.loc(disk_cols[n].get("size", f"disk_{n}_gib")),
            )
        disks.append({"name": f"disk{n}", "size_gib": size, "used_gib": used})
    return disks


def _cell_number(row: Row, column: str, item: str, cell: str) -> float:
    value = parse_number(item)
    if value is None or value < 0:
        raise InputError(
            f"expected sizes ≥ 0 in GiB separated by ';', {item!r} is not one",
            'write e.g. "100;250"',
            row.loc(row.header_of(column), cell),
        )
    return value


def _csv_services(row: Row, cell: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in (p for p in _ITEMS.split(cell.strip()) if p):
        m = _SERVICE.match(item)
        if not m:
            raise InputError(
                f"expected PORT[/tcp|udp][:PROCESS] items separated by ';', got {item!r}",
                'write e.g. "80:nginx; 443/tcp:nginx; 53/udp:named"',
                row.loc(row.header_of("services"), cell),
            )
        out.append(
            {"port": int(m.group(1)), "protocol": (m.group(2) or "tcp"), "process": m.group(3)}
        )
    return out


def _csv_tags(row: Row) -> dict[str, str]:
    cell = row.text("tags")
    tags: dict[str, str] = {}
    for item in (p for p in _ITEMS.split(cell or "") if p):
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InputError(
                f"expected name=value items separated by ';', got {item!r}",
                'write e.g. "env=prod; owner=ops"',
                row.loc(row.header_of("tags"), cell),
            )
        tags[name.strip()] = value.strip()
    return tags
