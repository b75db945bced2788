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
from skylift.errors import InputError, Location
from skylift.inventory.tabular import Row, read_csv, require_columns

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

    def attach(self, frame: pl.DataFrame, file: str, column: str | None) -> pl.DataFrame:
        """Replace ``name`` with ``k`` (UInt32 rank of the server key); drop unknowns if asked.

        ``column`` is the file's header for the name (``None`` when the name is the file's).
        """
        names = (
            frame.lazy()
            .group_by("name")
            .agg(pl.col("row").min().alias("first"), pl.len().alias("n"))
            .sort("first")
            .collect()
        )
        found_names: list[str] = []
        found_ranks: list[int] = []
        for name, first, count in names.iter_rows():
            if name is None or name == "":
                raise InputError(
                    "missing server name",
                    "every sample needs the server it belongs to",
                    Location(file, row=int(first), column=column),
                )
            key = self._key(str(name), Location(file, row=int(first), column=column, value=name))
            if key is None:
                self.unknown[str(name)] = self.unknown.get(str(name), 0) + int(count)
                continue
            found_names.append(str(name))
            found_ranks.append(self._rank[key])
        table = pl.DataFrame(
            {"name": found_names, "k": found_ranks},
            schema={"name": pl.String, "k": pl.UInt32},
        )
        return frame.join(table, on="name", how="inner").select("k", "ts", "metric", "value")

    def _key(self, name: str, where: Location) -> str | None:
        mapped = self.mapping.get(normalise_name(name))
        if mapped is not None:
            return mapped
        key = self.index.lookup(name)
        if key is not None:
            return key
        if self.index.is_ambiguous(name):
            raise InputError(
                "the series name matches several servers",
                "say which one with --map FILE (CSV columns source,server, server = key)",
                where,
            )
        if not self.skip_unknown:
            raise InputError(
                "no server with this name in the workspace",
                UNKNOWN_HINT,
                where,
            )
        return None
