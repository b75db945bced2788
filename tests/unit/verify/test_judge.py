"""Judging one answer pair, and the performance verdict at its boundaries."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from skylift.verify.service.functional import judge
from skylift.verify.service.load import compare_load
from skylift.verify.service.loadrun import summarise
from skylift.verify.service.model import (
    Answer,
    BodyMode,
    Expect,
    HttpCheck,
    LoadProfile,
    LoadStats,
    Thresholds,
)


def _answer(body: object, status: int = 200, ms: float = 5.0, **headers: str) -> Answer:
    text = body if isinstance(body, str) else json.dumps(body)
    hdrs = {
        "content-type": "application/json",
        **{k.replace("_", "-"): v for k, v in headers.items()},
    }
    return Answer(status=status, headers=hdrs, body=text, latency_ms=ms)


def test_equal_after_ignoring_and_normalising_passes() -> None:
    check = HttpCheck(name="p", ignore=("$.request_id",))
    s = _answer({"at": "2026-01-01T00:00:00Z", "request_id": 1, "items": [1, 2]})
    t = _answer({"at": "2026-02-02T10:00:00Z", "request_id": 2, "items": [1, 2]})
    assert judge(check, s, t) == []


@pytest.mark.parametrize(
    ("check", "target", "problem"),
    [
        (HttpCheck(name="p"), _answer({"items": [1, 2]}, status=500), "status 500, expected 200"),
        (
            HttpCheck(name="p"),
            _answer({"items": [1, 3]}),
            "body differs at $.items[1]: source 2, target 3",
        ),
        (HttpCheck(name="p", compare_headers=("etag",)), _answer({"items": [1, 2]}), "header etag"),
        (
            HttpCheck(name="p", expect=Expect(json_paths={"$.items[0]": 9})),
            _answer({"items": [1, 2]}),
            "$.items[0]: expected 9",
        ),
        (
            HttpCheck(name="p", expect=Expect(latency_ms=10)),
            _answer({"items": [1, 2]}, ms=11),
            "latency 11.0 ms above 10 ms",
        ),
        (HttpCheck(name="p", body_mode=BodyMode.EXACT), _answer('{"items": [1,2]}'), "character"),
        (
            HttpCheck(name="p", expect=Expect(headers={"x-frame-options": "*"})),
            _answer({"items": [1, 2]}),
            "header x-frame-options: expected '*', got None",
        ),
    ],
)
def test_each_difference_is_named(check: HttpCheck, target: Answer, problem: str) -> None:
    source = _answer({"items": [1, 2]}, etag='"v1"')
    problems = judge(check, source, target)
    assert len(problems) == 1 and problem in problems[0], problems


def _stats(p95: float, errors: float = 0.0, rps: float = 100.0) -> LoadStats:
    return LoadStats(
        url="u",
        requests=100,
        failures=int(errors * 100),
        elapsed_s=1,
        p50_ms=1,
        p95_ms=p95,
        p99_ms=p95,
        mean_ms=1,
        throughput=rps,
        error_rate=errors,
    )


def test_the_default_thresholds_at_their_boundaries() -> None:
    t, p = Thresholds(), LoadProfile()
    assert compare_load(_stats(10), _stats(10 * 1.1 + 2), p, t).passed  # exactly at the limit
    assert not compare_load(_stats(10), _stats(13.01), p, t).passed
    assert compare_load(_stats(10, 0.01), _stats(10, 0.01), p, t).passed  # not higher: fine
    worse = compare_load(_stats(10, 0.01), _stats(10, 0.02), p, t)
    assert worse.problems == ("error rate 2.00% above the source's 1.00%",)
    slow = Thresholds(throughput_ratio=0.9)
    assert not compare_load(_stats(10, rps=100), _stats(10, rps=89), p, slow).passed


@given(st.lists(st.floats(0.01, 5000), min_size=1, max_size=300))
def test_percentiles_match_numpy(times: list[float]) -> None:
    got = summarise("u", times, 0, {}, 1.0)
    for key, q in (("p50_ms", 50), ("p95_ms", 95), ("p99_ms", 99)):
        assert got[key] == pytest.approx(float(np.percentile(times, q)), rel=1e-9, abs=1e-9)
    assert sum(count for _, count in got["histogram"]) == len(times)
