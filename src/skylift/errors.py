"""One exception root for everything skylift raises on purpose.

Every error carries a one-line ``message`` (what went wrong, naming the file,
row, field and value where there is one) and a ``hint`` (what to do about it).
The CLI maps the families below to exit codes in one place
(``skylift.cli.app``); library callers catch :class:`SkyliftError`.
SDK and parser exceptions are translated where they happen with
``raise SkyliftError(...) from exc``.
"""

from __future__ import annotations

from dataclasses import dataclass


class SkyliftError(Exception):
    """Root of all deliberate skylift errors: a message plus a hint."""

    exit_code: int = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class ConfigError(SkyliftError):
    """Settings or workspace are missing or invalid; fix skylift.yaml or flags."""

    exit_code = 3


class WorkspaceNotFoundError(ConfigError):
    """No workspace was found from the current directory, flag or environment."""


@dataclass(frozen=True)
class InputLocation:
    """Where in an input a problem sits. Any part may be unknown."""

    file: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None

    def describe(self) -> str:
        """Render as ``file, sheet S, row R, column 'C' (value 'V')``."""
        parts = [self.file]
        if self.sheet is not None:
            parts.append(f"sheet {self.sheet}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        text = ", ".join(parts)
        if self.value is not None:
            shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
            text += f" (value {shown!r})"
        return text


class InputError(SkyliftError):
    """An input file or argument is malformed; nothing was written."""

    exit_code = 2

    def __init__(self, message: str, hint: str = "", location: InputLocation | None = None) -> None:
        full = f"{location.describe()}: {message}" if location is not None else message
        super().__init__(full, hint)
        self.location = location


class ProviderError(SkyliftError):
    """A cloud or storage provider refused or failed a request."""

    exit_code = 4


class TransferError(SkyliftError):
    """A data transfer could not complete (per-object failures are results, not this)."""

    exit_code = 5


class VerificationError(SkyliftError):
    """Verification found the target does not match the source."""

    exit_code = 6


class GenerationError(SkyliftError):
    """Generated artifacts could not be produced or failed validation."""

    exit_code = 7


class PlanningError(SkyliftError):
    """The assessment or plan cannot be computed from the given data and constraints."""

    exit_code = 8


class MissingDependencyError(SkyliftError):
    """An optional package is needed for this feature."""

    exit_code = 9

    def __init__(self, package: str, extra: str) -> None:
        super().__init__(
            f"this feature needs the optional package '{package}'",
            f"install it with: pip install 'skylift[{extra}]'",
        )
