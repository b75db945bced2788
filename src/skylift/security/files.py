"""The files a scan looks at: walk the PATHs given, classify each file by kind.

Skipped on the way: version-control and dependency folders (``.git``,
``node_modules``, ``.venv`` …), files with a known binary extension, files
larger than the size limit, and symbolic links (a link's target inside the
root is scanned at its own path; one outside the root is outside the scan).
Files whose first bytes contain a NUL byte are treated as binary by the
readers (:func:`read_text`), which saves opening every file twice here.
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePosixPath

from skylift.errors import InputError

DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024  #: bytes; bigger files are skipped (logs, dumps)

SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        ".venv",
        "venv",
        "__pycache__",
        ".terraform",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".idea",
        ".gradle",
    }
)

_BINARY_SUFFIXES_LIST = (
    ".png .jpg .jpeg .gif .bmp .ico .webp .tiff .psd .pdf .zip .gz .tgz .bz2 .xz .zst .7z "
    ".rar .tar .jar .war .ear .class .so .dll .dylib .exe .bin .o .a .pyc .pyo .whl .egg "
    ".woff .woff2 .ttf .otf .eot .mp3 .mp4 .mov .avi .wav .flac .ogg .webm .sqlite .db "
    ".parquet .avro .orc .xlsx .xls .docx .doc .pptx .ppt .iso .img .vmdk .qcow2 .npy "
    ".pkl .h5 .onnx .pt"
)
BINARY_SUFFIXES = frozenset(_BINARY_SUFFIXES_LIST.split())


class FileKind(StrEnum):
    """What a file is, which decides the rules that read it."""

    DOTENV = "dotenv"  #: KEY=value lines (.env, *.env)
    YAML = "yaml"  #: compose, Kubernetes, Ansible, Helm values, CI files
    JSON = "json"
    TERRAFORM = "terraform"  #: .tf, .tfvars, .hcl
    INI = "ini"  #: .ini, .cfg, .conf, .toml
    PROPERTIES = "properties"  #: Java .properties
    XML = "xml"  #: .xml, .config (web.config, app.config)
    DOCKERFILE = "dockerfile"
    SOURCE = "source"  #: program source and shell scripts
    TEXT = "text"  #: anything else that is text


_BY_SUFFIX = {
    ".env": FileKind.DOTENV,
    ".yml": FileKind.YAML,
    ".yaml": FileKind.YAML,
    ".json": FileKind.JSON,
    ".tf": FileKind.TERRAFORM,
    ".tfvars": FileKind.TERRAFORM,
    ".hcl": FileKind.TERRAFORM,
    ".ini": FileKind.INI,
    ".cfg": FileKind.INI,
    ".conf": FileKind.INI,
    ".toml": FileKind.INI,
    ".properties": FileKind.PROPERTIES,
    ".xml": FileKind.XML,
    ".config": FileKind.XML,
    ".dockerfile": FileKind.DOCKERFILE,
}
_SOURCE_SUFFIXES_LIST = (
    ".py .js .mjs .cjs .ts .tsx .jsx .go .java .kt .kts .scala .rb .php .cs .vb .fs .rs "
    ".c .h .cc .cpp .hpp .swift .m .sh .bash .zsh .ps1 .psm1 .bat .cmd .pl .lua .r "
    ".groovy .sql .gradle .tpl .j2 .jinja .jinja2"
)
_SOURCE_SUFFIXES = frozenset(_SOURCE_SUFFIXES_LIST.split())


def classify(name: str) -> FileKind:
    """The kind of a file from its name alone (no I/O)."""
    lower = name.lower()
    if lower == ".env" or lower.startswith(".env.") or lower.endswith(".env"):
        return FileKind.DOTENV
    if lower == "dockerfile" or (lower.startswith("dockerfile.") and "ignore" not in lower):
        return FileKind.DOCKERFILE
    suffix = PurePosixPath(lower).suffix
    if suffix in _BY_SUFFIX:
        return _BY_SUFFIX[suffix]
    if suffix in _SOURCE_SUFFIXES:
        return FileKind.SOURCE
    return FileKind.TEXT


@dataclass(frozen=True)
class ScanFile:
    """One file to scan.

    ``path`` is what findings show and SARIF links to: the PATH argument as
    given joined with the file's place under it, POSIX separators
    (``samples/app/shop.env``); ``rel`` is relative to ``root``.
    """

    path: str
    rel: str
    abspath: Path
    root: Path
    kind: FileKind
    size: int


@dataclass(frozen=True)
class ScanRoot:
    """A validated PATH argument: the folder scanned and how to show paths under it."""

    given: str  #: the argument as typed
    root: Path  #: absolute folder (a file argument's parent)
    only: Path | None = None  #: set when the argument was a single file

    def display(self, rel: str) -> str:
        """The shown path of a file ``rel`` under this root (bytes of a name that are not
        UTF-8 shown as ``\\xff``, so reports and SARIF can be written)."""
        given = Path(self.given).as_posix()
        if self.only is not None or not rel:
            return printable(posixpath.normpath(given))
        return printable(posixpath.normpath(f"{given}/{rel}"))


def resolve_roots(paths: Sequence[str | Path]) -> tuple[ScanRoot, ...]:
    """Check the PATH arguments exist; raise :class:`InputError` naming the first bad one."""
    if not paths:
        raise InputError("no path to scan", "give one or more files or folders: skylift scan .")
    roots: list[ScanRoot] = []
    for given in paths:
        p = Path(given).expanduser()
        if not p.exists():
            raise InputError(f"{given}: no such file or folder", "check the path")
        resolved = p.resolve()
        if resolved.is_dir():
            roots.append(ScanRoot(given=str(given), root=resolved))
        elif resolved.is_file():
            roots.append(ScanRoot(given=str(given), root=resolved.parent, only=resolved))
        else:
            raise InputError(f"{given}: not a regular file or folder", "give files or folders")
    return tuple(roots)


@dataclass
class WalkStats:
    """What the walk left out, for the summary."""

    too_large: int = 0
    binary: int = 0
    links: int = 0


def walk(
    roots: Sequence[ScanRoot],
    *,
    max_file_size: int = DEFAULT_MAX_FILE_SIZE,
    stats: WalkStats | None = None,
) -> Iterator[ScanFile]:
    """Yield every file to scan under ``roots``, in a stable (sorted) order."""
    tally = stats if stats is not None else WalkStats()
    seen: set[Path] = set()
    for r in roots:
        if r.only is not None:
            if r.only not in seen:
                seen.add(r.only)
                kept = _keep(r.only, r.only.name, max_file_size, tally)
                if kept is not None:
                    yield ScanFile(
                        r.display(""), r.only.name, r.only, r.root, classify(r.only.name), kept
                    )
            continue
        for dirpath, dirnames, filenames in os.walk(r.root):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS)
            base = Path(dirpath)
            rel_dir = base.relative_to(r.root).as_posix()
            for name in sorted(filenames):
                full = base / name
                if full in seen:
                    continue
                seen.add(full)
                size = _keep(full, name, max_file_size, tally)
                if size is None:
                    continue
                rel = name if rel_dir == "." else f"{rel_dir}/{name}"
                yield ScanFile(r.display(rel), rel, full, r.root, classify(name), size)


def _keep(full: Path, name: str, max_file_size: int, tally: WalkStats) -> int | None:
    """The file's size when it is to be scanned, else ``None`` (and counted)."""
    try:
        st = full.lstat()
    except OSError:
        return None
    if stat.S_ISLNK(st.st_mode):
        tally.links += 1
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    if PurePosixPath(name.lower()).suffix in BINARY_SUFFIXES:
        tally.binary += 1
        return None
    if st.st_size > max_file_size:
        tally.too_large += 1
        return None
    return st.st_size


def printable(name: str) -> str:
    """``name`` with the undecodable bytes of a file name (lone surrogates from the file
    system's decoding) written as ``\\xNN``; other names unchanged."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return name


def blocking_file(path: Path) -> Path | None:
    """The first parent of ``path`` that exists but is not a folder (so ``path`` cannot be
    written), ``None`` when there is none."""
    return next((p for p in path.parents if p.exists() and not p.is_dir()), None)


def read_text(file: ScanFile) -> str | None:
    """The file's text (UTF-8, undecodable bytes replaced), ``None`` when binary or unreadable."""
    try:
        data = file.abspath.read_bytes()
    except OSError:
        return None
    if b"\0" in data[:8192]:
        return None
    return data.decode("utf-8", errors="replace")
