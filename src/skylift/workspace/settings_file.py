"""``skylift.yaml`` read as data: the file (its parse kept by content), the ``SKYLIFT_*``
overrides, and the ``remotes:`` a transfer uses — no pydantic.

:mod:`skylift.workspace.storage_settings` validates the storage sections with
pydantic models built on these pieces, and :mod:`skylift.workspace.settings` the
whole file. ``skylift transfer`` needs only ``remotes:`` before its first request
(and its tracker ``state:`` while the run's listing keeps the client busy), and
importing pydantic there costs ~50 ms of CPU (issue #12): :func:`load_storage`
takes them in plain Python where every value is plainly valid, and leaves anything
else to that validation (same values, same errors).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import Any

from skylift.errors import ConfigError

ENV_PREFIX = "SKYLIFT_"
_NOT_SETTINGS = {"SKYLIFT_WORKSPACE", "SKYLIFT_DEBUG"}


def option_text(value: object) -> object:
    """A YAML scalar as the option string a storage backend reads (``true`` → ``"true"``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


#: The other top-level sections of skylift.yaml (a unit test keeps them and
#: STORAGE_SECTIONS, StorageSettings' fields, equal to Settings' fields).
OTHER_SECTIONS = frozenset(
    {
        "project",
        "currency",
        "targets",
        "sizing",
        "goals",
        "constraints",
        "policies",
        "assess",
        "tco",
        "waf",
        "optimize",
    }
)


#: The last parse of skylift.yaml, keyed by its content: ``<workspace>/.skylift/``.
PARSED_NAME = "settings-parsed.json"


def read_settings_file(path: Path) -> dict[str, Any]:
    """``skylift.yaml`` as a mapping ({} when empty); ConfigError naming the file and line.

    Inside a workspace the parse is kept in ``.skylift/settings-parsed.json``, keyed
    by the SHA-256 of the file's text, and taken from there while the text is the
    same: importing PyYAML and parsing cost ~9 ms of every command's start (#12,
    ``skylift transfer``'s critical path). Only a parse that JSON keeps exactly is
    kept (no dates, sets, non-text keys or NaN).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}", "check the path") from exc
    kept = _kept_parse(path, text)
    if kept is not None:
        return kept
    import yaml

    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(
            f"{path}:{where} is not valid YAML ({getattr(exc, 'problem', exc)})",
            "fix the syntax, or recreate it with 'skylift init --force'",
        ) from exc
    except ValueError as exc:  # a scalar YAML types but Python cannot build (a huge int)
        raise _unreadable_value(path, text, exc) from exc
    if loaded is None:
        loaded = {}
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level", "see docs/workspace.md")
    _keep_parse(path, text, loaded)
    return loaded


def _unreadable_value(path: Path, text: str, exc: ValueError) -> ConfigError:
    """ConfigError naming the field whose value PyYAML typed but could not build: an
    integer over Python's 4,300-digit limit, a date such as 2024-13-01."""
    import yaml

    loader = yaml.SafeLoader("")
    for field, node in _scalars(yaml.compose(text, Loader=yaml.SafeLoader), ""):
        try:
            loader.construct_object(node)
        except ValueError as bad:
            kind = node.tag.rsplit(":", 1)[-1]
            if kind == "int":
                digits = sum(c.isdigit() for c in node.value)
                what = f"a number of {digits:,} digits (at most {sys.get_int_max_str_digits():,})"
            else:
                what = f"not a valid {'date' if kind == 'timestamp' else kind} ({bad})"
            return ConfigError(
                f"{path}: line {node.start_mark.line + 1}: {field or 'the document'}: {what}",
                f"write the {'number' if kind == 'int' else 'value'} it should be, or quote it "
                f'if it is text ({field.rsplit(".", 1)[-1] or "value"}: "...")',
            )
    return ConfigError(f"{path}: a value cannot be read ({exc})", "see docs/workspace.md")


def _scalars(node: Any, field: str) -> Iterator[tuple[str, Any]]:
    """``(dotted field, scalar node)`` for every scalar under ``node``, in file order."""
    if node is None:
        return
    if isinstance(node.value, str):
        yield field, node
    elif node.id == "mapping":
        for key, value in node.value:
            name = key.value if isinstance(key.value, str) else "?"
            yield from _scalars(value, f"{field}.{name}" if field else name)
    else:
        for n, item in enumerate(node.value):
            yield from _scalars(item, f"{field}[{n}]")


def _parsed_file(path: Path) -> Path:
    from skylift.workspace.core import STATE_DIR

    return path.parent / STATE_DIR / PARSED_NAME


def _digest(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _kept_parse(path: Path, text: str) -> dict[str, Any] | None:
    """The kept parse of ``text`` (None: none, another text's, or unreadable)."""
    import json

    try:
        kept = json.loads(_parsed_file(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(kept, dict) or kept.get("sha256") != _digest(text):
        return None
    settings = kept.get("settings")
    return settings if isinstance(settings, dict) else None


def _keep_parse(path: Path, text: str, loaded: dict[str, Any]) -> None:
    """Keep ``loaded`` for the next command if JSON gives it back unchanged (best effort:
    outside a workspace, or where the state folder is not writable, nothing is kept)."""
    import json
    import tempfile

    target = _parsed_file(path)
    if not target.parent.is_dir():
        return
    try:
        body = json.dumps({"sha256": _digest(text), "settings": loaded}, allow_nan=False)
        if json.loads(body)["settings"] != loaded:  # int keys, …
            return
        fd, tmp = tempfile.mkstemp(prefix=".settings-", dir=target.parent)  # mode 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(body)
            os.replace(tmp, target)
        except BaseException:
            os.unlink(tmp)
            raise
    except (OSError, TypeError, ValueError):  # not JSON (dates, sets), or not writable
        return


def section_overrides(environ: Mapping[str, str], sections: Collection[str]) -> dict[str, Any]:
    """Turn ``SKYLIFT_SIZING__WINDOW_DAYS=7`` into ``{"sizing": {"window_days": 7}}``.

    Only variables whose first part names one of ``sections`` are settings; the
    others with the prefix (``SKYLIFT_WORKSPACE``, ``SKYLIFT_ENCRYPTION_KEY``,
    ``SKYLIFT_SFTP_PASSWORD`` …) belong to other parts of skylift and are left alone.
    """
    out: dict[str, Any] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name in _NOT_SETTINGS:
            continue
        path = name[len(ENV_PREFIX) :].lower().split("__")
        if path[0] not in sections:
            continue
        node = out
        for part in path[:-1]:
            if not isinstance(node.get(part), dict):  # SKYLIFT_STATE=… beside SKYLIFT_STATE__URL
                node[part] = {}
            node = node[part]
        node[path[-1]] = _env_value(value)
    return out


def _env_value(value: str) -> object:
    """A variable's value read as YAML (``7``, ``true``, ``[a, b]``), or as its text
    when it is not YAML (``[1``, ``a: b: c``): the field's validation then judges it."""
    if not value:
        return value
    import yaml

    try:
        return yaml.safe_load(value)
    except yaml.YAMLError:
        return value


def deep_merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``over`` merged in, mappings key by key."""
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = v
    return out


def merged_settings(
    path: Path | None, environ: Mapping[str, str] | None, sections: Collection[str]
) -> tuple[dict[str, Any], str]:
    """The file's settings with the ``SKYLIFT_*`` overrides of ``sections``, and where
    they came from (for error messages)."""
    data = read_settings_file(path) if path is not None else {}
    source = str(path) if path is not None else "defaults"
    env = section_overrides(os.environ if environ is None else environ, sections)
    if env:
        data = deep_merge(data, env)
        source += " + SKYLIFT_* environment"
    return data, source


#: The sections :class:`~skylift.workspace.storage_settings.StorageSettings` validates.
STORAGE_SECTIONS = ("state", "remotes")


def load_storage(
    path: Path, environ: Mapping[str, str] | None = None
) -> tuple[str | None, dict[str, dict[str, str]]]:
    """``state.url`` and ``remotes:`` of ``path`` (skylift.yaml) with their ``SKYLIFT_*``
    overrides, as :func:`~skylift.workspace.storage_settings.load_storage_settings`
    validates them."""
    data, _ = merged_settings(path, environ, STORAGE_SECTIONS)
    plain = _plain_storage(data)
    if plain is not None:
        return plain
    from skylift.workspace.storage_settings import load_storage_settings

    settings = load_storage_settings(path, environ)
    return settings.state.url, {k: dict(v) for k, v in settings.remotes.items()}


def load_remotes(path: Path, environ: Mapping[str, str] | None = None) -> dict[str, dict[str, str]]:
    """``remotes:`` of ``path`` as :func:`load_storage` gives them."""
    return load_storage(path, environ)[1]


def _plain_storage(data: dict[str, Any]) -> tuple[str | None, dict[str, dict[str, str]]] | None:
    """The state URL and remotes of valid storage sections whose values pydantic would take
    as they are (YAML scalars as their option text); None when unsure: pydantic decides."""
    sections = {k: v for k, v in data.items() if k not in OTHER_SECTIONS}
    state = sections.pop("state", {})
    remotes = sections.pop("remotes", {})
    if sections or type(state) is not dict or not state.keys() <= {"url"}:
        return None
    url = state.get("url")
    if not (url is None or type(url) is str):
        return None
    if type(remotes) is not dict:
        return None
    out: dict[str, dict[str, str]] = {}
    for name, options in remotes.items():
        if type(name) is not str or type(options) is not dict:
            return None
        if not all(type(k) is str and type(v) in _SCALARS for k, v in options.items()):
            return None
        out[name] = {k: str(option_text(v)) for k, v in options.items()}
    return url, out


_SCALARS = (str, bool, int, float)
