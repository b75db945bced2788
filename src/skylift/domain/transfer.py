"""Pure values of a data transfer: options, the plan, the result, a comparison.

No I/O here. The engine in :mod:`skylift.transfer` consumes
:class:`TransferOptions` and produces :class:`TransferPlan` (``--dry-run``),
:class:`TransferResult` and :class:`CompareResult`. The options and the shared
constants are in :mod:`skylift.domain.transfer_options` (no pydantic: a transfer
builds them before its first request) and are re-exported here.
"""

from __future__ import annotations

from enum import StrEnum

from skylift.domain.transfer_options import DETAIL_LIMIT, MANIFEST_NAME, TransferOptions
from skylift.domain.value import DeferredValue

__all__ = [
    "DETAIL_LIMIT",
    "MANIFEST_NAME",
    "Action",
    "CompareResult",
    "ObjectFailure",
    "PlannedAction",
    "TransferOptions",
    "TransferPlan",
    "TransferResult",
]


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
