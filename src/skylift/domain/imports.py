"""What one import produces, before it is written to the workspace in one transaction."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from skylift.domain.inventory import Dependency, Server


class SourceFile(BaseModel):
    """An input file with its content hash, recorded with every import."""

    model_config = ConfigDict(frozen=True)

    path: str
    sha256: str
    size_bytes: int = Field(ge=0)


class ImportWarning(BaseModel):
    """A non-fatal problem with the input (row skipped, value defaulted …)."""

    model_config = ConfigDict(frozen=True)

    message: str
    location: str | None = None


class SeriesBatch(BaseModel):
    """Utilisation samples written as a columnar file (long format).

    ``parquet_path`` is a temporary Parquet file with columns
    ``server_key: str, ts: timestamp[us, UTC], metric: str, value: float64``;
    the workspace moves it into place when the import commits.
    """

    model_config = ConfigDict(frozen=True)

    parquet_path: Path
    rows: int = Field(ge=0)
    servers: int = Field(ge=0)
    first_ts: datetime | None = None
    last_ts: datetime | None = None
    metrics: tuple[str, ...] = ()


class ImportBatch(BaseModel):
    """Everything one ``skylift discover`` run read: entities, counts, warnings.

    ``rows_read`` counts the data rows the importer looked at;
    ``rows_skipped`` those it deliberately skipped (templates, empty rows).
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    format: str
    files: tuple[SourceFile, ...]
    servers: tuple[Server, ...] = ()
    dependencies: tuple[Dependency, ...] = ()
    series: SeriesBatch | None = None
    rows_read: int = 0
    rows_skipped: int = 0
    warnings: tuple[ImportWarning, ...] = ()


class ImportSummary(BaseModel):
    """What an import did to the workspace."""

    model_config = ConfigDict(frozen=True)

    run_id: int
    format: str
    files: tuple[SourceFile, ...]
    rows_read: int
    rows_skipped: int
    servers_created: int
    servers_updated: int
    dependencies: int
    series_rows: int
    warnings: tuple[ImportWarning, ...]
    started_at: datetime
    finished_at: datetime
