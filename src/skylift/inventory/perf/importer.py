"""``skylift discover perf``: utilisation time series into one Parquet file.

Inputs: long-format CSV / gzip CSV / Parquet (server, timestamp, metric,
value) and Bitbrains GWA-T-12 per-VM traces; folders are searched for
``*.csv``, ``*.csv.gz`` and ``*.parquet``. Names are mapped to server keys
(``--map`` file, then name / short name / FQDN / IP); the samples are sorted
by server, metric, time, duplicates folded into their peak, and written with
Polars (vectorised, no per-row Python) as one zstd Parquet file in
``ctx.tmp_dir`` that the workspace publishes when the import commits.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import ClassVar

import polars as pl

from skylift.domain.imports import ImportBatch, ImportWarning, SourceFile
from skylift.errors import InputError, InputLocation
from skylift.inventory.base import ImportContext
from skylift.inventory.perf.bitbrains import looks_like_bitbrains, read_bitbrains
from skylift.inventory.perf.long import is_parquet, read_long
from skylift.inventory.perf.names import UNKNOWN_HINT, NameResolver, load_mapping
from skylift.inventory.perf.write import write_series
from skylift.inventory.tabular import fingerprint, head_text

FORMATS = ("auto", "long", "bitbrains")
_SUFFIXES = (".csv", ".csv.gz", ".parquet", ".pq", ".txt", ".tsv")


def expand(paths: Sequence[Path]) -> list[Path]:
    """Files named, plus series files found (recursively, in name order) in folders."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            found = sorted(
                f for f in p.rglob("*") if f.is_file() and f.name.lower().endswith(_SUFFIXES)
            )
            if not found:
                raise InputError(
                    "the folder has no .csv, .csv.gz or .parquet files",
                    "point at the files or at the folder that holds them",
                    InputLocation(str(p)),
                )
            out.extend(found)
        else:
            out.append(p)
    return out


def detect_format(path: Path) -> str:
    """``'long'`` or ``'bitbrains'``, from the file's content."""
    if path.stat().st_size == 0 or is_parquet(path):
        return "long"
    return "bitbrains" if looks_like_bitbrains(head_text(path, 4096)) else "long"


class PerfImporter:
    """Utilisation time series importer (see the module docstring)."""

    name: ClassVar[str] = "perf"

    def __init__(
        self, trace_format: str = "auto", mapping: Path | None = None, skip_unknown: bool = False
    ) -> None:
        if trace_format not in FORMATS:
            raise InputError(
                f"unknown time-series format {trace_format!r}",
                f"choose one of: {', '.join(FORMATS)}",
            )
        self.trace_format = trace_format
        self.mapping = mapping
        self.skip_unknown = skip_unknown

    def parse(self, paths: Sequence[Path], ctx: ImportContext) -> ImportBatch:
        """Read every file, map names, write one sorted Parquet file; all or nothing."""
        files = expand(paths)
        # Content hashes (for re-import replacement) are computed beside the parse;
        # hashlib releases the GIL, so on a multi-core machine this costs no wall time.
        hashing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="perf-hash")
        try:
            return self._parse(files, ctx, hashing.map(fingerprint, files))
        finally:
            hashing.shutdown(wait=False, cancel_futures=True)

    def _parse(
        self, files: list[Path], ctx: ImportContext, hashes: Iterator[SourceFile]
    ) -> ImportBatch:
        """:meth:`parse` with the content hashes arriving from a worker thread."""
        if self.mapping is not None and not self.mapping.is_file():
            raise InputError(f"{self.mapping}: no such mapping file", "check the --map path")
        mapping = load_mapping(self.mapping, ctx.servers) if self.mapping else {}
        resolver = NameResolver(ctx.servers, mapping, self.skip_unknown)
        parts: list[pl.DataFrame] = []
        read = 0
        ctx.progress.begin("Reading time series", total=len(files), unit="files")
        for f in files:
            fmt = detect_format(f) if self.trace_format == "auto" else self.trace_format
            read_ = read_bitbrains(f) if fmt == "bitbrains" else read_long(f, ctx.tmp_dir)
            if read_.frame.height == 0:
                raise InputError(
                    "the file has no samples",
                    "export it again with at least one data row",
                    InputLocation(str(f)),
                )
            read += read_.frame.height
            parts.append(resolver.attach(read_))
            del read_
            ctx.progress.advance()
        ctx.progress.end()
        warnings: list[ImportWarning] = []
        skipped = sum(resolver.unknown.values())
        if resolver.unknown:
            names = sorted(resolver.unknown)
            shown = ", ".join(names[:20]) + (f" … (+{len(names) - 20})" if len(names) > 20 else "")
            warnings.append(
                ImportWarning(
                    message=f"skipped {skipped:,} samples of {len(names)} unknown "
                    f"series name(s): {shown}",
                    location=None,
                )
            )
        fingerprints = tuple(hashes)
        if sum(p.height for p in parts) == 0:
            return ImportBatch(
                format=self.name,
                files=fingerprints,
                rows_read=read,
                rows_skipped=skipped,
                warnings=(
                    *warnings,
                    ImportWarning(message=f"no samples matched a server; {UNKNOWN_HINT}"),
                ),
            )
        ctx.progress.begin("Writing time series", total=None, unit="samples")
        result = write_series(parts, resolver.keys, ctx.tmp_dir / "series.parquet")
        ctx.progress.end()
        if result.duplicates:
            warnings.append(
                ImportWarning(
                    message=f"{result.duplicates:,} duplicate (server, metric, timestamp) "
                    "samples: kept the largest value of each"
                )
            )
        return ImportBatch(
            format=self.name,
            files=fingerprints,
            series=result.batch,
            rows_read=read,
            rows_skipped=skipped + result.duplicates,
            warnings=tuple(warnings),
        )
