"""The one-line reason a failed ``ray.init`` is reported with."""

import pytest

from skylift.transfer.scaleout import driver
from skylift.transfer.scaleout.driver import _reason


def test_ray_client_traceback_gives_its_last_line() -> None:
    # what Ray Client raises when the head's proxy cannot start the per-client server
    exc = ConnectionAbortedError(
        "Initialization failure from server:\nTraceback (most recent call last):\n"
        '  File "proxier.py", line 780, in Datapath\n'
        "RuntimeError: Proxy failed to Connect to backend! Check the logs\n"
    )
    assert _reason(exc) == "RuntimeError: Proxy failed to Connect to backend! Check the logs"


def test_other_errors_give_their_first_line_or_type() -> None:
    assert _reason(ConnectionError("Could not find any running Ray instance.\nmore")) == (
        "Could not find any running Ray instance."
    )
    assert _reason(TimeoutError("")) == "TimeoutError"


class _FlakyRay:
    """Stands in for ``ray`` (a fake: a head whose proxy fails to start the per-client
    server only under load cannot be produced on demand here)."""

    def __init__(self, failures: int, message: str) -> None:
        self.failures, self.message, self.calls, self.shutdowns = failures, message, 0, 0

    def init(self, **_: object) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise ConnectionAbortedError(self.message)

    def shutdown(self) -> None:
        self.shutdowns += 1


def test_ray_client_start_failure_is_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(driver.time, "sleep", lambda _s: None)
    flaky = _FlakyRay(2, "Initialization failure from server:\nRuntimeError: Starting failed")
    driver._init(flaky, "ray://head:10001")
    assert flaky.calls == 3 and flaky.shutdowns == 2
    always = _FlakyRay(9, "Initialization failure from server:\nRuntimeError: Starting failed")
    with pytest.raises(ConnectionAbortedError):
        driver._init(always, "ray://head:10001")
    assert always.calls == driver.CLIENT_ATTEMPTS


def test_other_failures_are_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(driver.time, "sleep", lambda _s: None)
    for where, message in (
        ("ray://head:10001", "Could not connect"),  # not the proxy's start failure
        ("head:6379", "Initialization failure from server:\nx"),  # not Ray Client
    ):
        flaky = _FlakyRay(1, message)
        with pytest.raises(ConnectionAbortedError):
            driver._init(flaky, where)
        assert flaky.calls == 1
