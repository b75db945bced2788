"""Option groups: related flags declared once and taken by a command as one typed value.

Typer maps one function parameter to one option, so a command with twenty
flags spends twenty lines of its signature on them. An option group is a
frozen dataclass of :class:`OptionGroup` whose fields are typer options
(``Annotated``); a command decorated with :func:`with_option_groups` takes
the group as one keyword-only parameter::

    @dataclass(frozen=True)
    class Filters(OptionGroup):
        include: IncludeOpt = None
        min_age: MinAgeOpt = None

    @with_option_groups
    def transfer(ctx: typer.Context, source: SourceOpt, *, filters: Filters) -> None: ...

Typer sees the group's fields in its place (same flag names, help and
defaults, in the same order) and the command receives the group built from
them. A field must not share its name with another parameter of the command
(checked when the command is decorated).
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


@dataclasses.dataclass(frozen=True)
class OptionGroup:
    """Base of an option group: a frozen dataclass whose fields are typer options."""

    def values(self) -> dict[str, Any]:
        """The fields by name for a request's keywords; repeatable options as tuples
        (``()`` when not given)."""
        repeatable = _repeatable(type(self))
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return {k: _frozen(v) if k in repeatable else v for k, v in values.items()}


def _frozen(value: list[Any] | None) -> tuple[Any, ...]:
    return tuple(value or ())


_REPEATABLE: dict[type[OptionGroup], frozenset[str]] = {}


def _repeatable(group: type[OptionGroup]) -> frozenset[str]:
    """Fields of ``group`` typed ``list[...]`` (a repeatable option), worked out once."""
    known = _REPEATABLE.get(group)
    if known is not None:
        return known
    hints = typing.get_type_hints(group)
    found = frozenset(
        name
        for name, hint in hints.items()
        if list in (typing.get_origin(hint), *map(typing.get_origin, typing.get_args(hint)))
    )
    _REPEATABLE[group] = found
    return found


def _group_of(annotation: object) -> type[OptionGroup] | None:
    if isinstance(annotation, type) and issubclass(annotation, OptionGroup):
        return annotation
    return None


def with_option_groups(command: F) -> F:
    """``command`` with each :class:`OptionGroup` parameter shown to typer as its fields."""
    signature = inspect.signature(command, eval_str=True)
    groups: dict[str, type[OptionGroup]] = {}
    flat: list[inspect.Parameter] = []
    for param in signature.parameters.values():
        group = _group_of(param.annotation)
        if group is None:
            flat.append(param.replace(kind=inspect.Parameter.KEYWORD_ONLY))
            continue
        groups[param.name] = group
        hints = typing.get_type_hints(group, include_extras=True)
        flat.extend(
            inspect.Parameter(
                f.name, inspect.Parameter.KEYWORD_ONLY, default=f.default, annotation=hints[f.name]
            )
            for f in dataclasses.fields(group)
        )
    names = [p.name for p in flat]
    clashes = {n for n in names if names.count(n) > 1}
    if clashes:
        raise TypeError(f"{command.__name__}: option group fields clash: {sorted(clashes)}")
    fields = {name: [f.name for f in dataclasses.fields(group)] for name, group in groups.items()}

    @functools.wraps(command)
    def run(**kwargs: Any) -> Any:
        for name, group in groups.items():
            kwargs[name] = group(**{f: kwargs.pop(f) for f in fields[name]})
        return command(**kwargs)

    run.__signature__ = signature.replace(parameters=flat)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in flat}
    return run  # type: ignore[return-value]
