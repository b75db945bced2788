"""``key = value`` pairs of a configuration file, with their line, per file kind.

Each reader returns :class:`Assignment` values; whether the key names a secret
and whether the value is a real one is decided elsewhere (:mod:`rules`,
:mod:`values`). Readers are line-based (exact line numbers, tolerant of
templates), except YAML, which is composed into nodes so that Kubernetes
``env: [{name, value}]`` pairs, compose ``environment:`` lists, ConfigMap
``data:`` and Ansible ``vars:`` all read the same way; a YAML file that does not
parse (a Helm template) falls back to the line reader.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import yaml

from skylift.security.files import FileKind


@dataclass(frozen=True)
class Assignment:
    """A key set to a literal scalar at a line of a file."""

    key: str
    value: str
    line: int
    where: str  #: how the pair was written, for messages: "an env file", "YAML" …
    vaulted: bool = False  #: YAML ``!vault`` tag: an encrypted ansible-vault value


_DOTENV = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.\-]*)\s*=\s*(.*?)\s*$")
_INI = re.compile(r"^\s*([A-Za-z_][\w.\-]*|\"[^\"]+\")\s*[=:]\s*(.*?)\s*$")
_HCL = re.compile(r'([A-Za-z_][\w\-]*|"[^"]+")\s*=\s*"((?:[^"\\$]|\\.|\$(?!\{))*)"')
_HCL_VARIABLE = re.compile(r'^\s*variable\s+"([^"]+)"')
_JSON = re.compile(r'"([^"\\]{1,200})"\s*:\s*"((?:[^"\\]|\\.)*)"')
_XML_ADD = re.compile(
    r"""<add\s+(?:key|name)\s*=\s*"([^"]+)"\s+(?:value|connectionString)\s*=\s*"([^"]*)\"""",
    re.IGNORECASE,
)
_XML_ATTR = re.compile(r"""\s([\w.:\-]+)\s*=\s*"([^"]*)\"""")
_XML_ELEM = re.compile(r"<([\w.\-:]+)(?:\s[^>]*)?>([^<]+)</\1>")
_DOCKER = re.compile(r"^\s*(ENV|ARG)\s+(.*?)\s*$", re.IGNORECASE)
_DOCKER_PAIR = re.compile(r"""([A-Za-z_][\w.\-]*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)""")
_YAML_LINE = re.compile(r"""^\s*(?:-\s+)?("[^"]+"|'[^']+'|[\w.\-/]+)\s*:\s+(.+?)\s*$""")
_YAML_LIST_ENV = re.compile(r"^\s*-\s+['\"]?([A-Za-z_][\w.\-]*)=(.*?)['\"]?\s*$")
_LIST_ENV = re.compile(r"^([A-Za-z_][\w.\-]*)=(.*)$", re.DOTALL)


def _comment_free(value: str) -> str:
    """An unquoted value without a trailing `` # comment``."""
    v = value.strip()
    if v[:1] in ("'", '"'):
        end = v.find(v[0], 1)
        return v[: end + 1] if end > 0 else v
    cut = re.search(r"\s[#;]", v)
    return v[: cut.start()].rstrip() if cut else v


def read_dotenv(text: str) -> Iterator[Assignment]:
    """``KEY=value`` lines (optionally ``export``ed) of an env file."""
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        m = _DOTENV.match(line)
        if m:
            yield Assignment(m.group(1), _comment_free(m.group(2)), number, "an env file")


def read_ini(text: str) -> Iterator[Assignment]:
    """``key = value`` / ``key: value`` lines of INI, TOML, properties and .conf files."""
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip()
        if not stripped or stripped[0] in "#;[!":
            continue
        m = _INI.match(line)
        if m:
            yield Assignment(m.group(1), _comment_free(m.group(2)), number, "a configuration file")


def read_terraform(text: str) -> Iterator[Assignment]:
    """``name = "literal"`` attributes (interpolations and expressions are references).

    A ``default`` inside ``variable "db_password" { … }`` counts as ``db_password``.
    """
    variable: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip()
        if stripped.startswith(("#", "//", "/*", "*")):
            continue
        block = _HCL_VARIABLE.match(line)
        if block:
            variable = block.group(1)
        elif line.startswith("}"):
            variable = None
        for m in _HCL.finditer(line):
            key = m.group(1).strip('"')
            if key == "default" and variable is not None:
                key = variable
            yield Assignment(key, m.group(2), number, "Terraform")


def read_json(text: str) -> Iterator[Assignment]:
    """``"key": "string"`` members (pretty-printed or minified)."""
    for number, line in enumerate(text.splitlines(), 1):
        for m in _JSON.finditer(line):
            yield Assignment(m.group(1), m.group(2), number, "JSON")


def read_xml(text: str) -> Iterator[Assignment]:
    """``<add key="…" value="…"/>``, ``password="…"`` attributes, ``<password>…</password>``."""
    for number, line in enumerate(text.splitlines(), 1):
        paired = False
        for m in _XML_ADD.finditer(line):
            paired = True
            yield Assignment(m.group(1), m.group(2), number, "an XML appSettings entry")
        if not paired:
            for m in _XML_ATTR.finditer(line):
                yield Assignment(m.group(1), m.group(2), number, "an XML attribute")
        for m in _XML_ELEM.finditer(line):
            yield Assignment(m.group(1), m.group(2), number, "an XML element")


def read_dockerfile(text: str) -> Iterator[Assignment]:
    """``ENV``/``ARG`` defaults: ``ENV KEY=value …`` and the legacy ``ENV KEY value``."""
    for number, line in enumerate(text.splitlines(), 1):
        m = _DOCKER.match(line)
        if not m:
            continue
        rest = m.group(2)
        where = f"a Dockerfile {m.group(1).upper()}"
        first = rest.split(None, 1)
        if first and "=" not in first[0]:
            if len(first) == 2:
                yield Assignment(first[0], first[1], number, where)
            continue
        for pair in _DOCKER_PAIR.finditer(rest):
            yield Assignment(pair.group(1), pair.group(2), number, where)


def read_yaml(text: str) -> Iterator[Assignment]:
    """Scalar pairs of every document; the line reader when the YAML does not parse."""
    try:
        docs = list(yaml.compose_all(text, Loader=_LOADER))
    except yaml.YAMLError:
        yield from _yaml_lines(text)
        return
    for doc in docs:
        if doc is not None:
            yield from _yaml_node(doc)


_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_NAME_KEYS = ("name", "Name", "key", "Key", "ParameterKey")
_VALUE_KEYS = ("value", "Value", "ParameterValue")


def _yaml_node(node: yaml.Node) -> Iterator[Assignment]:
    if isinstance(node, yaml.MappingNode):
        scalars = {
            k.value: v
            for k, v in node.value
            if isinstance(k, yaml.ScalarNode) and isinstance(v, yaml.ScalarNode)
        }
        name = next((scalars[k] for k in _NAME_KEYS if k in scalars), None)
        value = next((scalars[k] for k in _VALUE_KEYS if k in scalars), None)
        if name is not None and value is not None:
            yield _yaml_pair(name.value, value, "a name/value (Kubernetes env) entry")
        for k, v in node.value:
            if isinstance(v, yaml.ScalarNode):
                if isinstance(k, yaml.ScalarNode) and v is not value:
                    yield _yaml_pair(str(k.value), v, "YAML")
                if "\n" in v.value and v.style in ("|", ">"):
                    yield from _embedded(v)
            else:
                yield from _yaml_node(v)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            if isinstance(item, yaml.ScalarNode):
                m = _LIST_ENV.match(item.value)
                if m and "\n" not in item.value:
                    yield Assignment(
                        m.group(1), m.group(2), item.start_mark.line + 1, "an environment list"
                    )
            else:
                yield from _yaml_node(item)


def _yaml_pair(key: str, node: yaml.ScalarNode, where: str) -> Assignment:
    return Assignment(
        key, str(node.value), node.start_mark.line + 1, where, vaulted=node.tag == "!vault"
    )


def _embedded(node: yaml.ScalarNode) -> Iterator[Assignment]:
    """``KEY=value`` lines inside a block scalar (a ConfigMap's application.properties …)."""
    first = node.start_mark.line + 2  # a block scalar's content starts on the next line
    for a in read_dotenv(node.value):
        yield Assignment(a.key, a.value, first + a.line - 1, "configuration embedded in YAML")


def _yaml_lines(text: str) -> Iterator[Assignment]:
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        m = _YAML_LIST_ENV.match(line)
        if m:
            yield Assignment(m.group(1), _comment_free(m.group(2)), number, "an environment list")
            continue
        m = _YAML_LINE.match(line)
        if m and not m.group(2).startswith(("|", ">", "&", "*", "!")):
            yield Assignment(m.group(1).strip("\"'"), _comment_free(m.group(2)), number, "YAML")


READERS: dict[FileKind, Callable[[str], Iterator[Assignment]]] = {
    FileKind.DOTENV: read_dotenv,
    FileKind.YAML: read_yaml,
    FileKind.JSON: read_json,
    FileKind.TERRAFORM: read_terraform,
    FileKind.INI: read_ini,
    FileKind.PROPERTIES: read_ini,
    FileKind.XML: read_xml,
    FileKind.DOCKERFILE: read_dockerfile,
}
