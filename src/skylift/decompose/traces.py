"""Runtime call chains per business use case, from JSON, CSV or OpenTelemetry spans.

Accepted files in the ``--traces`` folder:

- ``*.json`` ``{"use case": [["A", "B", "C"], …], …}`` (each chain caller → callee);
- ``*.csv`` with columns ``use_case,chain`` where chain is ``A>B>C``;
- ``*.json`` OpenTelemetry export (``resourceSpans``): a span's class is its
  ``code.namespace`` attribute; parent → child spans are calls; the use case
  is the root span's name;
- Mono2Micro's runtime summary: ``runtime_call_volume.json``
  ``{"Caller--Callee": calls}`` (``Root`` is the user, left out) with
  ``bcs_per_class.json`` ``{"Class": [business contexts]}`` beside it.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any, NamedTuple

from skylift.errors import InputError


class Chain(NamedTuple):
    """Classes in call order, seen ``times`` times; ``use_case`` None when not known."""

    use_case: str | None
    classes: list[str]
    times: float = 1.0


M2M_CALLS, M2M_CONTEXTS = "runtime_call_volume.json", "bcs_per_class.json"
M2M_USER = "Root"


def top_level(name: str) -> str:
    """``Outer::Inner`` / ``Outer$Inner`` -> ``Outer``: a nested type belongs to its top class."""
    return re.split(r"::|\$", name, maxsplit=1)[0]


def load(folder: Path) -> list[Chain]:
    """Every chain in the folder's .json/.csv files (sorted by file name)."""
    if not folder.is_dir():
        raise InputError(f"{folder}: traces folder not found", hint="pass --traces DIR")
    chains: list[Chain] = []
    for path in sorted(folder.iterdir()):
        if path.name in (M2M_CALLS, M2M_CONTEXTS):
            chains += _mono2micro(path)
        elif path.suffix == ".csv":
            chains += _csv(path)
        elif path.suffix == ".json":
            chains += _json(path)
    return chains


def _mono2micro(path: Path) -> list[Chain]:
    doc = _read(path)
    if path.name == M2M_CALLS:
        if not isinstance(doc, dict) or not all(
            isinstance(k, str) and k.count("--") == 1 and isinstance(v, int | float)
            for k, v in doc.items()
        ):
            raise InputError(f'{path}: expected {{"Caller--Callee": calls}}', hint=HINT)
        pairs = [(k.split("--"), float(v)) for k, v in doc.items()]
        return [Chain(None, [a, b], v) for (a, b), v in pairs if M2M_USER not in (a, b) and v > 0]
    if not isinstance(doc, dict) or not all(isinstance(v, list) for v in doc.values()):
        raise InputError(f"{path}: expected {{class: [business context, …]}}", hint=HINT)
    return [Chain(str(uc), [c]) for c, ucs in doc.items() if c != M2M_USER for uc in ucs]


HINT = "see docs/decompose.md, Runtime evidence"


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not JSON ({exc})", hint=HINT) from exc


def _csv(path: Path) -> list[Chain]:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if not {"use_case", "chain"} <= set(reader.fieldnames or ()):
            raise InputError(
                f"{path}: expected columns use_case,chain",
                hint="one row per call chain, chain as A>B>C",
            )
        return [
            Chain(r["use_case"], [c.strip() for c in r["chain"].split(">") if c.strip()])
            for r in reader
        ]


def _json(path: Path) -> list[Chain]:
    doc = _read(path)
    if isinstance(doc, dict) and "resourceSpans" in doc:
        return _otel(doc)
    if not isinstance(doc, dict) or not all(
        isinstance(v, list) and all(isinstance(c, list) for c in v) for v in doc.values()
    ):
        raise InputError(
            f"{path}: expected {{use case: [[class, …], …]}}",
            hint="or an OpenTelemetry JSON export with resourceSpans",
        )
    return [Chain(str(uc), [str(c) for c in ch]) for uc, chains in doc.items() for ch in chains]


def _otel(doc: dict[str, Any]) -> list[Chain]:
    spans: dict[str, dict[str, Any]] = {}
    for rs in doc["resourceSpans"]:
        for ss in rs.get("scopeSpans", rs.get("instrumentationLibrarySpans", [])):
            for span in ss.get("spans", []):
                spans[span["spanId"]] = span

    def cls(span: dict[str, Any]) -> str:
        for attr in span.get("attributes", []):
            if attr.get("key") == "code.namespace":
                return str(attr.get("value", {}).get("stringValue", ""))
        return ""

    def root(span: dict[str, Any]) -> dict[str, Any]:
        seen = 0
        while span.get("parentSpanId") in spans and seen < len(spans):
            span, seen = spans[span["parentSpanId"]], seen + 1
        return span

    chains: list[Chain] = []
    for span in spans.values():
        parent = spans.get(span.get("parentSpanId", ""))
        if parent is not None and cls(parent) and cls(span):
            chains.append(Chain(str(root(span).get("name", "")), [cls(parent), cls(span)]))
    return chains
