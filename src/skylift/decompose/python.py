"""Python sources read with the ``ast`` module.

Units are classes (``module.Class``) and, for a module with top-level
functions, the module itself (``module``). Per unit: the names it references,
its bases, the table of a Django model (``Meta.db_table`` or
``<app>_<model>``) or SQLAlchemy model (``__tablename__``), SQL in string
constants, and HTTP entry points (Flask/FastAPI route decorators, Django
class-based views).
"""

from __future__ import annotations

import ast
import re
from pathlib import PurePosixPath

from skylift.decompose.model import Unit
from skylift.decompose.sql import tables_in

_VERBS = {"get", "post", "put", "delete", "patch", "route", "api_route", "websocket"}
_VIEWS = {
    "View",
    "APIView",
    "ViewSet",
    "ModelViewSet",
    "GenericAPIView",
    "TemplateView",
    "ListView",
    "DetailView",
    "CreateView",
    "UpdateView",
    "DeleteView",
    "FormView",
}


def read(path: str, source: bytes) -> list[Unit]:
    """The units of one module; raises ValueError when it does not parse."""
    try:
        tree = ast.parse(source, filename=path)
    except (SyntaxError, ValueError) as exc:
        raise ValueError(f"syntax error at line {getattr(exc, 'lineno', '?')}") from exc
    module = ".".join(PurePosixPath(path).with_suffix("").parts)
    module = module.removesuffix(".__init__")
    units: list[Unit] = []
    functions = Unit(name=module, file=path, language="python")
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            units.append(_class(node, module, path))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            _scan(node, functions)
            functions.entry_points += _routes(node)
    if functions.refs or functions.entry_points or functions.tables:
        units.append(functions)
    return units


def _class(node: ast.ClassDef, module: str, path: str) -> Unit:
    unit = Unit(name=f"{module}.{node.name}", file=path, language="python")
    unit.supers = [_last(b) for b in node.bases if _last(b)]
    table = _declared_table(node)
    if table is None and "Model" in unit.supers and not _django_base(node):
        table = re.sub(r"(?<!^)(?=[A-Z])", "_", node.name)  # Flask-SQLAlchemy's default
    if table is None and (_django_base(node) or _django_fields(node)):
        app = module.split(".")[-2] if "." in module else module
        table = f"{app}_{node.name}".lower()
    if table:
        unit.owns_table = table.lower()
        unit.tables.add(unit.owns_table)
    if _VIEWS & set(unit.supers):
        unit.entry_points.append(f"view {node.name}")
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            unit.entry_points += _routes(item)
    _scan(node, unit)
    return unit


def _django_base(node: ast.ClassDef) -> bool:
    return any(isinstance(b, ast.Attribute) and _last(b.value) == "models" for b in node.bases)


def _django_fields(node: ast.ClassDef) -> bool:
    """A class with ``x = models.Field(...)`` attributes is a Django model (Wagtail pages too)."""
    return any(
        isinstance(item, ast.Assign)
        and isinstance(item.value, ast.Call)
        and isinstance(item.value.func, ast.Attribute)
        and _last(item.value.func.value) == "models"
        for item in node.body
    )


def _declared_table(node: ast.ClassDef) -> str | None:
    for item in node.body:
        if isinstance(item, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__tablename__" for t in item.targets
        ):
            return _const(item.value)
        if isinstance(item, ast.ClassDef) and item.name == "Meta":
            for sub in item.body:
                if isinstance(sub, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "db_table" for t in sub.targets
                ):
                    return _const(sub.value)
    return None


def _scan(node: ast.AST, unit: Unit) -> None:
    for n in ast.walk(node):
        name = n.id if isinstance(n, ast.Name) else n.attr if isinstance(n, ast.Attribute) else ""
        if name and name[:1].isupper():
            unit.refs[name] = unit.refs.get(name, 0) + 1
        elif isinstance(n, ast.Constant) and isinstance(n.value, str):
            unit.tables |= tables_in(n.value)


def _routes(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    out = []
    for dec in fn.decorator_list:
        if not (isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute)):
            continue
        verb = dec.func.attr
        if verb not in _VERBS:
            continue
        path = _const(dec.args[0]) if dec.args else ""
        methods = [
            _const(e) or ""
            for k in dec.keywords
            if k.arg == "methods" and isinstance(k.value, (ast.List, ast.Tuple))
            for e in k.value.elts
        ]
        label = "/".join(m.upper() for m in methods) or ("GET" if verb == "route" else verb.upper())
        out.append(f"{label} {path or ''}".rstrip())
    return out


def _const(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _last(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):
        return _last(node.value)
    return ""
