"""Which straggler to split when a worker sits idle, and where.

Only the keys a shard has not listed yet can move (its engine lists a few
hundred objects ahead of its copies). Their work is estimated from the
checkpoints (:class:`~skylift.transfer.scaleout.shards.Checkpoints`) between
the shard's listing position and its end, then scaled by how fast *this*
shard has really gone (seconds elapsed per unit of estimated work of the
objects it finished): a shard on a slow worker, or over slow keys, looks as
long as it really is. The shard with the most such time is split halfway
through its unlisted keys, if that time is at least
:data:`~skylift.transfer.scaleout.shards.MIN_SHARD_S`.
"""

from __future__ import annotations

import bisect
import string
from collections.abc import Callable, Mapping, Sequence

from skylift.transfer.scaleout.shards import MIN_SHARD_S, Checkpoints, Shard, weight


def movable_time(
    points: Checkpoints, shard: Shard, position: str, finished: int, elapsed: float
) -> float:
    """Estimated seconds of the part of ``shard`` it has not listed yet (the part a split
    can move), at the pace it has really gone: ``elapsed`` seconds for ``finished`` objects."""
    unlisted = points.weight_between(max(position, shard.lo), shard.hi)
    o1, b1 = points.before(shard.lo or None) if shard.lo else (0, 0)
    o2, b2 = points.before(shard.hi)
    objects = o2 - o1
    if finished <= 0 or elapsed <= 0 or objects <= 0:
        return unlisted
    done = weight(objects, b2 - b1) * min(1.0, finished / objects)
    return unlisted * (elapsed / done) if done > 0 else unlisted


def pick_split(
    points: Checkpoints,
    shards: Mapping[int, Shard],
    positions: Mapping[int, str],
    finished: Mapping[int, int],
    elapsed: Mapping[int, float],
    least: float = MIN_SHARD_S,
) -> tuple[int, str] | None:
    """``(shard index, split key)`` for the running shard with the most movable time, if
    that is at least ``least`` seconds; else None."""
    best: tuple[float, int, str] | None = None
    for index, position in positions.items():
        shard = shards.get(index)
        if shard is None:
            continue
        left = movable_time(
            points, shard, position, finished.get(index, 0), elapsed.get(index, 0.0)
        )
        if left < least or (best is not None and left <= best[0]):
            continue
        key = points.midpoint(max(position, shard.lo), shard.hi)
        if key is not None:
            best = (left, index, key)
    return None if best is None else (best[1], best[2])


#: Every worker busy and nothing queued: a shard with at least this much movable work is
#: split ahead of time (its listing runs ~2,000 objects ahead of its copies, so once a
#: worker is idle the last shards often have nothing left to move: a tail of seconds).
EARLY_SPLIT_S = 4 * MIN_SHARD_S

#: Key probes the driver makes for one split of a range it has no checkpoints of.
MAX_PROBES = 32
_ASCII_TOP = "\x7f"


def key_midpoint(a: str, b: str) -> str | None:
    """A string strictly between ``a < b`` near the middle of the keys between them, or None.

    Keys are read as numbers after their common prefix: each of the next
    :data:`_WIDTH` characters is a digit of its class (digits, lower- or upper-case
    letters, else printable ASCII), so ``obj000991`` and ``obj001499`` meet at
    ``obj001245``. When that is not strictly between them (other characters), the
    middle code point of the first differing character (:func:`_char_midpoint`)."""
    i = 0
    while i < len(a) and i < len(b) and a[i] == b[i]:
        i += 1
    if i == len(b):
        return None  # b is a prefix of a (or equal): nothing above a below b
    ta, tb = a[i : i + _WIDTH], b[i : i + _WIDTH]
    width = max(len(ta), len(tb))
    classes = [_class_of(ta[j] if j < len(ta) else tb[j]) for j in range(width)]
    va = _number(ta, classes)
    vb = _number(tb, classes)
    mid = a[:i] + _string((va + vb) // 2, classes)
    if a < mid < b:
        return mid
    return _char_midpoint(a, b, i)


_WIDTH = 10
_PAD = "\x00"
_CLASSES = (string.digits, string.ascii_lowercase, string.ascii_uppercase)
_PRINTABLE = "".join(chr(c) for c in range(0x20, 0x7F))


def _class_of(char: str) -> str:
    return next((cls for cls in _CLASSES if char in cls), _PRINTABLE)


def _number(text: str, classes: list[str]) -> int:
    """``text`` as a mixed-radix number: digit 0 is "no character", k+1 the k-th of its class."""
    value = 0
    for j, cls in enumerate(classes):
        char = text[j] if j < len(text) else ""
        digit = 0 if not char else bisect.bisect_left(cls, char) + (char in cls)
        value = value * (len(cls) + 1) + min(digit, len(cls))
    return value


def _string(value: int, classes: list[str]) -> str:
    chars = []
    for cls in reversed(classes):
        value, digit = divmod(value, len(cls) + 1)
        chars.append(cls[digit - 1] if digit else _PAD)
    text = "".join(reversed(chars)).rstrip(_PAD)
    return text.replace(_PAD, classes[0][0])  # no control characters in a probe key


def _char_midpoint(a: str, b: str, i: int) -> str | None:
    """The middle code point at ``i``, the first character where ``a < b`` differ."""
    cb = ord(b[i])
    ca = ord(a[i]) if i < len(a) else 0x1F  # a ends here: any character follows it
    if cb - ca >= 2:
        return a[:i] + chr((ca + cb) // 2)
    if i == len(a) or ca + 1 < 0x20:
        return None  # only control characters lie between: no key worth probing
    rest = a[i + 1 :]
    top = _ASCII_TOP if rest < _ASCII_TOP else chr(0x10FFFF)
    tail = key_midpoint(rest, top)
    return None if tail is None else a[: i + 1] + tail


def folder_end(key: str) -> str | None:
    """The first key after every key of ``key``'s top-level folder (None: at the root)."""
    head, slash, _ = key.partition("/")
    return head + "0" if slash else None  # "0" follows "/"


def probe_split(
    first_after: Callable[[str, str], str | None],
    entries: Sequence[str],
    shard: Shard,
    position: str,
) -> str | None:
    """Where to split ``shard`` (listed up to ``position``) without checkpoints of it.

    ``entries`` is the source's sorted top level (keys and ``folder/`` names). When
    entries remain in the unlisted part, the middle one (whole folders move, none is
    cut). Else what remains lies in ``position``'s folder: bisect the key space between
    ``position`` and the folder's end with ``first_after(folder, key)`` (the first key
    after ``key`` in ``folder``, one listing request; at most :data:`MAX_PROBES`) to
    find about the folder's last key, and split halfway from ``position`` to it.
    """
    start = max(position, shard.lo)
    first = bisect.bisect_right(entries, start)  # the entries ahead: first..past-1
    past = len(entries) if shard.hi is None else bisect.bisect_left(entries, shard.hi)
    if first < past:
        return entries[(first + past) // 2]
    end = folder_end(start)
    if end is None:
        return None
    if shard.hi is not None and shard.hi < end:
        end = shard.hi
    folder = start.partition("/")[0] + "/"
    last = start  # the highest key found after start; nothing is at or above end
    for _ in range(MAX_PROBES):
        key = key_midpoint(last, end)
        if key is None:
            break
        found = first_after(folder, key)
        if found is not None and found < end:
            last = found
        else:
            end = key
    if last == start:
        return None
    return key_midpoint(start, last) or last
