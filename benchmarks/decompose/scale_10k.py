"""Claim: 10,000 classes analysed and partitioned in < 60 s (docs/decompose.md).

Generates a Java monolith of N classes (default 10,000) in packages of 50:
each class holds fields of 4 classes of its own package and 1 of another,
one in ten is a JPA entity, one in twenty a Spring controller; then times
``skylift.decompose.run.decompose`` on it (read with tree-sitter, link,
Louvain, table owners, the refinement stage, metrics, explanations) and prints the ratio to the
60 s budget. No peer tool runs here: the published tools are not open source
(Mono2Micro) or need a GPU/JVM stack (CARGO); the budget is the claim.

    flock /tmp/skylift-bench.lock .venv/bin/python benchmarks/decompose/scale_10k.py [N]
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from pathlib import Path

from skylift.decompose.run import decompose

BUDGET_S = 60.0


def generate(root: Path, n: int, seed: int = 1) -> None:
    rnd = random.Random(seed)
    per = 50
    for i in range(n):
        pkg = i // per
        own = [pkg * per + rnd.randrange(per) for _ in range(4)]
        other = rnd.randrange(n)
        fields = "\n".join(f"  private C{j} f{k};" for k, j in enumerate([*own, other]) if j < n)
        ann = ""
        if i % 10 == 0:
            ann = f'@Entity @Table(name = "t{i}")\n'
        elif i % 20 == 5:
            ann = f'@RestController @RequestMapping("/r{i}")\n'
        body = (
            '  @GetMapping("/x") public String get() { return f0.toString(); }\n'
            if ann.startswith("@Rest")
            else ""
        )
        folder = root / f"p{pkg}"
        folder.mkdir(exist_ok=True)
        (folder / f"C{i}.java").write_text(
            f"package p{pkg};\n{ann}public class C{i} {{\n{fields}\n{body}}}\n"
        )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root, n)
        start = time.perf_counter()
        d = decompose(root)
        elapsed = time.perf_counter() - start
    print(f"load average: {os.getloadavg()[0]:.2f}")
    print(f"classes: {d.units}, services: {len(d.services)}, score: {d.score.as_json()}")
    print(
        f"decompose: {elapsed:.1f} s for {d.units:,} classes; budget {BUDGET_S:.0f} s; "
        f"ratio {elapsed / BUDGET_S:.2f} of the budget"
    )


if __name__ == "__main__":
    main()
