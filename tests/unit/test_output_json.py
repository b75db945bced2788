"""--json output: pydantic results through pydantic-core, ASCII always, same data as json."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel

from skylift.cli.output import emit_json, to_jsonable


class _Item(BaseModel):
    path: str
    size: float
    tags: tuple[str, ...] = ()


class _Result(BaseModel):
    items: list[_Item]
    ratio: float


def _emit(value: object, capsys: pytest.CaptureFixture[str]) -> str:
    emit_json(value)
    return capsys.readouterr().out


def test_a_model_gives_the_same_data_as_the_standard_encoder(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = _Result(items=[_Item(path="a/b.tf", size=1e-05, tags=("x",))], ratio=2.5e20)
    text = _emit(result, capsys)
    assert json.loads(text) == json.loads(json.dumps(to_jsonable(result)))
    assert text.startswith('{\n  "items": [')  # indented for people too


def test_non_ascii_text_is_escaped_so_any_terminal_encoding_works(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = _Result(items=[_Item(path="données/配置.yaml", size=1)], ratio=1)
    text = _emit(result, capsys)
    assert text.isascii()
    assert "\\u00e9" in text
    assert json.loads(text)["items"][0]["path"] == "données/配置.yaml"


def test_plain_values_still_work(capsys: pytest.CaptureFixture[str]) -> None:
    assert json.loads(_emit({"error": "é", "n": [1, 2]}, capsys)) == {"error": "é", "n": [1, 2]}
