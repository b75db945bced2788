"""``skylift serve`` in a real headless Chromium: every page loads with no console
error and draws its charts; a transfer to a local S3 server (rclone serve s3)
shows live progress that moves, then its servers' new state; verify marks them
verified; off loopback an unauthenticated request is refused."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from skylift.workspace import Workspace
from skylift.workspace.dashboard import section_ids
from skylift.workspace.plans import load_plan
from tests.helpers import run_cli
from tests.integration.report.conftest import Page
from tests.integration.servers import ServerInfo, free_port

pytestmark = pytest.mark.servers
MIB = 1 << 20
SECTIONS = tuple(section_ids())  # every page the dashboard serves


def _serve(ws: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    """Start ``skylift serve`` and return it with its URL once it listens."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "skylift", "--workspace", str(ws), "serve", "--json", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line, proc.stderr.read() if proc.stderr else "serve ended"
    return proc, json.loads(line)["url"]


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()


@pytest.fixture(scope="module")
def dashboard(estate: Path) -> Iterator[str]:
    proc, url = _serve(estate, "--listen", f"127.0.0.1:{free_port()}")
    try:
        yield url
    finally:
        _stop(proc)


def test_every_page_loads_and_draws(page: Page, dashboard: str) -> None:
    for section in SECTIONS:
        page.open(dashboard + section)
        assert page.errors == [], section
        drawn = page.tab.evaluate(
            "() => Array.from(document.querySelectorAll('[data-chart]'))"
            ".map(e => [e.dataset.chart, Number(e.dataset.series), Number(e.dataset.drawn)])"
        )
        assert all(expected == got for _, expected, got in drawn), drawn
        assert page.tab.locator(f"section#{section}").count() == 1
        page.shot(f"dashboard-{section}", full=False)  # the first screen of each page


def _live_bytes(page: Page) -> int:
    found = page.tab.locator(".live-run")
    return int(found.first.get_attribute("data-bytes") or 0) if found.count() else -1


STATE_CELLS = "[data-table=tracking-servers] tbody tr td:nth-child(3)"


def _states(page: Page) -> list[str]:
    return page.tab.locator(STATE_CELLS).all_inner_texts()


def _wait_state(page: Page, state: str, count: int) -> None:
    """Wait until the (live-reloaded) tracking table shows ``count`` servers in ``state``."""
    page.tab.wait_for_function(
        "([sel, state, n]) => Array.from(document.querySelectorAll(sel))"
        ".filter(td => td.textContent === state).length >= n",
        arg=[STATE_CELLS, state, count],
        timeout=60_000,  # generous: Chromium on a loaded CI machine
    )


def test_live_progress_moves_while_a_transfer_runs(
    page: Page, dashboard: str, estate: Path, s3_server: ServerInfo, tmp_path: Path
) -> None:
    cfg = estate / "skylift.yaml"
    opts = "".join(f"    {k}: '{v}'\n" for k, v in s3_server.options.items())
    cfg.write_text(cfg.read_text() + f"\nremotes:\n  {s3_server.url}:\n{opts}")
    with Workspace.open(estate) as ws:
        wave1 = len(load_plan(ws).waves[0].servers)
    src = tmp_path / "wave1"
    src.mkdir()
    for i in range(4):
        (src / f"disk{i}.img").write_bytes(os.urandom(10 * MIB))
    dst = f"{s3_server.url}/{uuid.uuid4().hex[:8]}"
    env = {**os.environ, **s3_server.env}
    page.open(dashboard + "tracking")
    before = _states(page).count("transferred")
    cmd = [sys.executable, "-m", "skylift", "--workspace", str(estate), "transfer", str(src), dst]
    argv = [*cmd, "--wave", "1", "--bwlimit", "6M", "-j", "2"]
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        page.tab.wait_for_selector(".live-run", timeout=60_000)
        first = _live_bytes(page)
        deadline = time.monotonic() + 30
        while _live_bytes(page) <= first and time.monotonic() < deadline:
            time.sleep(0.2)
        moved = _live_bytes(page)
        assert moved > first >= 0, (first, moved)
        assert "ETA" in page.tab.locator(".live-run").first.inner_text()
        page.shot("dashboard-transfer-live")
        assert proc.wait(60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    # The 'changed' event reloads the section: wave 1's servers are now transferred.
    _wait_state(page, "transferred", before + wave1)
    assert page.tab.locator(".live-run").count() == 0
    verify = subprocess.run(
        [*cmd[:5], "verify", str(src), dst], env=env, capture_output=True, text=True, check=False
    )
    assert verify.returncode == 0, verify.stderr
    _wait_state(page, "verified", wave1)
    page.shot("dashboard-tracking-verified")
    assert page.errors == []


_OFF_LOOPBACK = """
import json, subprocess, sys, time, urllib.request, urllib.error
ws, token_file, token = sys.argv[1:4]
proc = subprocess.Popen([sys.executable, "-m", "skylift", "--workspace", ws, "serve", "--json",
                         "--listen", "0.0.0.0:18999", "--token-file", token_file],
                        stdout=subprocess.PIPE, text=True)
proc.stdout.readline()
def get(url, headers=None):
    try:
        req = urllib.request.Request(url, headers=headers or {})
        return urllib.request.urlopen(req, timeout=10).status
    except urllib.error.HTTPError as exc:
        return exc.code
try:
    print(json.dumps({
        "none": get("http://127.0.0.1:18999/summary"),
        "wrong": get("http://127.0.0.1:18999/summary", {"Authorization": "Bearer " + "x" * 40}),
        "events": get("http://127.0.0.1:18999/events"),
        "bearer": get("http://127.0.0.1:18999/summary", {"Authorization": "Bearer " + token}),
    }))
finally:
    proc.terminate(); proc.wait()
"""


def test_off_loopback_needs_a_token(estate: Path, tmp_path: Path) -> None:
    refused = run_cli("--workspace", str(estate), "serve", "--listen", "0.0.0.0:8765")
    assert refused.code == 3 and "needs a token" in refused.stderr
    assert "Traceback" not in refused.stderr
    token = secrets.token_urlsafe(32)
    token_file = tmp_path / "token"
    token_file.write_text(token + "\n")
    # Bind every interface inside a private network namespace, where only lo exists:
    # no address but loopback is ever reachable from (or sent to by) the test.
    script = tmp_path / "probe.py"
    script.write_text(_OFF_LOOPBACK)
    done = subprocess.run(
        ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$0" "$@"', sys.executable,
         str(script), str(estate), str(token_file), token],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    if done.returncode != 0 and "Operation not permitted" in done.stderr:
        pytest.skip("needs root: unshare -n (a private network namespace)")
    status = json.loads(done.stdout.strip().splitlines()[-1])
    assert status == {"none": 401, "wrong": 401, "events": 401, "bearer": 200}
    assert token not in done.stdout
    _ = urllib  # urllib is what the probe uses inside the namespace
