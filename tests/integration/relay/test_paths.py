"""The relay over shaped loopback paths: two paths at once, a path killed, sender and receiver
killed and restarted (the issue's fault list), in a private network namespace.

One ``unshare -n`` run executes every scenario of ``scenarios.py`` (real ``skylift relay
serve`` and ``skylift transfer … relay://…`` processes, ``tc`` HTB at 200 and 50 Mbit/s);
the tests check what each recorded. The machine's own loopback is never shaped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from skylift.relay.testing.paths import netns_command

REPO = Path(__file__).resolve().parents[3]
MiB = 1 << 20


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every scenario's record (run once per module)."""
    if os.geteuid() != 0:
        pytest.skip("needs root (unshare -n and tc in a private network namespace)")
    folder = tmp_path_factory.mktemp("relay-lab")
    out = folder / "out.json"
    argv = [sys.executable, "-m", "tests.integration.relay.scenarios", str(folder), str(out)]
    proc = subprocess.run(
        netns_command(argv), check=False, cwd=REPO, capture_output=True, timeout=240
    )
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    records: dict[str, Any] = json.loads(out.read_text())
    return records


def _ok(record: dict[str, Any]) -> None:
    assert "error" not in record, record["error"]
    assert record["exit_code"] == 0, record.get("stderr")
    assert record["failed"] == 0
    assert record["same"] is True


def test_two_shaped_paths_carry_the_data_at_once(lab: dict[str, Any]) -> None:
    rec = lab["multipath"]
    _ok(rec)
    assert rec["manifest"]
    fast, slow = rec["paths"]
    assert fast["bytes_sent"] > 0 and slow["bytes_sent"] > 0
    # work stealing: the 200 Mbit/s path takes more batches than the 50 Mbit/s one
    assert fast["bytes_sent"] > slow["bytes_sent"]
    for path in rec["paths"]:
        assert path["rtt_ms"] is not None and path["throughput_bps"] > 0
    # incompressible data: as many bytes on the wire as in the files (+ frame headers, + at
    # most the window of the slow path when the fast one re-sends its last requests at the end)
    assert 16 * MiB <= rec["bytes_on_wire"] < 16.2 * MiB + 2 * MiB


def test_a_path_killed_mid_transfer_fails_over(lab: dict[str, Any]) -> None:
    rec = lab["path_killed"]
    _ok(rec)
    fast, slow = rec["paths"]
    assert rec["chunks_when_killed"] >= 100
    assert fast["failures"] >= 1 and fast["state"] == "down"
    assert slow["bytes_sent"] > 0
    assert rec["transferred"] == 3


def test_a_killed_sender_resumes_without_resending_stored_chunks(lab: dict[str, Any]) -> None:
    rec = lab["sender_killed"]
    _ok(rec)
    assert rec["chunks_stored_before_rerun"] >= 150
    # the re-run found at least the stored chunks (8 KiB or more each) at the receiver
    assert rec["bytes_deduplicated"] >= rec["chunks_stored_before_rerun"] * 8 * 1024
    assert rec["bytes_on_wire"] + rec["bytes_deduplicated"] <= 12.3 * MiB


def test_a_restarted_receiver_gets_the_rest(lab: dict[str, Any]) -> None:
    rec = lab["receiver_restarted"]
    _ok(rec)
    assert rec["chunks_when_killed"] >= 100
    assert rec["paths"][0]["failures"] >= 1
    assert rec["transferred"] == 2
