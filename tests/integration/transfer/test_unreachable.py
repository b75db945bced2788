"""A store that is down from the start: one line, "endpoint unreachable", exit code 4."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.integration.servers import free_port


def test_s3_endpoint_down_from_the_start_exits_4(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    subprocess.run([sys.executable, "-m", "skylift", "init", str(ws)], check=True)
    port = free_port()  # nothing listens here
    cfg = ws / "skylift.yaml"
    cfg.write_text(
        cfg.read_text() + "\nremotes:\n  s3://bucket:\n"
        f"    endpoint: http://127.0.0.1:{port}\n    allow_http: true\n"
        "    region: us-east-1\n    retries: 0\n"
    )
    src = tmp_path / "src"
    src.mkdir()
    (src / "a").write_text("a")
    env = {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "skylift",
            "--workspace",
            str(ws),
            "transfer",
            str(src),
            "s3://bucket/x",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=env,
    )
    assert proc.returncode == 4, proc.stderr
    assert "endpoint unreachable" in proc.stderr and "Traceback" not in proc.stderr
