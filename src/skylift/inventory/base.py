"""The importer interface and the registry of formats (lazy imports)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from skylift.domain.imports import ImportBatch
from skylift.domain.matching import ServerIndex
from skylift.domain.progress import NULL_PROGRESS, Progress
from skylift.domain.registry import Entry
from skylift.errors import InputError


@dataclass(frozen=True)
class ImportContext:
    """What an importer may know about the workspace it imports into.

    ``servers`` resolves names from perf and dependency files to server keys;
    ``tmp_dir`` is on the same filesystem as the state, for series files that
    are published by rename.
    """

    servers: ServerIndex = field(default_factory=ServerIndex)
    tmp_dir: Path = Path()
    progress: Progress = NULL_PROGRESS


class Importer(Protocol):
    """One import format. ``parse`` reads files and returns everything found."""

    name: ClassVar[str]

    def parse(self, paths: Sequence[Path], ctx: ImportContext) -> ImportBatch:
        """Read ``paths``; raise :class:`InputError` (with a location) on bad input."""
        ...


#: format name → the importer class (imported only when used).
IMPORTERS: dict[str, Entry] = {
    "rvtools": Entry("skylift.inventory.rvtools.importer:RVToolsImporter"),
    "azure-csv": Entry("skylift.inventory.azure_csv:AzureCsvImporter"),
    "aws-csv": Entry("skylift.inventory.aws_csv:AwsCsvImporter"),
    "servers": Entry("skylift.inventory.servers.importer:ServersImporter"),
    "perf": Entry("skylift.inventory.perf.importer:PerfImporter"),
    "deps": Entry("skylift.inventory.deps:DepsImporter"),
    "local": Entry("skylift.inventory.local.importer:LocalImporter"),
}


def get_importer(fmt: str, **options: Any) -> Importer:
    """Instantiate the importer for ``fmt`` with its options."""
    target = IMPORTERS.get(fmt)
    if target is None:
        raise InputError(
            f"unknown import format {fmt!r}",
            f"choose one of: {', '.join(sorted(IMPORTERS))}",
        )
    importer: Importer = target.load()(**options)
    return importer
