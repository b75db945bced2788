"""Find and read the source files of a monolith (Java and Python), skipping tests."""

from __future__ import annotations

import os
from pathlib import Path

from skylift.decompose import java, mybatis, python
from skylift.decompose.model import Unit
from skylift.domain.progress import Progress
from skylift.errors import InputError

READERS = {".java": java.read, ".py": python.read}
_SKIP_DIRS = {
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    ".venv",
    "venv",
    "build",
    "target",
    "__pycache__",
    "test",
    "tests",
    "migrations",
    ".tox",
    "dist",
}
_OTHER = {
    ".cs": "C#",
    ".go": "Go",
    ".js": "JavaScript",
    ".ts": "TypeScript",
    ".rb": "Ruby",
    ".php": "PHP",
    ".kt": "Kotlin",
    ".scala": "Scala",
    ".cbl": "COBOL",
    ".vb": "VB.NET",
}


def files(root: Path) -> list[Path]:
    """The .java/.py files under root (a file is itself); an unread language is an error."""
    if not root.exists():
        raise InputError(f"{root}: no such file or folder", hint="pass the monolith's source")
    found: list[Path] = []
    others: dict[str, int] = {}
    paths = [root] if root.is_file() else _walk(root)
    for path in paths:
        if (path.suffix in READERS or path.name.endswith("Mapper.xml")) and not _is_test(path):
            found.append(path)
        elif path.suffix in _OTHER:
            others[_OTHER[path.suffix]] = others.get(_OTHER[path.suffix], 0) + 1
    if not found and others:
        langs = ", ".join(f"{n} ({c} files)" for n, c in sorted(others.items()))
        raise InputError(
            f"{root}: skylift decompose does not read {langs}",
            hint="it reads Java (.java) and Python (.py) sources",
        )
    return sorted(found)


def read(root: Path, paths: list[Path], progress: Progress) -> tuple[dict[str, Unit], list[str]]:
    """Units by name, and the files that did not parse ("file: reason"), which are skipped."""
    units: dict[str, Unit] = {}
    bad: list[str] = []
    base = root if root.is_dir() else root.parent
    progress.begin("Reading sources", total=len(paths), unit="files")
    mapped: list[tuple[str, set[str]]] = []
    for path in paths:
        rel = path.relative_to(base).as_posix()
        try:
            if path.suffix == ".xml":
                found = mybatis.read(path.read_bytes())
                mapped += [found] if found else []
            else:
                for unit in READERS[path.suffix](rel, path.read_bytes()):
                    units.setdefault(unit.name, unit)
        except (ValueError, OSError, RecursionError, MemoryError) as exc:
            bad.append(f"{rel}: {exc}")
        progress.advance()
    for interface, tables in mapped:  # MyBatis: the mapper interface runs the XML's SQL
        if interface in units:
            units[interface].tables |= tables
    progress.end()
    return units, bad


def _walk(root: Path) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        out += [Path(dirpath, f) for f in filenames]
    return out


def _is_test(path: Path) -> bool:
    name = path.stem
    if name in ("tests", "conftest"):
        return True
    return name.startswith("test_") or name.endswith(("Test", "Tests", "IT", "_test"))
