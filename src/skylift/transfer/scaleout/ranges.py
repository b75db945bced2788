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

import functools
import itertools
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor

from skylift.errors import InputError
from skylift.interrupts import pool_map
from skylift.storage.base import ObjectInfo, Storage
from skylift.transfer.retry import RetryPolicy
from skylift.transfer.scaleout.shards import MIN_SHARD_S, PER_OBJECT_S, listing_prefix
from skylift.transfer.scaleout.stealing import key_midpoint

#: Keys the driver lists itself before it splits the rest by probes (about 6 s at the
#: ~20,000 keys/s measured; below it a run is planned exactly as before).
SPLIT_AFTER = 1 << 17
#: How the driver lists: ``auto`` (default: the first :data:`SPLIT_AFTER` keys, then the
#: rest is split by probes and each shard lists its range; object stores only),
#: ``driver`` (every key), ``split`` (split at once) or a number of keys to list first.
LISTING_ENV = "SKYLIFT_SCALEOUT_LISTING"

#: ``first_after(prefix, key)``: the store's first key after ``key`` among those starting with
#: ``prefix``, or None (one listing request: S3 ``start-after``, first entry of the page).
FirstAfter = Callable[[str, str], str | None]
#: Probes for one split key (each a one-page listing; bisection of the key space).
MAX_PROBES = 32
#: Middles of ever lower halves a split probes before it looks for the range's last key.
DOWNWARD_PROBES = 4
#: Above every key a store holds (the end of an unbounded range, for probes).
KEY_SPACE_END = "\U0010ffff"
#: Characters after the common prefix read as digits of a key-space middle.
_WIDTH = 8
Midpoint = Callable[[str, str], str | None]


class Alphabet:
    """The characters seen in the store's keys so far (probes teach it, see :meth:`learn`).

    A key-space middle is taken over them: the next :data:`_WIDTH` characters after the
    common prefix read as digits of base ``len(alphabet) + 1`` (0: the key ended), so
    names of one alphabet split evenly — hex digests, base32, dates — where reading
    digits and letters as fixed classes (:func:`~skylift.transfer.scaleout.stealing.key_midpoint`,
    the fallback) put ``a``–``f`` in one digit above ``9``."""

    def __init__(self, *keys: str) -> None:
        self._chars: set[str] = set()
        for key in keys:
            self.learn(key)

    def learn(self, key: str | None) -> str | None:
        """Note the characters of ``key`` (a key the store holds); return it."""
        if key is not None:
            self._chars.update(key)
        return key

    def copy(self) -> Alphabet:
        """What it knows now (a plan's probes running at once read one such copy, so the
        plan does not depend on which of them answered first: a re-run plans the same)."""
        return Alphabet("".join(sorted(self._chars)))

    def midpoint(self, a: str, b: str) -> str | None:
        """A string strictly between ``a < b`` near the middle of the keys between them in
        this alphabet, or None when nothing lies between."""
        i = 0
        while i < len(a) and i < len(b) and a[i] == b[i]:
            i += 1
        if i == len(b):
            return None
        ta, tb = a[i : i + _WIDTH], b[i : i + _WIDTH]
        chars = sorted(self._chars.union(ta, tb))
        rank = {c: n + 1 for n, c in enumerate(chars)}
        base = len(chars) + 1

        def number(text: str) -> int:
            value = 0
            for j in range(_WIDTH):
                value = value * base + (rank[text[j]] if j < len(text) else 0)
            return value

        value = (number(ta) + number(tb)) // 2
        digits = []
        for _ in range(_WIDTH):
            value, digit = divmod(value, base)
            digits.append(digit)
        tail = ""
        for digit in reversed(digits):
            if digit == 0:
                break  # the key ends here
            tail += chars[digit - 1]
        mid = a[:i] + tail
        return mid if a < mid < b else key_midpoint(a, b)


def last_key(
    first_after: FirstAfter, lo: str, hi: str | None, midpoint: Midpoint = key_midpoint
) -> str | None:
    """About the highest key in ``(lo, hi)``, with at most :data:`MAX_PROBES` probes: first
    the longest prefix of ``lo`` whose keys hold every key above it (a binary search over
    its length: ``first_after(lo[:d] + end)`` finds nothing beyond; ~log2(len) probes — the
    keys of a deep common prefix, ``logs/2024-…``, are then not approached one character
    per ~4 probes), then bisection of the key space up to that block's end. None: no key
    found above ``lo``."""
    prefix = listing_prefix(lo, hi)
    end = KEY_SPACE_END if hi is None else hi
    low, high = 0, len(lo)  # lo[:low] holds every key above lo; lo[:high + 1] may not
    probes = 0
    while low < high and probes < MAX_PROBES // 2:
        d = (low + high + 1) // 2
        block = lo[:d] + KEY_SPACE_END
        found = first_after(prefix, block) if block.startswith(prefix) else None
        probes += 1
        if found is not None and found < end:
            high = d - 1
        else:
            low = d
    if low and lo[:low] + KEY_SPACE_END < end:
        end = lo[:low] + KEY_SPACE_END
    last = lo
    for _ in range(MAX_PROBES - probes):
        key = midpoint(last, end)
        if key is None:
            break
        found = first_after(prefix, key)
        if found is not None and found < end:
            last = found
        else:
            end = key
    return None if last == lo else last


def split_key(
    first_after: FirstAfter,
    lo: str,
    hi: str | None,
    top: str,
    midpoint: Midpoint = key_midpoint,
) -> str | None:
    """A key the store holds strictly inside ``(lo, hi)``, near the key-space middle of
    ``lo`` .. ``top`` (the highest key thought to lie in the range, or ``hi``): one probe at
    the middle when keys lie above it, else the middle of the lower half, a few times;
    then the range's real last key is found (:func:`last_key`) and its middle probed,
    which holds a key (at most :data:`DOWNWARD_PROBES` + :data:`MAX_PROBES` + 1 probes).
    None: no key found above ``lo``."""
    prefix = listing_prefix(lo, hi)
    for _ in range(DOWNWARD_PROBES):
        mid = midpoint(lo, top)
        if mid is None:
            return None
        found = first_after(prefix, mid)
        if found is not None and (hi is None or found < hi):
            return found
        top = mid  # nothing above the middle: try the lower half
    last = last_key(first_after, lo, hi, midpoint)
    mid = None if last is None else midpoint(lo, last)
    if last is None or mid is None:
        return last  # lo and its successor: nothing between
    found = first_after(prefix, mid)
    return found if found is not None and (hi is None or found < hi) else last


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
    sizes, not counts (stragglers are split again while they run). Middles are taken over
    the :class:`Alphabet` of the keys found so far, learnt level by level."""
    alphabet = Alphabet(lo, hi or "")

    def learning(prefix: str, key: str) -> str | None:
        return alphabet.learn(first_after(prefix, key))

    top = last_key(learning, lo, hi, alphabet.midpoint)
    ranges: list[tuple[str, str | None, str | None]] = [(lo, hi, top)]  # (lo, hi, top key)
    while len(ranges) < count:
        room = count - len(ranges)
        splittable = [i for i, r in enumerate(ranges) if r[2] is not None][:room]
        if not splittable:
            break

        asked = [ranges[i] for i in splittable]
        # this level's middles from what is known now; what it finds is learnt after it
        split = functools.partial(_split_range, first_after, alphabet.copy())
        keys = list(pool_map(pool, split, asked) if pool is not None else map(split, asked))
        for key in keys:
            alphabet.learn(key)
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


def _split_range(
    first_after: FirstAfter, alphabet: Alphabet, r: tuple[str, str | None, str | None]
) -> str | None:
    lo, hi, top = r
    assert top is not None
    return split_key(first_after, lo, hi, top, alphabet.midpoint)


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
    alphabet = Alphabet(start, *ahead)  # the page is a sample of the range's names
    top = last_key(first_after, ahead[-1], hi, alphabet.midpoint) or ahead[-1]
    key = split_key(first_after, start, hi, top, alphabet.midpoint)
    floor = ahead[len(ahead) // 2]
    return floor if key is None or key < floor else key


def probe_start(key: str) -> str:
    """A start-after string every store accepts, at or below ``key``, for a probe of the
    keys after ``key``. A key-space middle is any string, but obstore parses a start key
    as a path: no empty, ``.`` or ``..`` segment, no control character. Such a ``key`` is
    cut before the bad part and ends with the highest string of the segment just below
    it (``a//b`` → ``a/.``+U+10FFFF, ``a/./b`` → ``a/-``+U+10FFFF), so hardly a key lies
    between; the caller drops what listed at or below ``key``."""
    cut = next((i for i, c in enumerate(key) if c < " " or "\x7f" <= c <= "\x9f"), len(key))
    parts = key[:cut].split("/")
    for j, part in enumerate(parts):
        inner = 0 < j < len(parts) - 1 or (j == 0 and len(parts) > 1)
        below = {".": "-", "..": ".-"}.get(part, "." if part == "" and inner else None)
        if below is not None:
            head = "/".join(parts[:j])
            return (head + "/" if j else "") + below + KEY_SPACE_END
    return key[:cut]


def split_after(src: Storage) -> int | None:
    """How many keys the driver lists before it splits the rest of ``src`` by probes
    (:mod:`~skylift.transfer.scaleout.ranges`); None: it lists every key — set by
    ``$SKYLIFT_SCALEOUT_LISTING``, and always for a store that cannot start a listing at a
    key on its side (a shard of such a store would walk everything before its range)."""
    value = os.environ.get(LISTING_ENV, "auto").strip().lower() or "auto"
    modes = {"auto": SPLIT_AFTER, "driver": None, "split": 0, "prefixes": 0}
    if value not in modes and not value.isdigit():
        raise InputError(
            f"${LISTING_ENV}={value}: expected auto, driver, split or a number of keys",
            "unset it (auto: the driver lists the first 131,072 keys, then splits the rest)",
        )
    limit = modes[value] if value in modes else int(value)
    return limit if src.seeks else None


def keys_after_of(src: Storage, retry: RetryPolicy | None = None) -> KeysAfter:
    """``keys_after(folder, key, n)``: the source's first ``n`` keys after ``key`` in
    ``folder`` (one listing page for ``n`` up to 1,000; the listing is closed after). The
    listing starts at :func:`~skylift.transfer.scaleout.ranges.probe_start` of ``key`` (a
    middle of the key space may be no path a store parses, ``a//b``). With ``retry``, a
    transient failure (throttling, a reset) is retried as the engine retries requests:
    a plan makes thousands of probes, and one 503 must not end the run."""

    def once(folder: str, key: str, n: int) -> list[str]:
        listing = src.list_from(folder, probe_start(key))
        try:
            return list(itertools.islice((i.path for i in listing if i.path > key), n))
        finally:
            close = getattr(listing, "close", None)
            if close is not None:
                close()

    def keys_after(folder: str, key: str, n: int) -> list[str]:
        if retry is None:
            return once(folder, key, n)
        return retry.call(lambda: once(folder, key, n), src.endpoint_id)

    return keys_after
