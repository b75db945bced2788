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

from skylift.domain.imports import ImportBatch, SourceFile
from skylift.errors import InputError
from skylift.inventory.base import ImportContext
from skylift.inventory.server_rows import ServerCollector
from skylift.inventory.servers.documents import document_entries, load_json, load_yaml
from skylift.inventory.servers.rows import csv_entries
from skylift.inventory.servers.schema import ServerEntry, validate
from skylift.inventory.tabular import fingerprint


class ServersImporter:
    """Reads skylift's own server list; CSV, JSON and YAML files may be mixed in one import."""

    name: ClassVar[str] = "servers"

    def parse(self, paths: Sequence[Path], ctx: ImportContext) -> ImportBatch:
        """Read, validate, convert and collect every entry of every file, in order.

        The first invalid entry raises :class:`InputError`; a key seen twice is
        an error naming both entries.
        """
        if not paths:
            raise InputError("no input file given", "pass a servers .csv, .json or .yaml file")
        collector = ServerCollector()
        files: list[SourceFile] = []
        rows_read = 0
        ctx.progress.begin("reading server list", total=None, unit="servers")
        for path in paths:
            files.append(fingerprint(path))
            for entry in read_entries(path):
                rows_read += 1
                record = validate(entry)
                collector.add(record.to_server(), entry.where, entry.key_column(bool(record.key)))
                ctx.progress.advance()
        ctx.progress.end()
        return ImportBatch(
            format=self.name, files=tuple(files), servers=collector.servers(), rows_read=rows_read
        )


def read_entries(path: Path) -> Iterator[ServerEntry]:
    """The file's entries as written: ``.json`` and ``.yaml``/``.yml`` as documents,
    anything else as CSV."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        return document_entries(path, load_json(path))
    if suffix in (".yaml", ".yml"):
        return document_entries(path, load_yaml(path))
    return csv_entries(path)
