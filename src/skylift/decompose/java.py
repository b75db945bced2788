"""Java sources read with tree-sitter (the tree-sitter-java grammar).

Per top-level type: the types it references (fields, parameters, locals,
``new``, static calls, generics), what it extends/implements, JPA entity
mapping (``@Entity``/``@Table``), SQL in string literals, and HTTP entry
points (Spring ``@RestController``/``@Controller`` mappings, JAX-RS ``@Path``
with ``@GET``…, servlets). Nested types belong to their outer type.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

from skylift.decompose.model import Unit
from skylift.decompose.sql import tables_in

if TYPE_CHECKING:
    from tree_sitter import Node, Parser

_TYPES = {"class_declaration", "interface_declaration", "enum_declaration", "record_declaration"}
_SPRING = {
    "GetMapping": "GET",
    "PostMapping": "POST",
    "PutMapping": "PUT",
    "DeleteMapping": "DELETE",
    "PatchMapping": "PATCH",
    "RequestMapping": "ANY",
}
_JAXRS = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"}
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


@cache
def _parser() -> Parser:
    import tree_sitter
    import tree_sitter_java

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_java.language()))


def read(path: str, source: bytes) -> list[Unit]:
    """The units of one file; raises ValueError when the file does not parse."""
    tree = _parser().parse(source)
    root = tree.root_node
    if root.has_error:
        raise ValueError(f"syntax error near line {_first_error(root)}")
    package = ""
    units: list[Unit] = []
    for child in root.named_children:
        if child.type == "package_declaration":
            package = _text(child).removeprefix("package").strip(" ;\n\t") + "."
        elif child.type in _TYPES:
            units.append(_unit(child, package, path))
    return units


def _unit(node: Node, package: str, path: str) -> Unit:
    name = _text(node.child_by_field_name("name"))
    unit = Unit(name=package + name, file=path, language="java")
    annotations = _annotations(node)
    for key in ("superclass", "interfaces"):
        part = node.child_by_field_name(key)
        if part is not None:
            unit.supers += [_text(t) for t in _walk(part) if t.type == "type_identifier"]
    if "Entity" in annotations or "Table" in annotations:
        unit.owns_table = (_string_arg(annotations.get("Table", ""), "name") or name).lower()
        unit.tables.add(unit.owns_table)
    base = _path(annotations.get("RequestMapping") or annotations.get("Path") or "")
    web = {"RestController", "Controller", "Path", "WebServlet"} & annotations.keys()
    if "WebServlet" in annotations or "HttpServlet" in unit.supers:
        unit.entry_points.append(f"servlet {_path(annotations.get('WebServlet', '')) or name}")
    body = node.child_by_field_name("body")
    if body is None:
        return unit
    for n in _walk(body):
        if n.type == "type_identifier":
            simple = _text(n)
            unit.refs[simple] = unit.refs.get(simple, 0) + 1
        elif n.type == "method_invocation":
            obj = n.child_by_field_name("object")
            if obj is not None and obj.type == "identifier" and _text(obj)[:1].isupper():
                unit.refs[_text(obj)] = unit.refs.get(_text(obj), 0) + 1
        elif n.type == "string_literal":
            unit.tables |= tables_in(_text(n)[1:-1])
        elif n.type == "method_declaration" and web:
            unit.entry_points += _endpoints(n, base)
    return unit


def _endpoints(method: Node, base: str) -> list[str]:
    found = _annotations(method)
    out = []
    for ann, verb in _SPRING.items():
        if ann in found:
            out.append(f"{verb} {base}{_path(found[ann])}".rstrip())
    for verb in _JAXRS & found.keys():
        out.append(f"{verb} {base}{_path(found.get('Path', ''))}".rstrip())
    return out


def _annotations(node: Node) -> dict[str, str]:
    """Annotation simple name -> its argument text, for the node's own modifiers."""
    out: dict[str, str] = {}
    for child in node.children:
        if child.type != "modifiers":
            continue
        for ann in child.named_children:
            if ann.type in ("annotation", "marker_annotation"):
                args = ann.child_by_field_name("arguments")
                simple = _text(ann.child_by_field_name("name")).rsplit(".", 1)[-1]
                out[simple] = _text(args) if args is not None else ""
    return out


def _string_arg(args: str, key: str) -> str:
    m = re.search(rf"\b{key}\s*=\s*\"([^\"]*)\"", args)
    return m.group(1) if m else ""


def _path(args: str) -> str:
    """The first path of a mapping annotation's arguments ('' when none)."""
    m = _STRING.search(args)
    return m.group(1) if m else ""


def _walk(node: Node) -> list[Node]:
    out, stack = [], [node]
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(reversed(n.named_children))
    return out


def _first_error(root: Node) -> int:
    for n in _walk(root):
        if n.type == "ERROR" or n.is_missing:
            return int(n.start_point[0]) + 1
    return 1


def _text(node: Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None and node.text else ""
