"""The command's heap frozen while a transfer runs, so the collector skips it (#12).

CPython's cyclic collector walks every object of a generation at each of its
passes: the ~10^5 objects of the modules a transfer loads (the command's own
at its start, pydantic and rich in the background, botocore's S3 model for
multipart uploads) were walked again and again while the run made its own,
~45 of its ~600 ms of client CPU with 50 MiB parts (docs/benchmarks.md).
``gc.freeze`` moves every live object to a generation the collector never
walks. A frozen object is still freed when its last reference goes; only a
reference cycle among the objects frozen would outlive the run, so memory stays
bounded by what was alive at a freeze. Garbage made during the run is collected
as before.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

#: Held while a freeze is decided or undone: a background load that ends after the
#: run does not freeze again what :func:`frozen_heap` put back.
_LOCK = threading.Lock()


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Freeze what is alive now for the duration; put back after (a process that runs
    the command in-process, tests, then collects as before). Left alone when
    something else froze objects first."""
    with _LOCK:
        ours = not gc.get_freeze_count()
        if ours:
            gc.freeze()
    try:
        yield
    finally:
        if ours:
            with _LOCK:
                gc.unfreeze()


def freeze_if_frozen() -> None:
    """Inside :func:`frozen_heap` (or another freeze), freeze what is alive now too."""
    with _LOCK:
        if gc.get_freeze_count():
            gc.freeze()
