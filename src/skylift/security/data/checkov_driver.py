"""checkov's own command line, with a small report: run by checkov's Python, never imported.

``python checkov_driver.py ARGS`` (``python`` being the interpreter of checkov's
environment) is ``checkov ARGS`` in every way but the output: the arguments are
parsed, the frameworks run and the checks chosen by checkov itself; only
printing the reports is replaced. checkov's ``-o json`` builds a dictionary of
every failed check with about thirty fields, serialises it twice (once
indented, with the pure-Python encoder, for the console; once more for an
output file that is never written) and, with several ``-d``, prints everything
found so far after each folder. Here each report is printed once, at the end,
as one compact JSON document holding only what
:func:`skylift.security.checkov.parse_report` reads::

    [{"check_type": "terraform",
      "results": {"failed_checks": [{"check_id", "check_name", "file_abs_path",
                                     "file_path", "file_line_range", "resource",
                                     "guideline", "severity"}, ...]},
      "summary": {"passed", "failed", "skipped", "parsing_errors",
                  "resource_count", "parsing_errors_list": [...]}}, ...]

No code block, evaluated value or tag leaves checkov. The exit code is
checkov's: 1 when something failed, else 0.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import os
import sys
import warnings
from typing import Any

#: Exit code meaning "this checkov is not one the driver can drive": skylift then
#: runs checkov's own command line instead (see skylift.security.checkov).
INCOMPATIBLE = 86

try:
    from checkov.common.checks_infra.solvers.connections_solvers import (  # type: ignore[import-not-found]
        and_connection_solver,
        base_connection_solver,
        complex_connection_solver,
        or_connection_solver,
    )
    from checkov.main import Checkov  # type: ignore[import-not-found]
except ImportError as exc:  # another checkov layout: let skylift fall back to the CLI
    sys.stderr.write(f"skylift checkov driver: incompatible checkov ({exc})\n")
    sys.exit(INCOMPATIBLE)

FIELDS = (
    "check_id",
    "check_name",
    "file_abs_path",
    "file_path",
    "file_line_range",
    "resource",
    "guideline",
    "severity",
)


def _value(value: Any) -> Any:
    """A JSON-ready field: checkov's Severity objects become their name."""
    if value is None or isinstance(value, (str, int, float, bool, list)):
        return value
    return getattr(value, "name", None) or str(value)


def report_dict(report: Any) -> dict[str, Any]:
    """The few fields of one checkov report that skylift reads."""
    failed = [{k: _value(getattr(r, k, None)) for k in FIELDS} for r in report.failed_checks]
    summary = dict(report.get_summary())
    summary["parsing_errors_list"] = sorted(str(p) for p in report.parsing_errors)
    return {
        "check_type": report.check_type,
        "results": {"failed_checks": failed},
        "summary": summary,
    }


# ---- linear-time result filtering in checkov's connection solvers -------------
#
# A graph check that combines attribute and connection conditions (``or``/``and``
# blocks, e.g. CKV2_AWS_6 "S3 bucket has a public access block") ends by
# dropping the resources that already passed or failed elsewhere, testing each
# with ``identifier not in list``: quadratic in the resources of that type (a
# third of checkov's Terraform time for ~16,000 buckets). The replacements below
# are the same functions with those lists turned into sets. They are installed
# only over the exact code they were written from (a hash of its source) and
# fall back to the list when an identifier is not hashable, so the results are
# the same by construction; ``tests/integration/security/test_checkov.py``
# compares both on a fixture.

_SOLVER_SOURCES = {
    "OrConnectionSolver": "b2b7a2a818348cbd",
    "AndConnectionSolver": "9fb52c99af187ebf",
}


def _without(items: list[Any], *excluded: list[Any]) -> list[Any]:
    """``[x for x in items if ident(x) not in excluded…]`` with the excluded ids as a set."""
    ident = complex_connection_solver.ComplexConnectionSolver.get_check_identifier
    ids = [i for ex in excluded for i in ex]
    try:
        gone = set(ids)
        return [x for x in items if ident(x) not in gone]
    except TypeError:  # an unhashable identifier: compare as checkov does
        return [x for x in items if ident(x) not in ids]


def _connect(
    graph: Any,
    solvers: list[Any],
    passed: list[Any],
    failed: list[Any],
    unknown: list[Any],
    *,
    exclude: bool,
) -> None:
    """Run the connection sub-solvers and add their results (as checkov's loop does).

    With ``exclude`` (the ``and`` solver) each sees the failed and unknown
    resources so far, the very lists being extended.
    """
    for solver in solvers:
        solver.set_vertices(graph, failed if exclude else [], unknown if exclude else [])
        passed_solver, failed_solver, unknown_solver = solver.get_operation(graph)
        passed.extend(passed_solver)
        failed.extend(failed_solver)
        unknown.extend(unknown_solver)


def _or_get_operation(self: Any, graph_connector: Any) -> Any:
    """``OrConnectionSolver.get_operation`` of checkov 3.3.30, with set lookups."""
    ident = complex_connection_solver.ComplexConnectionSolver.get_check_identifier
    passed, failed, unknown = self.run_attribute_solvers(graph_connector)
    connection_solvers = [
        s for s in self.solvers if isinstance(s, base_connection_solver.BaseConnectionSolver)
    ]
    _connect(graph_connector, connection_solvers, passed, failed, unknown, exclude=False)
    passed_ids = [ident(p) for p in passed]
    unknown_ids = [ident(u) for u in unknown]
    unknown = _without(unknown, passed_ids)
    failed = _without(failed, passed_ids, unknown_ids)
    return self.filter_results(passed, failed, unknown)


def _and_get_operation(self: Any, graph_connector: Any) -> Any:
    """``AndConnectionSolver.get_operation`` of checkov 3.3.30, with set lookups."""
    ident = complex_connection_solver.ComplexConnectionSolver.get_check_identifier
    if not self.vertices_under_resource_types:
        return [], [], []
    passed, failed, unknown = self.run_attribute_solvers(graph_connector)
    passed = _without(passed, [ident(f) for f in [*failed, *unknown]])
    solvers = self.get_sorted_connection_solvers()
    _connect(graph_connector, solvers, passed, failed, unknown, exclude=True)
    failed_ids = [ident(f) for f in failed]
    unknown_ids = [ident(u) for u in unknown]
    passed = _without(passed, failed_ids, unknown_ids)
    unknown = _without(unknown, failed_ids)
    return self.filter_results(passed, failed, unknown)


def install_solver_fixes() -> list[str]:
    """Put the set-based solvers in place where checkov's code is the one they replace.

    Returns the names of the solvers replaced (none on another checkov version).
    """
    replaced = []
    for cls, fast in (
        (or_connection_solver.OrConnectionSolver, _or_get_operation),
        (and_connection_solver.AndConnectionSolver, _and_get_operation),
    ):
        source = inspect.getsource(cls.get_operation).encode()
        if hashlib.sha256(source).hexdigest()[:16] == _SOLVER_SOURCES[cls.__name__]:
            cls.get_operation = fast
            replaced.append(cls.__name__)
    return replaced


class CompactCheckov(Checkov):  # type: ignore[misc]  # checkov's class is untyped here
    """checkov, printing one compact report at the end instead of its JSON after each folder."""

    def __init__(self, argv: list[str]) -> None:
        super().__init__(argv)
        self.seen: dict[int, Any] = {}  #: every report object printed so far, by identity

    def print_results(self, runner_registry: Any, url: Any = None, **_: Any) -> int:
        """Remember the reports (with several ``-d`` they accumulate); print nothing yet."""
        for report in self.scan_reports or ():
            self.seen.setdefault(id(report), report)
        return 1 if any(r.failed_checks for r in self.seen.values()) else 0


def main(argv: list[str]) -> int:
    """Run checkov with ``argv`` and print the compact report."""
    # checkov sets the root logger to DEBUG and formats every debug message
    # (one or more per check result) into an in-memory log that only its
    # platform upload reads. Warnings and errors still reach stderr (so does
    # everything from LOG_LEVEL up, checkov's own switch for its log).
    logging.getLogger().setLevel(os.getenv("LOG_LEVEL", "WARNING").upper())
    if os.getenv("SKYLIFT_CHECKOV_SOLVERS", "fast") != "checkov":
        install_solver_fixes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=SyntaxWarning)
        ckv = CompactCheckov(argv)
        code = ckv.run()
    reports = [report_dict(r) for r in ckv.seen.values() if not r.is_empty()]
    # One write of bytes: checkov wraps sys.stdout in colorama, which would
    # inspect each of json.dump's small chunks.
    out = sys.__stdout__.buffer if sys.__stdout__ is not None else sys.stdout.buffer
    out.write(json.dumps(reports, separators=(",", ":")).encode() + b"\n")
    out.flush()
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
