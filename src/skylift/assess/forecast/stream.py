"""Run the forecast over samples in bounded memory.

When the samples come grouped — each series' rows together and in time order,
as importers write them — they are read in batches and forecast batch by
batch; memory stays a few hundred bytes per series plus one batch. The last
series of a batch is held back until the next batch shows it is complete.
If the order turns out not to be grouped, the partial work is dropped and the
samples are read whole and sorted once (:func:`encode_samples`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np
import polars as pl

from skylift.assess.forecast.features import (
    BUCKET_BITS,
    EncodedSamples,
    RolledSeries,
    encode_samples,
    encoding_query,
    grouped_series_starts,
)
from skylift.domain.progress import Progress

ROWS_PER_BATCH = 1_000_000  # measured: larger batches only add page-fault (system) time


class NotGroupedError(Exception):
    """Internal: the samples are not grouped by series in time order."""


def map_blocks(
    samples: pl.LazyFrame,
    metrics: Sequence[str],
    rollup_s: int,
    work: Callable[[RolledSeries], pl.DataFrame],
    progress: Progress,
    rows_per_batch: int = ROWS_PER_BATCH,
) -> list[pl.DataFrame]:
    """Apply ``work`` to every block of whole rolled-up series; return the results in order."""
    results: list[pl.DataFrame] = []
    try:
        for encoded in iter_encoded_batches(samples, metrics, rollup_s, rows_per_batch):
            for rolled in encoded.blocks(rows_per_batch):
                results.append(work(rolled))
            progress.advance(float(encoded.key.size))
        return results
    except NotGroupedError:
        results = []
    encoded = encode_samples(samples, metrics, rollup_s)
    for rolled in encoded.blocks(rows_per_batch):
        results.append(work(rolled))
    progress.advance(float(encoded.key.size))
    return results


def iter_encoded_batches(
    samples: pl.LazyFrame, metrics: Sequence[str], rollup_s: int, rows_per_batch: int
) -> Iterator[EncodedSamples]:
    """Yield the samples in batches of whole series; raise :class:`NotGroupedError` if unordered.

    The error may come after some batches were yielded: callers drop them.
    """
    wanted, query, b_min = encoding_query(samples, metrics, rollup_s)
    if query is None:
        return
    seen: list[np.ndarray] = []
    pending: pl.DataFrame | None = None
    shift = np.uint64(BUCKET_BITS)
    for batch in query.collect_batches(chunk_size=rows_per_batch):
        frame = batch if pending is None else pl.concat([pending, batch])
        if frame.height == 0:
            continue
        series = frame["key"].to_numpy() >> shift
        changes = np.flatnonzero(series[1:] != series[:-1])
        tail = int(changes[-1]) + 1 if changes.size else 0
        pending = frame.slice(tail)
        if tail:
            yield _checked(frame.slice(0, tail), seen, wanted, b_min, rollup_s)
    if pending is not None and pending.height:
        yield _checked(pending, seen, wanted, b_min, rollup_s)


def _checked(
    frame: pl.DataFrame, seen: list[np.ndarray], wanted: list[str], b_min: int, rollup_s: int
) -> EncodedSamples:
    """One batch as :class:`EncodedSamples`, after checking its series are new and in order."""
    key = frame["key"].to_numpy()
    starts = grouped_series_starts(key)
    if starts is None:
        raise NotGroupedError
    ids = key[starts] >> np.uint64(BUCKET_BITS)
    if seen and np.isin(ids, np.concatenate(seen)).any():
        raise NotGroupedError
    seen.append(ids)
    return EncodedSamples(key, frame["v"].to_numpy(), frame["k"], starts, wanted, b_min, rollup_s)
