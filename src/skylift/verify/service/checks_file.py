"""Read a checks file (YAML) into a :class:`CheckSet`; every error names its line.

The format is documented in docs/verify.md::

    checks:
      - name: products
        path: /products
        headers: {Authorization: "Bearer ${SHOP_TOKEN}"}   # ${VAR} from the environment
        expect: {status: 200, json: {"$[0].name": chair}, latency_ms: 500}
        compare: {headers: [content-type], body: json, ignore: ["$[*].id"]}
    tcp:
      - {name: db, port: 5432}
    load: {paths: [/products], users: 10, duration: 10s, rate: 200}
    thresholds: {p95_ratio: 1.1, error_rate_delta: 0}
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from skylift.errors import InputError
from skylift.verify.service.model import (
    CheckSet,
    Expect,
    HttpCheck,
    LoadProfile,
    TcpCheck,
    Thresholds,
)
from skylift.verify.service.normalise import compile_rules, parse_path

_HINT = "see docs/verify.md for the checks file format"
_LINE = "__line__"
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$")
_TOP = {"checks", "tcp", "load", "thresholds"}


class _LineLoader(yaml.SafeLoader):
    """Safe loader that remembers the line (1-based) where each mapping starts."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    value = {str(k): v for k, v in loader.construct_mapping(node, deep=True).items()}
    value[_LINE] = node.start_mark.line + 1
    return value


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def _plain(value: Any) -> Any:
    """``value`` without the recorded line numbers (for values compared to JSON)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != _LINE}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _fail(path: Path, line: int | None, message: str) -> InputError:
    where = f"{path}:{line}" if line else str(path)
    return InputError(f"{where}: {message}", _HINT)


def parse_duration(text: object, what: str) -> float:
    """``10s``, ``500ms``, ``2m`` or a number of seconds, as seconds."""
    m = _DURATION.match(str(text))
    if not m:
        raise ValueError(f"{what} {text!r} is not a duration (e.g. 10s, 500ms, 2m)")
    scale = {"ms": 0.001, "s": 1.0, "m": 60.0, None: 1.0}[m.group(2)]
    return float(m.group(1)) * scale


def _expand(value: str, path: Path, line: int | None) -> str:
    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in os.environ:
            raise _fail(path, line, f"environment variable {name} is not set")
        return os.environ[name]

    return _ENV.sub(sub, value)


def _no_unknown(item: dict[str, Any], allowed: set[str], path: Path, what: str) -> None:
    extra = sorted(set(item) - allowed - {_LINE})
    if extra:
        known = ", ".join(sorted(allowed))
        raise _fail(path, item.get(_LINE), f"unknown key '{extra[0]}' in {what} (known: {known})")


def _mapping(value: object, path: Path, line: int | None, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _fail(path, line, f"{what} must be a mapping, got {type(value).__name__}")
    return value


def _expect(expect: dict[str, Any], path: Path, line: int | None) -> Expect:
    try:
        return Expect.model_validate(
            {
                "status": expect.get("status"),
                "headers": {
                    str(k).lower(): str(v)
                    for k, v in _mapping(
                        expect.get("headers"), path, line, "expect.headers"
                    ).items()
                    if k != _LINE
                },
                "body": expect.get("body"),
                "json_paths": _plain(_mapping(expect.get("json"), path, line, "expect.json")),
                "latency_ms": expect.get("latency_ms"),
            }
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise _fail(path, line, f"expect.{field}: {first['msg']}") from None


def _http(item: dict[str, Any], path: Path) -> HttpCheck:
    line = item.get(_LINE)
    _no_unknown(item, {"name", "method", "path", "headers", "body", "expect", "compare"}, path,
                "a check")  # fmt: skip
    expect = _mapping(item.get("expect"), path, line, "expect")
    _no_unknown(expect, {"status", "headers", "body", "json", "latency_ms"}, path, "expect")
    compare = _mapping(item.get("compare"), path, line, "compare")
    _no_unknown(compare, {"headers", "body", "ignore", "normalise"}, path, "compare")
    headers = _mapping(item.get("headers"), path, line, "headers")
    fields: dict[str, Any] = {
        "name": item.get("name") or f"{item.get('method', 'GET')} {item.get('path', '/')}",
        "method": str(item.get("method", "GET")).upper(),
        "path": item.get("path", "/"),
        "headers": {str(k): _expand(str(v), path, line) for k, v in headers.items() if k != _LINE},
        "body": item.get("body"),
        "origin": f"{path.name}:{line}",
        "expect": _expect(expect, path, line),
    }
    if "headers" in compare:
        fields["compare_headers"] = tuple(str(h).lower() for h in compare["headers"] or ())
    if "body" in compare:
        fields["body_mode"] = compare["body"]
    for key in ("ignore", "normalise"):
        if key in compare:
            fields[key] = tuple(compare[key] or ())
    if not str(fields["path"]).startswith("/"):
        raise _fail(path, line, f"path {fields['path']!r} must start with '/'")
    check = HttpCheck.model_validate(fields)
    try:
        compile_rules(check.normalise)
        for json_path in (*check.ignore, *check.expect.json_paths):
            parse_path(json_path)
    except InputError as exc:
        raise _fail(path, line, exc.message) from None
    return check


def _tcp(item: dict[str, Any], path: Path) -> TcpCheck:
    _no_unknown(item, {"name", "port", "host", "protocol"}, path, "a tcp check")
    fields = {k: v for k, v in item.items() if k != _LINE}
    fields.setdefault("name", f"tcp {item.get('port')}")
    fields["origin"] = f"{path.name}:{item.get(_LINE)}"
    return TcpCheck.model_validate(fields)


def _load(item: dict[str, Any], path: Path) -> LoadProfile:
    known = {"paths", "users", "duration", "rate", "timeout", "warmup", "together", "confirm"}
    _no_unknown(item, known, path, "load")
    fields = {k: v for k, v in item.items() if k not in (_LINE, "duration", "timeout", "warmup")}
    if "warmup" in item:
        fields["warmup_s"] = parse_duration(item["warmup"], "warmup")
    if "duration" in item:
        fields["duration_s"] = parse_duration(item["duration"], "duration")
    if "timeout" in item:
        fields["timeout_s"] = parse_duration(item["timeout"], "timeout")
    return LoadProfile.model_validate(fields)


def _items(doc: dict[str, Any], key: str, path: Path) -> list[dict[str, Any]]:
    value = doc.get(key) or []
    if not isinstance(value, list):
        raise _fail(path, doc.get(_LINE), f"'{key}' must be a list")
    for entry in value:
        if not isinstance(entry, dict):
            raise _fail(path, doc.get(_LINE), f"each entry of '{key}' must be a mapping")
    return value


def _validated(build: Any, item: dict[str, Any], path: Path) -> Any:
    try:
        return build(item, path)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise _fail(path, item.get(_LINE), f"{field}: {first['msg']}") from None
    except ValueError as exc:
        raise _fail(path, item.get(_LINE), str(exc)) from None


def parse_checks(text: str, path: Path) -> CheckSet:
    """Parse checks-file text; :class:`InputError` naming ``path:line`` on any problem."""
    try:
        doc = yaml.load(text, Loader=_LineLoader)  # noqa: S506 -- a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise _fail(path, line, f"not valid YAML: {exc.problem}") from None
    doc = _mapping(doc, path, 1, "the checks file")
    _no_unknown(doc, _TOP, path, "the checks file")
    load = doc.get("load")
    thresholds = _mapping(doc.get("thresholds"), path, doc.get(_LINE), "thresholds")
    checks = CheckSet(
        http=tuple(_validated(_http, i, path) for i in _items(doc, "checks", path)),
        tcp=tuple(_validated(_tcp, i, path) for i in _items(doc, "tcp", path)),
        load=_validated(_load, _mapping(load, path, 1, "load"), path) if load else None,
        thresholds=_validated(
            lambda i, _p: Thresholds.model_validate({k: v for k, v in i.items() if k != _LINE}),
            thresholds,
            path,
        ),
    )
    return checks


def read_checks(path: Path) -> CheckSet:
    """Read and parse a checks file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read checks file {path}: {exc.strerror}", _HINT) from None
    return parse_checks(text, path)
