"""``transfer(SRC, DST)``: list both sides streamed, diff, copy what differs, publish.

The one entry point other layers call is :func:`run_transfer` (and
:func:`plan_transfer` for ``--dry-run``). Memory stays bounded: listings are
streamed (sorted externally when a backend does not list in order), tasks
are queued through a bounded pool, deletions and manifest lines are spooled
to temporary files.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from skylift.domain.transfer_options import DETAIL_LIMIT, MANIFEST_NAME, TransferOptions
from skylift.errors import InputError
from skylift.interrupts import deferred, result
from skylift.storage.base import ObjectInfo, Storage
from skylift.storage.urls import redact_url, shown_url
from skylift.transfer.breaker import CircuitBreaker
from skylift.transfer.bwlimit import TokenBucket, Unlimited, parse_bwlimit
from skylift.transfer.context import RunContext
from skylift.transfer.crypt import Codec
from skylift.transfer.diffing.diff import Comparison, Verdict, diff
from skylift.transfer.diffing.listing import PrefetchedListing, sorted_listing
from skylift.transfer.filters import ObjectFilter
from skylift.transfer.hashing import choose_algorithm
from skylift.transfer.journal import DoneCursor, Journal
from skylift.transfer.lock import DestinationLock
from skylift.transfer.manifest import ManifestSpool
from skylift.transfer.multipart import MultipartJob, abandon_stale_uploads
from skylift.transfer.objects import Item, copy_batch, copy_streamed, same_content
from skylift.transfer.progress import NullTransferProgress, TransferProgress, listing_done
from skylift.transfer.remotes import Remotes, open_remote
from skylift.transfer.retry import RetryPolicy
from skylift.transfer.scheduler import (
    BATCH_BYTES,
    TaskPool,
    batch_for_rtt,
    choose_jobs,
    jobs_for_rtt,
)
from skylift.transfer.scratch import scratch_folder, spool_line, spooled_path
from skylift.transfer.seal import SealedIndex, load_sealed
from skylift.transfer.sources import check_destination, check_overlap, open_source
from skylift.transfer.tally import Tally
from skylift.transfer.threshold import (
    SPLIT_CONCURRENCY,
    choose_threshold,
    is_object_store,
    split_from,
    store_rtt,
)

if TYPE_CHECKING:
    from skylift.domain.transfer import TransferPlan, TransferResult
    from skylift.transfer.metrics import TransferMetrics

# The plan and result models (pydantic) load where they are built, not with the engine:
# a run's first request goes out before pydantic is imported (issue #12).


def build_filter(options: TransferOptions, now: float | None = None) -> ObjectFilter:
    """The object filter the options describe; ages count back from ``now`` (epoch
    seconds; the current time when None)."""
    return ObjectFilter.build(
        options.include,
        options.exclude,
        options.min_size,
        options.max_size,
        options.min_age,
        options.max_age,
        now,
    )


def comparison_for(src: Storage, dst: Storage, options: TransferOptions) -> Comparison:
    """How source and destination objects are compared for this pair of stores."""
    keeps = dst.capabilities.preserves_mtime
    coarse = not keeps or "sftp" in (src.scheme, dst.scheme)
    encoded = options.encrypt or options.compress or options.decode
    return Comparison(
        checksum=options.checksum and not encoded,
        ignore_size=encoded,
        dst_keeps_mtime=keeps,
        window=1.0 if coarse else 0.001,
    )


def _pairs(
    src: Storage,
    dst: Storage,
    options: TransferOptions,
    tmpdir: Path | None,
    dst_listing: Iterable[ObjectInfo] | None = None,
    now: float | None = None,
) -> Iterator[tuple[Verdict, ObjectInfo | None, ObjectInfo | None]]:
    flt = build_filter(options, now)
    # the source goes into the diff filtered by path only: an object the size or age
    # rules leave out is neither copied nor, as missing, deleted at DST (its copy there
    # may pass them: an object store dates it by its upload, #12)
    by_path = flt.paths_only()
    src_list = by_path.apply(sorted_listing(src.list(), src.scheme, src.url, tmpdir))
    listing = dst.list() if dst_listing is None else dst_listing
    dst_list = sorted_listing(listing, dst.scheme, dst.url, tmpdir)
    left_out = None if by_path == flt else flt.accepts
    for verdict, s, d in diff(src_list, dst_list, comparison_for(src, dst, options)):
        if s is not None and left_out is not None and not left_out(s):
            continue
        if verdict is Verdict.DELETE and (not options.delete or d is None or not flt.accepts(d)):
            continue
        yield verdict, s, d


def open_pair(
    source: str,
    destination: str,
    options: TransferOptions,
    src: Storage | None,
    dst: Storage | None,
    remotes: Remotes | None,
) -> tuple[Storage, Storage]:
    """Check the source rules (see :mod:`~skylift.transfer.sources`), then open both sides.

    The source is checked (it must exist; overlap is refused) before the
    destination is opened or listed.
    """
    check_overlap(source, destination, build_filter(options), remotes, options.backup_to)
    src, single = open_source(source, remotes, src)
    if single and options.delete:
        raise InputError(
            f"--delete with a single-file source {shown_url(source)} would delete "
            "every other object at the destination",
            "drop --delete to copy the file into the destination folder",
        )
    check_destination(destination)
    dst = dst or open_remote(destination, remotes)
    dst.as_destination()  # its listings follow no links: an alias is no second object
    return src, dst


def plan_transfer(
    source: str,
    destination: str,
    options: TransferOptions,
    src: Storage | None = None,
    dst: Storage | None = None,
    remotes: Remotes | None = None,
) -> TransferPlan:
    """What a run would do, without writing anything (reads content only for --checksum)."""
    from skylift.domain.transfer import Action, PlannedAction, TransferPlan

    verdicts = {
        Verdict.COPY: Action.COPY,
        Verdict.UPDATE: Action.UPDATE,
        Verdict.DELETE: Action.DELETE,
        Verdict.SKIP: Action.SKIP,
        Verdict.CHECK: Action.UPDATE,
    }
    src, dst = open_pair(source, destination, options, src, dst, remotes)
    src.configure_links(options.links, lambda _message: None)  # the plan lists no warnings
    counts = dict.fromkeys(Action, 0)
    send = 0
    actions: list[PlannedAction] = []
    for verdict, s, d in _pairs(src, dst, options, None):
        if (
            verdict is Verdict.DELETE
            and d is not None
            and under_skipped_link(d.path, src.skipped_keys())
        ):
            continue  # the run keeps it: the source has a skipped link there
        if verdict is Verdict.CHECK and s is not None and d is not None:
            verdict = Verdict.SKIP if same_content(src, dst, s, d, None) else Verdict.UPDATE
        action = verdicts[verdict]
        counts[action] += 1
        obj = s if s is not None else d
        assert obj is not None
        if action in (Action.COPY, Action.UPDATE):
            send += obj.size
        if action is not Action.SKIP and len(actions) < DETAIL_LIMIT:
            actions.append(PlannedAction(action=action, path=obj.path, size=obj.size))
    return TransferPlan(
        source=redact_url(source),
        destination=redact_url(destination),
        copy_count=counts[Action.COPY],
        update_count=counts[Action.UPDATE],
        delete_count=counts[Action.DELETE],
        skip_count=counts[Action.SKIP],
        bytes_to_send=send,
        actions=tuple(actions),
        actions_truncated=sum(counts.values()) - counts[Action.SKIP] > len(actions),
    )


def run_transfer(
    source: str,
    destination: str,
    options: TransferOptions,
    journal_dir: Path,
    *,
    key: bytes | None = None,
    progress: TransferProgress | None = None,
    metrics: TransferMetrics | None = None,
    src: Storage | None = None,
    dst: Storage | None = None,
    backup: Storage | None = None,
    remotes: Remotes | None = None,
    probe_rtt: Callable[[Storage, Storage], float | None] | None = None,
    now: float | None = None,
) -> TransferResult:
    """Copy (or with ``options.delete`` sync) ``source`` to ``destination``.

    Per-object failures are collected in the result, never raised; the
    manifest is published only when nothing failed. Re-running the same
    command with the same ``journal_dir`` resumes. ``key`` is the 32-byte
    encryption key for ``options.encrypt``/``options.decode``. Stores may be
    passed already opened (tests, shared connections); else they are opened
    from the URLs with their ``remotes`` options (``skylift.yaml``). ``probe_rtt``
    replaces the round-trip probe that picks workers, batch size and multipart
    threshold (a Ray worker keeps the least it measured over its shards). ``now`` is
    the instant ``--min-age``/``--max-age`` count back from (epoch seconds; when None,
    the time the listing starts: a Ray shard gets its run's, so all shards agree).
    """
    started = time.monotonic()
    progress = progress or NullTransferProgress()
    src, dst = open_pair(source, destination, options, src, dst, remotes)
    if options.backup_to and backup is None:
        backup = open_remote(options.backup_to, remotes)
    codec = Codec(compress=options.compress, encrypt=options.encrypt, key=key)
    decoder = Codec(key=key) if options.decode else None
    retry = RetryPolicy(
        attempts=options.retries, breaker=CircuitBreaker(window=options.unreachable_after)
    )
    tally = Tally(progress, metrics)
    src.configure_links(options.links, tally.warn)
    bucket = TokenBucket(parse_bwlimit(options.bwlimit)) if options.bwlimit else Unlimited()
    lock = DestinationLock(journal_dir, destination, source)
    lock.__enter__()
    journal: Journal | None = None
    try:
        # Round trips in parallel, not one after another: the probe (which sets the
        # multipart threshold, workers and batch size), whether the destination has a
        # manifest to withdraw, the destination's first listing page, the sealed manifest
        # of a --decode source; the journal opens meanwhile.
        # (Ctrl-C is held back while the main thread holds the pool's or a future's lock)
        with ThreadPoolExecutor(3, thread_name_prefix="skylift-start") as early:
            with deferred():
                probe = early.submit(probe_rtt or _rtt, src, dst)
                manifest_seen = early.submit(_manifest_at_start, dst)
                sealing = None
                if options.decode:
                    sealing = early.submit(_sealed_source, src, key, retry, tally)
            dst_listing = PrefetchedListing(dst.list()) if is_object_store(dst) else None
            journal = Journal.open(journal_dir, source, destination, options)
            rtt = result(probe)
            sealed = result(sealing) if sealing is not None else None
    except BaseException as exc:
        _wind_up(exc, tally, _closing(lock, journal))
        raise
    if journal.set_aside is not None:
        tally.warn(_damaged_journal(journal.path, *journal.set_aside, options.encrypt))
    jobs = options.jobs or jobs_for_rtt(choose_jobs(src.scheme, dst.scheme), rtt)
    spool: ManifestSpool | None = None
    try:
        spool = ManifestSpool() if options.manifest else None
        dst.sweep_leftovers(older_than=time.time())  # temp files of crashed runs (we hold it)
    except BaseException as exc:  # e.g. the store went away: the lock must not stay taken
        _wind_up(exc, tally, _closing(lock, journal, spool))
        raise
    ctx = RunContext(
        src=src,
        dst=dst,
        options=options,
        codec=codec,
        decoder=decoder,
        journal=journal,
        bucket=bucket,
        retry=retry,
        tally=tally,
        manifest=spool,
        algorithm=choose_algorithm(dst.capabilities.checksums),
        backup=backup,
        threshold=choose_threshold(dst, options.multipart_threshold, rtt),
        batch_objects=batch_for_rtt(rtt),
        sealed=sealed,
        manifest_seen=manifest_seen,
    )
    # on a distant store one connection's window need not bound a mid-size object
    ctx.split_from = split_from(dst, rtt, ctx.threshold)
    dst.split_puts(ctx.split_from, SPLIT_CONCURRENCY)
    pool = TaskPool(jobs, on_change=metrics.inflight.set if metrics is not None else None)
    manifest_path: str | None = None
    ended: BaseException | None = None
    try:
        with scratch_folder() as tmp:
            deletes = _dispatch(ctx, pool, tmp, progress, dst_listing, now)
            listing_done(progress)
            pool.wait()
            if retry.breaker.tripped is not None:
                raise retry.breaker.error()
            if deletes and tally.failed == 0:
                _withdraw_manifest(ctx)
                _delete_all(ctx, pool, deletes)
                pool.wait()
                if retry.breaker.tripped is not None:
                    raise retry.breaker.error()
            if tally.failed == 0:
                abandon_stale_uploads(ctx)  # parts of objects this run no longer sends
            journal.flush()  # every finished object is recorded before the manifest goes up
            journal.close_soon()  # the checkpoint's syncs overlap the manifest's PUT
            if spool is not None and tally.failed == 0:
                seal_key = key if options.encrypt else None
                manifest_path = retry.call(
                    lambda: spool.publish(dst, source, ctx.algorithm, seal_key), dst.endpoint_id
                )
    except BaseException as exc:
        ended = exc
        raise
    finally:
        _wind_up(ended, tally, _closing(lock, journal, spool, pool, bucket, ended is not None))
        if journal.unwritable is not None:  # it stopped recording; the data moved on
            unrecorded = _unwritable_journal(journal.path, journal.unwritable)
            if ended is not None:
                ended.add_note(unrecorded)
            else:
                tally.warn(unrecorded)
    if metrics is not None:
        metrics.retries.inc(retry.retried)
    return tally.result(
        redact_url(source),
        redact_url(destination),
        jobs,
        time.monotonic() - started,
        retry.retried,
        manifest_path,
    )


#: A clean-up step: what it does (for "could not …"), the step, and what its failure
#: means for the next run.
_Step = tuple[str, Callable[[], object], str]


def _closing(
    lock: DestinationLock,
    journal: Journal | None,
    spool: ManifestSpool | None = None,
    pool: TaskPool | None = None,
    bucket: TokenBucket | Unlimited | None = None,
    cancel: bool = False,
) -> list[_Step]:
    """The steps that end a run, in order: stop the workers (``cancel``: at once, queued
    work dropped, bandwidth waits ended — Ctrl-C), close the journal, drop the manifest
    spool, release the destination lock."""
    steps: list[_Step] = []
    if pool is not None:
        if cancel:
            if bucket is not None:
                steps.append(("stop waiting for bandwidth", bucket.interrupt, ""))
            steps.append(("drop the queued work", lambda: pool.shutdown(cancel=True), ""))
        steps.append(("stop the workers", pool.shutdown, ""))  # waits for running tasks
    if journal is not None:
        steps.append((
            f"close the transfer journal {journal.path}",
            journal.close,
            "the next run reopens it (SQLite keeps what was committed; objects it lacks are "
            "compared at the destination, not sent again) or, if it cannot be read, moves it "
            "aside and starts a new one",
        ))  # fmt: skip
    if spool is not None:
        steps.append(("remove the manifest spool", spool.close, "it is an unlinked temp file"))
    steps.append((
        f"release the destination lock {lock.path}",
        lock.__exit__,
        "the lock ends with this process: it does not hold up the next run",
    ))  # fmt: skip
    return steps


def _wind_up(ended: BaseException | None, tally: Tally, steps: list[_Step]) -> None:
    """Run every step, also after one fails. A failed step never replaces the exception
    that ended the run (``ended``): it is added to it as a note, which the CLI shows as a
    warning line after the error. After a run that got to its end (the manifest is up
    when every object succeeded) it is a warning of the result, and the status stays
    the one the run earned: the data is complete and verified."""
    again: BaseException | None = None
    for what, step, then in steps:
        try:
            step()
        except Exception as exc:
            text = f"could not {what}: {type(exc).__name__}: {exc}" + (f"; {then}" if then else "")
            if ended is not None:
                ended.add_note(f"clean-up after the run stopped: {text}")
            else:
                tally.warn(text)
        except BaseException as exc:  # Ctrl-C again: the remaining steps still run
            again = again or exc
    if again is not None and ended is None:
        raise again


def _unwritable_journal(path: Path, why: str) -> str:
    """The warning for a journal that could not be written any more (a full disk …)."""
    return (
        f"could not write the transfer journal {path} ({why}): it stopped recording, the "
        "data went on; a re-run compares the objects it did not record at the destination "
        "(not sent again) and sends multipart uploads it did not record from the start; "
        "free space where the journal is (or pass --journal DIR)"
    )


def _damaged_journal(path: Path, aside: Path, why: str, encrypt: bool) -> str:
    """The warning for a journal file that could not be read and was moved aside."""
    text = (
        f"the transfer journal {path} could not be read ({why}): moved to {aside}, a new "
        "one started; objects already at the destination were compared there, not sent "
        "again, multipart uploads it recorded start over, and this run's manifest has no "
        "checksum for the objects it skipped"
    )
    if encrypt:
        text += " (nor their plaintext digest: --decode checks those by version stamp only)"
    return text


def _dispatch(
    ctx: RunContext,
    pool: TaskPool,
    tmp: Path,
    progress: TransferProgress,
    dst_listing: Iterable[ObjectInfo] | None = None,
    now: float | None = None,
) -> list[Path]:
    """Walk the diff, queue work; return spooled deletions (done after copies)."""
    options = ctx.options
    multipart = ctx.dst.capabilities.multipart and options.decode is False
    threshold = ctx.threshold
    batch: list[Item] = []
    batch_bytes = 0
    done = DoneCursor(ctx.journal.done_entries()) if ctx.manifest is not None else None
    delete_file = tmp / "deletes.txt"
    n_deletes = 0
    withdrawn = False  # the previous manifest, before the first change
    with delete_file.open("w", encoding="utf-8") as deletes:
        for verdict, s, d in _pairs(ctx.src, ctx.dst, options, tmp, dst_listing, now):
            if ctx.retry.breaker.tripped is not None:
                break  # an endpoint is unreachable: queue nothing more
            if verdict is Verdict.DELETE:
                assert d is not None
                deletes.write(spool_line(d.path))
                n_deletes += 1
                continue
            if not withdrawn and verdict is not Verdict.SKIP:
                # the old manifest would describe objects this run replaces: withdraw it
                # before the first write; the new one is published last, if all succeed
                _withdraw_manifest(ctx)
                withdrawn = True
            assert s is not None
            if verdict is Verdict.SKIP:
                ctx.tally.skip(s.size)
                if ctx.manifest is not None and done is not None and d is not None:
                    entry = done.entry(s.path, s.size, s.mtime)
                    checksum, plain = (
                        (None, None) if entry is None else (entry.checksum, entry.plain)
                    )
                    ctx.manifest.add(d.path, d.size, s.mtime, checksum, plain)
                continue
            progress.planned(1, s.size)
            split = ctx.split_from is not None and s.size >= ctx.split_from
            if s.size >= threshold or split:
                if multipart and not split:
                    MultipartJob(ctx, s, d).start(pool)
                else:  # streamed: a split upload's parts leave while the next are read
                    pool.submit(lambda v=verdict, s=s, d=d: copy_streamed(ctx, v, s, d))  # type: ignore[misc]
                continue
            batch.append((verdict, s, d))
            batch_bytes += s.size
            if len(batch) >= ctx.batch_objects or batch_bytes >= BATCH_BYTES:
                pool.submit(lambda b=batch: copy_batch(ctx, b, pool))  # type: ignore[misc]
                batch, batch_bytes = [], 0
        if batch:
            pool.submit(lambda b=batch: copy_batch(ctx, b, pool))  # type: ignore[misc]
    return [delete_file] if n_deletes else []


def _sealed_source(
    src: Storage, key: bytes | None, retry: RetryPolicy, tally: Tally
) -> SealedIndex | None:
    """--decode with a key: the source's verified sealed manifest (warn when there is none)."""
    if key is None:
        return None
    sealed = retry.call(lambda: load_sealed(src, key), src.endpoint_id)
    if sealed is None:
        tally.warn(
            f"{shown_url(src.url)} has no sealed manifest (its last encrypted run did not "
            "finish, or ran with --no-manifest): a rolled-back object is caught only where "
            "the store keeps mtimes"
        )
    return sealed


def _rtt(src: Storage, dst: Storage) -> float | None:
    """The longer round trip of the two stores that are object stores (None: neither)."""
    measured = [r for r in (store_rtt(src), store_rtt(dst)) if r is not None]
    return max(measured) if measured else None


def _manifest_at_start(dst: Storage) -> bool | None:
    """Whether ``dst`` has a manifest, asked once while the run holds the destination
    lock (None if the request failed: then it is asked again, with retries, when needed)."""
    try:
        return dst.exists(MANIFEST_NAME)
    except Exception:
        return None


def under_skipped_link(path: str, keys: frozenset[str]) -> bool:
    """True if ``path`` is one of ``keys`` (the source's skipped links,
    :meth:`Storage.skipped_keys`) or lies below one of them: ``--delete`` keeps it and
    ``verify`` does not report it as extra."""
    parts = path.split("/")
    return any("/".join(parts[:n]) in keys for n in range(1, len(parts) + 1))


def _withdraw_manifest(ctx: RunContext) -> None:
    """Remove the previous run's manifest, if there is one (it no longer describes DST)."""
    dst, retry = ctx.dst, ctx.retry
    present = result(ctx.manifest_seen) if ctx.manifest_seen is not None else None
    if present is None:
        present = retry.call(lambda: dst.exists(MANIFEST_NAME), dst.endpoint_id)
    if present:
        retry.call(lambda: dst.delete(MANIFEST_NAME), dst.endpoint_id)
    done: Future[bool | None] = Future()
    done.set_result(False)
    ctx.manifest_seen = done  # withdrawn: a later call has nothing to do


def _delete_all(ctx: RunContext, pool: TaskPool, files: list[Path]) -> None:
    skipped = ctx.src.skipped_keys()

    def delete_batch(paths: list[str]) -> None:
        for path in paths:
            if skipped and under_skipped_link(path, skipped):
                ctx.tally.warn(f"kept {path} at the destination: the source has a skipped link")
                continue
            try:
                if ctx.backup is not None:
                    ctx.keep_backup(ctx.dst.stat(path))
                ctx.retry.call(lambda p=path: ctx.dst.delete(p), ctx.dst.endpoint_id)  # type: ignore[misc]
                ctx.journal.forget(path)
                ctx.tally.delete()
            except Exception as exc:
                ctx.tally.fail(path, exc)

    for file in files:
        with file.open(encoding="utf-8") as fh:
            chunk: list[str] = []
            for line in fh:
                chunk.append(spooled_path(line))
                if len(chunk) >= ctx.batch_objects:
                    pool.submit(lambda c=chunk: delete_batch(c))  # type: ignore[misc]
                    chunk = []
            if chunk:
                pool.submit(lambda c=chunk: delete_batch(c))  # type: ignore[misc]
