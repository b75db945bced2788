"""The settings the data movers read — ``state:`` and ``remotes:`` — loaded on their own.

``skylift transfer`` needs the folder of its journal and each remote's options,
nothing of sizing, planning or policies; validating the whole
:class:`~skylift.workspace.settings.Settings` would import every stage's
settings models first (~27 ms of a run's start, measured in docs/benchmarks.md).
This module reads ``skylift.yaml`` the same way (same errors, same
``SKYLIFT_*`` overrides, YAML booleans and numbers accepted as option text) and
validates those two sections alone; every other command validates the file as
a whole. :mod:`skylift.workspace.settings` builds on the pieces here; the file's
reading and overrides are in :mod:`skylift.workspace.settings_file` (no pydantic:
what a transfer reads before its first request, re-exported here).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from skylift.errors import ConfigError
from skylift.workspace.settings_file import (
    ENV_PREFIX,
    OTHER_SECTIONS,
    PARSED_NAME,
    deep_merge,
    merged_settings,
    option_text,
    read_settings_file,
    section_overrides,
)

__all__ = [  # the file's reading and overrides, for the modules that validate it
    "ENV_PREFIX",
    "OTHER_SECTIONS",
    "PARSED_NAME",
    "StateSettings",
    "StorageSettings",
    "deep_merge",
    "load_storage_settings",
    "merged_settings",
    "option_text",
    "read_settings_file",
    "section_overrides",
    "settings_error",
]

#: A per-remote storage option: YAML booleans and numbers are accepted as their text.
RemoteOption = Annotated[str, BeforeValidator(option_text)]


class Section(BaseModel):
    """A settings section: frozen, unknown keys refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class StateSettings(Section):
    """Where the state store lives; default is SQLite inside the workspace."""

    url: str | None = None


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
