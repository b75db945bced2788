"""The states of a server's migration, without pydantic (:mod:`skylift.domain.tracking`
holds the tracking values built on them)."""

from __future__ import annotations

from enum import StrEnum


class MigrationState(StrEnum):
    """Where one server is in its migration."""

    NOT_STARTED = "not_started"
    TRANSFERRING = "transferring"
    TRANSFERRED = "transferred"
    CUT_OVER = "cut_over"
    VERIFIED = "verified"
    FAILED = "failed"


#: Display order (and the order of the progress bar's segments).
STATE_ORDER: tuple[MigrationState, ...] = tuple(MigrationState)
