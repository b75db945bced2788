"""Thread-safe counters and failure list of one run, frozen into a TransferResult.

The result models (pydantic) load when first needed: at the end of a run or at its
first failure, not before its first request (issue #12).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from skylift.domain.transfer_options import DETAIL_LIMIT
from skylift.errors import SkyliftError
from skylift.storage.base import NotFoundError, PermissionDeniedError, TransientError
from skylift.transfer.progress import TransferProgress

if TYPE_CHECKING:
    from skylift.domain.transfer import ObjectFailure, TransferResult
    from skylift.transfer.metrics import TransferMetrics


def describe_failure(path: str, exc: BaseException) -> ObjectFailure:
    """One-line failure of one object, classified for the report."""
    if isinstance(exc, PermissionDeniedError):
        kind = "permission"
    elif isinstance(exc, NotFoundError):
        kind = "vanished"
    elif isinstance(exc, TransientError | ConnectionError | TimeoutError):
        kind = "transient"
    elif isinstance(exc, PermissionError):
        kind = "permission"
    elif isinstance(exc, SkyliftError):
        kind = "error"
    else:
        kind = "internal"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if kind == "internal":
        text = f"{type(exc).__name__}: {text}"
    from skylift.domain.transfer import ObjectFailure

    return ObjectFailure(path=path, error=text[:500], kind=kind)


class Tally:
    """What happened so far; every method may be called from any worker."""

    def __init__(self, progress: TransferProgress, metrics: TransferMetrics | None) -> None:
        self._lock = threading.Lock()
        self._progress = progress
        self._metrics = metrics
        self.transferred = 0
        self.skipped = 0
        self.deleted = 0
        self.failed = 0
        self.backed_up = 0
        self.bytes_transferred = 0
        self.bytes_skipped = 0
        self.parts_sent = 0
        self.parts_resumed = 0
        self.failures: list[ObjectFailure] = []
        self.warnings: list[str] = []
        self.warnings_count = 0

    def warn(self, message: str) -> None:
        """Something the user should know that is not a failure (a skipped symlink)."""
        with self._lock:
            self.warnings_count += 1
            if len(self.warnings) < DETAIL_LIMIT:
                self.warnings.append(message)

    def sent(self, nbytes: int) -> None:
        """Bytes written to the destination (parts or whole objects)."""
        with self._lock:
            self.bytes_transferred += nbytes
        self._progress.sent(nbytes)
        if self._metrics is not None:
            self._metrics.bytes.inc(nbytes)

    def done(self, count: int = 1) -> None:
        """Objects transferred."""
        with self._lock:
            self.transferred += count
        self._progress.finished(count)
        if self._metrics is not None:
            self._metrics.objects.labels("transferred").inc(count)

    def skip(self, nbytes: int, count: int = 1) -> None:
        """Objects already identical."""
        with self._lock:
            self.skipped += count
            self.bytes_skipped += nbytes
        if self._metrics is not None:
            self._metrics.objects.labels("skipped").inc(count)

    def delete(self) -> None:
        """An object removed from the destination (sync)."""
        with self._lock:
            self.deleted += 1
        if self._metrics is not None:
            self._metrics.objects.labels("deleted").inc()

    def backup(self) -> None:
        """An object kept under --backup-to."""
        with self._lock:
            self.backed_up += 1

    def part(self, resumed: int = 0) -> None:
        """A part sent (or ``resumed`` parts found already sent)."""
        with self._lock:
            if resumed:
                self.parts_resumed += resumed
            else:
                self.parts_sent += 1
        if self._metrics is not None and not resumed:
            self._metrics.parts.inc()

    def fail(self, path: str, exc: BaseException) -> None:
        """Record one object's failure; the run goes on."""
        failure = describe_failure(path, exc)
        with self._lock:
            self.failed += 1
            if len(self.failures) < DETAIL_LIMIT:
                self.failures.append(failure)
        self._progress.finished(1)
        if self._metrics is not None:
            self._metrics.objects.labels("failed").inc()

    def result(
        self,
        source: str,
        destination: str,
        jobs: int,
        elapsed: float,
        retries: int,
        manifest: str | None,
    ) -> TransferResult:
        """Freeze into a :class:`TransferResult`."""
        from skylift.domain.transfer import TransferResult

        with self._lock:
            return TransferResult(
                source=source,
                destination=destination,
                transferred=self.transferred,
                skipped=self.skipped,
                deleted=self.deleted,
                failed=self.failed,
                backed_up=self.backed_up,
                bytes_transferred=self.bytes_transferred,
                bytes_skipped=self.bytes_skipped,
                parts_sent=self.parts_sent,
                parts_resumed=self.parts_resumed,
                retries=retries,
                jobs=jobs,
                elapsed_s=round(elapsed, 3),
                manifest=manifest,
                failures=tuple(sorted(self.failures, key=lambda f: f.path)),
                warnings_count=self.warnings_count,
                warnings=tuple(self.warnings),
            )
