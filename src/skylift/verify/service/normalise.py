"""Make two answers comparable: value rules for timestamps and ids, and a small
JSON-path dialect (``$``, ``.key``, ``[N]``, ``[*]``) to pick or drop values.

Rules are named (``timestamps``, ``uuids``, ``numbers``) or given as
``regex:PATTERN``; each replaces what it matches with a placeholder, so
``"2026-01-01T10:00:00Z"`` and ``"2026-12-07T01:59:00+00:00"`` compare equal.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from skylift.errors import InputError

RULES: dict[str, re.Pattern[str]] = {
    "timestamps": re.compile(
        r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
        r"|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT"
    ),
    "uuids": re.compile(r"\b[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\b"),
    "numbers": re.compile(r"\b\d+\b"),
}
_PATH_TOKEN = re.compile(r"\.([A-Za-z_][\w-]*)|\[(-?\d+|\*)\]|\[['\"]([^'\"]+)['\"]\]")
#: what an ignored list element becomes (removing it would shift the others)
IGNORED = "<ignored>"


def compile_rules(names: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """The patterns of rule names and ``regex:`` rules; InputError for an unknown one."""
    out: list[re.Pattern[str]] = []
    for name in names:
        if name.startswith("regex:"):
            try:
                out.append(re.compile(name[len("regex:") :]))
            except re.error as exc:
                raise InputError(f"bad normalise rule {name!r}: {exc}") from None
        elif name in RULES:
            out.append(RULES[name])
        else:
            known = ", ".join(RULES)
            raise InputError(
                f"unknown normalise rule {name!r}", f"use one of {known} or regex:PATTERN"
            )
    return tuple(out)


def normalise_text(text: str, rules: tuple[re.Pattern[str], ...]) -> str:
    """``text`` with every rule's matches replaced by ``<*>``."""
    for rule in rules:
        text = rule.sub("<*>", text)
    return text


def normalise_json(value: Any, rules: tuple[re.Pattern[str], ...]) -> Any:
    """A JSON value with its strings normalised (keys kept)."""
    if isinstance(value, str):
        return normalise_text(value, rules)
    if isinstance(value, dict):
        return {k: normalise_json(v, rules) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise_json(v, rules) for v in value]
    return value


def parse_path(path: str) -> tuple[str | int, ...]:
    """``$.items[*].id`` → ``("items", "*", "id")``; ValueError when not in the dialect."""
    if not path.startswith("$"):
        raise ValueError(f"JSON path {path!r} must start with '$'")
    rest, steps, pos = path[1:], [], 0
    while pos < len(rest):
        m = _PATH_TOKEN.match(rest, pos)
        if m is None:
            raise ValueError(f"JSON path {path!r}: cannot read {rest[pos:]!r}")
        key, index, quoted = m.groups()
        if index is not None:
            steps.append(index if index == "*" else int(index))
        else:
            steps.append(key if key is not None else quoted)
        pos = m.end()
    return tuple(steps)


def select(value: Any, steps: tuple[str | int, ...]) -> Iterator[Any]:
    """Every value at ``steps`` (several with ``*``); nothing where the path is absent."""
    if not steps:
        yield value
        return
    step, rest = steps[0], steps[1:]
    if step == "*":
        children = value.values() if isinstance(value, dict) else value
        if isinstance(value, dict | list):
            for child in children:
                yield from select(child, rest)
    elif (
        isinstance(step, int) and isinstance(value, list) and -len(value) <= step < len(value)
    ) or (isinstance(step, str) and isinstance(value, dict) and step in value):
        yield from select(value[step], rest)  # type: ignore[index]  # narrowed above


def drop(value: Any, steps: tuple[str | int, ...]) -> Any:
    """A copy of ``value`` without what ``steps`` selects: mapping keys are removed,
    list elements become :data:`IGNORED` (so the others keep their positions)."""
    if not steps:
        return None
    step, rest = steps[0], steps[1:]
    if isinstance(value, dict):
        keys = list(value) if step == "*" else [step]
        out = dict(value)
        for k in keys:
            if k in out:
                if rest:
                    out[k] = drop(out[k], rest)
                else:
                    del out[k]
        return out
    if isinstance(value, list):
        out_list = list(value)
        idx: list[int] | range = (
            range(len(out_list)) if step == "*" else [step] if isinstance(step, int) else []
        )
        for i in (i for i in idx if -len(out_list) <= i < len(out_list)):
            out_list[i] = drop(out_list[i], rest) if rest else IGNORED
        return out_list
    return value


def first_difference(a: Any, b: Any, path: str = "$") -> tuple[str, Any, Any] | None:
    """The first JSON path where ``a`` and ``b`` differ, with both values; None if equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{path}.{key}", a.get(key, "<absent>"), b.get(key, "<absent>")
            found = first_difference(a[key], b[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            found = first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        if len(a) != len(b):
            return f"{path}.length", len(a), len(b)
        return None
    return None if a == b else (path, a, b)
