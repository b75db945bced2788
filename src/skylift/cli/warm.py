"""Loading modules in the background without stalling the threads that do the work.

``skylift transfer`` loads what the end of a run needs (pydantic for the result,
rich for the rendering: ~60-80 ms of CPU) once its listing is done, while the last
objects travel. A thread that imports holds the GIL for up to the switch interval
(5 ms) at a time, and meanwhile the workers whose responses arrived cannot send
their next request: with 16 requests in flight a local server has ~4 ms of work
queued, so it idles, and the run ended as late as when everything loaded before
the first request (measured, #12 in docs/benchmarks.md). So while the loads run:
the thread pauses before each module it imports (:data:`PAUSE_S`, the GIL
released) and the switch interval is :data:`SWITCH_S`, so a worker waits for the
GIL at most that long.
"""

from __future__ import annotations

import gc
import sys
import threading
import time
from collections.abc import Callable, Sequence
from importlib.abc import MetaPathFinder
from types import ModuleType

from skylift.cli.heap import freeze_if_frozen

#: Pause (GIL released) before each module the background thread imports.
PAUSE_S = 0.0005
#: The interpreter's switch interval while the background thread loads.
SWITCH_S = 0.0005


class _Pausing(MetaPathFinder):
    """Finds nothing; pauses first when asked by ``thread`` (others pass straight on)."""

    def __init__(self, thread: threading.Thread) -> None:
        self.thread = thread

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> None:
        if threading.current_thread() is self.thread:
            time.sleep(PAUSE_S)


def _gently(loads: Sequence[Callable[[], None]]) -> None:
    pausing = _Pausing(threading.current_thread())
    # sys.meta_path is rebound, never changed in place: an import running in another
    # thread iterates the list it read, and an element removed under it would skip one
    sys.meta_path = [pausing, *sys.meta_path]
    switch = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_S)
    collecting = gc.isenabled()
    gc.disable()  # the loads make ~10^5 objects, none of them garbage
    try:
        for load in loads:
            load()
    finally:
        freeze_if_frozen()  # what they made, during a run (skylift.cli.heap)
        if collecting:
            gc.enable()
        sys.setswitchinterval(switch)
        sys.meta_path = [f for f in sys.meta_path if f is not pausing]


def in_background(*loads: Callable[[], None]) -> threading.Thread:
    """Run ``loads`` one after the other in a daemon thread, gently (see the module)."""
    thread = threading.Thread(target=_gently, args=(loads,), name="skylift-warm-up", daemon=True)
    thread.start()
    return thread
