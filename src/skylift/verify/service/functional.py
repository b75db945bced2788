"""Functional checks: the same request to source and target, answers compared.

A check passes when the target's status is the expected one (by default the
source's), the compared headers match, the bodies match after normalising
(exact text, or JSON with ignored paths left out), the target meets the
check's own ``expect`` (headers, body, JSON-path values, latency), and for
requests carrying credentials the target refuses them without credentials
when the source does (else a security finding, see :mod:`security`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from skylift.interrupts import pool_map
from skylift.verify.service.endpoint import Endpoint, describe_error, request
from skylift.verify.service.model import Answer, BodyMode, CheckOutcome, HttpCheck, TcpCheck
from skylift.verify.service.normalise import (
    compile_rules,
    drop,
    first_difference,
    normalise_json,
    normalise_text,
    parse_path,
    select,
)
from skylift.verify.service.protocols import speaks

_SHOWN = 80


def _short(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def _json(text: str) -> tuple[bool, Any]:
    try:
        return True, json.loads(text)
    except ValueError:
        return False, None


def compare_bodies(check: HttpCheck, source: str, target: str) -> list[str]:
    """Why the two bodies differ under the check's rules (empty: they match)."""
    rules = compile_rules(check.normalise)
    if check.body_mode is BodyMode.NONE:
        return []
    if check.body_mode is BodyMode.JSON:
        ok_s, js = _json(source)
        ok_t, jt = _json(target)
        if ok_s and ok_t:
            for path in check.ignore:
                steps = parse_path(path)
                js, jt = drop(js, steps), drop(jt, steps)
            ns, nt = normalise_json(js, rules), normalise_json(jt, rules)
            diff = first_difference(ns, nt)
            if diff is not None:
                where, left, right = diff
                return [f"body differs at {where}: source {_short(left)}, target {_short(right)}"]
            return []
        if ok_s != ok_t:
            return ["body is JSON on one side only"]
    ns, nt = normalise_text(source, rules), normalise_text(target, rules)
    if ns != nt:
        at = next((i for i, (x, y) in enumerate(zip(ns, nt, strict=False)) if x != y), None)
        at = min(len(ns), len(nt)) if at is None else at
        return [
            f"body differs at character {at}: source {_short(ns[at:])!r}, "
            f"target {_short(nt[at:])!r}"
        ]
    return []


def _expectations(check: HttpCheck, target: Answer) -> list[str]:
    problems: list[str] = []
    exp = check.expect
    for name, want in exp.headers.items():
        got = target.headers.get(name)
        if got is None or want not in ("*", got):
            problems.append(f"header {name}: expected {want!r}, got {got!r}")
    if exp.body is not None and target.body != exp.body:
        problems.append(f"body: expected {_short(exp.body)!r}, got {_short(target.body)!r}")
    if exp.json_paths:
        ok, doc = _json(target.body)
        for path, value in exp.json_paths.items():
            found = list(select(doc, parse_path(path))) if ok else []
            if value not in found:
                problems.append(f"{path}: expected {_short(value)}, got {_short(found)}")
    if exp.latency_ms is not None and target.latency_ms > exp.latency_ms:
        problems.append(f"latency {target.latency_ms:.1f} ms above {exp.latency_ms:g} ms")
    return problems


def judge(check: HttpCheck, source: Answer, target: Answer) -> list[str]:
    """Every reason the target's answer is not acceptable (empty: the check passes)."""
    problems: list[str] = []
    want = check.expect.status if check.expect.status is not None else source.status
    if target.status != want:
        problems.append(f"status {target.status}, expected {want}")
    for name in check.compare_headers:
        s, t = source.headers.get(name), target.headers.get(name)
        rules = compile_rules(check.normalise)
        if (s is None) != (t is None) or normalise_text(s or "", rules) != normalise_text(
            t or "", rules
        ):
            problems.append(f"header {name}: source {s!r}, target {t!r}")
    problems += compare_bodies(check, source.body, target.body)
    problems += _expectations(check, target)
    return problems


def _send(endpoint: Endpoint, check: HttpCheck, timeout: float) -> Answer | str:
    try:
        return request(endpoint, check.method, check.path, check.headers, check.body, timeout)
    except Exception as exc:
        return describe_error(exc)


def run_http(
    check: HttpCheck, source: Endpoint, target: Endpoint, timeout: float = 10.0
) -> CheckOutcome:
    """Send the check to both sides and judge the target's answer."""
    s = _send(source, check, timeout)
    t = _send(target, check, timeout)
    base: dict[str, Any] = {"name": check.name, "kind": "http", "origin": check.origin}
    if isinstance(s, str):
        return CheckOutcome(**base, passed=False, problems=(f"source failed: {s}",))
    if isinstance(t, str):
        return CheckOutcome(
            **base, passed=False, problems=(f"target failed: {t}",), source_status=s.status,
            source_ms=s.latency_ms,
        )  # fmt: skip
    problems = judge(check, s, t)
    return CheckOutcome(
        **base, passed=not problems, problems=tuple(problems), source_status=s.status,
        target_status=t.status, source_ms=s.latency_ms, target_ms=t.latency_ms,
    )  # fmt: skip


def run_tcp(check: TcpCheck, source: Endpoint, target: Endpoint) -> CheckOutcome:
    """A named host must accept connections on the port (and speak the protocol);
    without a host, the target must wherever the source does (a port the source does
    not open either is not required)."""
    base = {"name": check.name, "kind": check.protocol, "origin": check.origin}
    host = check.host or target.host
    if check.host is None:
        ok, seen = speaks(source.host, check.port, check.protocol)
        if not ok:
            return CheckOutcome(**base, passed=True, note=f"not required: the source {seen}")
    ok, seen = speaks(host, check.port, check.protocol)
    if ok:
        return CheckOutcome(**base, passed=True, note=seen)
    return CheckOutcome(**base, passed=False, problems=(f"{host}:{check.port} {seen}",))


def run_functional(
    http_checks: tuple[HttpCheck, ...],
    tcp_checks: tuple[TcpCheck, ...],
    source: Endpoint,
    target: Endpoint,
    advance: Callable[[], None] = lambda: None,
    jobs: int = 4,
) -> tuple[CheckOutcome, ...]:
    """Every check, a few at a time, in the order given."""

    def one(check: HttpCheck | TcpCheck) -> CheckOutcome:
        try:
            if isinstance(check, HttpCheck):
                return run_http(check, source, target)
            return run_tcp(check, source, target)
        finally:
            advance()

    checks: list[HttpCheck | TcpCheck] = [*http_checks, *tcp_checks]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return tuple(pool_map(pool, one, checks))
