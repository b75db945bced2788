"""Progress of a transfer: a Progress-like callback the engine calls from its workers.

The CLI passes a rich implementation (bytes, objects, rate, ETA); library
callers may pass nothing, or adapt a :class:`skylift.domain.progress.Progress`
with :class:`BytesProgress`. Totals grow while the listing streams.
"""

from __future__ import annotations

from typing import Protocol

from skylift.domain.progress import Progress


class TransferProgress(Protocol):
    """Receives transfer progress; implementations must be thread-safe and cheap."""

    def planned(self, objects: int, nbytes: int) -> None:
        """``objects``/``nbytes`` more work was found to do."""

    def sent(self, nbytes: int) -> None:
        """``nbytes`` more were written to the destination."""

    def finished(self, objects: int = 1) -> None:
        """``objects`` more objects are finished (succeeded, skipped or failed)."""


def listing_done(progress: TransferProgress) -> None:
    """Tell ``progress`` the listing is complete, if it has a ``listed()`` (optional: a
    progress without one is as good; totals stop growing from here). The CLI then loads
    what the end of the run needs, while the last objects travel: until this point a run
    of small objects keeps the client's core busy listing (issue #12)."""
    listed = getattr(progress, "listed", None)
    if listed is not None:
        listed()


class NullTransferProgress:
    """Goes nowhere."""

    def planned(self, objects: int, nbytes: int) -> None:
        """Ignore."""

    def sent(self, nbytes: int) -> None:
        """Ignore."""

    def finished(self, objects: int = 1) -> None:
        """Ignore."""


class BytesProgress:
    """Adapts the generic single-bar :class:`Progress` to bytes sent."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._started = False

    def planned(self, objects: int, nbytes: int) -> None:
        """Start the bar on first use (total unknown while listing streams)."""
        if not self._started:
            self._progress.begin("transfer", None, "B")
            self._started = True

    def sent(self, nbytes: int) -> None:
        """Advance by bytes."""
        self._progress.advance(nbytes)

    def finished(self, objects: int = 1) -> None:
        """Objects are not shown on a single bar."""
