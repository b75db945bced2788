"""`make mutation`: mutmut over skylift's core modules, one module at a time.

Each module is mutated in its own scratch copy of the repository under
build/mutation/<name>/ (mutmut writes its ``mutants/`` folder there, never in
the work tree) and only its area's tests run against its mutants, which keeps
a run tractable. Prints the killed share per module and writes
build/mutation/scores.json; docs/testing.md records the measured figures.

    python tools/mutation/run.py                 # every module
    python tools/mutation/run.py plan-waves      # one (or a few) by name
    python tools/mutation/run.py --list
    python tools/mutation/run.py --again plan-waves   # survivors only, after adding tests
    MUTATION_JOBS=2 python tools/mutation/run.py   # mutmut --max-children
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "build" / "mutation"

#: name → (module to mutate, the tests of its area)
MODULES: dict[str, tuple[str, tuple[str, ...]]] = {
    "plan-waves": ("src/skylift/plan/waves.py", ("tests/unit/plan",)),
    "plan-groups": ("src/skylift/plan/groups.py", ("tests/unit/plan",)),
    "assess-pricing": (
        "src/skylift/assess/pricing.py",
        (
            "tests/unit/assess/test_pricing.py",
            "tests/unit/assess/test_pricing_columns.py",
            "tests/unit/assess/test_pricing_oracle.py",
            "tests/unit/assess/test_pricing_ties.py",
            "tests/unit/assess/test_families.py",
        ),
    ),
    "assess-sizing": (
        "src/skylift/assess/sizing.py",
        (
            "tests/unit/assess/test_sizing.py",
            "tests/unit/assess/test_policy_knobs.py",
            "tests/unit/assess/test_sizing_oracle.py",
        ),
    ),
    "transfer-manifest": ("src/skylift/transfer/manifest.py", ("tests/unit/transfer",)),
    "transfer-journal": ("src/skylift/transfer/journal.py", ("tests/unit/transfer",)),
    "transfer-multipart": ("src/skylift/transfer/multipart.py", ("tests/unit/transfer",)),
    "transfer-engine": ("src/skylift/transfer/engine.py", ("tests/unit/transfer",)),
    "security-secrets": (
        "src/skylift/security/secrets.py",
        (
            "tests/unit/security/test_secret_rules.py",
            "tests/unit/security/test_secret_scan.py",
            "tests/unit/security/test_secret_repeats.py",
            "tests/unit/security/test_secret_files.py",
            "tests/unit/security/test_secret_prefilter.py",
            "tests/unit/security/test_secret_elsewhere.py",
            "tests/unit/security/test_secret_choice.py",
        ),
    ),
    "security-sarif": ("src/skylift/report/sarif.py", ("tests/unit/security",)),
    "security-baseline": ("src/skylift/security/baseline.py", ("tests/unit/security",)),
    "inventory-rvtools-join": (
        "src/skylift/inventory/rvtools/join.py",
        ("tests/unit/inventory_rvtools",),
    ),
}
#: Areas whose tests use Polars: its thread pool does not survive fork() (a mutant
#: forked from mutmut's process after the tests ran hangs until its timeout), so
#: their mutants are forked from a fresh fork server instead.
FORKSERVER = {
    "plan-waves",
    "plan-groups",
    "assess-pricing",
    "assess-sizing",
    "inventory-rvtools-join",
}
#: What the tests need besides src/ and tests/.
COPY = ("src", "tests", "samples", "docs", "pyproject.toml")


def _copy(dest: Path) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", "e2e")
    for name in COPY:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=ignore)
        else:
            shutil.copy2(src, dest / name)


def _setup_cfg(module: str, tests: tuple[str, ...], forkserver: bool) -> str:
    lines = [
        "[mutmut]",
        f"process_isolation = {'forkserver' if forkserver else 'fork'}",
        "forkserver_warmup = none",
        "source_paths = src/skylift",
        f"only_mutate = {module}",
        "pytest_add_cli_args_test_selection =",
        *[f"    {t}" for t in tests],
        "pytest_add_cli_args =",
        "    -p",
        "    no:cacheprovider",
        "    -q",
        "    -x",
        "    --timeout=120",
        "    -p",
        "    no:randomly",
        "also_copy =",
        "    samples",
        "    docs",
        "timeout_multiplier = 3.0",
        "timeout_constant = 5.0",
        "do_not_mutate_patterns =",
        "    .*__doc__.*",
        "",
    ]
    return "\n".join(lines)


def _stats(folder: Path) -> dict[str, int]:
    subprocess.run(
        [sys.executable, "-m", "mutmut", "export-cicd-stats"], cwd=folder, check=True,
        capture_output=True,
    )  # fmt: skip
    data: dict[str, int] = json.loads((folder / "mutants" / "mutmut-cicd-stats.json").read_text())
    return data


def _survivors(folder: Path, env: dict[str, str]) -> list[str]:
    """Names of the mutants of the last run in ``folder`` that no test killed."""
    listing = subprocess.run(
        [sys.executable, "-m", "mutmut", "results"], cwd=folder, env=env,
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return [
        line.split(":")[0].strip()
        for line in listing.splitlines()
        if line.strip().endswith(("survived", "no tests", "not checked"))
    ]


def run_module(name: str, again: bool = False) -> dict[str, object]:
    """Mutate one module against its area's tests; return mutmut's counts and the score.

    ``again``: keep the scratch copy of the last run (the module as it was then), refresh
    its tests from the work tree and run only the mutants that survived there. Its
    setup.cfg is kept: mutmut resets every verdict when the test selection changes, so
    tests added since must sit in a file or folder the last run selected already.
    """
    module, tests = MODULES[name]
    folder = WORK / name
    jobs = os.environ.get("MUTATION_JOBS", "2")
    env = {
        **os.environ,
        "PYTHONPATH": f"{folder / 'src'}{os.pathsep}{folder}",
        # Hypothesis properties run 50 examples per mutant (tests/helpers.py examples())
        "SKYLIFT_HYPOTHESIS_MAX": os.environ.get("SKYLIFT_HYPOTHESIS_MAX", "50"),
    }
    selected: list[str] = []
    if again:
        if not (folder / "mutants").is_dir():
            raise SystemExit(f"{name}: no earlier run in {folder}; run it without --again")
        selected = _survivors(folder, env)
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", "e2e")
        shutil.copytree(ROOT / "tests", folder / "tests", ignore=ignore, dirs_exist_ok=True)
    else:
        _copy(folder)
        (folder / "setup.cfg").write_text(
            _setup_cfg(module, tests, name in FORKSERVER), encoding="utf-8"
        )
    if selected or not again:
        subprocess.run(
            [sys.executable, "-m", "mutmut", "run", "--max-children", jobs, *selected],
            cwd=folder, env=env, check=False,
        )  # fmt: skip
    stats = _stats(folder)
    tested = stats.get("total", 0) - stats.get("skipped", 0)
    killed = stats.get("killed", 0) + stats.get("timeout", 0)
    score = 100.0 * killed / tested if tested else 0.0
    survivors = subprocess.run(
        [sys.executable, "-m", "mutmut", "results"], cwd=folder, env=env,
        capture_output=True, text=True, check=False,
    ).stdout  # fmt: skip
    (folder / "survivors.txt").write_text(survivors, encoding="utf-8")
    result: dict[str, object] = {"module": module, "tests": list(tests), **stats}
    if again:
        result["again"] = len(selected)
    return {**result, "score_pct": round(score, 1)}


def main(argv: list[str]) -> int:
    """Run the named modules (default: all) and print one line per module."""
    if "--list" in argv:
        print("\n".join(f"{n}: {m} <- {' '.join(t)}" for n, (m, t) in MODULES.items()))
        return 0
    again = "--again" in argv
    names = [a for a in argv if a != "--again"] or list(MODULES)
    unknown = [n for n in names if n not in MODULES]
    if unknown:
        print(f"unknown module(s) {', '.join(unknown)}; see --list", file=sys.stderr)
        return 2
    WORK.mkdir(parents=True, exist_ok=True)
    scores_path = WORK / "scores.json"
    scores = json.loads(scores_path.read_text()) if scores_path.exists() else {}
    for name in names:
        result = run_module(name, again)
        scores[name] = result
        scores_path.write_text(json.dumps(scores, indent=2) + "\n", encoding="utf-8")
        print(
            f"{name}: {result['score_pct']}% killed ({result.get('killed', 0)} killed, "
            f"{result.get('timeout', 0)} timeout, {result.get('survived', 0)} survived, "
            f"{result.get('no_tests', 0)} without tests, of {result.get('total', 0)}); "
            f"survivors: {WORK / name / 'survivors.txt'}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
