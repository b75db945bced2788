"""Pure values of a data transfer: options, the plan, the result, a comparison.

No I/O here. The engine in :mod:`skylift.transfer` consumes
:class:`TransferOptions` and produces :class:`TransferPlan` (``--dry-run``),
:class:`TransferResult` and :class:`CompareResult`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from skylift.domain.value import DeferredValue

#: How many individual entries (planned actions, failures, differences) a
#: result keeps; counts are always exact, lists stop here so memory stays bounded.
DETAIL_LIMIT = 10_000

#: Name of the manifest the engine publishes at the destination root, last.
MANIFEST_NAME = ".skylift-manifest.jsonl"


class TransferOptions(DeferredValue):
    """What a run should do. Secrets (the encryption key) are never part of this.

    Sizes are bytes, ages seconds. ``jobs=None`` lets the scheduler choose.
    """

    delete: bool = False
    checksum: bool = False
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    min_age: float | None = Field(default=None, ge=0)
    max_age: float | None = Field(default=None, ge=0)
    min_size: int | None = Field(default=None, ge=0)
    max_size: int | None = Field(default=None, ge=0)
    dry_run: bool = False
    bwlimit: str | None = None
    jobs: int | None = Field(default=None, ge=1, le=1024)
    part_size: int | None = Field(default=None, ge=1)
    #: None: chosen per destination (measured round trip for object stores; 64 MiB else)
    multipart_threshold: int | None = Field(default=None, ge=1)
    backup_to: str | None = None
    encrypt: bool = False
    compress: bool = False
    decode: bool = False
    manifest: bool = True
    retries: int = Field(default=5, ge=0, le=50)
    #: symbolic links in a local source: follow those inside the root (copy), none, or all
    links: Literal["copy", "skip", "follow"] = "copy"
    #: seconds of consecutive connection failures after which an endpoint is unreachable
    unreachable_after: float = Field(default=30.0, gt=0)

    def journal_identity(self) -> dict[str, object]:
        """The options that change what ends up at the destination (the journal key)."""
        return {
            "delete": self.delete,
            "checksum": self.checksum,
            "include": list(self.include),
            "exclude": list(self.exclude),
            "min_age": self.min_age,
            "max_age": self.max_age,
            "min_size": self.min_size,
            "max_size": self.max_size,
            "part_size": self.part_size,
            "encrypt": self.encrypt,
            "compress": self.compress,
            "decode": self.decode,
        }


class Action(StrEnum):
    """What the run does with one path."""

    COPY = "copy"  # absent at the destination
    UPDATE = "update"  # present but different
    DELETE = "delete"  # only at the destination (sync)
    SKIP = "skip"  # identical


class PlannedAction(DeferredValue):
    """One line of a plan."""

    action: Action
    path: str
    size: int = 0


class TransferPlan(DeferredValue):
    """What a run would do (``--dry-run``): exact counts, the first actions listed."""

    source: str
    destination: str
    copy_count: int = 0
    update_count: int = 0
    delete_count: int = 0
    skip_count: int = 0
    bytes_to_send: int = 0
    actions: tuple[PlannedAction, ...] = ()
    actions_truncated: bool = False


class ObjectFailure(DeferredValue):
    """An object that could not be transferred; the run went on without it."""

    path: str
    error: str
    kind: str = "error"


class TransferResult(DeferredValue):
    """Outcome of a run. ``ok`` only when nothing failed."""

    source: str
    destination: str
    transferred: int = 0
    skipped: int = 0
    deleted: int = 0
    failed: int = 0
    backed_up: int = 0
    bytes_transferred: int = 0
    bytes_skipped: int = 0
    parts_sent: int = 0
    parts_resumed: int = 0
    retries: int = 0
    jobs: int = 0
    elapsed_s: float = 0.0
    manifest: str | None = None
    failures: tuple[ObjectFailure, ...] = ()
    warnings_count: int = 0
    warnings: tuple[str, ...] = ()  # skipped symlinks …, the first DETAIL_LIMIT

    @property
    def ok(self) -> bool:
        """True when every object succeeded."""
        return self.failed == 0


class CompareResult(DeferredValue):
    """``skylift verify``: how a destination compares to its source.

    ``missing``: only at the source; ``extra``: only at the destination;
    ``changed``: at both, different (size/mtime, or content with ``checksum``).
    Lists stop at :data:`DETAIL_LIMIT`; the ``*_count`` fields are exact.
    """

    source: str
    destination: str
    checksum: bool = False
    ok: int = 0
    missing_count: int = 0
    extra_count: int = 0
    changed_count: int = 0
    errors_count: int = 0
    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    errors: tuple[ObjectFailure, ...] = ()
    warnings_count: int = 0
    warnings: tuple[str, ...] = ()  # skipped symlinks …, the first DETAIL_LIMIT

    @property
    def matches(self) -> bool:
        """True when nothing is missing, extra, changed or unreadable."""
        return not (
            self.missing_count or self.extra_count or self.changed_count or self.errors_count
        )
