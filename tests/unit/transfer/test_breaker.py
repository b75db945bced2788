"""The circuit breaker: an unreachable destination stops the run quickly, with exit code 4."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from skylift.domain.transfer import TransferOptions
from skylift.storage.base import ObjectInfo, TransientError
from skylift.storage.memory import MemoryStorage
from skylift.transfer.breaker import CircuitBreaker, EndpointUnreachableError
from skylift.transfer.engine import run_transfer
from tests.unit.transfer.conftest import Wrapped, new_url


class Down(Wrapped):
    """A destination whose server is gone: every write is refused at connect."""

    attempts = 0

    def write(
        self, path: str, data: bytes | Iterable[bytes], mtime: float | None = None
    ) -> ObjectInfo:
        with self.lock:
            self.attempts += 1
        raise ConnectionRefusedError(111, "Connection refused")


def test_unreachable_destination_stops_the_run_with_one_error(
    mem: list[str], journal_dir: Path
) -> None:
    src, dst = new_url(mem), new_url(mem)
    store = MemoryStorage(src)
    for i in range(300):
        store.write(f"f{i:03d}", b"x")
    down = Down(MemoryStorage(dst))
    opts = TransferOptions(retries=20, unreachable_after=0.3, jobs=2)
    with pytest.raises(EndpointUnreachableError, match="endpoint unreachable") as exc:
        run_transfer(src, dst, opts, journal_dir, dst=down)
    assert exc.value.exit_code == 4 and exc.value.hint
    assert down.attempts < 300  # far fewer than one attempt per object, let alone retries


def test_answers_close_the_window_and_throttling_does_not_count() -> None:
    now = [0.0]
    breaker = CircuitBreaker(window=10, clock=lambda: now[0])
    refused = ConnectionRefusedError(111, "refused")
    breaker.failure("s3://a", refused)
    now[0] = 9.0
    breaker.success("s3://a")
    now[0] = 15.0
    breaker.failure("s3://a", refused)  # a new window starts
    breaker.failure("s3://a", TransientError("HTTP 503 SlowDown"))
    now[0] = 24.0
    breaker.failure("s3://b", refused)
    assert breaker.tripped is None
    now[0] = 25.5
    with pytest.raises(EndpointUnreachableError):
        breaker.failure("s3://a", refused)
    with pytest.raises(EndpointUnreachableError):
        breaker.check("s3://b")
