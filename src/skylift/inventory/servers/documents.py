"""JSON and YAML server lists: a list of server objects, or an object with a ``servers``
list; unknown keys are errors (extras go under ``tags``). Entries are located by
their path in the document (``servers[3].disks[0].size_gib``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import yaml

from skylift.errors import InputError, InputLocation
from skylift.inventory.servers.schema import HINT, ServerEntry
from skylift.inventory.tabular import decode_text


def load_json(path: Path) -> object:
    """The parsed JSON document; syntax errors name the line and column."""
    text = decode_text(path, _read(path))
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
            "fix the syntax (a JSON linter shows the spot)",
            InputLocation(str(path), row=exc.lineno),
        ) from None
    except RecursionError:
        raise InputError("JSON nested too deeply", HINT, InputLocation(str(path))) from None


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML without anchors/aliases: a server list needs none, and nested aliases
    ("billion laughs") would make validation walk an exponentially large document."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not supported in a server list", event.start_mark
            )
        return super().compose_node(parent, index)


def load_yaml(path: Path) -> object:
    """The parsed YAML document (safe, no aliases); syntax errors name the line."""
    text = decode_text(path, _read(path))
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = None if mark is None else int(mark.line) + 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(
            f"not valid YAML: {problem}",
            "fix the syntax (check indentation and quoting)",
            InputLocation(str(path), row=line),
        ) from None


def _read(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(
            f"cannot read file: {exc.strerror}", "check the path", InputLocation(str(path))
        ) from exc
    if not data.strip():
        raise InputError("the file is empty", HINT, InputLocation(str(path)))
    return data


def document_entries(path: Path, doc: object) -> Iterator[ServerEntry]:
    """The servers of a loaded JSON/YAML document (a list, or ``{servers: [...]}``)."""
    prefix = "servers"
    if isinstance(doc, dict) and set(doc) == {"servers"}:
        doc = doc["servers"]
    elif not isinstance(doc, list):
        raise InputError(
            "expected a list of servers or an object with a 'servers' list",
            "see the JSON/YAML example in docs/discover.md",
            InputLocation(str(path)),
        )
    if not isinstance(doc, list):
        raise InputError(
            "'servers' must be a list", HINT, InputLocation(str(path), column="servers")
        )
    for i, item in enumerate(doc):
        here = f"{prefix}[{i}]"
        if not isinstance(item, dict):
            raise InputError(
                "expected an object with server fields",
                HINT,
                InputLocation(str(path), column=here, value=str(item)),
            )

        def where(loc: tuple[int | str, ...], value: object, here: str = here) -> InputLocation:
            dotted = here + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)
            shown = value if isinstance(value, str | int | float) else None
            return InputLocation(
                str(path), column=dotted, value=None if shown is None else str(shown)
            )

        yield ServerEntry(
            item, InputLocation(str(path), column=here), where, partial(_key_path, here)
        )


def _key_path(here: str, has_key: bool) -> str:
    return f"{here}.{'key' if has_key else 'name'}"
