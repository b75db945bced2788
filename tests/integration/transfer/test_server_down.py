"""A real S3 server that goes down mid-run: the run stops once the endpoint has not
answered for ``--unreachable-after``, with "endpoint unreachable" (exit code 4), instead
of retrying every object in turn (#12: 7,555 retries and 462 s for 1,503 objects); the
re-run once the server is back sends only what is missing."""

from __future__ import annotations

import os
import threading
import time
import uuid
from pathlib import Path

import pytest

from skylift.domain.transfer import TransferOptions
from skylift.transfer.breaker import EndpointUnreachableError
from skylift.transfer.engine import run_transfer
from tests.integration.servers import ServerInfo

pytestmark = pytest.mark.servers

FILES = 300
WINDOW_S = 2.0
#: From the server's death to the end of the run: the window, a retry backoff or two and
#: the workers' last requests. Without the breaker each of the ~290 objects left takes
#: its 5 retries (0.2 s x 2^n backoff, ~6 s) in turn: a minute or more on 4 workers.
ENDS_WITHIN_S = WINDOW_S + 28.0  # ~4 s here; generous for a loaded CI machine
#: Objects at the destination before the server is stopped (the run is well under way).
LANDED = 30


def test_a_server_down_mid_run_stops_the_run_with_exit_4_then_it_resumes(
    tmp_path: Path, s3_server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    for k, v in s3_server.env.items():
        monkeypatch.setenv(k, v)
    src = tmp_path / "src"
    src.mkdir()
    for i in range(FILES):
        (src / f"f{i:03d}.bin").write_bytes(os.urandom(4096))
    dst = f"{s3_server.url}/{uuid.uuid4().hex[:8]}"
    remotes = {s3_server.url: s3_server.options}
    opts = TransferOptions(bwlimit="128K", jobs=4, unreachable_after=WINDOW_S)
    outcome: list[BaseException | object] = []

    def run() -> None:
        try:
            outcome.append(run_transfer(str(src), dst, opts, tmp_path / "j", remotes=remotes))
        except BaseException as exc:  # the error is the assertion's subject
            outcome.append(exc)

    runner = threading.Thread(target=run)
    runner.start()
    assert s3_server.data_dir is not None
    landed = s3_server.data_dir / dst.rsplit("/", 1)[1]
    try:
        # LANDED objects in, however slowly a loaded machine starts the run (a 1.5 s
        # sleep could end before the first object, and the re-run then skipped none)
        deadline = time.monotonic() + 60
        while len(list(landed.glob("*.bin"))) < LANDED and time.monotonic() < deadline:
            time.sleep(0.02)
        assert runner.is_alive(), outcome
        s3_server.process.stop()
        stopped = time.monotonic()
        runner.join(timeout=120)
        took = time.monotonic() - stopped
    finally:
        if s3_server.process.proc is None:
            s3_server.process.start()
    assert not runner.is_alive()
    error = outcome[0]
    assert isinstance(error, EndpointUnreachableError), error
    assert error.exit_code == 4 and "endpoint unreachable" in error.message
    assert took < ENDS_WITHIN_S, f"{took:.1f} s after the server went down"
    again = run_transfer(str(src), dst, TransferOptions(jobs=4), tmp_path / "j", remotes=remotes)
    assert again.failed == 0 and again.transferred + again.skipped == FILES
    assert 0 < again.skipped < FILES  # what landed before the outage is not sent again
