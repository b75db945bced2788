"""The one Jinja2 environment: templates are package data and only render a context."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jinja2


def _quote(value: object) -> str:
    """A JSON string literal, which is also a valid YAML and HCL string literal."""
    return json.dumps(value if isinstance(value, int | float | bool | None) else str(value))


@cache
def environment() -> jinja2.Environment:
    """The shared environment: strict undefined, no autoescape (not HTML), ``q`` filter."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("skylift.generate", "templates"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # noqa: S701 - renders YAML, HCL and Dockerfiles, never HTML
    )
    env.filters["q"] = _quote
    env.filters["tojson_compact"] = lambda v: json.dumps(v, separators=(", ", ": "))
    return env


def render(template: str, **context: Any) -> str:
    """Render ``template`` (path under ``templates/``) with ``context``."""
    return environment().get_template(template).render(**context)
