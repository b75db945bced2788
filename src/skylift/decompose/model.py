"""Values of the decomposition: the code graph read from a monolith."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Unit:
    """One class (Java) or class/module (Python): the unit that is partitioned."""

    name: str  # fully qualified where the language gives it
    file: str
    language: str
    tables: set[str] = field(default_factory=set)  # tables it reads or writes
    owns_table: str | None = None  # the table an entity/model class is mapped to
    entry_points: list[str] = field(default_factory=list)  # "GET /owners/{id}", "servlet /x"
    refs: dict[str, int] = field(default_factory=dict)  # simple type name -> occurrences
    supers: list[str] = field(default_factory=list)  # simple names extended/implemented


@dataclass
class CodeGraph:
    """Units and weighted, undirected dependencies between them."""

    units: dict[str, Unit]
    calls: dict[tuple[str, str], float]  # (caller, callee) -> weight, directed
    unparseable: list[str] = field(default_factory=list)  # "file: reason"
    use_cases: dict[str, set[str]] = field(default_factory=dict)  # unit -> use cases
    trace_calls: dict[tuple[str, str], float] = field(default_factory=dict)
    unknown_in_traces: list[str] = field(default_factory=list)
    nested: dict[str, set[str]] = field(default_factory=dict)  # unit -> nested names in traces

    def undirected(self) -> dict[tuple[str, str], float]:
        """Each unordered pair once (a < b) with the summed weight of both directions."""
        out: dict[tuple[str, str], float] = {}
        for (a, b), w in self.calls.items():
            if a == b:
                continue
            key = (a, b) if a < b else (b, a)
            out[key] = out.get(key, 0.0) + w
        return out


def link(units: dict[str, Unit]) -> dict[tuple[str, str], float]:
    """Resolve each unit's simple-name references to units: the static call graph.

    A simple name that several units share is resolved to every one of them
    with the weight split, so an ambiguous name never invents a strong tie.
    """
    by_simple: dict[str, list[str]] = {}
    for name in units:
        by_simple.setdefault(name.rsplit(".", 1)[-1], []).append(name)
    calls: dict[tuple[str, str], float] = {}
    for name, unit in units.items():
        refs = dict(unit.refs)
        for sup in unit.supers:  # inheritance is a strong tie
            refs[sup] = refs.get(sup, 0) + 2
        for simple, count in refs.items():
            targets = [t for t in by_simple.get(simple, ()) if t != name]
            for t in targets:
                key = (name, t)
                calls[key] = calls.get(key, 0.0) + count / len(targets)
    return calls
