"""The CEL validation rules (``x-kubernetes-validations``) of a CRD schema, evaluated as the
API server does: schema defaults applied first, then every rule on the value at its node;
a rule that errors counts as broken (the API server rejects the object then too).
Transition rules (``oldSelf``) do not apply to a new object and are skipped."""

from __future__ import annotations

import copy
from typing import Any

import celpy

_ENV = celpy.Environment()


def _sub(schema: dict[str, Any], key: str) -> dict[str, Any] | None:
    props = schema.get("properties", {})
    extra = schema.get("additionalProperties")
    found = props.get(key) or (extra if isinstance(extra, dict) else None)
    return found


def with_defaults(schema: dict[str, Any], value: Any) -> Any:
    """``value`` (copied) with the schema's ``default``s filled in, recursively."""
    value = copy.deepcopy(value)
    _fill(schema, value)
    return value


def _fill(schema: dict[str, Any], value: Any) -> None:
    if isinstance(value, dict):
        for key, sub in schema.get("properties", {}).items():
            if key not in value and "default" in sub:
                value[key] = copy.deepcopy(sub["default"])
        for key, item in value.items():
            sub = _sub(schema, key)
            if sub is not None:
                _fill(sub, item)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            _fill(schema["items"], item)


def broken_rules(schema: dict[str, Any], doc: dict[str, Any]) -> tuple[list[str], int]:
    """(the messages of the rules ``doc`` breaks, how many rules were evaluated)."""
    broken: list[str] = []
    count = _walk(schema, with_defaults(schema, doc), doc.get("kind", ""), broken)
    return broken, count


def _walk(schema: dict[str, Any], value: Any, where: str, broken: list[str]) -> int:
    count = 0
    for rule in schema.get("x-kubernetes-validations") or []:
        if "oldSelf" in rule["rule"]:
            continue
        count += 1
        try:
            program = _ENV.program(_ENV.compile(rule["rule"]))
            ok = bool(program.evaluate({"self": celpy.json_to_cel(value)}))
        except Exception as exc:
            broken.append(f"{where}: {rule['rule'][:80]} errored ({type(exc).__name__})")
            continue
        if not ok:
            broken.append(f"{where}: {rule.get('message', rule['rule'])}")
    if isinstance(value, dict):
        for key, item in value.items():
            sub = _sub(schema, key)
            if sub is not None:
                count += _walk(sub, item, f"{where}.{key}", broken)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            count += _walk(schema["items"], item, f"{where}[{i}]", broken)
    return count
