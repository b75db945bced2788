"""``skylift discover servers``: skylift's own server list as CSV, JSON or YAML.

The schema is :class:`~skylift.inventory.servers_schema.ServerRecord`
(documented in docs/discover.md). CSV specifics: disks as ``disk_1_gib``,
``disk_1_used_gib`` … or one ``disks_gib`` cell ``"100;200"``; services as
``"80:nginx; 443/tcp:nginx"``; tags as ``"env=prod; owner=ops"``; any other
column becomes a tag. JSON/YAML: a list of server objects, or an object with
a ``servers`` list; unknown keys are errors (put extras under ``tags``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

import yaml
from pydantic import ValidationError

from skylift.domain.imports import ImportBatch, SourceFile
from skylift.errors import InputError, InputLocation
from skylift.inventory.base import ImportContext
from skylift.inventory.server_rows import (
    GB_UNITS,
    MB_UNITS,
    ServerCollector,
    extra_columns,
    extra_tags,
    sized,
)
from skylift.inventory.servers_schema import FIELDS, ServerRecord
from skylift.inventory.tabular import (
    Row,
    decode_text,
    fingerprint,
    norm_header,
    parse_number,
    read_csv,
)

_INT_FIELDS = ("cores", "sockets", "gpus")
_FLOAT_FIELDS = (
    "memory_gib", "memory_mib", "cpu_util_pct", "mem_util_pct", "net_in_mbps", "net_out_mbps",
)  # fmt: skip
_SIZE_UNITS = {"memory_gib": GB_UNITS, "memory_mib": MB_UNITS}
_LIST_FIELDS = ("disks", "services", "tags")
_DISK_COLUMN = re.compile(r"^disk(\d+)(used)?gib$")
_SERVICE = re.compile(r"^(\d{1,5})(?:/(tcp|udp))?(?::(.+))?$", re.I)
_ITEMS = re.compile(r"\s*[;,]\s*")
_HINT = "see the servers schema in docs/discover.md"
_Where = Callable[[tuple[int | str, ...], object], InputLocation]
_FIELD_BY_NORM = {norm_header(f): f for f in FIELDS if f not in _LIST_FIELDS}


class ServersImporter:
    """Reads skylift's own server list; CSV, JSON and YAML files may be mixed in one import."""

    name: ClassVar[str] = "servers"

    def parse(self, paths: Sequence[Path], ctx: ImportContext) -> ImportBatch:
        """Validate every record; the first invalid one raises :class:`InputError`."""
        if not paths:
            raise InputError("no input file given", "pass a servers .csv, .json or .yaml file")
        collector = ServerCollector()
        files: list[SourceFile] = []
        rows_read = 0
        ctx.progress.begin("reading server list", total=None, unit="servers")
        for path in paths:
            files.append(fingerprint(path))
            suffix = path.suffix.lower()
            if suffix == ".json":
                records = _structured(path, _load_json(path))
            elif suffix in (".yaml", ".yml"):
                records = _structured(path, _load_yaml(path))
            else:
                records = _csv_records(path)
            for where, key_column, record in records:
                rows_read += 1
                collector.add(record.to_server(), where, key_column)
                ctx.progress.advance()
        ctx.progress.end()
        return ImportBatch(
            format=self.name, files=tuple(files), servers=collector.servers(), rows_read=rows_read
        )


# ---- CSV --------------------------------------------------------------------


def _csv_records(path: Path) -> Iterator[tuple[InputLocation, str, ServerRecord]]:
    table = read_csv(path)
    cols = table.columns()
    if "name" not in cols:
        raise InputError("missing required column 'name'", _HINT, InputLocation(str(path), row=1))
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
        record = _validate(data, partial(_row_location, row))
        yield row.loc(), row.header_of("key" if record.key else "name"), record


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


# ---- JSON / YAML -----------------------------------------------------------------


def _load_json(path: Path) -> object:
    text = decode_text(path, _read(path))
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
            "fix the syntax (a JSON linter shows the spot)",
            InputLocation(str(path), row=exc.lineno),
        ) from None
    except RecursionError:
        raise InputError("JSON nested too deeply", _HINT, InputLocation(str(path))) from None


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML without anchors/aliases: a server list needs none, and nested aliases
    ("billion laughs") would make validation walk an exponentially large document."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not supported in a server list", event.start_mark
            )
        return super().compose_node(parent, index)


def _load_yaml(path: Path) -> object:
    text = decode_text(path, _read(path))
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = None if mark is None else int(mark.line) + 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(
            f"not valid YAML: {problem}",
            "fix the syntax (check indentation and quoting)",
            InputLocation(str(path), row=line),
        ) from None


def _read(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(
            f"cannot read file: {exc.strerror}", "check the path", InputLocation(str(path))
        ) from exc
    if not data.strip():
        raise InputError("the file is empty", _HINT, InputLocation(str(path)))
    return data


def _structured(path: Path, doc: object) -> Iterator[tuple[InputLocation, str, ServerRecord]]:
    prefix = "servers"
    if isinstance(doc, dict) and set(doc) == {"servers"}:
        doc = doc["servers"]
    elif not isinstance(doc, list):
        raise InputError(
            "expected a list of servers or an object with a 'servers' list",
            "see the JSON/YAML example in docs/discover.md",
            InputLocation(str(path)),
        )
    if not isinstance(doc, list):
        raise InputError(
            "'servers' must be a list", _HINT, InputLocation(str(path), column="servers")
        )
    for i, item in enumerate(doc):
        here = f"{prefix}[{i}]"
        if not isinstance(item, dict):
            raise InputError(
                "expected an object with server fields",
                _HINT,
                InputLocation(str(path), column=here, value=str(item)),
            )

        def where(loc: tuple[int | str, ...], value: object, here: str = here) -> InputLocation:
            dotted = here + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)
            shown = value if isinstance(value, str | int | float) else None
            return InputLocation(
                str(path), column=dotted, value=None if shown is None else str(shown)
            )

        record = _validate(item, where)
        yield (
            InputLocation(str(path), column=here),
            f"{here}.{'key' if record.key else 'name'}",
            record,
        )


# ---- validation -----------------------------------------------------------------


def _validate(data: dict[str, Any], where: _Where) -> ServerRecord:
    """Validate one record; the first error becomes an InputError located by ``where``."""
    try:
        return ServerRecord.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            message = f"unknown field (known: {', '.join(sorted(FIELDS))})"
        elif first["type"] == "missing":
            message = "a value is required"
        raise InputError(message, _HINT, where(loc, first.get("input"))) from None
