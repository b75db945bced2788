"""Listings in path order with bounded memory.

The diff is a merge-join, so both sides must arrive sorted by path (code-point
order, which equals UTF-8 byte order, as S3, Azure and GCS list). Object
stores already list that way and are passed through with an order check;
other listings (local folders walk per directory, so ``a/b`` comes before
``a-b``) go through an external merge sort: sorted runs of
:data:`RUN_SIZE` entries spilled to temporary files, then merged.
"""

from __future__ import annotations

import heapq
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from skylift.domain.transfer_options import MANIFEST_NAME
from skylift.errors import SkyliftError, TransferError
from skylift.interrupts import deferred
from skylift.storage.base import ObjectInfo, TransientError
from skylift.storage.urls import shown_url
from skylift.transfer.breaker import EndpointUnreachableError, is_connection_failure

#: Schemes whose listing API returns keys in lexicographic order.
SORTED_SCHEMES = frozenset({"s3", "az", "gs", "memory", "file"})
RUN_SIZE = 200_000

_Row = tuple[str, int, float | None, str | None, dict[str, str]]


def _to_row(info: ObjectInfo) -> _Row:
    return (info.path, info.size, info.mtime, info.etag, info.checksums)


def _from_row(row: _Row) -> ObjectInfo:
    return ObjectInfo(row[0], row[1], row[2], row[3], row[4])


def _spill(run: list[ObjectInfo], folder: str) -> IO[bytes]:
    import pickle  # only listings too big for memory spill (~2 ms of every start)

    run.sort(key=lambda i: i.path)
    fh = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115 - closed by the merge
    dump = pickle.Pickler(fh, protocol=pickle.HIGHEST_PROTOCOL)
    for start in range(0, len(run), 4096):
        dump.dump([_to_row(i) for i in run[start : start + 4096]])
        dump.clear_memo()
    fh.seek(0)
    return fh


def _read_run(fh: IO[bytes]) -> Iterator[ObjectInfo]:
    import pickle

    try:
        while True:
            try:
                rows: list[_Row] = pickle.load(fh)  # noqa: S301 - our own temp file
            except EOFError:
                return
            for row in rows:
                yield _from_row(row)
    finally:
        fh.close()


def external_sort(
    listing: Iterable[ObjectInfo], run_size: int = RUN_SIZE, tmpdir: Path | None = None
) -> Iterator[ObjectInfo]:
    """Yield ``listing`` sorted by path, holding at most ``run_size`` entries in memory."""
    run: list[ObjectInfo] = []
    spilled: list[IO[bytes]] = []
    folder = str(tmpdir) if tmpdir is not None else None
    with tempfile.TemporaryDirectory(dir=folder, prefix="skylift-sort-") as tmp:
        for info in listing:
            run.append(info)
            if len(run) >= run_size:
                spilled.append(_spill(run, tmp))
                run = []
        if not spilled:
            run.sort(key=lambda i: i.path)
            yield from run
            return
        if run:
            spilled.append(_spill(run, tmp))
            run = []
        yield from heapq.merge(*(_read_run(fh) for fh in spilled), key=lambda i: i.path)


def checked_order(listing: Iterable[ObjectInfo], url: str) -> Iterator[ObjectInfo]:
    """Pass a listing through, raising TransferError if it is not strictly ascending."""
    last = ""
    first = True
    for info in listing:
        if not first and info.path <= last:
            raise TransferError(
                f"{shown_url(url)}: listing is not in path order ({last!r} then {info.path!r})",
                "report this backend; the diff needs sorted listings",
            )
        first = False
        last = info.path
        yield info


def guarded(listing: Iterable[ObjectInfo], url: str) -> Iterator[ObjectInfo]:
    """Pass a listing through; an untranslated backend failure becomes one TransferError."""
    try:
        yield from listing
    except TransientError as exc:
        if not is_connection_failure(exc):
            raise
        raise EndpointUnreachableError(
            f"endpoint unreachable: cannot list {shown_url(url)}: {exc.message}",
            "check that the server is up and reachable (endpoint in skylift.yaml remotes), "
            "then re-run",
        ) from exc
    except SkyliftError:
        raise
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        raise TransferError(
            f"cannot list {shown_url(url)}: {first}",
            "check the URL, the endpoint in skylift.yaml remotes and the credentials",
        ) from exc


class PrefetchedListing:
    """A store's listing whose first page is requested at once, in a thread.

    The engine starts the destination's listing this way while it measures the
    round trip to it, so on a distant store the listing's first request (and
    its connection set-up) overlaps the probes instead of following them.
    Iterating waits for that first page and re-raises what it raised; the rest
    is listed by the iterating thread, as without prefetching.
    """

    def __init__(self, listing: Iterable[ObjectInfo]) -> None:
        self._it = iter(listing)
        self._head: list[ObjectInfo] = []
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._first, name="skylift-list", daemon=True)
        with deferred():  # Ctrl-C inside start() left its lock taken (skylift.interrupts)
            self._thread.start()

    def _first(self) -> None:
        try:
            first = next(self._it, None)
        except BaseException as exc:  # re-raised where the listing is consumed
            self._error = exc
        else:
            if first is not None:
                self._head.append(first)

    def __iter__(self) -> Iterator[ObjectInfo]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        yield from self._head
        yield from self._it


def sorted_listing(
    listing: Iterable[ObjectInfo], scheme: str, url: str, tmpdir: Path | None = None
) -> Iterator[ObjectInfo]:
    """The listing in path order, without skylift's own manifest."""
    body = (i for i in guarded(listing, url) if i.path != MANIFEST_NAME)
    if scheme in SORTED_SCHEMES:
        return checked_order(body, url)
    return external_sort(body, tmpdir=tmpdir)
