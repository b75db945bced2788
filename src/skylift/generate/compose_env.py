"""Compose variables: ``.env`` / ``--env-file`` reading and ``${VAR}`` interpolation.

As ``docker compose`` does: the ``.env`` beside the compose file supplies
values unless ``--env-file`` files are given (then they do, later files
winning); the process environment wins over both.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from skylift.errors import InputError, InputLocation

_VAR = re.compile(r"\$(?:\$|\{([^}]+)\}|([A-Za-z_][A-Za-z0-9_]*))")


def read_env_file(path: Path, origin: str) -> dict[str, str]:
    """``KEY=value`` lines of an env file (comments, blanks and ``export`` allowed)."""
    if not path.is_file():
        raise InputError(
            "env file not found",
            "create the file, fix the path, or remove it from env_file / --env-file",
            InputLocation(origin, value=str(path)),
        )
    values: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.removeprefix("export ").split("=", 1)
        values[key.strip()] = value.strip().strip("'\"")
    return values


def project_env(
    compose: Path, environ: Mapping[str, str] | None, env_files: Sequence[Path] = ()
) -> dict[str, str]:
    """The variables a compose file is interpolated with."""
    env: dict[str, str] = {}
    if env_files:
        for f in env_files:
            env.update(read_env_file(f, "--env-file"))
    elif (compose.parent / ".env").is_file():
        env.update(read_env_file(compose.parent / ".env", str(compose)))
    env.update(environ or {})
    return env


class Interpolator:
    """``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``, ``${VAR:?err}``, ``$$``."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.unresolved: set[str] = set()

    def sub(self, text: str) -> str:
        """``text`` with every variable replaced; unset ones are recorded and left empty."""

        def repl(m: re.Match[str]) -> str:
            if m.group(0) == "$$":
                return "$"
            expr = m.group(1) or m.group(2) or ""
            for op in (":-", "-", ":?", "?"):
                if op in expr:
                    name, default = expr.split(op, 1)
                    value = self.env.get(name)
                    if (op.startswith(":") and not value) or value is None:
                        if "?" in op:
                            self.unresolved.add(name)
                            return ""
                        return default
                    return value
            if expr not in self.env:
                self.unresolved.add(expr)
                return ""
            return self.env[expr]

        return _VAR.sub(repl, text)

    def walk(self, value: Any) -> Any:
        """Interpolate every string inside ``value`` (lists and mappings included)."""
        if isinstance(value, str):
            return self.sub(value)
        if isinstance(value, list):
            return [self.walk(v) for v in value]
        if isinstance(value, dict):
            return {k: self.walk(v) for k, v in value.items()}
        return value


def unresolved_in(text: str, env: Mapping[str, str]) -> list[str]:
    """The variables of ``text`` that ``env`` does not set (sorted)."""
    interp = Interpolator(env)
    interp.sub(text)
    return sorted(interp.unresolved)
