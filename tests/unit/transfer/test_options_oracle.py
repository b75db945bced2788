"""A transfer's options are checked without pydantic (issue #12, start-up), yet take and
refuse exactly what the pydantic model they were took and refused: the oracle below is
that model's declaration as it stood (commit 68df3c2), validated by pydantic."""

from __future__ import annotations

import math
import subprocess
import sys
from dataclasses import fields
from typing import Any, Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from skylift.domain.transfer_options import TransferOptions
from skylift.errors import InputError
from skylift.workspace.transferring import transfer_options
from tests.helpers import examples


class FormerOptions(BaseModel):
    """``TransferOptions`` when it was a pydantic model (frozen, unknown fields refused)."""

    model_config = ConfigDict(frozen=True, extra="forbid", title="TransferOptions")

    delete: bool = False
    checksum: bool = False
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    min_age: float | None = Field(default=None, ge=0)
    max_age: float | None = Field(default=None, ge=0)
    min_size: int | None = Field(default=None, ge=0)
    max_size: int | None = Field(default=None, ge=0)
    dry_run: bool = False
    bwlimit: str | None = None
    jobs: int | None = Field(default=None, ge=1, le=1024)
    part_size: int | None = Field(default=None, ge=1)
    multipart_threshold: int | None = Field(default=None, ge=1)
    backup_to: str | None = None
    encrypt: bool = False
    compress: bool = False
    decode: bool = False
    manifest: bool = True
    retries: int = Field(default=5, ge=0, le=50)
    links: Literal["copy", "skip", "follow"] = "copy"
    unreachable_after: float = Field(default=30.0, gt=0)


NAMES = [f.name for f in fields(TransferOptions)]

#: Values of every kind near every bound: right and wrong types, coercible ones.
_ANY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from([0, 1, 50, 51, 1024, 1025, 10**20]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e-300, -1e-300, 30.0]),
    st.sampled_from(["", "4", "1.5", "copy", "skip", "follow", "x", "true", "512K"]),
    st.lists(st.sampled_from(["a", "*.txt", "", 1]), max_size=3),
    st.lists(st.sampled_from(["a", "*.txt"]), max_size=3).map(tuple),
    st.tuples(st.just("a"), st.integers()),
)


def _outcome(build: Any, values: dict[str, Any]) -> tuple[str, object]:
    """``("ok", every field's value and type)`` or ``("error", pydantic's errors)``."""
    try:
        made = build(values)
    except ValidationError as exc:
        errors = [(e["loc"], e["msg"], e["type"]) for e in exc.errors()]
        return "error", (exc.title, errors)
    shown = []
    for name in NAMES:
        value = getattr(made, name)
        key = "nan" if isinstance(value, float) and math.isnan(value) else repr(value)
        shown.append((name, key, type(value).__name__))
    return "ok", shown


@settings(max_examples=examples(400), deadline=None)
@given(values=st.dictionaries(st.sampled_from(NAMES), _ANY, max_size=4))
def test_the_options_take_and_refuse_what_the_pydantic_model_did(values: dict[str, Any]) -> None:
    ours = _outcome(lambda v: TransferOptions(**v), values)
    assert ours == _outcome(FormerOptions.model_validate, values)


def test_the_declarations_are_the_former_models() -> None:
    assert list(FormerOptions.model_fields) == NAMES
    assert TransferOptions() == TransferOptions(**FormerOptions().model_dump())


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"jobs": 0}, "invalid --jobs: Input should be greater than or equal to 1"),
        ({"retries": 51}, "invalid --retries: Input should be less than or equal to 50"),
        ({"links": "all"}, "invalid --links: Input should be 'copy', 'skip' or 'follow'"),
        (
            {"unreachable_after": "0s"},
            "invalid --unreachable-after: Input should be greater than 0",
        ),
    ],
)
def test_a_bad_flag_is_named_as_before(values: dict[str, object], message: str) -> None:
    with pytest.raises(InputError) as exc:
        transfer_options(values)
    assert exc.value.message == message


def test_valid_options_load_no_pydantic() -> None:
    code = (
        "import sys\n"
        "from skylift.workspace.transferring import TransferRequest\n"
        "r = TransferRequest('a', 'b', include=('*.txt',), jobs=8, min_age='1d',\n"
        "                    max_size='1M', retries=3, links='skip', bwlimit='10M')\n"
        "o = r.options()\n"
        "print(o.jobs, o.min_age, o.max_size, 'pydantic' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["8", "86400.0", "1048576", "False"]
