"""Filters: rclone-style globs, sizes, durations, age bounds."""

from __future__ import annotations

import pytest

from skylift.errors import InputError
from skylift.storage.base import ObjectInfo
from skylift.transfer.filters import ObjectFilter, parse_duration, parse_size


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("*.log", "x.log", True),
        ("*.log", "a/b/x.log", True),
        ("*.log", "a/b/x.logs", False),
        ("/*.log", "a/x.log", False),
        ("/*.log", "x.log", True),
        ("/logs/**", "logs/a/b/c.txt", True),
        ("/logs/**", "data/logs/a", False),
        ("tmp/", "a/tmp/x/y", True),
        ("tmp/", "a/tmpx/y", False),
        ("file?.txt", "file1.txt", True),
        ("file?.txt", "file12.txt", False),
        ("*.{jpg,png}", "p/q.png", True),
        ("*.{jpg,png}", "p/q.gif", False),
        ("[ab]*.csv", "dir/b1.csv", True),
        ("[!ab]*.csv", "dir/b1.csv", False),
        ("*", "a/b", True),
    ],
)
def test_glob_semantics(pattern: str, path: str, expected: bool) -> None:
    assert ObjectFilter.build(include=[pattern]).accepts_path(path) is expected


def test_exclude_wins_over_include() -> None:
    flt = ObjectFilter.build(include=["*.csv"], exclude=["/secret/**"])
    assert flt.accepts_path("data/a.csv")
    assert not flt.accepts_path("secret/a.csv")
    assert not flt.accepts_path("data/a.txt")


def test_size_and_age_bounds() -> None:
    now = 1_000_000.0
    flt = ObjectFilter.build(min_size=10, max_size=100, min_age=60, max_age=3600, now=now)
    assert flt.accepts(ObjectInfo("a", 50, now - 600))
    assert not flt.accepts(ObjectInfo("a", 5, now - 600))  # too small
    assert not flt.accepts(ObjectInfo("a", 500, now - 600))  # too big
    assert not flt.accepts(ObjectInfo("a", 50, now - 10))  # too young (min-age)
    assert not flt.accepts(ObjectInfo("a", 50, now - 7200))  # too old (max-age)
    assert flt.accepts(ObjectInfo("a", 50, None))  # unknown mtime passes age rules


@pytest.mark.parametrize(
    ("text", "value"),
    [("100", 100), ("4K", 4096), ("4KiB", 4096), ("1.5M", 1572864), ("2g", 2 << 30)],
)
def test_parse_size(text: str, value: int) -> None:
    assert parse_size(text) == value


@pytest.mark.parametrize(
    ("text", "value"), [("90", 90.0), ("15m", 900.0), ("1h30m", 5400.0), ("2d", 172800.0)]
)
def test_parse_duration(text: str, value: float) -> None:
    assert parse_duration(text) == value


@pytest.mark.parametrize("bad", ["", "ten", "5x", "-3"])
def test_bad_size_or_duration_is_input_error_with_hint(bad: str) -> None:
    with pytest.raises(InputError) as exc:
        parse_size(bad, "--min-size")
    assert exc.value.hint
    with pytest.raises(InputError):
        parse_duration(bad if bad else "", "--max-age")


def test_unclosed_glob_is_input_error() -> None:
    with pytest.raises(InputError, match="unclosed"):
        ObjectFilter.build(include=["*.{a,b"])
