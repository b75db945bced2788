"""Databases as values: what discovery finds, what a copy and a verification report.

Pure values shared by the ``database`` stage, the workspace and the CLI. Sizes
are bytes, durations seconds. No secret is ever part of these values: a
database's address is kept as :attr:`DatabaseInventory.url` without password.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from pydantic import Field

from skylift.domain.value import Value


class DbEngine(StrEnum):
    """Database engine family (MariaDB is the ``mysql`` family, flavour ``mariadb``)."""

    POSTGRESQL = "postgresql"
    MYSQL = "mysql"


class DbTable(Value):
    """One table: estimated rows, table and index bytes, primary key columns."""

    schema_name: str
    name: str
    rows_estimate: int = Field(ge=-1)
    table_bytes: int = Field(ge=0)
    index_bytes: int = Field(default=0, ge=0)
    primary_key: tuple[str, ...] = ()

    @property
    def qualified(self) -> str:
        """``schema.table``."""
        return f"{self.schema_name}.{self.name}"


class DbIndex(Value):
    """One index of a table."""

    schema_name: str
    table: str
    name: str
    unique: bool = False
    primary: bool = False


class DbSequence(Value):
    """A sequence (PostgreSQL) or AUTO_INCREMENT counter (MySQL) and its current value."""

    schema_name: str
    name: str
    last_value: int | None = None


class DbDatabase(Value):
    """One database (PostgreSQL) or schema (MySQL) of a server."""

    name: str
    size_bytes: int = Field(ge=0)
    schemas: tuple[str, ...] = ()
    tables: tuple[DbTable, ...] = ()
    indexes: tuple[DbIndex, ...] = ()
    sequences: tuple[DbSequence, ...] = ()
    extensions: tuple[str, ...] = ()
    large_objects: int = 0


class DatabaseInventory(Value):
    """A database server as discovered (``skylift discover db URL``).

    ``key`` is ``engine://host:port``; ``server_key`` is the inventory server
    that hosts it when one matches the host (by name, FQDN or address).
    ``extensions`` are ``name version`` strings; ``replication`` the settings
    that decide online migration (wal_level, binlog_format …); ``roles`` are
    names only, never passwords or hashes.
    """

    key: str
    engine: DbEngine
    flavor: str
    version: str
    major: str
    url: str
    server_key: str | None = None
    host: str
    port: int
    databases: tuple[DbDatabase, ...] = ()
    replication: dict[str, str] = Field(default_factory=dict)
    roles: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def size_bytes(self) -> int:
        """Sum of the databases' sizes."""
        return sum(d.size_bytes for d in self.databases)

    @property
    def extension_names(self) -> frozenset[str]:
        """Extension names over all databases."""
        return frozenset(e.split()[0] for d in self.databases for e in d.extensions)


class DbCopyOptions(Value):
    """How to copy: parallel workers, online replication, range size of large tables."""

    jobs: int = Field(default=4, ge=1, le=64)
    online: bool = False
    #: tables larger than this are copied as ranges of about this size, in parallel
    split_bytes: int = Field(default=256 << 20, ge=8192)
    #: online mode: seconds to wait for the first catch-up after the copy (lag shown)
    catch_up_seconds: float = Field(default=30.0, ge=0)
    #: PostgreSQL: ``maintenance_work_mem`` (MiB) of each session building indexes on the
    #: target (up to ``2 x jobs`` at once); ``None``: the server's own (512 MiB measured no
    #: faster than the 64 MB default on the 2 GB benchmark, docs/benchmarks.md)
    index_memory_mb: int | None = Field(default=None, ge=1, le=1 << 20)


class TableCopy(Value):
    """How one table was copied: rows and bytes moved, key/page ranges, seconds."""

    table: str
    rows: int
    bytes: int
    ranges: int
    ranges_skipped: int = 0
    seconds: float
    primary_key: bool = True


class CopyResult(Value):
    """``skylift db copy``: per-table results, totals, and what needs attention."""

    source: str
    target: str
    engine: DbEngine
    tables: tuple[TableCopy, ...]
    sequences: int = 0
    large_objects: int = 0
    roles_created: tuple[str, ...] = ()
    resumed: bool = False
    online: bool = False
    lag_bytes: int | None = None
    #: MySQL: the source's binlog position (and GTID) of the snapshot every worker read
    snapshot_position: str = ""
    seconds: float
    phases: dict[str, float] = Field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def rows(self) -> int:
        """Rows copied over all tables."""
        return sum(t.rows for t in self.tables)

    @property
    def bytes(self) -> int:
        """Bytes of COPY data moved over all tables."""
        return sum(t.bytes for t in self.tables)


class RangeDiff(Value):
    """One key range whose count or checksum differs (``lo``/``hi`` as text, ``None`` open)."""

    lo: str | None
    hi: str | None
    source_rows: int
    target_rows: int


class TableCheck(Value):
    """Verification of one table."""

    table: str
    source_rows: int | None
    target_rows: int | None
    ranges: int = 0
    checksum: bool = False
    differing: tuple[RangeDiff, ...] = ()

    @property
    def ok(self) -> bool:
        """Counts agree and no range differs."""
        return self.source_rows == self.target_rows and not self.differing


class VerifyResult(Value):
    """``skylift db verify``: per-table checks, schema differences, bytes hashed."""

    source: str
    target: str
    tables: tuple[TableCheck, ...]
    schema_differences: tuple[str, ...] = ()
    checksum: bool = False
    bytes_checked: int = 0
    seconds: float

    @property
    def ok(self) -> bool:
        """Every table matches and the schemas agree."""
        return not self.schema_differences and all(t.ok for t in self.tables)


class CutoverResult(Value):
    """``skylift db cutover``: lag reached, sequences set, replication removed.

    MySQL/MariaDB: ``sequences`` counts the AUTO_INCREMENT counters set, and
    ``verify`` holds the counts and schema check made after replication
    stopped (replication settings are removed only when it is ok).
    """

    source: str
    target: str
    lag_bytes: int
    sequences: int
    waited_seconds: float
    verify: VerifyResult | None = None


class ReplicationState(Value):
    """``skylift db status``: an online copy's replication and its lag (bytes of log).

    ``lag_bytes`` is ``None`` while unknown (no replication, or the replica
    has not reported a position yet); ``detail`` says why, or names the
    replica's last error.
    """

    source: str
    target: str
    engine: DbEngine
    replicating: bool
    lag_bytes: int | None = None
    detail: str = ""


class PriceStatus(StrEnum):
    """How a managed tier's price is known."""

    #: read for this tier from a cited, permissively licensed file
    VERIFIED = "verified"
    #: computed from a verified price of the same family by the service's billing rule
    DERIVED = "derived"
    #: a list price recalled from the provider's page, no permissive source: check it
    UNVERIFIED = "unverified"


class ManagedOption(Value):
    """One managed target for a database: ready or not, why, the cheapest fitting tier."""

    cloud: str
    service: str
    ready: bool
    issues: tuple[str, ...] = ()
    tier: str | None = None
    vcpus: float | None = None
    memory_gib: float | None = None
    storage_gib: float = 0.0
    monthly_usd: float | None = None
    #: how the price is known (``None`` when no tier fits)
    price_status: PriceStatus | None = None
    price_source: str | None = None


class DbAssessment(Value):
    """Readiness of one discovered database server per managed target, and its 7R choice."""

    key: str
    engine: DbEngine
    version: str
    size_gib: float
    need_vcpus: int
    need_memory_gib: float
    options: tuple[ManagedOption, ...]
    strategy: str
    rationale: str


class CopyEvents(Protocol):
    """Per-table progress of a copy (the core calls it from worker threads)."""

    def table_done(self, copy: TableCopy) -> None:
        """A table finished (all its ranges)."""

    def bytes_moved(self, amount: int) -> None:
        """``amount`` more bytes of COPY data reached the target."""

    def lag(self, lag_bytes: int) -> None:
        """Online mode: the replication lag now."""


class NullCopyEvents:
    """Events that go nowhere (library default)."""

    def table_done(self, copy: TableCopy) -> None:
        """Ignore."""

    def bytes_moved(self, amount: int) -> None:
        """Ignore."""

    def lag(self, lag_bytes: int) -> None:
        """Ignore."""


NULL_EVENTS: CopyEvents = NullCopyEvents()
