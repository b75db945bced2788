"""One shard on one Ray worker: the ordinary engine over range-limited views.

:func:`run_shard` is what a shard worker (:mod:`.workers`, a Ray actor kept for the
whole run) runs for each shard it is handed. Its one argument,
:class:`ShardTask`, holds URLs without user-info, options, the key range and
per-remote options with nothing secret in them: each worker opens the stores
with credentials from *its own* environment or instance identity, as a local
run does. The shard's journal lives in its own folder under the run's
journal folder, so a retry of the shard (on any worker that sees the folder)
resumes there: finished objects are skipped, finished multipart parts are
not sent again.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import resource
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from skylift.domain.transfer import TransferOptions, TransferResult
from skylift.errors import SkyliftError
from skylift.storage.base import Storage
from skylift.transfer.scaleout.coordinator import REPORT_EVERY
from skylift.transfer.scaleout.view import Bound, ShardView

MANIFEST_PART = "manifest.part.jsonl"


@dataclass(frozen=True)
class ShardTask:
    """Everything a worker needs for one shard — and nothing secret."""

    index: int
    lo: str
    hi: str | None
    source: str
    destination: str
    options: TransferOptions
    run_dir: str  # the run's journal folder (shared by the driver and every worker)
    remotes: dict[str, dict[str, str]]
    key_id: str | None = None  # the driver's key's fingerprint (never the key), if it has one
    now: float | None = None  # the run's reference time (epoch s): ages count back from it


@dataclass(frozen=True)
class ShardOutcome:
    """What a shard task returns: its engine result, or the error that stopped it."""

    index: int
    lo: str
    hi: str | None  # the end it really covered (a split moves it down)
    worker: str
    busy_s: float
    result: TransferResult | None
    error: str | None = None
    hint: str | None = None
    cpu_s: float = 0.0  # CPU seconds the worker process spent on this shard (all its threads)
    process: tuple[int, float] = (0, 0.0)  # (pid, CPU seconds of that process's life so far)


def shard_dir(run_dir: str, lo: str) -> Path:
    """The folder of the shard starting at ``lo`` (named by its start, so a re-planned run
    over an unchanged source finds the same folders)."""
    return Path(run_dir) / f"shard-{hashlib.sha256(lo.encode()).hexdigest()[:16]}"


class Reporter:
    """The task's progress, sent to the coordinator in batches; answers split proposals."""

    def __init__(self, coordinator: Any, index: int, bound: Bound) -> None:
        self._coord = coordinator
        self._index = index
        self._bound = bound
        self._lock = threading.Lock()
        self._planned = [0, 0]
        self._sent = 0
        self._finished = 0
        self._answer: tuple[str, bool] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="skylift-report", daemon=True)
        self._thread.start()

    def planned(self, objects: int, nbytes: int) -> None:
        """More work found."""
        with self._lock:
            self._planned[0] += objects
            self._planned[1] += nbytes

    def sent(self, nbytes: int) -> None:
        """Bytes written."""
        with self._lock:
            self._sent += nbytes

    def finished(self, objects: int = 1) -> None:
        """Objects done."""
        with self._lock:
            self._finished += objects

    def _loop(self) -> None:
        while not self._stop.wait(REPORT_EVERY):
            self.report()

    def report(self) -> None:
        """Send what accumulated; consider a split proposal in the answer."""
        import ray

        with self._lock:
            planned, self._planned = (self._planned[0], self._planned[1]), [0, 0]
            sent, self._sent = self._sent, 0
            finished, self._finished = self._finished, 0
            answer, self._answer = self._answer, None
        position = self._bound.position
        ref = self._coord.report.remote(self._index, planned, sent, finished, position, answer)
        proposal = ray.get(ref)
        if proposal is not None:
            accepted = self._bound.shrink(proposal)
            with self._lock:
                self._answer = (proposal, accepted)

    def close(self) -> None:
        """Stop the reporting thread; send the last counts (and the last answer)."""
        self._stop.set()
        self._thread.join()
        self.report()
        if self._answer is not None:  # a proposal came with the last report: answer it
            self.report()


def run_shard(task: ShardTask, coordinator: Any) -> ShardOutcome:
    """Run the engine on ``task``'s key range (the function Ray runs on a worker)."""
    import ray

    from skylift.transfer.engine import run_transfer

    started, cpu = time.monotonic(), process_cpu()
    worker = _node()
    hi = ray.get(coordinator.start.remote(task.index))
    bound = Bound(task.lo, task.hi if hi is None else hi)
    folder = shard_dir(task.run_dir, task.lo)
    reporter = Reporter(coordinator, task.index, bound)
    try:
        src_store = opened(task.source, task.remotes)
        dst_store = opened(task.destination, task.remotes)
        keyed = task.options.encrypt or (task.options.decode and task.key_id is not None)
        key = worker_key(task.key_id) if keyed else None
        src = ShardView(src_store, bound, lambda _lines: None)
        dst = ShardView(dst_store, bound, lambda lines: _keep_part(folder, lines))
        result = run_transfer(
            task.source,
            task.destination,
            task.options,
            folder,
            progress=reporter,
            src=cast(Storage, src),
            dst=cast(Storage, dst),
            remotes=task.remotes,
            key=key,
            probe_rtt=least_rtt,
            now=task.now,
        )
    except SkyliftError as exc:
        note = credentials_note(task.source, task.destination)
        reporter.close()
        return _outcome(task, bound, worker, started, cpu, None,
                        exc.message + (f" ({note})" if note else ""), exc.hint)  # fmt: skip
    except BaseException:
        reporter.close()
        raise
    reporter.close()
    return _outcome(task, bound, worker, started, cpu, result)


def _outcome(
    task: ShardTask,
    bound: Bound,
    worker: str,
    started: float,
    cpu: float,
    result: TransferResult | None,
    error: str | None = None,
    hint: str | None = None,
) -> ShardOutcome:
    """The shard's outcome, with its wall time and the CPU its worker process spent on it
    (measured after the last report: the reporting thread's CPU counts)."""
    now = process_cpu()
    return ShardOutcome(
        task.index, task.lo, bound.hi, worker, time.monotonic() - started, result, error, hint,
        cpu_s=now - cpu, process=(os.getpid(), now),
    )  # fmt: skip


def process_cpu() -> float:
    """CPU seconds (user + system, every thread) this process has used since it started,
    as the kernel counts them (``getrusage``): a worker measures itself."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def key_id(key: bytes) -> str:
    """A fingerprint of the encryption key that tells keys apart and reveals nothing of it."""
    return hmac.new(key, b"skylift scale-out key id", hashlib.sha256).hexdigest()[:16]


def worker_key(expected: str | None) -> bytes:
    """The encryption key from *this worker's* environment (it is never shipped), checked
    against the driver's fingerprint."""
    from skylift.errors import ConfigError
    from skylift.transfer.crypt import KEY_ENV, load_key

    if not os.environ.get(KEY_ENV):
        raise ConfigError(
            f"this worker has no encryption key (${KEY_ENV} unset)",
            f"give every Ray worker the driver's key in ${KEY_ENV} (it is never shipped)",
        )
    key = load_key(None)
    if key_id(key) != expected:
        raise ConfigError(
            f"this worker's ${KEY_ENV} is not the driver's key",
            "give every Ray worker the same key as the driver",
        )
    return key


_STORES: dict[tuple[str, str], Storage] = {}
_RTT: dict[tuple[str, str], float] = {}


def least_rtt(src: Storage, dst: Storage) -> float | None:
    """The round trip the engine tunes a shard for (workers, objects per batch, multipart
    threshold): the longer of the two stores' as a local run measures it, but the least
    this worker process has measured over its shards (its first shard probes three times
    as often). A shard that starts while its worker is throttled (a CPU quota, a busy
    core) measured 3-10 ms on loopback and ran as for a distant store — up to 75 threads
    and batches of 6 objects instead of 16 and 32 — at ~20 % more CPU per object."""
    from skylift.transfer.threshold import is_object_store, measure_rtt

    key = (src.url, dst.url)
    probes = 2 if key in _RTT else 6
    measured = [measure_rtt(s, probes) for s in (src, dst) if is_object_store(s)]
    found = [r for r in measured if r is not None]
    if not found:
        return None
    least = _RTT[key] = min(max(found), _RTT.get(key, float("inf")))
    return least


def opened(url: str, remotes: dict[str, dict[str, str]]) -> Storage:
    """The store at ``url``, opened once per worker process and kept for its next shards
    (building an obstore client costs about 10-50 ms of CPU; its connections are kept too).
    A Ray worker process runs one task at a time."""
    from skylift.transfer.remotes import open_remote

    key = (url, repr(sorted((remotes or {}).items())))
    store = _STORES.get(key)
    if store is None:
        store = _STORES[key] = open_remote(url, remotes)
    return store


#: Where each cloud's SDK chain finds credentials in a worker's environment.
_CREDENTIAL_VARS = {
    "s3": ("AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE",
           "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"),
    "az": ("AZURE_STORAGE_ACCOUNT_KEY", "AZURE_STORAGE_SAS_TOKEN", "AZURE_CLIENT_ID",
           "AZURE_STORAGE_CONNECTION_STRING"),
    "gs": ("GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_SERVICE_ACCOUNT"),
}  # fmt: skip


def credentials_note(*urls: str) -> str | None:
    """Why a failing worker may lack credentials: none of its cloud's variables is set
    (names only, never values), so only instance identity was left to try."""
    from skylift.storage.registry import scheme_of

    for url in urls:
        names = _CREDENTIAL_VARS.get(scheme_of(url), ())
        if names and not any(os.environ.get(n) for n in names):
            return (
                f"this worker has no {scheme_of(url)} credentials in its environment "
                f"({', '.join(names[:2])} … unset) and its instance identity gave none"
            )
    return None


def _keep_part(folder: Path, lines: Iterable[bytes]) -> None:
    """The shard's manifest lines, kept for the driver (temp then rename)."""
    tmp = folder / (MANIFEST_PART + ".tmp")
    with tmp.open("wb") as fh:
        for block in lines:
            fh.write(block)
    tmp.replace(folder / MANIFEST_PART)


@functools.cache
def _node() -> str:
    """This worker's node: its address and the start of its Ray node id (asked once per
    worker process)."""
    try:
        import ray

        ip = str(ray.util.get_node_ip_address())  # type: ignore[no-untyped-call]
        return f"{ip}/{ray.get_runtime_context().get_node_id()[:8]}"
    except Exception:
        return socket.gethostname()
