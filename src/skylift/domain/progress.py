"""Progress reporting for long work: the core calls these, the edge renders them."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Receives progress of long operations. Implementations must be cheap."""

    def begin(self, description: str, total: float | None = None, unit: str = "") -> None:
        """A new phase starts; ``total`` is ``None`` when unknown."""

    def advance(self, amount: float = 1.0) -> None:
        """``amount`` more units of the current phase are done."""

    def end(self) -> None:
        """The current phase is finished."""


class NullProgress:
    """Progress that goes nowhere (the default for library calls)."""

    def begin(self, description: str, total: float | None = None, unit: str = "") -> None:
        """Ignore."""

    def advance(self, amount: float = 1.0) -> None:
        """Ignore."""

    def end(self) -> None:
        """Ignore."""


NULL_PROGRESS: Progress = NullProgress()
