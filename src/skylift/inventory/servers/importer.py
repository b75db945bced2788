"""``skylift discover servers``: skylift's own server list as CSV, JSON or YAML.

The schema is :class:`~skylift.inventory.servers.schema.ServerRecord`
(documented in docs/discover.md); CSV specifics are in
:mod:`~skylift.inventory.servers.rows`, JSON/YAML in
:mod:`~skylift.inventory.servers.documents`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import ClassVar

from skylift.domain.imports import ImportBatch
from skylift.inventory.base import ImportContext
from skylift.inventory.server_rows import ReadServer, collect_servers
from skylift.inventory.servers.documents import document_entries, load_json, load_yaml
from skylift.inventory.servers.rows import csv_entries
from skylift.inventory.servers.schema import ServerEntry, validate


class ServersImporter:
    """Reads skylift's own server list; CSV, JSON and YAML files may be mixed in one import."""

    name: ClassVar[str] = "servers"

    def parse(self, paths: Sequence[Path], ctx: ImportContext) -> ImportBatch:
        """Read, validate, convert and collect every entry of every file, in order.

        The first invalid entry raises :class:`InputError`; a key seen twice is
        an error naming both entries.
        """
        return collect_servers(
            paths, ctx, read_servers, activity="reading server list", unit="servers",
            no_input_hint="pass a servers .csv, .json or .yaml file",
        ).batch(self.name)  # fmt: skip


def read_servers(path: Path) -> Iterator[ReadServer]:
    """Each entry of the file as written, validated, as a server."""
    for entry in read_entries(path):
        record = validate(entry)
        yield record.to_server(), entry.where, entry.key_column(bool(record.key))


def read_entries(path: Path) -> Iterator[ServerEntry]:
    """The file's entries as written: ``.json`` and ``.yaml``/``.yml`` as documents,
    anything else as CSV."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        return document_entries(path, load_json(path))
    if suffix in (".yaml", ".yml"):
        return document_entries(path, load_yaml(path))
    return csv_entries(path)
