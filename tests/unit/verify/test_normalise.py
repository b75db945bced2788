"""Normalising rules and the JSON-path dialect, with Hypothesis for drop/select."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skylift.verify.service.normalise import (
    IGNORED,
    compile_rules,
    drop,
    first_difference,
    normalise_json,
    normalise_text,
    parse_path,
    select,
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(["a", "b", "id"]), children, max_size=3)
    ),
    max_leaves=20,
)
paths = st.lists(st.sampled_from(["a", "b", "id", 0, 1, "*"]), min_size=1, max_size=3).map(tuple)


@given(json_values, paths)
def test_what_is_dropped_cannot_be_selected(value: Any, steps: tuple[str | int, ...]) -> None:
    # mapping keys go; list elements become IGNORED so their neighbours keep their index
    assert all(v == IGNORED for v in select(drop(value, steps), steps))


@given(json_values)
def test_a_value_equals_itself_and_differs_from_a_changed_copy(value: Any) -> None:
    assert first_difference(value, value) is None
    assert first_difference({"x": value}, {"x": [value]}) is not None


def test_paths_and_selection() -> None:
    doc = {"items": [{"id": 1, "n": "a"}, {"id": 2, "n": "b"}], "weird-key": 3}
    assert parse_path("$.items[*].id") == ("items", "*", "id")
    assert list(select(doc, parse_path("$.items[*].id"))) == [1, 2]
    assert list(select(doc, parse_path("$.items[-1].n"))) == ["b"]
    assert list(select(doc, parse_path("$['weird-key']"))) == [3]
    assert drop(doc, parse_path("$.items[*].id")) == {
        "items": [{"n": "a"}, {"n": "b"}],
        "weird-key": 3,
    }
    assert first_difference(doc, {**doc, "items": [{"id": 1, "n": "a"}]}) == (
        "$.items.length",
        2,
        1,
    )
    for bad in ("items.id", "$.items[", "$..x"):
        with pytest.raises(ValueError):
            parse_path(bad)


def test_timestamps_uuids_and_regex_rules() -> None:
    rules = compile_rules(("timestamps", "uuids", "regex:req-\\d+"))
    a = {"at": "2026-01-01T10:00:00Z", "id": "0b6c1e2a-1a2b-4c3d-8e9f-0123456789ab", "r": "req-17"}
    b = {"at": "2026-12-07T01:59:00.123+00:00", "id": "ffffffff-1a2b-4c3d-8e9f-0123456789ab",
         "r": "req-9"}  # fmt: skip
    assert normalise_json(a, rules) == normalise_json(b, rules)
    assert normalise_text("Date: Mon, 07 Dec 2026 01:59:00 GMT", rules) == "Date: <*>"
    assert normalise_json({"price": "189.0"}, rules) != normalise_json({"price": "199.0"}, rules)
