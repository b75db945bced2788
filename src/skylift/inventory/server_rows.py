"""From table rows to servers: validation, duplicate keys, list cells, extra columns → tags.

Shared by the row-per-server importers (azure-csv, aws-csv, servers). Every
failure is an :class:`InputError` naming file, row, column and value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from skylift.domain.imports import ImportBatch, ImportWarning, SourceFile
from skylift.domain.inventory import Server
from skylift.errors import InputError, InputLocation
from skylift.inventory.base import ImportContext
from skylift.inventory.tabular import Row, Table, fingerprint, norm_header

#: Longest key/name the state store holds (``String(255)`` columns).
MAX_KEY_LENGTH = 255

_LIST_SPLIT = re.compile(r"[,;\s]+")


def split_list(text: str | None) -> tuple[str, ...]:
    """Split ``"10.0.0.1, 10.0.0.2;10.0.0.3"`` on commas, semicolons and spaces (deduplicated)."""
    if not text:
        return ()
    seen: dict[str, None] = {}
    for part in _LIST_SPLIT.split(text):
        if part:
            seen.setdefault(part, None)
    return tuple(seen)


def checked_key(row: Row, column: str, value: str) -> str:
    """Return ``value`` if it can be a server key (non-empty, ≤ 255 characters)."""
    if len(value) > MAX_KEY_LENGTH:
        raise InputError(
            f"expected at most {MAX_KEY_LENGTH} characters, got {len(value)}",
            "server names and ids longer than that are not real host names; check the column",
            row.loc(column, value),
        )
    return value


def build_server(row: Row, fields: Mapping[str, Any]) -> Server:
    """Validate ``fields`` as a :class:`Server`; a violation names the row and field."""
    try:
        return Server.model_validate(dict(fields))
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "?"
        raise InputError(
            f"field '{field}': {first['msg']}",
            "fix the value in the input file",
            row.loc(field, first.get("input")),
        ) from None


def extra_columns(table: Table, known: Iterable[str]) -> tuple[tuple[int, str], ...]:
    """``(index, header)`` of the columns not in ``known`` (resolve once per table).

    Columns with an empty header are left out.
    """
    known_norm = {norm_header(k) for k in known}
    out: list[tuple[int, str]] = []
    seen: set[str] = set()
    for i, header in enumerate(table.header):
        name = str(header).strip()
        if name and norm_header(name) not in known_norm and name not in seen:
            seen.add(name)
            out.append((i, name))
    return tuple(out)


def extra_tags(row: Row, extras: Sequence[tuple[int, str]]) -> dict[str, str]:
    """Non-empty cells of the ``extras`` columns → ``{file's header: value}``."""
    tags: dict[str, str] = {}
    cells = row.cells
    for i, name in extras:
        if i < len(cells) and cells[i] is not None:
            text = str(cells[i]).strip()
            if text:
                tags[name] = text
    return tags


class ServerCollector:
    """Collects servers keyed by ``key``; a key seen twice is an error naming both rows."""

    def __init__(self) -> None:
        self._servers: dict[str, Server] = {}
        self._where: dict[str, InputLocation] = {}

    def add(self, server: Server, where: InputLocation, column: str) -> None:
        """Add ``server`` read at ``where``; ``column`` is the key column for the message."""
        first = self._where.get(server.key)
        if first is not None:
            place = f"row {first.row}" if first.row is not None else (first.column or "?")
            before = place if first.file == where.file else f"{first.file}, {place}"
            raise InputError(
                f"duplicate key: also on {before}",
                "each server may appear once; remove or rename one of the rows",
                InputLocation(where.file, where.sheet, where.row, column, server.key),
            )
        self._servers[server.key] = server
        self._where[server.key] = where

    def servers(self) -> tuple[Server, ...]:
        """The servers in the order they were read."""
        return tuple(self._servers.values())

    def __len__(self) -> int:
        return len(self._servers)


#: One server as a file gave it: the server, where it was read, and the column (or
#: path) of its key, for the duplicate-key message.
ReadServer = tuple[Server, InputLocation, str]


@dataclass(frozen=True)
class CollectedServers:
    """The servers of all files of one import, in input order."""

    files: tuple[SourceFile, ...]
    servers: tuple[Server, ...]
    rows_read: int

    def batch(self, fmt: str, warnings: Sequence[ImportWarning] = ()) -> ImportBatch:
        """The import batch of format ``fmt``."""
        return ImportBatch(
            format=fmt,
            files=self.files,
            servers=self.servers,
            rows_read=self.rows_read,
            warnings=tuple(warnings),
        )


def collect_servers(
    paths: Sequence[Path],
    ctx: ImportContext,
    read: Callable[[Path], Iterable[ReadServer]],
    *,
    activity: str,
    unit: str,
    no_input_hint: str,
) -> CollectedServers:
    """Fingerprint each file, ``read`` its servers and collect them, with progress.

    The importer loop the row-per-server formats share. No file at all is an
    error (with ``no_input_hint``), and so is a key seen twice (in one file or
    across files), naming both places.
    """
    if not paths:
        raise InputError("no input file given", no_input_hint)
    collector = ServerCollector()
    files: list[SourceFile] = []
    rows_read = 0
    ctx.progress.begin(activity, total=None, unit=unit)
    for path in paths:
        files.append(fingerprint(path))
        for server, where, key_column in read(path):
            rows_read += 1
            collector.add(server, where, key_column)
            ctx.progress.advance()
    ctx.progress.end()
    return CollectedServers(tuple(files), collector.servers(), rows_read)


def percent(row: Row, *names: str) -> float | None:
    """A utilisation percentage 0–100 (``"45 %"`` accepted); outside that range is an error."""
    value = row.number_(*names, expected="a percentage 0–100")
    if value is not None and value > 100.0:
        raise InputError(
            "expected a percentage 0–100",
            "utilisation is a share of capacity; fix the cell or leave it empty",
            row.loc(row.header_of(*names), row.raw(*names)),
        )
    return value


def required_text(row: Row, hint: str, *names: str) -> str:
    """A mandatory text cell; empty is an error naming the column."""
    value = row.text(*names)
    if not value:
        raise InputError("a value is required in this column", hint, row.loc(row.header_of(*names)))
    return value


_TRAILING_WORDS = re.compile(r"[A-Za-z/][A-Za-z/ ]*$")
MB_UNITS = frozenset({"mb", "mib", "mbyte", "mbytes"})
GB_UNITS = frozenset({"gb", "gib", "gbyte", "gbytes"})


def sized(row: Row, *names: str, units: frozenset[str], expected: str) -> float | None:
    """A size cell whose optional unit must be one of ``units`` (``"8 GB"`` in an MB column fails).

    The shared number parser drops a trailing unit; for sizes a wrong unit would be
    a silent factor of 1024, so it is checked here.
    """
    raw = row.raw(*names)
    if isinstance(raw, str):
        m = _TRAILING_WORDS.search(raw.strip())
        if m is not None and m.group(0).replace(" ", "").lower() not in units:
            raise InputError(
                f"expected {expected}; the unit {m.group(0).strip()!r} does not match the column",
                "convert the value to the column's unit and drop the unit text",
                row.loc(row.header_of(*names), raw),
            )
    return row.number_(*names, expected=expected)
