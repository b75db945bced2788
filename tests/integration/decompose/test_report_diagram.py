"""The report draws the proposed services (Chromium, headless): one labelled node each."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from skylift.report.pdf import BROWSER_FLAGS

FIXTURES = Path(__file__).parents[2] / "fixtures" / "monoliths"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _skylift(ws: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "skylift", "--workspace", str(ws), *args],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_services_diagram_is_drawn(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium is not installed (make system)")
    subprocess.run([sys.executable, "-m", "skylift", "init", "ws"], cwd=tmp_path, check=True,
                   capture_output=True)  # fmt: skip
    ws = tmp_path / "ws"
    traces = FIXTURES / "mono2micro_runtime" / "plants"
    doc = json.loads(_skylift(ws, "decompose", str(FIXTURES / "plants"), "--traces",
                              str(traces), "--json"))  # fmt: skip
    _skylift(ws, "report", "--json")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=list(BROWSER_FLAGS))
        try:
            tab = browser.new_page(viewport={"width": 1400, "height": 900})
            errors: list[str] = []
            tab.on("pageerror", lambda e: errors.append(str(e)))
            tab.goto((ws / "report.html").as_uri())
            tab.wait_for_selector("body[data-ready='1']", timeout=60_000)
            chart = tab.locator("[data-chart='decompose-services'] svg").first
            labels = chart.locator("text").all_text_contents()
        finally:
            browser.close()
    assert errors == []
    for service in doc["services"]:  # once in the legend, once on its node
        assert labels.count(service["name"]) >= 2, (service["name"], labels)
