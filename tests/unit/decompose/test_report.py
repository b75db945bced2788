"""A decompose run kept in the workspace appears in the report (section, diagram, table)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from skylift.report.html.model import ReportInputs
from skylift.report.html.views_decompose import decompose as section

PETCLINIC = Path(__file__).parents[2] / "fixtures" / "monoliths" / "petclinic"


def _skylift(*args: str, cwd: Path) -> str:
    run = subprocess.run([sys.executable, "-m", "skylift", *args], cwd=cwd,
                         capture_output=True, text=True, check=False)  # fmt: skip
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_report_shows_the_latest_decomposition(tmp_path: Path) -> None:
    _skylift("init", "ws", cwd=tmp_path)
    ws = tmp_path / "ws"
    doc = json.loads(_skylift("decompose", str(PETCLINIC), "--json", cwd=ws))
    assert doc["files"]["result"].endswith("decompose/latest.json")
    report = json.loads(_skylift("report", "--json", cwd=ws))
    assert report["sections"]["decompose"]["available"] is True
    html = (ws / "report.html").read_text(encoding="utf-8")
    assert all(s["name"] in html for s in doc["services"])
    assert "decompose-services" in html


def test_section_says_how_to_fill_it() -> None:
    empty = section(ReportInputs(project="p", generated_at=datetime.now(UTC)))
    assert "skylift decompose SOURCE" in empty.missing
