"""Lock files and dependency manifests: where key names are package names, not secrets.

In ``package-lock.json`` a line such as ``"registry-auth-token": "^5.0.1"`` is a
package and its version range; judged by its key name it would look like a
token. So the secret scanner treats these files differently:

* **lock files and whole-file manifests** (``package-lock.json``, ``yarn.lock``,
  ``pnpm-lock.yaml``, ``poetry.lock``, ``Pipfile.lock``, ``Cargo.lock``,
  ``go.sum``, ``composer.lock``, ``Gemfile.lock``, ``requirements*.txt`` …): no
  key-name rule and no entropy rule anywhere in the file (integrity hashes are
  high-entropy by design); value-shape rules still apply everywhere (a password
  in a registry URL, a private key, an AWS key ID, GitHub/npm/PyPI/Slack tokens);
* **manifests with dependency sections** (``package.json``, ``composer.json``,
  ``pyproject.toml``, ``Cargo.toml``, ``pubspec.yaml``, conda
  ``environment.yml``): the same, but only on the lines of their dependency
  sections (``dependencies``, ``devDependencies``, ``[tool.poetry.dependencies]``
  …); the rest of the file (a ``config`` section, say) is scanned as usual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase

#: files whose every line is a dependency, a version or a hash
LOCK_FILES = frozenset(
    {
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "bun.lock",
        "deno.lock",
        "poetry.lock",
        "pipfile.lock",
        "pdm.lock",
        "uv.lock",
        "cargo.lock",
        "go.sum",
        "go.work.sum",
        "go.mod",
        "go.work",
        "composer.lock",
        "gemfile.lock",
        "gems.locked",
        "mix.lock",
        "packages.lock.json",
        "paket.lock",
        "gradle.lockfile",
        "podfile.lock",
        "package.resolved",
        "cartfile.resolved",
        "flake.lock",
        "pubspec.lock",
        "conda-lock.yml",
        "brewfile.lock.json",
        "shard.lock",
        "rebar.lock",
        ".terraform.lock.hcl",
        "pipfile",
        "gemfile",
    }
)
#: name patterns of the same (lower-case)
LOCK_PATTERNS = (
    "requirements*.txt",
    "requirements*.in",
    "constraints*.txt",
    "*.lockfile",
    "*-lock.json",
    "*-lock.yaml",
    "*-lock.yml",
)

_JSON_SECTIONS = frozenset(
    {
        # package.json (npm, yarn, pnpm, bun)
        "dependencies",
        "devDependencies",
        "peerDependencies",
        "peerDependenciesMeta",
        "optionalDependencies",
        "bundleDependencies",
        "bundledDependencies",
        "overrides",
        "resolutions",
        "engines",
        "scripts",  # keys name commands; the commands are still scanned by shape
        # composer.json
        "require",
        "require-dev",
        "conflict",
        "replace",
        "provide",
        "suggest",
    }
)
_JSON_MANIFESTS = frozenset({"package.json", "composer.json", "bower.json"})
_TOML_MANIFESTS = frozenset({"pyproject.toml", "cargo.toml"})
_YAML_MANIFESTS = frozenset({"pubspec.yaml", "environment.yml", "environment.yaml"})
_YAML_SECTIONS = frozenset({"dependencies", "dev_dependencies", "dependency_overrides"})

_JSON_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[{}\[\]:,]|\n')
_TOML_HEADER = re.compile(r"^\s*\[\[?\s*(.+?)\s*\]\]?\s*(?:#.*)?$")
_TOML_PART = re.compile(r'"[^"]*"|\'[^\']*\'|[^.\s]+')
_YAML_TOP_KEY = re.compile(r"^([A-Za-z_][\w\-]*)\s*:")


@dataclass(frozen=True)
class DependencyFile:
    """A lock file or manifest: the lines where key names are package names."""

    kind: str  #: ``lock`` (every line) or ``manifest`` (its dependency sections)
    lines: frozenset[int] = frozenset()  #: 1-based, for a manifest

    def covers(self, line: int) -> bool:
        """Whether ``line`` is a dependency line (no key-name or entropy rule there)."""
        return self.kind == "lock" or line in self.lines

    @property
    def whole(self) -> bool:
        """Whether every line of the file is a dependency line."""
        return self.kind == "lock"


def is_lock_file(name: str) -> bool:
    """Whether a file named ``name`` is a lock file or a whole-file dependency list."""
    lower = name.rsplit("/", 1)[-1].lower()
    return lower in LOCK_FILES or any(fnmatchcase(lower, p) for p in LOCK_PATTERNS)


def dependency_file(rel: str, text: str) -> DependencyFile | None:
    """How ``rel`` (a path, ``/``-separated) holds dependencies; ``None`` for other files."""
    name = rel.rsplit("/", 1)[-1].lower()
    if is_lock_file(name) or (
        name.endswith(".txt") and "requirements" in rel.lower().split("/")[:-1]
    ):
        return DependencyFile("lock")
    if name in _JSON_MANIFESTS:
        return DependencyFile("manifest", json_section_lines(text, _JSON_SECTIONS))
    if name in _TOML_MANIFESTS:
        return DependencyFile("manifest", toml_section_lines(text))
    if name in _YAML_MANIFESTS:
        return DependencyFile("manifest", yaml_section_lines(text, _YAML_SECTIONS))
    return None


def json_section_lines(text: str, sections: frozenset[str]) -> frozenset[int]:
    """Lines of every object or array whose member name is in ``sections`` (any depth).

    A tolerant token walk (strings, brackets, ``:`` and ``,``), so a file that is
    not quite JSON still yields the sections it could read.
    """
    covered: set[int] = set()
    line = 1
    stack: list[tuple[bool, int]] = []  #: (inside a section, line it opened)
    last: str | None = None
    key: str | None = None
    for m in _JSON_TOKEN.finditer(text):
        tok = m.group()
        if tok == "\n":
            line += 1
        elif tok[0] == '"':
            last = tok[1:-1]
        elif tok == ":":
            key, last = last, None
        elif tok in "{[":
            inside = bool(stack and stack[-1][0]) or key in sections
            stack.append((inside, line))
            key = None
        elif tok in "}]":
            if stack:
                inside, start = stack.pop()
                if inside and not (stack and stack[-1][0]):
                    covered.update(range(start, line + 1))
            key = None
        else:  # ","
            key = None
    return frozenset(covered)


def _is_dependency_table(header: str) -> bool:
    parts = [p.strip("\"'").lower() for p in _TOML_PART.findall(header)]
    return any(
        p.endswith("dependencies") or p in ("packages", "dev-packages", "dependency-groups")
        for p in parts
    )


def toml_section_lines(text: str) -> frozenset[int]:
    """Lines of TOML tables about dependencies (``[dependencies]``,
    ``[tool.poetry.group.dev.dependencies]``, ``[dependencies.foo]``,
    ``[project.optional-dependencies]`` …), header to the next table."""
    covered: set[int] = set()
    inside = False
    for number, line in enumerate(text.splitlines(), 1):
        m = _TOML_HEADER.match(line)
        if m:
            inside = _is_dependency_table(m.group(1))
        if inside:
            covered.add(number)
    return frozenset(covered)


def yaml_section_lines(text: str, sections: frozenset[str]) -> frozenset[int]:
    """Lines of top-level YAML keys in ``sections``, key to the next top-level key."""
    covered: set[int] = set()
    inside = False
    for number, line in enumerate(text.splitlines(), 1):
        if line[:1] not in ("", " ", "\t", "#", "-"):
            m = _YAML_TOP_KEY.match(line)
            inside = bool(m and m.group(1) in sections)
        if inside:
            covered.add(number)
    return frozenset(covered)
