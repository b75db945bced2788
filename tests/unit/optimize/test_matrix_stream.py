"""Range answers parsed as they arrive (#21): any split of the bytes gives json.loads'
series, other shapes are refused, and the bytes held stay bounded by one read and one
series however large the answer (tracemalloc, not timing)."""

from __future__ import annotations

import itertools
import json
import tracemalloc
from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skylift.optimize.prometheus import READ_BYTES, NotCompact, iter_matrix

STEP_MS = 300_000
GRID = 1_700_000_000_000 + STEP_MS * np.arange(40, dtype=np.int64)
_labels = st.dictionaries(
    st.sampled_from(["namespace", "container", "pod"]),
    st.text(alphabet='ab{}[]",:\\\n é', max_size=10),
    max_size=3,
)


def _answer(result: list[dict[str, object]], **extra: object) -> bytes:
    body = {"status": "success", "data": {"resultType": "matrix", "result": result}, **extra}
    return json.dumps(body, separators=(",", ":")).encode()


def _split(raw: bytes, cuts: list[int]) -> Iterator[bytes]:
    at = sorted({min(c, len(raw)) for c in cuts} | {0, len(raw)})
    for a, b in itertools.pairwise(at):
        yield raw[a:b]


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(_labels, st.lists(st.booleans(), min_size=1, max_size=40), st.integers(0, 99)),
        max_size=5,
    ),
    st.lists(st.integers(0, 4000), max_size=12),
    st.booleans(),
)
def test_any_split_equals_json(series: list, cuts: list[int], warn: bool) -> None:
    """Chunks cut anywhere (inside labels, numbers, between series) parse to json.loads'
    series; a trailing ``warnings`` member is fine."""
    result = []
    for labels, keep, seed in series:
        rng = np.random.default_rng(seed)
        pts = [
            [int(t) / 1000, repr(float(rng.gamma(2.0)))]
            for t, k in zip(GRID, keep, strict=False)
            if k
        ]
        result.append({"metric": labels, "values": pts or [[int(GRID[0]) / 1000, "NaN"]]})
    raw = _answer(result, **({"warnings": ["x"]} if warn else {}))
    got = list(iter_matrix(_split(raw, cuts), GRID))
    assert len(got) == len(result)
    for (lab, t_ms, v), want in zip(got, result, strict=True):
        assert lab == want["metric"]
        assert t_ms.tolist() == [round(t * 1000) for t, _ in want["values"]]  # type: ignore[union-attr]
        np.testing.assert_array_equal(v, [float(x) for _, x in want["values"]])  # type: ignore[union-attr]


@pytest.mark.parametrize("cut", [1, 7, 64, 10_000])
def test_other_shapes_are_refused_never_misread(cut: int) -> None:
    """A series without ``values`` (a native histogram) before a compact one must not be
    glued to it; pretty JSON and errors carry their bytes back for the json path."""
    hist = {"metric": {"a": "1"}, "histograms": [[1, {"count": "1"}]]}
    ok = {"metric": {"a": "2"}, "values": [[1700000000, "1"]]}
    for result, head_kept in (([hist, ok], True), ([ok, hist], False), ([ok, hist, ok], False)):
        raw = _answer(result)
        chunks = _split(raw, list(range(cut, len(raw), cut)))
        with pytest.raises(NotCompact) as err:
            list(iter_matrix(chunks, GRID))
        if head_kept:  # what was read + what is still unread: the whole answer, for json
            assert err.value.head is not None and err.value.head + b"".join(chunks) == raw
        else:
            assert err.value.head is None
    for raw in (json.dumps({"status": "success", "data": {}}).encode(), b'{"status":"error"}'):
        chunks = _split(raw, [5])
        with pytest.raises(NotCompact) as err:
            list(iter_matrix(chunks, GRID))
        assert err.value.head is not None and err.value.head + b"".join(chunks) == raw
    assert list(iter_matrix([_answer([])], GRID)) == []


def _big_answer(series: int, steps: int) -> Iterator[bytes]:
    """A compact answer of ``series`` × ``steps`` points, made lazily in READ_BYTES pieces
    (as a socket delivers it; the whole answer never exists at once)."""
    grid = 1_700_000_000_000 + STEP_MS * np.arange(steps, dtype=np.int64)
    values = ",".join(f'[{t / 1000:.0f},"{0.25 + i % 7 / 3:.12g}"]' for i, t in enumerate(grid))
    head = b'{"status":"success","data":{"resultType":"matrix","result":['
    pending = bytearray(head)
    for i in range(series):
        sep = "," if i else ""
        pending += f'{sep}{{"metric":{{"container":"c{i}"}},"values":[{values}]}}'.encode()
        while len(pending) >= READ_BYTES:
            yield bytes(pending[:READ_BYTES])
            del pending[:READ_BYTES]
    yield bytes(pending + b"]}}")


def _peak_parsing(series: int, steps: int) -> int:
    """Python's peak allocation while an answer is parsed and each series dropped."""
    grid = 1_700_000_000_000 + STEP_MS * np.arange(steps, dtype=np.int64)
    seen = 0
    tracemalloc.start()
    try:
        for lab, _, v in iter_matrix(_big_answer(series, steps), grid):
            assert lab == {"container": f"c{seen}"} and v.size == steps
            seen += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == series
    return peak


def test_memory_is_bounded_by_a_read_and_a_series_not_the_answer() -> None:
    """A cpu_days shard (240 series × 4,032 steps, ~29 MB of JSON) and a quarter of it
    peak alike, at a few reads: the answer's bytes are never held (the earlier
    whole-bytes parse held all of them, and http.client twice while joining)."""
    small, large = _peak_parsing(60, 4032), _peak_parsing(240, 4032)
    answer_bytes = 240 * 4032 * 30
    assert large < small * 1.25, (small, large)
    assert large < 8 * READ_BYTES < answer_bytes / 3, large
