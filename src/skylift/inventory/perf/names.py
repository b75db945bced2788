"""Resolve series names (as written in perf files) to workspace server keys.

Order of precedence: the explicit mapping file (``--map``: CSV ``source,server``),
then the workspace's :class:`ServerIndex` (key, name, short name, FQDN, IP).
Work is per distinct name, never per row: a file's names are collected with
one group-by and joined back as a small table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from skylift.domain.matching import ServerIndex, normalise_name
from skylift.errors import InputError, InputLocation
from skylift.inventory.perf.values import SeriesRead, recode
from skylift.inventory.tabular import Row, first_bad, read_csv, require_columns

_SOURCE = ("source", "series", "source_name", "name", "from", "vm")
_SERVER = ("server", "server_key", "target", "to", "server_name")

UNKNOWN_HINT = (
    "import the inventory first (skylift discover rvtools …), map names with "
    "--map FILE (CSV columns source,server), or pass --skip-unknown"
)


def load_mapping(path: Path, index: ServerIndex) -> dict[str, str]:
    """Read a ``source,server`` CSV into normalised source name → server key.

    Every ``server`` must name a known server (by key, name, FQDN or IP).
    """
    table = read_csv(path)
    require_columns(
        table, {"source": _SOURCE, "server": _SERVER}, "the mapping needs columns source,server"
    )
    cols = table.columns()
    out: dict[str, str] = {}
    for number, cells in table.rows:
        row = Row(table, cols, number, cells)
        source = row.text(*_SOURCE)
        server = row.text(*_SERVER)
        if not source or not server:
            raise InputError(
                "expected both a source name and a server",
                "fill both columns or delete the row",
                row.loc(),
            )
        key = index.lookup(server)
        if key is None:
            why = "matches several servers" if index.is_ambiguous(server) else "is not a server"
            raise InputError(
                f"the server {why} in the workspace",
                "use the server's key, FQDN or IP as 'skylift inventory' shows it",
                row.loc(row.header_of(*_SERVER), server),
            )
        out[normalise_name(source)] = key
    return out


@dataclass
class NameResolver:
    """Maps names to positions in ``keys`` (every workspace key, sorted).

    ``unknown`` collects names that matched nothing, with their sample counts,
    when ``skip_unknown`` is set (otherwise the first one raises).
    """

    index: ServerIndex
    mapping: dict[str, str] = field(default_factory=dict)
    skip_unknown: bool = False
    keys: tuple[str, ...] = ()
    unknown: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.keys = tuple(sorted(set(self.index.aliases.values()) | set(self.mapping.values())))
        self._rank = {k: i for i, k in enumerate(self.keys)}

    def attach(self, read: SeriesRead) -> pl.DataFrame:
        """``k`` (UInt32 position of the server key), ts, m, value; unknowns dropped if asked.

        Empty and NaN values are dropped here too (after every row-numbered check).
        """
        frame, file, column = read.frame, read.file, read.name_column
        uniques = frame.get_column("name").unique().cast(pl.String).to_list()
        blank = [n for n in uniques if n is not None and not n.strip()]
        if None in uniques or blank:
            missing = first_bad(
                frame,
                pl.col("name").is_null() | pl.col("name").cast(pl.String).is_in(blank),
                "name",
                read.first_row,
            )
            assert missing is not None
            raise InputError(
                "missing server name",
                "every sample needs the server it belongs to",
                InputLocation(file, row=missing[0], column=column),
            )
        names = [n for n in uniques if n]
        found: dict[str, int] = {}
        ambiguous: list[str] = []
        unknown: list[str] = []
        for name in sorted(names):
            key = self._key(name)
            if key is not None:
                found[name] = self._rank[key]
            elif self.index.is_ambiguous(name):
                ambiguous.append(name)
            else:
                unknown.append(name)
        for names_, message, hint in (
            (
                ambiguous,
                "the series name matches several servers",
                "say which one with --map FILE (CSV columns source,server, server = key)",
            ),
            (unknown if not self.skip_unknown else [], "no server with this name in the workspace",
             UNKNOWN_HINT),
        ):  # fmt: skip
            if names_:
                bad = first_bad(
                    frame, pl.col("name").cast(pl.String).is_in(names_), "name", read.first_row
                )
                assert bad is not None
                raise InputError(
                    message, hint, InputLocation(file, row=bad[0], column=column, value=bad[1])
                )
        if unknown:
            counts = (
                frame.filter(pl.col("name").cast(pl.String).is_in(unknown))
                .group_by(pl.col("name").cast(pl.String))
                .len()
            )
            for name, n in counts.iter_rows():
                self.unknown[str(name)] = self.unknown.get(str(name), 0) + int(n)
        k = recode(frame.get_column("name"), found, pl.UInt32()).alias("k")
        out = frame.with_columns(k=k).select("k", "ts", "m", "value")
        value = out.get_column("value")
        if k.null_count() or value.null_count() or value.is_nan().any():
            out = out.filter(
                pl.col("k").is_not_null()
                & pl.col("value").is_not_null()
                & pl.col("value").is_not_nan()
            )
        return out

    def _key(self, name: str) -> str | None:
        mapped = self.mapping.get(normalise_name(name))
        if mapped is not None:
            return mapped
        return self.index.lookup(name)
