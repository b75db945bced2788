"""Read Terraform and Kubernetes files into plain blocks with their lines, for the policies.

Terraform goes through python-hcl2 (values) plus a small scan of the text for
line numbers (hcl2 does not report them): a block's header line, its closing
brace, and the line of an attribute or nested block inside it. Kubernetes
YAML is split at ``---`` lines so each document keeps its first line. Files
that do not parse are left out (checkov reports them).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, TypeVar

import yaml

from skylift.security.files import FileKind, ScanFile, read_text

T = TypeVar("T")
_LABELLED = {"resource": 2, "data": 2, "provider": 1, "variable": 1, "module": 1}


def clean(value: Any) -> Any:
    """hcl2's output without its markers: keys and strings unquoted, ``__x__`` keys dropped."""
    if isinstance(value, Mapping):
        return {_unquote(str(k)): clean(v) for k, v in value.items() if not str(k).startswith("__")}
    if isinstance(value, list):
        return [clean(v) for v in value]
    if isinstance(value, str):
        return _unquote(value)
    return value


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    return text


@dataclass(frozen=True)
class TfBlock:
    """One top-level Terraform block (``resource "aws_s3_bucket" "data" { … }``)."""

    path: str  #: the file as shown in findings
    kind: str  #: resource, data, provider, variable, module
    type: str  #: resource type, or the provider / variable / module name
    name: str  #: resource name ('' for providers and variables)
    body: dict[str, Any]
    line: int | None = None
    end_line: int | None = None
    lines: tuple[str, ...] = field(default=(), repr=False)

    @property
    def address(self) -> str:
        """``aws_s3_bucket.data``, ``provider.aws``, ``var.region``."""
        if self.kind == "resource":
            return f"{self.type}.{self.name}"
        if self.kind == "variable":
            return f"var.{self.type}"
        return f"{self.kind}.{self.type}" + (f".{self.name}" if self.name else "")

    @property
    def folder(self) -> str:
        """The module folder the file is in (variables resolve within it)."""
        return str(PurePosixPath(self.path).parent)

    def line_of(self, key: str, nth: int = 0) -> int | None:
        """Line of the ``nth`` ``key = …`` or ``key {`` inside this block, else the block's."""
        if self.line is None:
            return None
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*(=|\{{)")
        end = self.end_line or len(self.lines)
        seen = 0
        for number in range(self.line + 1, end + 1):
            if pattern.match(self.lines[number - 1]):
                if seen == nth:
                    return number
                seen += 1
        return self.line


def _header(kind: str, labels: Sequence[str]) -> re.Pattern[str]:
    quoted = r"\s+".join(rf'"?{re.escape(label)}"?' for label in labels)
    return re.compile(rf"^\s*{kind}\s+{quoted}\s*\{{")


def _block_end(lines: Sequence[str], start: int) -> int:
    """1-based line of the brace closing the block that opens on line ``start``."""
    depth = 0
    for number in range(start, len(lines) + 1):
        text = re.sub(r'"(?:\\.|[^"\\])*"', '""', lines[number - 1])
        text = re.split(r"#|//", text, maxsplit=1)[0]
        for char in text:
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                if depth == 0:
                    return number
    return len(lines)


def _locate(
    lines: Sequence[str], kind: str, labels: Sequence[str]
) -> tuple[int | None, int | None]:
    pattern = _header(kind, labels)
    for number, text in enumerate(lines, start=1):
        if pattern.match(text):
            return number, _block_end(lines, number)
    return None, None


def _blocks(path: str, data: Mapping[str, Any], lines: tuple[str, ...]) -> Iterator[TfBlock]:
    for kind, depth in _LABELLED.items():
        for entry in data.get(kind, []) or []:
            if not isinstance(entry, Mapping):
                continue
            for first, inner in entry.items():
                pairs: list[tuple[tuple[str, ...], Any]]
                if depth == 2 and isinstance(inner, Mapping):
                    pairs = [((first, second), body) for second, body in inner.items()]
                else:
                    pairs = [((first,), inner)]
                for labels, body in pairs:
                    if not isinstance(body, Mapping):
                        continue
                    line, end = _locate(lines, kind, labels)
                    yield TfBlock(
                        path=path,
                        kind=kind,
                        type=labels[0],
                        name=labels[1] if len(labels) > 1 else "",
                        body=dict(body),
                        line=line,
                        end_line=end,
                        lines=lines,
                    )


def read_terraform(files: Sequence[ScanFile]) -> list[TfBlock]:
    """Every block of every ``.tf`` file among ``files`` (unparsable files left out)."""
    return _read(files, lambda f: f.kind is FileKind.TERRAFORM and f.rel.endswith(".tf"),
                 parse_terraform)  # fmt: skip


def _read(
    files: Sequence[ScanFile],
    keep: Callable[[ScanFile], bool],
    parse: Callable[[str, str], Sequence[T]],
) -> list[T]:
    out: list[T] = []
    for f in files:
        text = read_text(f) if keep(f) else None
        if text is not None:
            out.extend(parse(f.path, text))
    return out


def parse_terraform(path: str, text: str) -> list[TfBlock]:
    """The blocks of one Terraform file's ``text`` (none when it does not parse)."""
    import hcl2

    data = _parse_hcl(hcl2.loads, text)
    return [] if data is None else list(_blocks(path, data, tuple(text.splitlines())))


def _parse_hcl(loads: Callable[[str], Any], text: str) -> dict[str, Any] | None:
    """The cleaned document, or None when it does not parse (checkov reports the file)."""
    try:
        data = clean(loads(text))
    except Exception:  # lark raises many kinds of errors
        return None
    return data if isinstance(data, dict) else None


@dataclass(frozen=True)
class K8sObject:
    """One Kubernetes object from a YAML document."""

    path: str
    kind: str
    name: str
    namespace: str | None
    body: dict[str, Any]
    line: int  #: first line of the document
    end_line: int
    lines: tuple[str, ...] = field(default=(), repr=False)

    @property
    def address(self) -> str:
        """``Service/shop/web`` (``Kind/name`` without a namespace)."""
        ns = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind}/{ns}{self.name}"

    def line_of(self, key: str, nth: int = 0) -> int:
        """Line of the ``nth`` ``key:`` inside this document, else the document's first."""
        pattern = re.compile(rf"^\s*(-\s+)?{re.escape(key)}\s*:")
        seen = 0
        for number in range(self.line, self.end_line + 1):
            if pattern.match(self.lines[number - 1]):
                if seen == nth:
                    return number
                seen += 1
        return self.line


def _documents(text: str) -> Iterator[tuple[int, int, str]]:
    """(first line, last line, text) of each ``---``-separated document."""
    lines = text.splitlines()
    start = 1
    for number, line in enumerate([*lines, "---"], start=1):
        if re.match(r"^---\s*(#.*)?$", line):
            chunk = lines[start - 1 : number - 1]
            first = next(
                (
                    start + i
                    for i, c in enumerate(chunk)
                    if c.strip() and not c.lstrip().startswith("#")
                ),
                None,
            )
            if first is not None:
                yield first, number - 1, "\n".join(chunk)
            start = number + 1


def read_kubernetes(files: Sequence[ScanFile]) -> list[K8sObject]:
    """Every Kubernetes object (a mapping with ``apiVersion`` and ``kind``) in YAML ``files``."""
    return _read(files, lambda f: f.kind is FileKind.YAML, parse_kubernetes)


def parse_kubernetes(path: str, text: str) -> list[K8sObject]:
    """The Kubernetes objects of one YAML file's ``text`` (Helm templates give none)."""
    if "apiVersion" not in text or "{{" in text:
        return []  # not Kubernetes, or a Helm template
    out: list[K8sObject] = []
    lines = tuple(text.splitlines())
    for first, last, chunk in _documents(text):
        try:
            doc = yaml.safe_load(chunk)
        except yaml.YAMLError:
            continue
        if not isinstance(doc, dict) or "apiVersion" not in doc or "kind" not in doc:
            continue
        meta = doc.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        out.append(
            K8sObject(
                path=path,
                kind=str(doc["kind"]),
                name=str(meta.get("name", "")),
                namespace=str(meta["namespace"]) if meta.get("namespace") else None,
                body=doc,
                line=first,
                end_line=last,
                lines=lines,
            )
        )
    return out
