"""The split listing: ranges of the source the driver has not listed, cut by probes.

Listing 10^9 keys on one driver takes hours (~20,000 keys/s); the workers
would wait on it. So the driver lists only the first keys itself (a
:class:`Budget`, :data:`SPLIT_AFTER` by default: small runs are planned as
before, from counts and bytes) and splits the rest of the key space into
ranges *without listing it*: a probe asks the store for the first key after a
given string (one listing request with S3's ``start-after``), and bisecting
the key space with probes finds split keys that exist (:func:`split_ranges`).
Each shard then lists its own range. Memory and requests on the driver are
bounded: ``O(ranges)`` keys held, about one probe per range (more for skewed
names) plus :data:`MAX_PROBES` to find the last key. No delimiter listing is
needed, so a source whose keys all sit at its root splits as well as a tree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor

from skylift.storage.base import ObjectInfo
from skylift.transfer.scaleout.shards import MIN_SHARD_S, PER_OBJECT_S, listing_prefix
from skylift.transfer.scaleout.stealing import key_midpoint

#: Keys the driver lists itself before it splits the rest by probes (about 6 s at the
#: ~20,000 keys/s measured; below it a run is planned exactly as before).
SPLIT_AFTER = 1 << 17

#: ``first_after(prefix, key)``: the store's first key after ``key`` among those starting with
#: ``prefix``, or None (one listing request: S3 ``start-after``, first entry of the page).
FirstAfter = Callable[[str, str], str | None]
#: Probes for one split key (each a one-page listing; bisection of the key space).
MAX_PROBES = 32
#: Above every key a store holds (the end of an unbounded range, for probes).
KEY_SPACE_END = "\U0010ffff"


def last_key(first_after: FirstAfter, lo: str, hi: str | None) -> str | None:
    """About the highest key in ``(lo, hi)``: bisect the key space between ``lo`` and ``hi``
    (or :data:`KEY_SPACE_END`) with at most :data:`MAX_PROBES` probes. None: no key found
    above ``lo``."""
    prefix = listing_prefix(lo, hi)
    end = KEY_SPACE_END if hi is None else hi
    last = lo
    for _ in range(MAX_PROBES):
        key = key_midpoint(last, end)
        if key is None:
            break
        found = first_after(prefix, key)
        if found is not None and found < end:
            last = found
        else:
            end = key
    return None if last == lo else last


def split_key(first_after: FirstAfter, lo: str, hi: str | None, top: str) -> str | None:
    """A key the store holds strictly inside ``(lo, hi)``, near the key-space middle of
    ``lo`` .. ``top`` (the highest key thought to lie in the range, or ``hi``): one probe at
    the middle when keys lie above it, else the middle moves down (at most
    :data:`MAX_PROBES` probes). None: no key found above ``lo``."""
    prefix = listing_prefix(lo, hi)
    for _ in range(MAX_PROBES):
        mid = key_midpoint(lo, top)
        if mid is None:
            return None
        found = first_after(prefix, mid)
        if found is not None and (hi is None or found < hi):
            return found
        top = mid
    return None


def split_ranges(
    first_after: FirstAfter,
    lo: str,
    hi: str | None,
    count: int,
    pool: Executor | None = None,
) -> list[tuple[str, str | None]]:
    """Up to ``count`` contiguous ranges ``[lo, hi)`` of a part of the store nobody listed,
    found by probes: halve every range in key space, level by level (the probes of a level
    run on ``pool`` when given). Every range but the first starts at a key the store holds
    (none is empty), so a range's listing finds at least that key; key names decide the
    sizes, not counts (stragglers are split again while they run)."""
    top = last_key(first_after, lo, hi)
    ranges: list[tuple[str, str | None, str | None]] = [(lo, hi, top)]  # (lo, hi, top key)
    while len(ranges) < count:
        room = count - len(ranges)
        splittable = [i for i, r in enumerate(ranges) if r[2] is not None][:room]
        if not splittable:
            break

        asked = [ranges[i] for i in splittable]

        def split(r: tuple[str, str | None, str | None]) -> str | None:
            assert r[2] is not None
            return split_key(first_after, r[0], r[1], r[2])

        keys = list(pool.map(split, asked) if pool is not None else map(split, asked))
        found = dict(zip(splittable, keys, strict=True))
        out: list[tuple[str, str | None, str | None]] = []
        for i, (a, b, t) in enumerate(ranges):
            key = found.get(i)
            if i not in found:
                out.append((a, b, t))
            elif key is None:
                out.append((a, b, None))  # nothing to split it at
            else:
                out += [(a, key, key), (key, b, t if t is not None and t > key else key)]
        ranges = out
    return [(a, b) for a, b, _ in ranges]


class Budget:
    """A sorted listing cut after ``limit`` keys: :attr:`rest` is the first key it did not
    yield (None while it has not stopped, or when the listing ended first). The rest of the
    key space, ``[rest, end)``, is then split by probes (:func:`split_ranges`) and listed
    by the shards themselves."""

    def __init__(self, listing: Iterable[ObjectInfo], limit: int | None) -> None:
        self._listing = listing
        self.limit = limit
        self.rest: str | None = None

    def __iter__(self) -> Iterator[ObjectInfo]:
        listing = iter(self._listing)
        try:
            for n, info in enumerate(listing):
                if self.limit is not None and n >= self.limit:
                    self.rest = info.path
                    return
                yield info
        finally:
            close = getattr(listing, "close", None)
            if close is not None:
                close()


#: ``keys_after(prefix, key, n)``: up to ``n`` of the store's keys after ``key`` among those
#: starting with ``prefix``, in order (one listing page for ``n`` up to 1,000).
KeysAfter = Callable[[str, str, int], list[str]]
#: Keys a straggler the driver did not list must have ahead of its listing to be split
#: (about :data:`~skylift.transfer.scaleout.shards.MIN_SHARD_S` of work): fewer would make
#: a task for a handful of keys, again and again as workers idle at the end.
MIN_SPLIT_KEYS = round(MIN_SHARD_S / PER_OBJECT_S)


def first_of(keys_after: KeysAfter) -> FirstAfter:
    """The one-key probe of a ``keys_after``."""

    def first_after(prefix: str, key: str) -> str | None:
        return next(iter(keys_after(prefix, key, 1)), None)

    return first_after


def straggler_split(
    keys_after: KeysAfter, start: str, hi: str | None, min_keys: int = MIN_SPLIT_KEYS
) -> str | None:
    """Where to split a shard listed up to ``start`` whose range ends at ``hi``, without
    checkpoints of it. None when fewer than ``min_keys`` keys lie ahead (one page, the
    guard); else a key halfway in key space between ``start`` and about the range's last
    key (bisection from the page's last key), but never before the page's middle key:
    the straggler keeps at least ``min_keys // 2`` keys, the new shard at least one."""
    page = keys_after(listing_prefix(start, hi), start, min_keys)
    ahead = [k for k in page if hi is None or k < hi]
    if not ahead or len(ahead) < min_keys:
        return None
    first_after = first_of(keys_after)
    top = last_key(first_after, ahead[-1], hi) or ahead[-1]
    key = split_key(first_after, start, hi, top)
    floor = ahead[len(ahead) // 2]
    return floor if key is None or key < floor else key
