"""The driver of a scaled-out run: plan shards, run them on Ray, steal work, publish last.

:func:`run_scaleout` is what ``skylift transfer --engine ray`` calls. It
holds the destination lock for the whole job, lists the source for the
shard plan (an object store's first keys, the rest split by probes:
:mod:`~skylift.transfer.scaleout.ranges`), withdraws the previous manifest,
runs every shard on long-lived Ray workers
(:mod:`~skylift.transfer.scaleout.workers`: started before the listing, queued
again for another worker when its worker dies), and splits stragglers when
workers sit idle. Each shard's journal is merged into the run's main journal
as it ends (:mod:`~skylift.transfer.scaleout.early_merge`); only when every
shard succeeded is the manifest published. Ray is imported here, lazily; a missing install or an
unreachable cluster is one :class:`~skylift.errors.ConfigError`.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import socket
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skylift.domain.scaleout import ScaleoutResult, WorkerStats
from skylift.domain.transfer import (
    DETAIL_LIMIT,
    MANIFEST_NAME,
    ObjectFailure,
    TransferOptions,
    TransferResult,
)
from skylift.errors import ConfigError, InputError, TransferError
from skylift.storage.base import ObjectInfo, Storage
from skylift.storage.urls import redact_url, shown_url
from skylift.transfer.breaker import CircuitBreaker
from skylift.transfer.diffing.listing import sorted_listing
from skylift.transfer.engine import build_filter, open_pair
from skylift.transfer.hashing import choose_algorithm
from skylift.transfer.journal import Journal, journal_key
from skylift.transfer.lock import DestinationLock
from skylift.transfer.progress import NullTransferProgress, TransferProgress
from skylift.transfer.remotes import Remotes
from skylift.transfer.retry import RetryPolicy
from skylift.transfer.scaleout.coordinator import REPORT_EVERY, Coordinator, Snapshot
from skylift.transfer.scaleout.early_merge import EarlyMerge
from skylift.transfer.scaleout.merge import abort_leftover_uploads, drop_run, publish_manifest
from skylift.transfer.scaleout.ranges import (
    Budget,
    KeysAfter,
    first_of,
    keys_after_of,
    split_after,
    split_ranges,
    straggler_split,
)
from skylift.transfer.scaleout.shards import (
    MIN_SHARD_S,
    SHARDS_PER_WORKER,
    Checkpoints,
    Cutter,
    Shard,
)
from skylift.transfer.scaleout.stealing import EARLY_SPLIT_S, pick_split
from skylift.transfer.scaleout.task import (
    ShardOutcome,
    ShardTask,
    key_id,
    shard_dir,
)
from skylift.transfer.scaleout.workers import WorkerPool
from skylift.transfer.sources import SingleObject

if TYPE_CHECKING:
    from skylift.transfer.metrics import TransferMetrics

#: Times a shard whose worker died is run again (the journal makes each one resume).
SHARD_RETRIES = 3
#: Seconds the driver waits, with shards queued, for any shard worker to be up (Ray keeps
#: a worker it cannot place pending forever: no CPU in the cluster, all worker nodes lost).
WORKER_WAIT_ENV = "SKYLIFT_SCALEOUT_WORKER_WAIT"
WORKER_WAIT_S = 300.0
#: Threads probing the source for split keys (each probe is one listing request).
PROBE_THREADS = 16
#: Stragglers probed for a split per step of the driver's loop (which waits on them).
PROBED_PER_STEP = 4
#: The resource Ray gives the head node only.
HEAD = "node:__internal_head__"
#: The file in the run's folder holding its reference time (:func:`reference_time`).
REFERENCE_TIME = "reference-time"
_SECRET_OPTION = ("key", "secret", "password", "token", "credential")


def check_shippable(
    source: str, destination: str, options: TransferOptions, keyed: bool = False
) -> None:
    """Refuse what a scaled-out run cannot do safely: credentials in URLs (never shipped
    to workers), ``--encrypt`` without a key (``keyed``: the driver has one)."""
    for url in (source, destination, options.backup_to or ""):
        if url and redact_url(url) != url:
            raise InputError(
                f"{shown_url(url)} carries credentials: --engine ray never ships them to workers",
                "drop the user-info from the URL; give each worker credentials in its "
                "environment or instance identity",
            )
    if options.encrypt and not keyed:
        raise InputError("--encrypt needs a key", "set SKYLIFT_ENCRYPTION_KEY or pass --key-file")


def shippable_remotes(remotes: Remotes | None) -> dict[str, dict[str, str]]:
    """Per-remote options without anything that looks like a secret (task arguments).
    An option holding a URL with user-info or a query (``endpoint: http://u:pw@host``) is
    refused: dropped, the workers would reach another endpoint."""
    shipped = {
        url: {k: v for k, v in opts.items() if not any(s in k.lower() for s in _SECRET_OPTION)}
        for url, opts in (remotes or {}).items()
    }
    for url, opts in shipped.items():
        for name, value in opts.items():
            if "://" in value and redact_url(value) != value:
                raise InputError(
                    f"remotes: {url}: {name} {shown_url(value)} carries credentials: "
                    "--engine ray never ships them to workers",
                    "drop the user-info and query from it; give each worker credentials "
                    "in its environment or instance identity",
                )
    return shipped


@contextmanager
def connected(address: str | None) -> Iterator[Any]:
    """``ray`` connected to the cluster at ``address`` (``auto``, ``host:port`` or
    ``ray://host:port``; None: ``$RAY_ADDRESS`` or ``auto``), disconnected after."""
    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "error")  # no C++ warnings on stderr
    try:
        import ray
    except ImportError as exc:
        raise ConfigError(
            "--engine ray needs Ray", "install it: pip install 'skylift[ray]'"
        ) from exc
    where = address or os.environ.get("RAY_ADDRESS") or "auto"
    _check_reachable(where)
    try:
        _init(ray, where)
    except Exception as exc:
        raise ConfigError(
            f"cannot connect to the Ray cluster at {where}: {_reason(exc)}",
            "Ray Client (ray://HEAD:10001) needs the same Ray and Python versions on both "
            "sides; or run skylift on a node of the cluster with --address HEAD:6379"
            if where.startswith("ray://")
            else "start one (ray start --head) or pass --address HEAD_HOST:6379",
        ) from exc
    try:
        # Ray prints worker events (a task lost and retried) to stdout: keep stdout for
        # the result (--json), show them on stderr
        with contextlib.redirect_stdout(sys.stderr):
            yield ray
    finally:
        ray.shutdown()


CLIENT_ATTEMPTS = 3  # Ray Client: a head's proxy may fail to start the per-client server


def _init(ray: Any, where: str) -> None:
    """``ray.init``; through Ray Client, retried (1 s, 2 s) when the head's proxy reports
    that the server it starts for this client failed to come up — transient on a busy
    head, while a wrong address or version fails the same way every time."""
    for attempt in range(CLIENT_ATTEMPTS):
        try:
            ray.init(
                address=where,
                logging_level=logging.ERROR,
                log_to_driver=False,
                configure_logging=False,
            )
            return
        except Exception as exc:
            transient = "Initialization failure from server" in str(exc)
            if not (where.startswith("ray://") and transient) or attempt + 1 == CLIENT_ATTEMPTS:
                raise
            with contextlib.suppress(Exception):
                ray.shutdown()
            time.sleep(2**attempt)


def _reason(exc: BaseException) -> str:
    """One line of why ``ray.init`` failed: Ray Client wraps the server's traceback
    ("Initialization failure from server:\n<traceback>"), whose last line says why."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    return lines[-1] if lines[0].endswith(":") and len(lines) > 1 else lines[0]


def _check_reachable(where: str) -> None:
    if where == "auto" or ("://" in where and not where.startswith("ray://")):
        return
    hostport = where.removeprefix("ray://")
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise InputError(
            f"--address {where}: expected auto, HOST:PORT or ray://HOST:PORT",
            "the address ray start --head printed, e.g. ray://10.0.0.5:10001",
        )
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as exc:
        raise ConfigError(
            f"cannot reach the Ray cluster at {where}: {exc.strerror or exc}",
            "check the address and that ray start --head runs there (and the port is open)",
        ) from exc


def run_scaleout(
    source: str,
    destination: str,
    options: TransferOptions,
    journal_dir: Path,
    address: str | None = None,
    *,
    progress: TransferProgress | None = None,
    metrics: TransferMetrics | None = None,
    remotes: Remotes | None = None,
    key: bytes | None = None,
) -> ScaleoutResult:
    """Copy (or sync) ``source`` to ``destination`` on the Ray cluster at ``address``.

    Same options, results and guarantees as
    :func:`~skylift.transfer.engine.run_transfer`: per-object (and per-shard)
    failures are in the result; the manifest is published only when every
    shard succeeded; re-running resumes. ``journal_dir`` must be a folder the
    driver and every worker see (one machine, or a shared filesystem).
    """
    check_shippable(source, destination, options, keyed=key is not None)
    shipped = shippable_remotes(remotes)
    started = time.monotonic()
    progress = progress or NullTransferProgress()
    src, dst = open_pair(source, destination, options, None, None, remotes)
    if isinstance(src, SingleObject):
        raise InputError(
            f"{shown_url(source)} is a single object: there is nothing to scale out",
            "drop --engine ray (the local engine copies one object as fast)",
        )
    with connected(address) as ray, DestinationLock(journal_dir, destination, source):
        workers = max(1, int(ray.cluster_resources().get("CPU", 1)))
        retry = RetryPolicy(
            attempts=options.retries,
            breaker=CircuitBreaker(window=options.unreachable_after),
        )
        if retry.call(lambda: dst.exists(MANIFEST_NAME), dst.endpoint_id):
            retry.call(lambda: dst.delete(MANIFEST_NAME), dst.endpoint_id)
        dst.sweep_leftovers(older_than=time.time())
        run_dir = journal_dir / "scaleout" / journal_key(source, destination, options)
        run_dir.mkdir(parents=True, exist_ok=True)
        now = reference_time(run_dir)
        base = ShardTask(0, "", None, source, destination, options, str(run_dir),
                         shipped,
                         key_id(key) if key is not None else None, now)  # fmt: skip
        cutter = Cutter(workers)
        job = _Job(ray, base, cutter.points, workers, progress, metrics)
        budget = Budget(sorted_listing(src.list(), src.scheme, src.url, None), split_after(src))
        listing = build_filter(options, now).apply(job.counted(budget))
        with (
            Journal.open(journal_dir, source, destination, options) as main,
            EarlyMerge(main) as merging,
        ):
            job.on_done = lambda o: merging.add(shard_dir(str(run_dir), o.lo))
            outcomes = job.run(_plan(cutter, listing, budget, src, job, retry))
            merging.finish()  # the shards' rows were merged as each ended: the last ones now
        ok = all(o.result is not None and o.result.ok for o in outcomes)
        manifest = None
        folders = [shard_dir(str(run_dir), o.lo) for o in outcomes]
        if ok:
            abort_leftover_uploads(run_dir, dst)  # a killed run's, in ranges not planned again
            if options.manifest:
                algorithm = choose_algorithm(dst.capabilities.checksums)
                seal = key if options.encrypt else None
                manifest = retry.call(
                    lambda: publish_manifest(folders, dst, source, algorithm, seal),
                    dst.endpoint_id,
                )
            drop_run(run_dir)
    return _result(source, destination, outcomes, job, time.monotonic() - started, manifest)


def reference_time(run_dir: Path) -> float:
    """The instant ``--min-age``/``--max-age`` count back from, for the driver's listing
    and every shard alike (epoch seconds): now, as a local run takes it when it starts
    listing — or, when a run of the same job left its plan (a re-run resumes), the one
    stored with it, so the same objects pass the filter and the ranges are planned the same."""
    stored = run_dir / REFERENCE_TIME
    with contextlib.suppress(OSError, ValueError):
        return float(stored.read_text(encoding="ascii"))
    now = time.time()
    tmp = stored.with_suffix(".tmp")
    tmp.write_text(repr(now), encoding="ascii")
    tmp.replace(stored)
    return now


def worker_wait() -> float:
    """Seconds to wait for a shard worker when none is up (``$SKYLIFT_SCALEOUT_WORKER_WAIT``)."""
    value = os.environ.get(WORKER_WAIT_ENV, "").strip()
    try:
        return float(value) if value else WORKER_WAIT_S
    except ValueError:
        raise InputError(
            f"${WORKER_WAIT_ENV}={value}: expected seconds",
            f"unset it (default {WORKER_WAIT_S:.0f} s)",
        ) from None


def _plan(
    cutter: Cutter,
    listing: Iterable[ObjectInfo],
    budget: Budget,
    src: Storage,
    job: _Job,
    retry: RetryPolicy,
) -> Iterator[Shard]:
    """The shards of the driver's listing, cut as it streams; when the budget stopped it,
    the rest of the key space in ranges found by probes (work stealing then probes too)."""
    yield from cutter.feed(listing, lambda: budget.rest)
    if budget.rest is None:
        return
    keys_after = keys_after_of(src, retry)
    job.split_by_probes(keys_after, budget.rest)
    first_after = first_of(keys_after)
    with ThreadPoolExecutor(PROBE_THREADS, thread_name_prefix="skylift-probe") as pool:
        ranges = split_ranges(first_after, budget.rest, None, job.workers * SHARDS_PER_WORKER, pool)
    for lo, hi in ranges:
        yield Shard(-1, lo, hi, 0, 0)


class _Job:
    """The shards in flight, the coordinator and the work-stealing rule."""

    def __init__(
        self,
        ray: Any,
        base: ShardTask,
        points: Checkpoints,
        workers: int,
        progress: TransferProgress,
        metrics: TransferMetrics | None,
    ) -> None:
        self.ray = ray
        self.base = base
        self.points = points
        self.workers = workers
        self.progress = progress
        self.metrics = metrics
        # on the head node when Ray marks one: not in a worker's CPU
        head = {HEAD: 0.001} if HEAD in ray.cluster_resources() else {}
        self.coord = ray.remote(num_cpus=0, resources=head)(Coordinator).remote()
        # the workers start now: their processes come up while the driver lists
        self.pool = WorkerPool(ray, base, workers, SHARD_RETRIES)
        self.worker_wait = worker_wait()
        self.queue: deque[Shard] = deque()  # cut, not yet handed to Ray
        self.pending: dict[Any, Shard] = {}  # handed to Ray: running (or being retried)
        self.shards: dict[int, Shard] = {}
        self.asked: set[int] = set()
        self.began: dict[int, float] = {}  # shard → when its first report came
        self.splits = 0
        self.restarts = 0
        self.listed = 0  # keys (or top-level entries) the driver listed
        self._probe: KeysAfter | None = None
        #: called with each shard's outcome as it ends (the run's early journal merge)
        self.on_done: Callable[[ShardOutcome], None] = lambda _outcome: None
        self._beyond = ""  # where the ranges the driver did not list begin
        self._unsplit: dict[int, str] = {}  # shard → the position no split was found past

    def counted(self, listing: Iterable[ObjectInfo]) -> Iterator[ObjectInfo]:
        """``listing``, counting its keys in :attr:`listed`."""
        for info in listing:
            self.listed += 1
            yield info

    def split_by_probes(self, keys_after: KeysAfter, beyond: str) -> None:
        """Ranges from ``beyond`` on were not listed by the driver (no checkpoints): split
        such stragglers by probing the source
        (:func:`~skylift.transfer.scaleout.ranges.straggler_split`)."""
        self._probe = keys_after
        self._beyond = beyond

    def submit(self, shard: Shard) -> None:
        """Queue ``shard``; Ray gets it when a worker is free (:meth:`_launch`)."""
        shard = replace(shard, index=len(self.shards))
        self.shards[shard.index] = shard
        self.queue.append(shard)
        self._launch()

    def _launch(self) -> None:
        """Hand queued shards to idle workers, one each: a shard queued here can still go
        to whichever worker frees first (and a straggler be split for it)."""
        while self.queue and self.pool.idle():
            shard = self.queue.popleft()
            task = replace(self.base, index=shard.index, lo=shard.lo, hi=shard.hi)
            self.pending[self.pool.run(task, self.coord)] = shard

    def run(self, plan: Iterable[Shard]) -> list[ShardOutcome]:
        """Run the shards of ``plan`` as it yields them (the driver's listing goes on
        meanwhile), then until every shard ended, stealing work for idle workers."""
        outcomes: list[ShardOutcome] = []
        for shard in plan:
            self.submit(shard)
            self._step(outcomes, 0, steal=False)  # no split before the checkpoints are whole
        while self.pending or self.queue:
            self._step(outcomes, REPORT_EVERY, steal=True)
        self._forward(self.ray.get(self.coord.snapshot.remote()))
        return sorted(outcomes, key=lambda o: o.lo)

    def _step(self, outcomes: list[ShardOutcome], timeout: float, steal: bool) -> None:
        """Collect ended shards, forward progress, queue accepted splits (and propose one)."""
        refs = [*self.pending, *self.pool.waiting()]
        done = self.ray.wait(refs, num_returns=1, timeout=timeout)[0] if refs else []
        for ref in done:
            if self.pool.started(ref):
                continue
            shard = self.pending.pop(ref)
            outcome = self.pool.outcome(ref, shard.index, functools.partial(_lost, shard))
            self.ray.get(self.coord.finished_shard.remote(shard.index))
            if outcome is None:  # its worker died: again on another (it resumes its journal)
                self.queue.appendleft(self.shards[shard.index])
                continue
            self._split_off(shard.index, outcome.hi)
            outcomes.append(outcome)
            self.on_done(outcome)
        self._launch()
        if self.queue and self.pool.down_for() > self.worker_wait:
            raise TransferError(
                f"no Ray shard worker came up in {self.worker_wait:.0f} s: the cluster has "
                f"{self.ray.available_resources().get('CPU', 0):g} CPUs free of "
                f"{self.ray.cluster_resources().get('CPU', 0):g} (each worker needs one)",
                "add worker nodes (ray start --address HEAD:6379 --num-cpus N) or free their "
                f"CPUs, then re-run to resume; ${WORKER_WAIT_ENV} sets the wait",
            )
        snap: Snapshot = self.ray.get(self.coord.snapshot.remote())
        self._forward(snap)
        for index, key in snap.accepted:
            self._split_off(index, key)
            self.asked.discard(index)
        self.asked.difference_update(snap.rejected)
        if steal:
            self._steal(snap.positions, snap.done)

    def _split_off(self, index: int, key: str | None) -> None:
        """``index`` now ends at ``key``: queue what lay between ``key`` and its old end."""
        shard = self.shards[index]
        if key is None or key == shard.hi or not shard.contains(key):
            return
        self.shards[index] = replace(shard, hi=key)
        rest = Shard(-1, key, shard.hi, 0, 0)
        self.splits += 1
        self.submit(rest)

    def _steal(self, positions: dict[int, str], finished: dict[int, int]) -> None:
        """Nothing queued: split the running shard with most time left — for an idle
        worker, or, every worker busy, ahead of time when it has at least
        :data:`~skylift.transfer.scaleout.stealing.EARLY_SPLIT_S` to move (before its
        listing reaches its end and nothing can move: the run's tail)."""
        now = time.monotonic()
        for index in positions:
            self.began.setdefault(index, now)
        running = len(positions)
        if self.queue or len(self.pending) > running or self.asked:
            return
        busy = running >= self.workers
        elapsed = {i: now - self.began[i] for i in positions}
        least = EARLY_SPLIT_S if busy else MIN_SHARD_S
        picked = pick_split(self.points, self.shards, positions, finished, elapsed, least)
        if picked is None and self._probe is not None and not busy:
            picked = self._probe_split(positions, elapsed)
        if picked is not None:
            self.coord.propose.remote(*picked)
            self.asked.add(picked[0])

    def _probe_split(
        self, positions: dict[int, str], elapsed: dict[int, float]
    ) -> tuple[int, str] | None:
        """The longest-running shard the driver did not list with a split key halfway
        between its listing position and about its last key (asked at once: its listing
        runs ahead of its copies, and only the keys it has not listed yet can move). At
        most :data:`PROBED_PER_STEP` shards are probed per step (the loop waits on the
        probes); a shard is probed again only when its position moved."""
        probe = self._probe
        assert probe is not None
        tried = 0
        for index in sorted(positions, key=lambda i: -elapsed[i]):
            shard = self.shards.get(index)
            if shard is None or shard.lo < self._beyond or tried >= PROBED_PER_STEP:
                continue
            start = max(positions[index], shard.lo)
            if self._unsplit.get(index) == start:
                continue
            key = straggler_split(probe, start, shard.hi)
            if key is not None:
                return index, key
            self._unsplit[index] = start
            tried += 1
        return None

    def _forward(self, snap: Snapshot) -> None:
        self.restarts += snap.restarts
        if snap.planned_objects or snap.planned_bytes:
            self.progress.planned(snap.planned_objects, snap.planned_bytes)
        if snap.sent:
            self.progress.sent(snap.sent)
            if self.metrics is not None:
                self.metrics.bytes.inc(snap.sent)
        if snap.finished:
            self.progress.finished(snap.finished)
        if self.metrics is not None:
            self.metrics.inflight.set(len(self.pending))


def _lost(shard: Shard, exc: BaseException, lost: int) -> ShardOutcome:
    """The outcome of a shard that could not run: its worker died ``lost`` times, or Ray
    failed the call (``lost`` 0)."""
    cause = getattr(exc, "cause", None) or exc
    message = str(cause).strip().splitlines()
    return ShardOutcome(
        shard.index, shard.lo, shard.hi, "-", 0.0, None,
        f"{type(cause).__name__}: {message[-1] if message else ''}",
        (f"its worker died {lost} times; " if lost else "")
        + "re-run the same command to resume",
    )  # fmt: skip


_SUMMED = (
    "transferred", "skipped", "deleted", "failed", "backed_up", "bytes_transferred",
    "bytes_skipped", "parts_sent", "parts_resumed", "retries",
)  # fmt: skip


def _result(
    source: str,
    destination: str,
    outcomes: list[ShardOutcome],
    job: _Job,
    elapsed: float,
    manifest: str | None,
) -> ScaleoutResult:
    results = [o.result for o in outcomes if o.result is not None]
    total: dict[str, int] = {}
    for name in _SUMMED:
        total[name] = sum(getattr(r, name) for r in results)
    failures = [f for r in results for f in r.failures]
    for o in outcomes:
        if o.result is None:
            shard = Shard(o.index, o.lo, o.hi, 0, 0)
            failures.append(
                ObjectFailure(
                    path=shard.name, error=f"{o.error} (on {o.worker}); {o.hint}", kind="shard"
                )
            )
            total["failed"] += 1
    warnings = [w for r in results for w in r.warnings]
    if job.metrics is not None:
        for label in ("transferred", "skipped", "deleted", "failed"):
            job.metrics.objects.labels(label).inc(total[label])
        job.metrics.parts.inc(total["parts_sent"])
        job.metrics.retries.inc(total["retries"])
    return ScaleoutResult(
        source=redact_url(source),
        destination=redact_url(destination),
        **total,
        jobs=max((r.jobs for r in results), default=0) * job.workers,
        elapsed_s=round(elapsed, 3),
        manifest=manifest,
        failures=tuple(sorted(failures, key=lambda f: f.path)[:DETAIL_LIMIT]),
        warnings_count=sum(r.warnings_count for r in results),
        warnings=tuple(warnings[:DETAIL_LIMIT]),
        workers=_workers(outcomes),
        shards=len(outcomes),
        shards_split=job.splits,
        shard_retries=job.restarts,
        driver_listed=job.listed,
    )


def _workers(outcomes: list[ShardOutcome]) -> tuple[WorkerStats, ...]:
    by: dict[str, list[ShardOutcome]] = {}
    for o in outcomes:
        if o.worker != "-":
            by.setdefault(o.worker, []).append(o)
    stats = []
    for worker, done in sorted(by.items()):
        results: list[TransferResult] = [o.result for o in done if o.result is not None]
        sent = sum(r.bytes_transferred for r in results)
        objects = sum(r.transferred for r in results)
        busy = sum(o.busy_s for o in done)
        lives: dict[int, float] = {}  # worker process → its CPU at the end of its last shard
        for o in done:
            lives[o.process[0]] = max(lives.get(o.process[0], 0.0), o.process[1])
        stats.append(
            WorkerStats(
                worker=worker,
                shards=len(done),
                objects=objects,
                bytes_sent=sent,
                busy_s=round(busy, 3),
                throughput_bps=round(sent / busy, 1) if busy > 0 else 0.0,
                objects_per_s=round(objects / busy, 1) if busy > 0 else 0.0,
                cpu_s=round(sum(lives.values()), 3),
                shard_cpu_s=round(sum(o.cpu_s for o in done), 3),
                processes=len(lives),
            )
        )
    return tuple(stats)
