"""The HTML report and workbook from values: sections, escaping, charts, sheets."""

from __future__ import annotations

import asyncio
import json
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from skylift.domain.inventory import Server
from skylift.domain.plan import MoveGroup, Plan, Wave
from skylift.errors import ConfigError, InputError
from skylift.report.html import build_sections, render_report
from skylift.report.html.model import ReportInputs
from skylift.report.xlsx import write_xlsx
from skylift.serve.auth import TokenGate, is_loopback, parse_listen, required_token

EVIL = '</script><script>alert("x")</script>'
NOW = datetime(2026, 12, 7, tzinfo=UTC)


def _inputs() -> ReportInputs:
    servers = [
        Server(key=f"k{i}", name=f"srv{i:02d}", source="test", cores=2 + i % 3) for i in range(12)
    ]
    servers.append(Server(key="evil", name=EVIL, source="test", application=EVIL))
    waves = tuple(
        Wave(number=n, name=f"wave {n}", groups=(f"g{n}",), servers=(f"k{n}",), production=n > 1,
             start_hour=10.0 * n, transfer_hours=3.0, end_hour=10.0 * n + 5)
        for n in (1, 2, 3)
    )  # fmt: skip
    plan = Plan(
        created_at=NOW,
        groups=tuple(MoveGroup(id=f"g{n}", servers=(f"k{n}",)) for n in (1, 2, 3)),
        waves=waves,
        total_hours=35.0,
    )
    return ReportInputs(project="p", generated_at=NOW, servers=servers, plan=plan)


def test_sections_without_their_stage_name_the_command() -> None:
    sections = {s.id: s for s in build_sections(_inputs())}
    assert sections["inventory"].available and sections["plan"].available
    assert "skylift assess" in sections["assessment"].missing
    assert "skylift scan" in sections["security"].missing
    assert "skylift discover deps" in sections["dependencies"].missing


def test_names_from_the_inventory_cannot_break_out_of_the_page() -> None:
    html = render_report(_inputs())
    assert EVIL not in html and "<script>alert" not in html
    data = re.search(
        r'<script type="application/json" id="skylift-data">(.*?)</script>', html, re.S
    )
    assert data is not None
    rows = json.loads(data.group(1))["tables"]["servers"]["rows"]
    assert [r[0] for r in rows if r[0] == EVIL] == [EVIL]  # the data survives, escaped


def test_gantt_has_a_bar_per_wave_and_three_series() -> None:
    (plan,) = [s for s in build_sections(_inputs()) if s.id == "plan"]
    gantt = next(c for c in plan.charts if c.id == "plan-gantt")
    assert gantt.series_count == 3
    assert sorted(gantt.option["yAxis"]["data"]) == ["wave 1", "wave 2", "wave 3"]
    offsets, transfer, _ = (s["data"] for s in gantt.option["series"])
    assert offsets[::-1] == [10.0, 20.0, 30.0] and transfer == [3.0, 3.0, 3.0]


def test_workbook_has_a_sheet_per_table(tmp_path: Path) -> None:
    sections = build_sections(_inputs())
    out = tmp_path / "r.xlsx"
    names = write_xlsx(out, sections, None)
    tables = [t.title.split(" (")[0] for s in sections for t in s.tables]
    assert names[0] == "Summary" and len(names) == 1 + len(tables)
    import openpyxl

    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb["Servers"].max_row == 1 + 13
    wb.close()
    assert not list(tmp_path.glob(".r.xlsx*"))  # no temporary file left


def test_listen_addresses_and_tokens(tmp_path: Path) -> None:
    assert parse_listen("127.0.0.1:8765") == ("127.0.0.1", 8765)
    assert parse_listen("[::1]:80") == ("::1", 80)
    for bad in ("8765", "host:", "h:99999", ":1"):
        with pytest.raises(InputError):
            parse_listen(bad)
    assert is_loopback("127.0.0.2") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.1.2.3") and not is_loopback("example")
    assert required_token("127.0.0.1", None) is None
    with pytest.raises(ConfigError, match="needs a token"):
        required_token("0.0.0.0", None)
    short = tmp_path / "t"
    short.write_text("abc\n")
    with pytest.raises(ConfigError, match="shorter"):
        required_token("0.0.0.0", short)


def _call(gate: TokenGate, method: str, path: str, headers: dict[str, str]) -> int:
    sent: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    gate.app = app
    path, _, query = path.partition("?")
    scope = {
        "type": "http", "method": method, "path": path, "query_string": query.encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "scheme": "http", "server": ("127.0.0.1", 80), "root_path": "",
    }  # fmt: skip
    # In a thread of its own: a browser test in the same session may own this thread's loop.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, gate(scope, receive, send)).result()
    return int(sent[0]["status"])


def test_token_gate_refuses_without_the_token_and_is_read_only() -> None:
    token = "t" * 32
    gate = TokenGate(lambda *a: None, token)  # type: ignore[arg-type]
    assert _call(gate, "GET", "/summary", {}) == 401
    assert _call(gate, "GET", "/summary", {"Authorization": "Bearer " + "x" * 32}) == 401
    assert _call(gate, "GET", "/summary", {"Authorization": f"Bearer {token}"}) == 200
    assert _call(gate, "GET", "/summary", {"Cookie": f"skylift_token={token}"}) == 200
    assert _call(gate, "GET", f"/summary?token={token}", {}) == 303  # then a cookie
    assert _call(gate, "POST", "/summary", {"Authorization": f"Bearer {token}"}) == 405
    open_gate = TokenGate(lambda *a: None, None)  # type: ignore[arg-type]
    assert _call(open_gate, "GET", "/summary", {}) == 200
    assert _call(open_gate, "DELETE", "/summary", {}) == 405


def test_service_verification_runs_show_in_the_transfers_section() -> None:
    from skylift.report.html.model import ServiceCheck

    check = ServiceCheck(
        started_at="2026-12-07T02:00:00+00:00", source="http://old", target="http://new",
        passed=False, functional=True, performance=False, security=True, checks=5,
        checks_failed=0, findings=1, p95_ms=(12.0, 30.0), throughput=(900.0, 400.0),
    )  # fmt: skip
    inputs = _inputs()
    (section,) = build_sections(
        ReportInputs(project="p", generated_at=NOW, servers=inputs.servers, service_checks=[check]),
        ["transfers"],
    )
    assert section.available
    table = next(t for t in section.tables if t.id == "service-checks")
    (row,) = table.rows
    assert row[3:7] == ("FAILED", "passed", "FAILED", "passed") and row[9] == "12 → 30"
