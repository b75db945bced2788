"""Benchmark: `skylift scan` over a 10,000-file source tree, against `detect-secrets scan`.

Writes a deterministic tree (mixed .py/.js/.ts/.yaml/.tf/.json/.env/Dockerfile/.md at
realistic sizes, ~42 MB, with planted secrets at known lines) under a temporary folder,
then times, each in its own process and in the same run:

* ``skylift scan TREE --no-misconfig --no-policies`` (skylift's rules + detect-secrets'
  detectors, in process) — the < 60 s claim;
* ``skylift scan TREE --no-policies`` (adds checkov; the default ``skylift scan`` outside
  a workspace) when ``--with-checkov`` is given and checkov is installed
  (``make validators``) — the same < 60 s claim for the full scan;
* the peer, ``detect-secrets scan --all-files`` (its own CLI, same tree).

Prints wall and CPU seconds, files/s, the ratio, and recall on the planted secrets
(a planted secret counts as found when the tool reports its file and line).

    .venv/bin/python benchmarks/scan_tree.py [--files 10000] [--with-checkov] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
SEED = 20261126

# kind → (share of files, min bytes, max bytes)
MIX = {
    "py": (0.30, 1_500, 9_000),
    "js": (0.20, 1_500, 9_000),
    "ts": (0.08, 1_000, 6_000),
    "yaml": (0.14, 400, 4_000),
    "tf": (0.07, 600, 5_000),
    "json": (0.08, 300, 12_000),
    "env": (0.04, 80, 600),
    "Dockerfile": (0.04, 200, 900),
    "md": (0.05, 500, 6_000),
}

_WORD_LIST = (
    "order customer invoice payment cart item price total tax currency shipping address "
    "user account session cache queue worker report export import batch retry "
    "timeout limit offset page size count status event handler service client server"
)
WORDS = _WORD_LIST.split()


@dataclass(frozen=True)
class Plant:
    """A secret written at a known place."""

    path: str
    line: int
    what: str


def _name(rng: random.Random) -> str:
    return "_".join(rng.sample(WORDS, rng.randint(1, 3)))


def _hexid(rng: random.Random, n: int = 32) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _py(rng: random.Random, size: int) -> list[str]:
    out = ['"""Module of the shop service."""', "", "import logging", "import os", ""]
    while sum(len(x) + 1 for x in out) < size:
        fn = _name(rng)
        out += [
            f"def {fn}(request, limit={rng.randint(1, 500)}):",
            f'    """Return the {fn.replace("_", " ")} for the request."""',
            f"    value = request.get({_name(rng)!r}, {rng.randint(0, 99)})",
            f'    logging.info("%s handled", {fn!r})',
            f'    cache_key = f"{_name(rng)}:{{value}}"',
            "    if value > limit:",
            f'        raise ValueError("{_name(rng)} exceeds limit")',
            f"    return {{'id': {rng.randint(1, 10**6)}, 'value': value}}",
            "",
        ]
    return out


def _js(rng: random.Random, size: int) -> list[str]:
    out = ["'use strict';", "const express = require('express');", ""]
    while sum(len(x) + 1 for x in out) < size:
        fn = "".join(w.title() for w in _name(rng).split("_"))
        out += [
            f"async function handle{fn}(req, res) {{",
            f"  const limit = Number(req.query.limit || {rng.randint(1, 200)});",
            f"  const rows = await db.query('SELECT * FROM {_name(rng)} LIMIT $1', [limit]);",
            f"  res.set('X-Route', '{_name(rng)}');",
            "  return res.json({ rows, count: rows.length });",
            "}",
            "",
        ]
    return out


def _yaml(rng: random.Random, size: int) -> list[str]:
    app = _name(rng).replace("_", "-")
    out = [
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata:",
        f"  name: {app}",
        "spec:",
        f"  replicas: {rng.randint(1, 5)}",
        "  template:",
        "    spec:",
        "      containers:",
        f"        - name: {app}",
        f"          image: registry.example.com/{app}:1.{rng.randint(0, 9)}.0",
        "          env:",
    ]
    while sum(len(x) + 1 for x in out) < size:
        key = _name(rng).upper()
        out += [f"            - name: {key}", f'              value: "{rng.randint(1, 9999)}"']
    return out


def _tf(rng: random.Random, size: int) -> list[str]:
    out = ["terraform {", '  required_version = ">= 1.6"', "}", ""]
    while sum(len(x) + 1 for x in out) < size:
        name = _name(rng)
        out += [
            f'resource "aws_s3_bucket" "{name}" {{',
            f'  bucket = "shop-{name.replace("_", "-")}-{_hexid(rng, 6)}"',
            "  tags = {",
            f'    owner = "{rng.choice(WORDS)}"',
            "  }",
            "}",
            "",
        ]
    return out


def _json(rng: random.Random, size: int) -> list[str]:
    items = []
    while sum(len(x) for x in items) < size:
        items.append(
            json.dumps(
                {"id": rng.randint(1, 10**7), "name": _name(rng), "qty": rng.randint(1, 9)},
                separators=(", ", ": "),
            )
        )
    return ["[", *[f"  {x}," for x in items[:-1]], f"  {items[-1]}", "]"]


def _env(rng: random.Random, size: int) -> list[str]:
    out = ["# settings"]
    while sum(len(x) + 1 for x in out) < size:
        out.append(f"{_name(rng).upper()}={rng.choice(WORDS)}")
    return out


def _dockerfile(rng: random.Random, size: int) -> list[str]:
    out = ["FROM python:3.12-slim", "WORKDIR /app", "COPY requirements.txt ."]
    while sum(len(x) + 1 for x in out) < size:
        out.append(f"RUN pip install --no-cache-dir {rng.choice(WORDS)}=={rng.randint(1, 9)}.0")
    return [*out, "USER 10001", 'CMD ["python", "-m", "app"]']


def _md(rng: random.Random, size: int) -> list[str]:
    out = ["# Service notes", ""]
    while sum(len(x) + 1 for x in out) < size:
        out.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 16))) + ".")
    return out


WRITERS = {
    "py": _py,
    "js": _js,
    "ts": _js,
    "yaml": _yaml,
    "tf": _tf,
    "json": _json,
    "env": _env,
    "Dockerfile": _dockerfile,
    "md": _md,
}

# (kind, line text) — each planted once per 400 files or so
PLANTS = [
    ("env", "DB_PASSWORD=SuperSecret123!", "env literal password"),
    ("env", "STRIPE_API_KEY=sk-live-51HqLx8Kd93mQ7vZ2", "env API key"),
    ("yaml", '              value: "Pr0d-Passw0rd-2019"', "k8s env literal (needs DB_PASSWORD)"),
    ("tf", '  password = "Tf-Literal-Pass-42"', "terraform literal"),
    ("py", 'AWS_KEY = "AKIAZ4Q7RT2W9XKDJ3LM"', "AWS access key id"),
    ("js", "const gh = 'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';", "GitHub token"),
    ("json", '  {"password": "Js0n-Pass-77"},', "JSON password"),
    ("yaml", "  DATABASE_URL: postgres://shop:Xk29-dbpass@db:5432/shop", "connection string"),
]


def build(root: Path, files: int) -> list[Plant]:
    """Write the tree; return the planted secrets."""
    rng = random.Random(SEED)
    kinds = list(MIX)
    weights = [MIX[k][0] for k in kinds]
    plants: list[Plant] = []
    every = max(files // 25, 1)
    for i in range(files):
        kind = rng.choices(kinds, weights)[0]
        folder = root / f"svc{i % 40:02d}" / rng.choice(["src", "lib", "deploy", "config", "docs"])
        folder.mkdir(parents=True, exist_ok=True)
        _, lo, hi = MIX[kind]
        name = "Dockerfile" if kind == "Dockerfile" else f"{_name(rng)}_{i}.{kind}"
        if kind == "env":
            name = f"{_name(rng)}_{i}.env"
        lines = WRITERS[kind](rng, rng.randint(lo, hi))
        if i % every == 0:
            candidates = [p for p in PLANTS if p[0] == kind]
            if candidates:
                pk, text, what = candidates[(i // every) % len(candidates)]
                at = min(len(lines) - 1, max(1, len(lines) // 2))
                if pk == "yaml" and "value:" in text:
                    lines[12:12] = ["            - name: DB_PASSWORD", text]
                    at = 13
                elif pk == "yaml":
                    lines = ["kind: ConfigMap", "data:", text, *lines[1:]]
                    at = 2
                elif pk == "json":
                    lines[1:1] = [text]
                    at = 1
                else:
                    lines[at:at] = [text]
                path = folder / name
                plants.append(Plant(path.relative_to(root).as_posix(), at + 1, what))
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return plants


def timed(cmd: list[str], cwd: Path) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds of the child, stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 1, 3):
        sys.exit(f"{cmd[0]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return wall, cpu, done.stdout


def recall(found: set[tuple[str, int]], plants: list[Plant]) -> tuple[int, list[Plant]]:
    missed = [p for p in plants if (p.path, p.line) not in found]
    return len(plants) - len(missed), missed


def main() -> None:
    """Build the tree, time both tools, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--with-checkov", action="store_true")
    parser.add_argument("--keep", type=Path, help="write the tree here and keep it")
    args = parser.parse_args()

    base = args.keep or Path(tempfile.mkdtemp(prefix="skylift-scan-bench-"))
    tree = base / "tree"
    if tree.exists():
        shutil.rmtree(tree)
    t0 = time.perf_counter()
    plants = build(tree, args.files)
    size = sum(p.stat().st_size for p in tree.rglob("*") if p.is_file())
    print(
        f"tree: {args.files:,} files, {size / 1e6:.1f} MB, {len(plants)} planted secrets "
        f"(written in {time.perf_counter() - t0:.1f} s) at {tree}"
    )
    try:
        rows = []
        cmd = [str(BIN / "skylift"), "scan", ".", "--no-misconfig", "--no-policies", "--json"]
        wall, cpu, out = timed([*cmd, "--fail-on", "critical"], tree)
        data = json.loads(out)
        ours = {(f["location"]["path"], f["location"]["line"]) for f in data["findings"]}
        hit, missed = recall(ours, plants)
        rows.append(("skylift scan (secrets)", wall, cpu, len(data["findings"]), hit, missed))

        if args.with_checkov:
            full = [str(BIN / "skylift"), "scan", ".", "--no-policies", "--json"]
            wall_c, cpu_c, out_c = timed([*full, "--fail-on", "critical"], tree)
            data_c = json.loads(out_c)
            rows.append(
                (
                    "skylift scan (secrets + checkov)",
                    wall_c,
                    cpu_c,
                    len(data_c["findings"]),
                    *recall(
                        {
                            (f["location"]["path"], f["location"]["line"])
                            for f in data_c["findings"]
                        },
                        plants,
                    ),
                )
            )
            if data_c.get("skipped"):
                print("  skipped:", "; ".join(data_c["skipped"]))

        ds_cmd = [str(BIN / "detect-secrets"), "scan", "--all-files", "."]
        wall_d, cpu_d, out_d = timed(ds_cmd, tree)
        results = json.loads(out_d)["results"]
        theirs = {(path, s["line_number"]) for path, items in results.items() for s in items}
        hit_d, missed_d = recall(theirs, plants)
        count_d = sum(len(v) for v in results.values())
        rows.append(
            ("peer: detect-secrets scan --all-files", wall_d, cpu_d, count_d, hit_d, missed_d)
        )

        print(f"\n{'tool':<40} {'wall s':>8} {'CPU s':>8} {'files/s':>9} {'findings':>9} recall")
        for name, w, c, n, h, _ in rows:
            print(
                f"{name:<40} {w:>8.1f} {c:>8.1f} {args.files / w:>9,.0f} {n:>9,} {h}/{len(plants)}"
            )
        print(f"\nratio (peer wall / skylift wall): {wall_d / rows[0][1]:.2f}x")
        for name, *_, missed_list in rows:
            kinds = sorted({m.what for m in missed_list})
            if kinds:
                print(f"{name} missed: {', '.join(kinds)}")
        for name, w, *_ in rows[:-1]:  # skylift's rows, not the peer's
            target = "met" if w < 60 else "NOT met"
            print(f"target < 60 s for {args.files:,} files, {name}: {target}")
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
