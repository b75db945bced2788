"""Bandwidth schedule, token bucket, retry with backoff."""

from __future__ import annotations

from datetime import datetime

import pytest

from skylift.errors import InputError
from skylift.storage.base import PermissionDeniedError, TransientError
from skylift.transfer.bwlimit import TokenBucket, parse_bwlimit
from skylift.transfer.retry import RetryPolicy


def test_schedule_applies_from_each_time_and_wraps_midnight() -> None:
    sched = parse_bwlimit("08:00,512K 12:00,10M 18:00,off")
    assert sched.rate_at(7 * 60) is None  # before 08:00 → last entry (off) wraps around
    assert sched.rate_at(8 * 60) == 512 * 1024
    assert sched.rate_at(13 * 60) == 10 << 20
    assert sched.rate_at(23 * 60) is None
    assert parse_bwlimit("1M").rate_at(0) == 1 << 20
    assert parse_bwlimit("off").rate_at(0) is None


@pytest.mark.parametrize("bad", ["25:00,1M", "08:00", "08:00,lots", "fast"])
def test_bad_bwlimit_is_input_error(bad: str) -> None:
    with pytest.raises(InputError, match="bwlimit"):
        parse_bwlimit(bad)


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept = 0.0

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.now += seconds


def test_token_bucket_holds_the_average_rate() -> None:
    clock = _Clock()
    bucket = TokenBucket(
        parse_bwlimit("1M"),
        clock=clock.time,
        sleep=clock.sleep,
        wallclock=lambda: datetime(2026, 1, 1, 12, 0),
    )
    for _ in range(10):
        bucket.consume(1 << 20)
    assert clock.slept == pytest.approx(10.0, rel=0.01)  # 10 MiB at 1 MiB/s


def test_retry_retries_transient_then_succeeds_and_counts() -> None:
    calls = []
    policy = RetryPolicy(attempts=3, sleep=lambda _s: None)

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise TransientError("503")
        return "ok"

    assert policy.call(flaky) == "ok"
    assert policy.retried == 2


def test_retry_gives_up_and_never_retries_permanent_errors() -> None:
    policy = RetryPolicy(attempts=2, sleep=lambda _s: None)
    with pytest.raises(TransientError):
        policy.call(lambda: (_ for _ in ()).throw(TransientError("down")))
    assert policy.retried == 2
    calls = []

    def denied() -> None:
        calls.append(1)
        raise PermissionDeniedError("no")

    with pytest.raises(PermissionDeniedError):
        policy.call(denied)
    assert len(calls) == 1


def test_backoff_is_jittered_and_capped() -> None:
    policy = RetryPolicy(base=0.5, cap=2.0)
    delays = [policy.delay(10) for _ in range(200)]
    assert max(delays) <= 2.0
    assert len(set(delays)) > 100
