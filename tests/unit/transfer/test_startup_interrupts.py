"""Ctrl-C while the transfer's start-up pool queues its round trips (#12).

The probe, the manifest check and a sealed manifest's fetch run in parallel on a
small pool at start-up (transfer/engine.py). A real SIGINT is sent right after the
main thread took the pool's semaphore lock in ``submit``
(tests/unit/interrupt_faults.py): before the fix the lock stayed taken and the
worker that finished the probe blocked for good giving it back, so the pool's
shutdown (the end of the ``with``) never returned. Stores are real memory stores.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from skylift.domain.transfer_options import TransferOptions
from skylift.storage.memory import MemoryStorage
from skylift.transfer import engine
from skylift.transfer.engine import run_transfer
from tests.unit.interrupt_faults import SignalOnceTaken, ends, executor_signalling_on_submit
from tests.unit.transfer.conftest import new_url

pytestmark = pytest.mark.timeout(60)


def test_ctrl_c_while_the_start_up_pool_queues_leaves_it_free(
    mem: list[str], journal_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src, dst = new_url(mem), new_url(mem)
    MemoryStorage(src).write("a", b"1")
    made: list[ThreadPoolExecutor] = []
    cond = SignalOnceTaken()
    monkeypatch.setattr(engine, "ThreadPoolExecutor", executor_signalling_on_submit(cond, made))
    with pytest.raises(KeyboardInterrupt):
        run_transfer(src, dst, TransferOptions(), journal_dir, probe_rtt=lambda s, d: None)
    assert cond.sent
    leaked = cond.leaked()
    assert ends(lambda: ThreadPoolExecutor.shutdown(made[0]))
    assert not leaked
    monkeypatch.undo()
    result = run_transfer(src, dst, TransferOptions(), journal_dir)  # lock released
    assert (result.ok, result.transferred) == (True, 1)
