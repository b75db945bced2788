"""Which objects a run considers: include/exclude globs, age and size bounds.

Glob rules follow rclone's: ``*`` matches within one path segment, ``**``
across segments, ``?`` one character, ``[abc]`` a class, ``{a,b}``
alternatives. A pattern starting with ``/`` is anchored at the root; any
other pattern matches at the end of the path on a segment boundary (``*.log``
matches ``a/b/x.log``). A pattern ending in ``/`` matches everything below
that directory.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from skylift.errors import InputError
from skylift.storage.base import ObjectInfo

_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b?)\s*$", re.IGNORECASE)
_AGE_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w|y)?", re.IGNORECASE)
_AGE_UNITS = {
    "ms": 0.001,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
    "d": 86400.0,
    "w": 604800.0,
    "y": 31557600.0,
}


def parse_size(text: str, what: str = "size") -> int:
    """``"4K"``/``"4KiB"`` → 4096, ``"1.5M"`` → 1572864, ``"100"`` → 100 (binary units)."""
    m = _SIZE_RE.match(text)
    if m is None:
        raise InputError(
            f"{what}: cannot read {text!r} as a size",
            "use a number with an optional unit, e.g. 100, 4K, 10M, 1.5G (binary units)",
        )
    power = " kmgtp".index(m.group(2).lower() or " ")
    return int(float(m.group(1)) * (1024**power))


def parse_duration(text: str, what: str = "age") -> float:
    """``"30d"`` → seconds; units ms, s (default), m, h, d, w, y; ``"1h30m"`` combines."""
    pos, total = 0, 0.0
    stripped = text.strip()
    while pos < len(stripped):
        m = _AGE_RE.match(stripped, pos)
        if m is None or m.end() == pos:
            raise InputError(
                f"{what}: cannot read {text!r} as a duration",
                "use e.g. 90s, 15m, 12h, 30d, 2w or combinations like 1h30m",
            )
        total += float(m.group(1)) * _AGE_UNITS[(m.group(2) or "s").lower()]
        pos = m.end()
    if not stripped:
        raise InputError(f"{what}: empty duration", "use e.g. 90s, 15m, 12h, 30d")
    return total


def glob_to_regex(pattern: str) -> str:
    """Translate one rclone-style glob into a regular expression (unanchored body)."""
    if not pattern:
        raise InputError("empty filter pattern", "give a glob such as '*.log' or '/logs/**'")
    anchored = pattern.startswith("/")
    body = pattern.lstrip("/")
    directory = body.endswith("/")
    out: list[str] = []
    i, depth = 0, 0
    while i < len(body):
        c = body[i]
        if c == "*":
            if body.startswith("**", i):
                out.append(".*")
                i += 2
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = body.find("]", i + 1)
            if end < 0:
                raise InputError(f"filter {pattern!r}: unclosed '['", "close the class with ']'")
            cls = body[i + 1 : end].replace("\\", "\\\\")
            if cls.startswith("!"):
                cls = "^" + cls[1:]
            out.append(f"[{cls}]")
            i = end
        elif c == "{":
            out.append("(?:")
            depth += 1
        elif c == "}" and depth:
            out.append(")")
            depth -= 1
        elif c == "," and depth:
            out.append("|")
        else:
            out.append(re.escape(c))
        i += 1
    if depth:
        raise InputError(f"filter {pattern!r}: unclosed '{{'", "close the alternatives with '}'")
    regex = "".join(out)
    if directory:
        regex += ".*"
    return ("^" if anchored else "(?:^|.*/)") + regex + "$"


def _compile(patterns: Iterable[str]) -> re.Pattern[str] | None:
    parts = []
    for pattern in patterns:
        regex = glob_to_regex(pattern)
        try:
            re.compile(regex)
        except re.error as exc:  # "[z-a]": a class whose range runs backwards (#12)
            raise InputError(
                f"filter {pattern!r}: {exc.msg}",
                "a range in [...] goes upwards, e.g. [a-z] or [0-9]",
            ) from None
        parts.append(regex)
    if not parts:
        return None
    return re.compile("|".join(f"(?:{p})" for p in parts), re.DOTALL)


@dataclass(frozen=True)
class ObjectFilter:
    """A compiled filter; :meth:`accepts` is cheap enough to call per object."""

    include: re.Pattern[str] | None = None
    exclude: re.Pattern[str] | None = None
    min_size: int | None = None
    max_size: int | None = None
    newer_than: float | None = None  # epoch: objects must have mtime >= this (max_age)
    older_than: float | None = None  # epoch: objects must have mtime <= this (min_age)

    @classmethod
    def build(
        cls,
        include: Iterable[str] = (),
        exclude: Iterable[str] = (),
        min_size: int | None = None,
        max_size: int | None = None,
        min_age: float | None = None,
        max_age: float | None = None,
        now: float | None = None,
    ) -> ObjectFilter:
        """Compile globs and turn ages into absolute times (relative to ``now``)."""
        t = time.time() if now is None else now
        return cls(
            include=_compile(include),
            exclude=_compile(exclude),
            min_size=min_size,
            max_size=max_size,
            newer_than=None if max_age is None else t - max_age,
            older_than=None if min_age is None else t - min_age,
        )

    @property
    def is_empty(self) -> bool:
        """True if the filter accepts everything."""
        return self == ObjectFilter()

    def paths_only(self) -> ObjectFilter:
        """This filter without its size and age rules (the include/exclude globs)."""
        return ObjectFilter(include=self.include, exclude=self.exclude)

    def accepts_path(self, path: str) -> bool:
        """Glob part only (used for destination-only paths under ``--delete``)."""
        if self.include is not None and self.include.match(path) is None:
            return False
        return self.exclude is None or self.exclude.match(path) is None

    def accepts(self, info: ObjectInfo) -> bool:
        """True if ``info`` passes every rule; an unknown mtime passes the age rules."""
        if self.min_size is not None and info.size < self.min_size:
            return False
        if self.max_size is not None and info.size > self.max_size:
            return False
        mt = info.mtime
        if mt is not None:
            if self.newer_than is not None and mt < self.newer_than:
                return False
            if self.older_than is not None and mt > self.older_than:
                return False
        return self.accepts_path(info.path)

    def apply(self, listing: Iterable[ObjectInfo]) -> Iterator[ObjectInfo]:
        """Stream only accepted objects."""
        if self.is_empty:
            yield from listing
            return
        accepts = self.accepts
        for info in listing:
            if accepts(info):
                yield info
