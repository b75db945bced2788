"""The settings the data movers read — ``state:`` and ``remotes:`` — loaded on their own.

``skylift transfer`` needs the folder of its journal and each remote's options,
nothing of sizing, planning or policies; validating the whole
:class:`~skylift.workspace.settings.Settings` would import every stage's
settings models first (~27 ms of a run's start, measured in docs/benchmarks.md).
This module reads ``skylift.yaml`` the same way (same errors, same
``SKYLIFT_*`` overrides, YAML booleans and numbers accepted as option text) and
validates those two sections alone; every other command validates the file as
a whole. :mod:`skylift.workspace.settings` builds on the pieces here.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

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


#: A per-remote storage option: YAML booleans and numbers are accepted as their text.
RemoteOption = Annotated[str, BeforeValidator(option_text)]


class Section(BaseModel):
    """A settings section: frozen, unknown keys refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class StateSettings(Section):
    """Where the state store lives; default is SQLite inside the workspace."""

    url: str | None = None


#: The other top-level sections of skylift.yaml (a unit test keeps them and
#: StorageSettings' fields equal to Settings' fields).
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


class StorageSettings(BaseModel):
    """The ``state:`` and ``remotes:`` sections of a workspace. The other sections'
    values are left to the commands that use them, but a key that is no section is
    refused as the whole file's validation refuses it (a misspelt ``remotes:`` must
    not send data without its options)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    state: StateSettings = StateSettings()
    remotes: dict[str, dict[str, RemoteOption]] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _others_unchecked(cls, data: object) -> object:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if k not in OTHER_SECTIONS}
        return data


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
    if loaded is None:
        loaded = {}
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level", "see docs/workspace.md")
    _keep_parse(path, text, loaded)
    return loaded


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


def settings_error(source: str, exc: ValidationError) -> ConfigError:
    """The first validation error as a ConfigError naming the source and the field."""
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err["loc"])
    value = err.get("input")
    shown = "" if isinstance(value, dict | list) else f" (value {value!r})"
    return ConfigError(
        f"{source}: setting '{field}'{shown}: {err['msg']}",
        "see the comments in skylift.yaml or docs/workspace.md for allowed values",
    )


def load_storage_settings(path: Path, environ: Mapping[str, str] | None = None) -> StorageSettings:
    """``state:`` and ``remotes:`` of ``path`` (skylift.yaml) with their ``SKYLIFT_*``
    overrides, validated as :func:`~skylift.workspace.settings.load_settings` does."""
    data, source = merged_settings(path, environ, StorageSettings.model_fields)
    try:
        return StorageSettings.model_validate(data)
    except ValidationError as exc:
        raise settings_error(source, exc) from exc
