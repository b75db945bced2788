"""Outside ``skylift.clouds`` the engine never decides by a cloud's name.

An AST walk over ``src/skylift`` flags what a new cloud would have to be added
to: comparisons with a cloud name (``cloud == "aws"``, ``cloud in ("aws", …)``,
``cloud is Cloud.AWS``), tables keyed by cloud names (``{"aws": …}``) and
tuples/lists/sets listing two or more cloud names. The few places allowed are
listed with the reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

import skylift
from skylift.domain.cloud import Cloud

SRC = Path(skylift.__file__).parent
NAMES = frozenset(c.value for c in Cloud)
MEMBERS = frozenset(c.name for c in Cloud)

#: module (relative to src/skylift) → why it may name clouds
ALLOWED: dict[str, str] = {
    # fetching prices talks to each provider's own price API; a new cloud ships a
    # catalog snapshot (or brings its own fetcher)
    "catalog/refresh.py": "per-provider price fetchers",
}


def _cloud_literal(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and node.value in NAMES:
        return True
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "Cloud"
        and node.attr in MEMBERS
    )


def _offences(tree: ast.AST) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    counted: set[int] = set()
    for node in ast.walk(tree):
        if id(node) in counted:
            continue
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            counted.update(id(side) for side in sides)
            for side in sides:
                items = side.elts if isinstance(side, ast.Tuple | ast.List | ast.Set) else [side]
                if any(_cloud_literal(i) for i in items):
                    out.append((node.lineno, "compares with a cloud name"))
                    break
        elif isinstance(node, ast.Dict) and any(
            k is not None and _cloud_literal(k) for k in node.keys
        ):
            out.append((node.lineno, "a table keyed by cloud names"))
        elif (
            isinstance(node, ast.Tuple | ast.List | ast.Set)
            and sum(_cloud_literal(e) for e in node.elts) >= 2
        ):
            out.append((node.lineno, "a list of cloud names"))
    return out


def _scan() -> dict[str, list[tuple[int, str]]]:
    found: dict[str, list[tuple[int, str]]] = {}
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith("clouds/") or rel == "domain/cloud.py":
            continue
        offences = _offences(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        if offences:
            found[rel] = offences
    return found


def test_no_module_outside_clouds_decides_by_a_cloud_name() -> None:
    found = {rel: hits for rel, hits in _scan().items() if rel not in ALLOWED}
    assert not found, "\n".join(
        f"src/skylift/{rel}:{line}: {what}" for rel, hits in found.items() for line, what in hits
    )


def test_the_checker_catches_each_shape() -> None:
    source = (
        'if cloud == "aws": pass\n'
        'x = cloud in ("azure", "gcp")\n'
        "y = cloud is Cloud.GCP\n"
        'z = {"aws": 1}\n'
        'w = ["aws", "azure"]\n'
        'ok = provider("aws")\n'
    )
    assert [line for line, _ in _offences(ast.parse(source))] == [1, 2, 3, 4, 5]
