"""Shared fixtures: a fresh workspace per test, and the CLI runner.

Also the CI rule for skips: under ``CI=true`` (or ``SKYLIFT_STRICT_SKIPS=1``,
which ``make test`` sets) a skipped test is a failure unless its reason is one
of :data:`ALLOWED_SKIPS` — a capability a backend truly lacks (pinned by
``tests/unit/storage/test_capability_pins.py``), a privilege or data
set outside the repository. A missing server binary, checkov or validator is
a broken install and must fail CI, not pass it quietly.
"""

from __future__ import annotations

import os
import re
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from skylift.workspace import Workspace

#: Session-end diagnostics: non-daemon threads and child processes left running are
#: named in the summary, and every stack is dumped if the process then does not end.
pytest_plugins = ("tests.session_guard",)

#: Hypothesis without its two clocks: a per-example ``deadline`` (200 ms by default) and
#: the ``too_slow`` health check measure the machine, not the code. On a loaded 2-core
#: CI machine (servers, a browser) one stalled example fails the test ("Unreliable test
#: timings"); pytest-timeout still ends a test that truly hangs. Built on the active
#: profile (Hypothesis's ``ci`` profile under CI=true), so everything else is as before.
settings.register_profile(
    "skylift",
    settings.default,
    deadline=None,
    suppress_health_check=sorted(
        {*settings.default.suppress_health_check, HealthCheck.too_slow}, key=lambda h: h.value
    ),
)
settings.load_profile("skylift")

#: Skip reasons that stay skips under CI, each with why it is legitimate.
ALLOWED_SKIPS: dict[str, str] = {
    r"does not preserve mtime": "backend capability (pinned by test_capability_pins)",
    r"has a single listing mode": "backend capability (pinned by test_capability_pins)",
    r"needs root|not readable by an unprivileged user": "privilege drop needs root",
    r"net_connections needs privileges": "OS privilege, not a component",
    r"no free UDP port": "the host's ports, not a component",
    r"Bitbrains traces not found": "public data set outside the repository (../shared)",
    r"kubectl kustomize unavailable": "kubectl is not installed by make (optional)",
    r"\.\./shared is absent": "public data set outside the repository (../shared)",
}
_ALLOWED = re.compile("|".join(f"(?:{p})" for p in ALLOWED_SKIPS))


def strict_skips() -> bool:
    """True under CI (``CI`` truthy) or ``SKYLIFT_STRICT_SKIPS=1`` (``make test``)."""
    ci = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
    return ci or os.environ.get("SKYLIFT_STRICT_SKIPS", "").strip() == "1"


def skip_reason(report: pytest.TestReport) -> str:
    """The reason text of a skipped report."""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, None]:
    """Under CI, turn a skip for a missing component into a failure naming it."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()  # type: ignore[attr-defined]
    if not report.skipped or hasattr(report, "wasxfail") or not strict_skips():
        return
    reason = skip_reason(report)
    if _ALLOWED.search(reason):
        return
    report.outcome = "failed"
    report.longrepr = (
        f"skipped under CI ({reason}); a required component is missing: install it "
        "(make test-servers, make validators) — only the capability and environment "
        "skips listed in tests/conftest.py ALLOWED_SKIPS may skip under CI"
    )


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    """A newly initialised workspace in a temporary folder."""
    ws = Workspace.init(tmp_path / "ws", project="test")
    try:
        yield ws
    finally:
        ws.close()
