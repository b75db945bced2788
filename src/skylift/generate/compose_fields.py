"""The small fields of a compose file: YAML loading, durations, sizes, ports, healthchecks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from skylift.domain.target import HealthCheck, PortSpec
from skylift.errors import InputError, InputLocation

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|us|h|m|s)")


def load_yaml(path: Path) -> dict[str, Any]:
    """The compose file as a mapping with a ``services`` mapping; :class:`InputError` else."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"cannot read compose file: {exc.strerror}",
            "check the path",
            InputLocation(str(path)),
        ) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(
            f"compose file is not valid YAML: {problem}",
            "fix the indentation or quoting on that line (docker compose config shows it too)",
            InputLocation(str(path), row=line),
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("services"), dict):
        raise InputError(
            "compose file has no 'services' mapping",
            "a compose file needs a top-level 'services:' with one entry per container",
            InputLocation(str(path)),
        )
    return data


def seconds(value: Any, default: int) -> int:
    """A compose duration (``1m30s``, ``500ms``, a number) in whole seconds, at least 1."""
    if value is None:
        return default
    if isinstance(value, int | float):
        return max(1, int(value))
    total = 0.0
    for num, unit in _DURATION.findall(str(value)):
        total += float(num) * {"h": 3600, "m": 60, "s": 1, "ms": 0.001, "us": 1e-6}[unit]
    return max(1, round(total)) if total else default


def memory_mib(value: Any) -> int | None:
    """A compose memory size (``512m``, ``1g``) in MiB; ``None`` when absent or unreadable."""
    if value is None:
        return None
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*", str(value).lower())
    if not m:
        return None
    factor = {"": 1 / 1048576, "k": 1 / 1024, "m": 1, "g": 1024, "t": 1048576}[m.group(2)]
    return max(1, round(float(m.group(1)) * factor))


def parse_ports(raw: list[Any], where: InputLocation) -> list[PortSpec]:
    """``ports``/``expose`` entries (short or long syntax) as container/published ports."""
    ports: list[PortSpec] = []
    for item in raw:
        if isinstance(item, dict):
            target = item.get("target")
            published = item.get("published")
            proto = str(item.get("protocol", "tcp"))
        else:
            text = str(item)
            proto = "tcp"
            if "/" in text:
                text, proto = text.rsplit("/", 1)
            parts = text.split(":")
            target, published = parts[-1], parts[-2] if len(parts) > 1 else None
        try:
            t = int(str(target).split("-")[0])
            p = int(str(published).split("-")[0]) if published not in (None, "") else None
        except ValueError as exc:
            raise InputError(
                "port is not a number",
                "write ports as 'HOST:CONTAINER' or 'CONTAINER', e.g. '8080:80'",
                InputLocation(where.file, column=where.column, value=str(item)),
            ) from exc
        ports.append(PortSpec(container=t, published=p, protocol=proto.upper()))
    return ports


def healthcheck_from(raw: Mapping[str, Any] | None, port: int | None) -> HealthCheck | None:
    """A compose ``healthcheck`` as a probe (a TCP probe on ``port`` when there is none)."""
    if raw is None:
        return HealthCheck(port=port) if port else None
    if raw.get("disable"):
        return None
    test = raw.get("test")
    command: tuple[str, ...] = ()
    if isinstance(test, list) and test:
        if test[0] == "CMD-SHELL":
            command = ("sh", "-c", " ".join(str(t) for t in test[1:]))
        elif test[0] == "CMD":
            command = tuple(str(t) for t in test[1:])
        elif test[0] == "NONE":
            return None
        else:
            command = tuple(str(t) for t in test)
    elif isinstance(test, str):
        command = ("sh", "-c", test)
    return HealthCheck(
        port=port,
        command=command,
        interval_s=seconds(raw.get("interval"), 10),
        timeout_s=seconds(raw.get("timeout"), 5),
        retries=int(raw.get("retries", 3)),
        start_period_s=seconds(raw.get("start_period"), 10),
    )


def as_list(value: Any) -> list[Any]:
    """``value`` as a list (``None`` → empty, a scalar → one item)."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def shown_path(path: Path) -> str:
    """``path`` as findings show it: relative to the current folder when below it."""
    resolved = path.resolve()
    cwd = Path.cwd().resolve()
    return resolved.relative_to(cwd).as_posix() if resolved.is_relative_to(cwd) else str(path)
