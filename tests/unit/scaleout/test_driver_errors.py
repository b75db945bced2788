"""The one-line reason a failed ``ray.init`` is reported with."""

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
