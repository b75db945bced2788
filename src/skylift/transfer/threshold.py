"""When an object goes in parallel parts instead of one PUT: measured, not guessed.

``benchmarks/transfer/pinned_defaults.py`` (docs/benchmarks.md) measured
skylift on a 96 MiB + 200 MiB set against ``rclone serve s3``: one PUT per
object beat 16 MiB parallel parts on loopback (2.44 s vs 3.37 s) and on a
40 ms RTT link whose connections carry at most 100 MiB/s each (3.61 s vs
4.02 s) — parts cost requests, and servers that assemble them on disk write
every byte twice. Parts win when one connection is slow: its rate is bounded
by TCP window / RTT, so the longer the round trip, the smaller the object
worth splitting.

So for object stores the threshold is what one connection carries in about
:data:`SECONDS` at a :data:`WINDOW` window over the measured round trip
(``WINDOW / RTT × SECONDS``), clamped to [:data:`LOW`, :data:`HIGH`]: 256 MiB
up to ~39 ms, 250 MiB at 40 ms, 100 MiB at 100 ms, 32 MiB from ~310 ms. The round trip is the
fastest of two HEAD requests for a key that does not exist, made once per
run. Local folders, SFTP and memory stores keep :data:`FIXED` (their parts
are cheap to assemble, and objects below the threshold are held in memory).
``--multipart-threshold`` overrides all of it.

Below the threshold an object is one non-resumable upload either way; on a
distant S3 store, objects that one connection would carry for more than
:data:`SPLIT_SECONDS` (``WINDOW / RTT × SPLIT_SECONDS``: 50 MiB at 40 ms,
never on a LAN or loopback) go as obstore's parallel parts instead of one
PUT (:func:`split_from`), so their rate is not one connection's window over
the round trip; see docs/transfer.md.
"""

from __future__ import annotations

import time

from skylift.storage.base import Storage

MIB = 1 << 20
FIXED = 64 * MIB
LOW = 32 * MIB
HIGH = 256 * MIB
WINDOW = 4 * MIB
SECONDS = 2.5
#: Stores reached over HTTP whose single PUT and multipart costs were measured.
_OBJECT_STORES = frozenset({"s3", "az", "gs"})
_PROBE_KEY = ".skylift-rtt-probe"
SPLIT_SECONDS = 0.5
SPLIT_CONCURRENCY = 8
#: Stores whose split PUTs were measured (benchmarks/transfer/pinned_defaults.py).
_SPLIT_STORES = frozenset({"s3"})


def threshold_for_rtt(rtt: float) -> int:
    """The multipart threshold for a destination ``rtt`` seconds away."""
    if rtt <= 0:
        return HIGH
    return max(LOW, min(HIGH, int(WINDOW / rtt * SECONDS)))


def measure_rtt(store: Storage, probes: int = 2) -> float | None:
    """Fastest of ``probes`` HEAD requests for a missing key (seconds), or None on error."""
    best: float | None = None
    for _ in range(probes):
        started = time.perf_counter()
        try:
            store.exists(_PROBE_KEY)
        except Exception:
            return None
        took = time.perf_counter() - started
        best = took if best is None else min(best, took)
    return best


def is_object_store(store: Storage) -> bool:
    """True for the stores reached over HTTP whose round trip the engine measures."""
    return store.scheme in _OBJECT_STORES


def store_rtt(store: Storage) -> float | None:
    """The measured round trip to an object store; None for other stores (or on error)."""
    return measure_rtt(store) if is_object_store(store) else None


def choose_threshold(store: Storage, override: int | None, rtt: float | None) -> int:
    """``override`` if given; else from the measured ``rtt`` for object stores,
    :data:`FIXED` for the rest (and when nothing could be measured)."""
    if override is not None:
        return override
    if store.scheme not in _OBJECT_STORES or not store.capabilities.multipart or rtt is None:
        return FIXED
    return threshold_for_rtt(rtt)


def split_from(store: Storage, rtt: float | None, threshold: int) -> int | None:
    """Smallest in-memory object sent as parallel parts to ``store`` ``rtt`` seconds away
    (None: every object below ``threshold`` goes in one PUT)."""
    if store.scheme not in _SPLIT_STORES or not store.capabilities.multipart or not rtt:
        return None
    size = int(WINDOW / rtt * SPLIT_SECONDS)
    return size if size < threshold else None
