"""The client-side CPU plan's pieces against brute-force oracles (Hypothesis).

The end-to-end oracle (the same day quantiles as Prometheus' own subqueries) is
in tests/integration/optimize/test_optimize.py.
"""

from __future__ import annotations

import json
import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from skylift.optimize.cpu_days import LEVELS, _chunks, day_quantiles, shards, step_grid
from skylift.optimize.prometheus import parse_matrix

STEP_MS = 300_000
_labels = st.dictionaries(
    st.sampled_from(["namespace", "container", "pod", "x"]), st.text(max_size=12), max_size=4
)
_value = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(["NaN", "+Inf", "-Inf"])
)


def _go_float(v: float | str) -> str:
    return v if isinstance(v, str) else repr(float(v))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(_labels, st.lists(st.tuples(st.booleans(), _value), min_size=1,
                                            max_size=30)), max_size=5))  # fmt: skip
def test_parse_matrix_equals_json(series: list) -> None:
    """Fast parse == json.loads for label values with quotes/braces/`},"values":[`, gaps
    (timestamps parsed) and full series (timestamps implied), NaN and infinities."""
    grid = 1_700_000_000_000 + STEP_MS * np.arange(30, dtype=np.int64)
    result = []
    for labels, pts in series:
        # at least one point; keep is the presence flag of each step
        chosen = [(int(grid[i]), v) for i, (keep, v) in enumerate(pts) if keep] or [
            (int(grid[0]), pts[0][1])
        ]
        values = [[t / 1000, _go_float(v)] for t, v in chosen]
        result.append({"metric": labels, "values": values})
    body = {"status": "success", "data": {"resultType": "matrix", "result": result}}
    raw = json.dumps(body, separators=(",", ":")).encode()
    got = parse_matrix(raw, grid[: max((len(p) for _, p in series), default=0)])
    assert got is not None and len(got) == len(result)
    for (lab, t_ms, v), want in zip(got, result, strict=True):
        assert lab == want["metric"]
        assert t_ms.tolist() == [round(t * 1000) for t, _ in want["values"]]
        np.testing.assert_array_equal(v, [float(x) for _, x in want["values"]])


def test_parse_matrix_refuses_other_shapes() -> None:
    assert parse_matrix(b'{"status":"error","error":"x"}', np.arange(3)) is None
    pretty = json.dumps({"status": "success", "data": {"resultType": "matrix", "result": []}})
    assert parse_matrix(pretty.encode(), np.arange(3)) is None  # not compact: json path


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 2**31),
    st.floats(0, 0.6),
    st.integers(0, 299_999),
)
def test_day_quantiles_equal_numpy_per_day(seed: int, gaps: float, offset_ms: int) -> None:
    """Each day's levels == np.quantile / max over the steps in [end − 1 d, end]."""
    rng = np.random.default_rng(seed)
    day_ends = (1_700_000_000_000 + offset_ms + 86_400_000 * np.arange(1, 4)) / 1000
    grid = step_grid(day_ends, 300)
    values = rng.gamma(2.0, 0.3, (3, grid.size))
    values[rng.random(values.shape) < gaps] = np.nan
    values[2, :] = np.nan  # a container without data
    got = day_quantiles(values, grid, day_ends)
    for d, end in enumerate(day_ends):
        inside = (grid >= round(end * 1000) - 86_400_000) & (grid <= round(end * 1000))
        for i in range(3):
            x = values[i, inside]
            x = x[~np.isnan(x)]
            if x.size == 0:
                assert np.isnan(got[i, d]).all()
                continue
            want = [0.0, *np.quantile(x, LEVELS[1:-1]), x.max()]
            np.testing.assert_allclose(got[i, d], want, rtol=1e-12)


def test_step_grid_is_the_subquery_grid() -> None:
    """Multiples of the step from the first day's start (inclusive) to the last end."""
    ends = np.array([1_000_086.4, 1_086_486.4])
    g = step_grid(ends, 300)
    assert g[0] % 300_000 == 0 and g[0] >= 1_000_086_400 - 86_400_000 > g[0] - 300_000
    assert g[-1] <= 1_086_486_400 < g[-1] + 300_000


def test_time_chunks_cover_the_range_once() -> None:
    got = list(_chunks(0.0, 300.0 * 25_000, 300))
    steps = np.concatenate([np.arange(a, b + 1, 300) for a, b in got])
    assert np.array_equal(steps, np.arange(0, 300 * 25_000 + 1, 300))
    assert all((b - a) / 300 + 1 <= 10_000 for a, b in got)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=6), st.text(min_size=1, max_size=10)), max_size=12),
       st.integers(1, 4))  # fmt: skip
def test_shards_select_exactly_their_containers(keys: list, size: int) -> None:
    """Each shard's matchers select its containers and no other (Python's re standing in
    for RE2 on escaped literals); every key is in exactly one shard."""
    seen = []
    for match, part in shards(keys, size):
        ns, used = json.JSONDecoder().raw_decode(match, len("namespace="))
        assert match[used:].startswith(", container=~")
        regex = json.loads(match[used + len(", container=~") :])
        assert len(part) <= size and {k[0] for k in part} == {ns}
        for k in set(keys):
            assert bool(k[0] == ns and re.fullmatch(regex, k[1])) == (k in part)
        seen += part
    assert sorted(seen) == sorted(set(keys))
