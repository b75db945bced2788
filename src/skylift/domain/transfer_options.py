"""A transfer's options and the constants the data mover shares — without pydantic.

``skylift transfer`` builds its options before its first request, and importing
pydantic and building a first model cost ~75 ms of CPU there (issue #12,
docs/benchmarks.md). So :class:`TransferOptions` is a frozen dataclass whose
values are checked in plain Python; a value that check does not take as it is
(another type, out of bounds) goes through pydantic, with a model built from the
same declarations: the coercions (``5`` → ``5.0``, a list → a tuple) and the
error messages are pydantic's, exactly as when the options were a pydantic model.
The results of a run (plan, result, comparison) are in :mod:`skylift.domain.transfer`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from pydantic import BaseModel

#: How many individual entries (planned actions, failures, differences) a
#: result keeps; counts are always exact, lists stop here so memory stays bounded.
DETAIL_LIMIT = 10_000

#: Name of the manifest the engine publishes at the destination root, last.
MANIFEST_NAME = ".skylift-manifest.jsonl"

LINKS = ("copy", "skip", "follow")


def _bounded(default: object, **bounds: float) -> Any:
    """A field with pydantic's bounds (``ge``, ``gt``, ``le``) kept in its metadata."""
    return field(default=default, metadata=bounds)


@dataclass(frozen=True)
class TransferOptions:
    """What a run should do. Secrets (the encryption key) are never part of this.

    Sizes are bytes, ages seconds. ``jobs=None`` lets the scheduler choose.
    Invalid values raise pydantic's ``ValidationError`` (see the module).
    """

    delete: bool = False
    checksum: bool = False
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    min_age: float | None = _bounded(None, ge=0)
    max_age: float | None = _bounded(None, ge=0)
    min_size: int | None = _bounded(None, ge=0)
    max_size: int | None = _bounded(None, ge=0)
    dry_run: bool = False
    bwlimit: str | None = None
    jobs: int | None = _bounded(None, ge=1, le=1024)
    part_size: int | None = _bounded(None, ge=1)
    #: None: chosen per destination (measured round trip for object stores; 64 MiB else)
    multipart_threshold: int | None = _bounded(None, ge=1)
    backup_to: str | None = None
    encrypt: bool = False
    compress: bool = False
    decode: bool = False
    manifest: bool = True
    retries: int = _bounded(5, ge=0, le=50)
    #: symbolic links in a local source: follow those inside the root (copy), none, or all
    links: Literal["copy", "skip", "follow"] = "copy"
    #: seconds of consecutive connection failures after which an endpoint is unreachable
    unreachable_after: float = _bounded(30.0, gt=0)

    def __post_init__(self) -> None:
        if not all(_plain(f.type, f.metadata, getattr(self, f.name)) for f in fields(self)):
            checked = _model().model_validate({f.name: getattr(self, f.name) for f in fields(self)})
            for f in fields(self):
                object.__setattr__(self, f.name, getattr(checked, f.name))

    def journal_identity(self) -> dict[str, object]:
        """The options that change what ends up at the destination (the journal key)."""
        return {
            "delete": self.delete,
            "checksum": self.checksum,
            "include": list(self.include),
            "exclude": list(self.exclude),
            "min_age": self.min_age,
            "max_age": self.max_age,
            "min_size": self.min_size,
            "max_size": self.max_size,
            "part_size": self.part_size,
            "encrypt": self.encrypt,
            "compress": self.compress,
            "decode": self.decode,
        }


def _strings(value: object) -> bool:
    return type(value) is tuple and all(type(v) is str for v in value)


#: A field's declared type → whether a value is of it exactly (what pydantic keeps as is).
_OF_TYPE: dict[str, Callable[[object], bool]] = {
    "bool": lambda v: type(v) is bool,
    "int": lambda v: type(v) is int,
    "float": lambda v: type(v) is float,
    "str": lambda v: type(v) is str,
    "tuple[str, ...]": _strings,
    "Literal['copy', 'skip', 'follow']": lambda v: type(v) is str and v in LINKS,
}

_WITHIN: dict[str, Callable[[Any, float], bool]] = {
    "ge": lambda v, b: v >= b,
    "gt": lambda v, b: v > b,
    "le": lambda v, b: v <= b,
}


def _plain(declared: object, bounds: Any, value: object) -> bool:
    """Whether pydantic would keep ``value`` unchanged for a field of ``declared`` type
    (the annotation's text) and ``bounds``; False when unsure (pydantic then decides)."""
    assert isinstance(declared, str)  # from __future__ import annotations
    kind, _, optional = declared.partition(" | ")
    if optional == "None" and value is None:
        return True
    check = _OF_TYPE.get(kind)
    if check is None or not check(value):
        return False
    return all(_WITHIN[name](value, bound) for name, bound in bounds.items())


@functools.cache
def _model() -> type[BaseModel]:
    """:class:`TransferOptions` as a pydantic model (its fields, defaults and bounds)."""
    from typing import Annotated, get_type_hints

    from pydantic import ConfigDict, Field, create_model

    hints = get_type_hints(TransferOptions)
    declared: dict[str, Any] = {
        f.name: (Annotated[hints[f.name], Field(**f.metadata)], f.default)
        for f in fields(TransferOptions)
    }
    config = ConfigDict(frozen=True, extra="forbid")
    return create_model("TransferOptions", __config__=config, **declared)
