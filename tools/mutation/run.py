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
    python tools/mutation/run.py --sample 150 assess-sizing   # a seeded random sample
    MUTATION_JOBS=2 python tools/mutation/run.py   # mutmut --max-children
"""

from __future__ import annotations

import json
import math
import os
import random
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
            "tests/unit/security/test_dependency_files.py",
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


def _verdicts(folder: Path, env: dict[str, str]) -> dict[str, str]:
    """Every mutant of the scratch copy and its status (``killed``, ``survived`` …)."""
    listing = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "true"], cwd=folder, env=env,
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    pairs = (line.rsplit(":", 1) for line in listing.splitlines() if ":" in line)
    return {k.strip(): v.strip() for k, v in pairs}


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson interval (percent) of a share ``k/n`` estimated from a sample."""
    if n == 0:
        return 0.0, 100.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return round(100 * (centre - half), 1), round(100 * (centre + half), 1)


def run_sample(name: str, size: int, seed: int = 15) -> dict[str, object]:
    """Run a seeded uniform sample of ``size`` mutants of one module (for modules whose
    full run does not fit the time at hand); the score is the sample's, with its 95 %
    interval. The first mutant of each function runs to generate the list; it counts only
    if drawn."""
    module, tests = MODULES[name]
    folder = WORK / name
    env = _env(folder)
    _copy(folder)
    (folder / "setup.cfg").write_text(
        _setup_cfg(module, tests, name in FORKSERVER), encoding="utf-8"
    )
    jobs = os.environ.get("MUTATION_JOBS", "2")
    mutmut = [sys.executable, "-m", "mutmut", "run", "--max-children", jobs]
    subprocess.run([*mutmut, "*__mutmut_1"], cwd=folder, env=env, check=False)
    names = sorted(_verdicts(folder, env))
    sample = sorted(random.Random(seed).sample(names, min(size, len(names))))
    (folder / "sample.txt").write_text("\n".join(sample) + "\n", encoding="utf-8")
    subprocess.run([*mutmut, *sample], cwd=folder, env=env, check=False)
    return _sample_score(name, folder, env, sample, seed)


def _sample_score(
    name: str, folder: Path, env: dict[str, str], sample: list[str], seed: int
) -> dict[str, object]:
    module, tests = MODULES[name]
    verdicts = _verdicts(folder, env)
    names = list(verdicts)
    status = [verdicts.get(n, "not checked") for n in sample]
    counts = {s: status.count(s) for s in sorted(set(status))}
    tested = len(sample) - counts.get("skipped", 0)
    killed = counts.get("killed", 0) + counts.get("timeout", 0)
    survivors = [f"{n}: {v}" for n, v in zip(sample, status, strict=True) if v != "killed"]
    (folder / "survivors.txt").write_text("\n".join(survivors) + "\n", encoding="utf-8")
    return {
        "module": module, "tests": list(tests), "total": len(names), "sampled": len(sample),
        "seed": seed, **counts, "score_pct": round(100.0 * killed / tested, 1) if tested else 0.0,
        "interval_95": wilson(killed, tested),
    }  # fmt: skip


def _env(folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": f"{folder / 'src'}{os.pathsep}{folder}",
        # Hypothesis properties run 50 examples per mutant (tests/helpers.py examples())
        "SKYLIFT_HYPOTHESIS_MAX": os.environ.get("SKYLIFT_HYPOTHESIS_MAX", "50"),
    }


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
    env = _env(folder)
    selected: list[str] = []
    if again:
        if not (folder / "mutants").is_dir():
            raise SystemExit(f"{name}: no earlier run in {folder}; run it without --again")
        selected = _survivors(folder, env)
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", "e2e")
        shutil.copytree(ROOT / "tests", folder / "tests", ignore=ignore, dirs_exist_ok=True)
        sampled = folder / "sample.txt"
        if sampled.exists():  # the last run was a sample: its survivors, its score
            sample = sampled.read_text(encoding="utf-8").split()
            selected = [n for n in selected if n in set(sample)]
            if selected:
                subprocess.run(
                    [sys.executable, "-m", "mutmut", "run", "--max-children", jobs, *selected],
                    cwd=folder, env=env, check=False,
                )  # fmt: skip
            return {**_sample_score(name, folder, env, sample, 15), "again": len(selected)}
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
    sample = 0
    if "--sample" in argv:
        i = argv.index("--sample")
        sample = int(argv[i + 1])
        argv = argv[:i] + argv[i + 2 :]
    names = [a for a in argv if a != "--again"] or list(MODULES)
    unknown = [n for n in names if n not in MODULES]
    if unknown:
        print(f"unknown module(s) {', '.join(unknown)}; see --list", file=sys.stderr)
        return 2
    WORK.mkdir(parents=True, exist_ok=True)
    scores_path = WORK / "scores.json"
    scores = json.loads(scores_path.read_text()) if scores_path.exists() else {}
    for name in names:
        result = run_sample(name, sample) if sample else run_module(name, again)
        scores[name] = result
        scores_path.write_text(json.dumps(scores, indent=2) + "\n", encoding="utf-8")
        print(
            f"{name}: {result['score_pct']}% killed ({result.get('killed', 0)} killed, "
            f"{result.get('timeout', 0)} timeout, {result.get('survived', 0)} survived, "
            f"{result.get('no_tests', 0)} without tests, of {result.get('total', 0)}); "
            f"survivors: {WORK / name / 'survivors.txt'}"
            + (
                f"; sample of {result['sampled']}, 95 % {result.get('interval_95')}"
                if "sampled" in result
                else ""
            ),
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
