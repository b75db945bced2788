"""``--delete`` across shards (#22): the real engine run shard by shard through range
views, checked against brute force — each shard writes and deletes only keys of its own
range, and together the shards leave the destination as one local run of the same engine
over the same stores does (destination-only keys before the first source key, between
shards and after the last are deleted once; keys equal to a cut point belong to the
shard above it)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import cast

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skylift.domain.transfer import TransferOptions
from skylift.storage.base import Storage
from skylift.storage.memory import drop_memory_store
from skylift.storage.registry import open_storage
from skylift.transfer.engine import run_transfer
from skylift.transfer.scaleout.view import Bound, ShardView

ALPHABET = "ab/.-0~\u00e9\U0001f600"
NAMES = st.text(alphabet=ALPHABET, min_size=1, max_size=5).filter(
    lambda k: "//" not in k and not k.startswith("/") and not k.endswith("/")
    and all(p not in (".", "..") and not p.startswith(".skylift") for p in k.split("/"))
)  # fmt: skip
_RUN = itertools.count()
_SLOW = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]  # one tmp folder: fine


def _fill(url: str, keys: dict[str, bytes]) -> Storage:
    store = open_storage(url)
    for key, data in keys.items():
        store.write(key, data, mtime=1_700_000_000.0)  # one time: the comparison is fixed
    return store


def _state(store: Storage) -> dict[str, bytes]:
    return {info.path: store.read(info.path) for info in store.list()}


@given(
    src_keys=st.dictionaries(NAMES, st.binary(max_size=3), max_size=25),
    dst_keys=st.dictionaries(NAMES, st.binary(max_size=3), max_size=25),
    data=st.data(),
)
@settings(max_examples=60, deadline=None, suppress_health_check=_SLOW)
def test_shards_sync_only_their_ranges_and_together_the_whole(
    src_keys: dict[str, bytes], dst_keys: dict[str, bytes], data: st.DataObject, tmp_path: Path
) -> None:
    run = next(_RUN)
    src_url, dst_url = f"memory://sync-src-{run}", f"memory://sync-dst-{run}"
    src, dst = _fill(src_url, src_keys), _fill(dst_url, dst_keys)
    options = TransferOptions(delete=True, manifest=False, retries=0)
    local_url = f"memory://sync-local-{run}"
    _fill(local_url, dst_keys)
    try:
        # the oracle: one local run of the same engine over the whole key space
        assert run_transfer(src_url, local_url, options, tmp_path / f"l{run}").ok
        expected = _state(open_storage(local_url))
        # cut points: keys of either side (as the driver's cuts and probes are) or any string
        pool = sorted({*src_keys, *dst_keys}) or ["a"]
        cuts = data.draw(st.sets(st.one_of(st.sampled_from(pool), NAMES), max_size=5))
        bounds = sorted(cuts)
        ranges = list(zip(["", *bounds], [*bounds, None], strict=True))
        for i, (lo, hi) in enumerate(ranges):
            before = _state(dst)
            bound = Bound(lo, hi)
            result = run_transfer(
                src_url, dst_url, options, tmp_path / f"r{run}-{i}",
                src=cast(Storage, ShardView(src, bound, lambda _lines: None)),
                dst=cast(Storage, ShardView(dst, bound, lambda _lines: None)),
            )  # fmt: skip
            assert result.ok, result.failures
            after = _state(dst)
            touched = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
            outside = [k for k in touched if not (k >= lo and (hi is None or k < hi))]
            assert not outside, (lo, hi, outside)  # a shard writes/deletes only its range
        assert _state(dst) == expected  # together: what one local run leaves
    finally:
        drop_memory_store(f"sync-src-{run}")
        drop_memory_store(f"sync-dst-{run}")
        drop_memory_store(f"sync-local-{run}")
