"""One headless Chromium (Debian's, driven by Playwright) and one sample-estate
workspace for the report and dashboard tests; screenshots go to build/report/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from skylift.report.pdf import BROWSER_FLAGS
from skylift.workspace import Workspace
from tests.integration.servers import s3_server  # noqa: F401 - fixture used by name

REPO = Path(__file__).resolve().parents[3]
SHOTS = REPO / "build" / "report"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = list(BROWSER_FLAGS)


def skylift(ws: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Run the real CLI on ``ws``; fail the test with its stderr if it fails."""
    done = subprocess.run(
        [sys.executable, "-m", "skylift", "--workspace", str(ws), *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode in (0, 1), f"skylift {' '.join(args)}: {done.stderr}"
    return done.stdout


@pytest.fixture(scope="session")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with every stage run on the bundled sample estate (no transfer yet),
    built through the application layer in-process (the CLI's own calls)."""
    from skylift.workspace.assessments import AssessmentStore
    from skylift.workspace.core import create_workspace
    from skylift.workspace.plans import build_plan
    from skylift.workspace.scanning import ScanRequest, scan_paths

    root = Path(create_workspace(tmp_path_factory.mktemp("report") / "ws").workspace)
    sample = REPO / "samples" / "estate"
    with Workspace.open(root) as ws:
        ws.discover("rvtools", [sample / "rvtools.xlsx"])
        ws.discover("perf", [sample / "perf.parquet"])
        ws.discover("deps", [sample / "dependencies.csv"])
        AssessmentStore(ws).run()
        build_plan(ws)
    scan_paths(ScanRequest([REPO / "samples" / "app"], misconfig=False, workspace=root))
    return root


@dataclass
class Page:
    """A browser tab that remembers console errors and uncaught exceptions."""

    tab: Any
    errors: list[str] = field(default_factory=list)

    def open(self, url: str) -> None:
        """Load ``url`` and wait until the page script has drawn everything."""
        self.tab.goto(url)
        self.tab.wait_for_selector("body[data-ready='1']", timeout=60_000)

    def shot(self, name: str, selector: str | None = None, full: bool = True) -> Path:
        """Screenshot the page (or the element at ``selector``) into build/report/NAME.png."""
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        if selector is None:
            self.tab.screenshot(path=str(path), full_page=full)
        else:
            self.tab.locator(selector).first.screenshot(path=str(path))
        return path


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, one per test package (Playwright's sync API keeps an
    event loop running in this thread while it is open: later tests that call
    asyncio.run would fail)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium is not installed (make system)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Page]:
    """A fresh tab (1400×900) collecting console errors."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    # Playwright's 30 s default for loads, locators and clicks: generous here, Chromium
    # shares a loaded 2-core CI machine with servers (only the time to fail changes)
    context.set_default_timeout(60_000)
    context.set_default_navigation_timeout(60_000)
    tab = context.new_page()
    p = Page(tab)
    tab.on("console", lambda m: p.errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: p.errors.append(str(e)))
    try:
        yield p
    finally:
        context.close()
