"""The one base of skylift's domain values: frozen pydantic models that refuse unknown fields."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Value(BaseModel):
    """An immutable domain value; unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class DeferredValue(Value):
    """A :class:`Value` whose validator is built when first used, not at import.

    For modules with many models of which a run uses few (a transfer builds
    ``TransferOptions`` and ``TransferResult``, never the plan or compare models).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)
