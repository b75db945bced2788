"""``--plan-only``: predict a relay run's time from measured paths and a sample of the data.

    predicted time = max(wire bytes / sum of the paths' probed bandwidths,
                         bytes to send / the sender's measured rate on the sample x 2 threads)
                     + listing time + one round trip per file over the files in flight
    wire bytes     = bytes to send x (wire bytes / source bytes of the sample)

The sample is up to ``SAMPLE_BYTES`` read from files spread evenly over what
would be sent; it is chunked, hashed, asked about (chunks the receiver holds
cost nothing) and compressed at the controller's starting level, exactly as a
run would do it. The seed's rule (the single fastest path) is predicted the
same way with that path's bandwidth alone.
"""

from __future__ import annotations

import asyncio
import time

import blake3

from skylift.domain.transfer import PlannedAction, TransferOptions
from skylift.relay import protocol as p
from skylift.relay.chunking import Compressor, LevelController, segments
from skylift.relay.client import PathClient, PathDownError
from skylift.relay.sender import FILES_IN_FLIGHT, read_listing
from skylift.relay.values import PathProbe, RelayCredentials, RelayPlan
from skylift.storage.base import ObjectInfo, Storage
from skylift.storage.urls import redact_url
from skylift.transfer.diffing.diff import Comparison, Verdict, diff
from skylift.transfer.diffing.listing import sorted_listing
from skylift.transfer.engine import build_filter

SAMPLE_BYTES = 32 << 20
SAMPLE_PER_FILE = 4 << 20


async def _probe(client: PathClient, seconds: float) -> PathProbe | None:
    try:
        rtt, _ = await client.ping()
        rtt = min(rtt, (await client.ping())[0])
        bandwidth = await client.probe(seconds)
    except PathDownError:
        return None
    return PathProbe(path=client.label, rtt_ms=round(rtt * 1000, 3), bandwidth_bps=bandwidth)


def _sample(
    src: Storage, files: list[ObjectInfo], to_send: int
) -> tuple[list[bytes], int, int, float]:
    """(chunk digests, wire bytes if all were sent, sampled bytes, seconds it took)."""
    if not files or to_send == 0:
        return [], 0, 0, 0.0
    started = time.perf_counter()
    step = max(1, len(files) * SAMPLE_PER_FILE // SAMPLE_BYTES)
    comp = Compressor(LevelController(threads=2))
    digests: list[bytes] = []
    wire: list[int] = []
    sampled = 0
    for info in files[::step]:
        head = ObjectInfo(info.path, min(info.size, SAMPLE_PER_FILE), info.mtime)
        for seg in segments(src, head, blake3.blake3()):
            for ref in seg.refs:
                _, payload = comp.encode(seg.chunk_bytes(ref))
                digests.append(ref.digest)
                wire.append(len(payload) + p.FRAME.size)
            sampled += len(seg.data)
        if sampled >= SAMPLE_BYTES:
            break
    return digests, sum(wire), sampled, time.perf_counter() - started


async def predict(
    src: Storage,
    source: str,
    target: p.RelayTarget,
    options: TransferOptions,
    creds: RelayCredentials,
    probe_seconds: float,
) -> RelayPlan:
    """The plan and the prediction (see the module docstring)."""
    import json
    import tempfile

    clients = [PathClient(target, i, creds) for i in range(len(target.endpoints))]
    loop = asyncio.get_running_loop()
    try:
        probes = [
            x for x in await asyncio.gather(*(_probe(c, probe_seconds) for c in clients)) if x
        ]
        if not probes:
            raise PathDownError("no relay path answers")
        best = next(c for c in clients if c.label == probes[0].path)
        _, info = await best.ping()
        listed = time.monotonic()
        with tempfile.TemporaryFile("w+b") as fh:
            async for o in best.listing():
                fh.write(json.dumps({"path": o.path, "size": o.size, "mtime": o.mtime}).encode())
                fh.write(b"\n")
            fh.seek(0)
            keeps = bool(info.get("preserves_mtime"))
            flt = build_filter(options)
            src_list = flt.apply(sorted_listing(src.list(), src.scheme, source))
            dst_list = sorted_listing(read_listing(fh), "relay", target.label(0))
            cmp = Comparison(dst_keeps_mtime=keeps, window=0.001 if keeps else 1.0)
            pairs = await loop.run_in_executor(None, lambda: list(diff(src_list, dst_list, cmp)))
        list_seconds = time.monotonic() - listed
        files = [s for v, s, _ in pairs if v in (Verdict.COPY, Verdict.UPDATE) and s is not None]
        to_send = sum(f.size for f in files)
        digests, wire, sampled, spent = await loop.run_in_executor(
            None, _sample, src, files, to_send
        )
        held = bytearray()
        for i in range(0, len(digests), p.MAX_HAVE):
            held += await best.have(digests[i : i + p.MAX_HAVE])
        # chunks the receiver holds cost no wire bytes; repeated digests in the sample neither
        seen: set[bytes] = set()
        sample_wire = 0
        per_chunk = wire / len(digests) if digests else 0.0
        for digest, flag in zip(digests, held, strict=True):
            if not flag and digest not in seen:
                sample_wire += int(per_chunk)
            seen.add(digest)
        ratio = sample_wire / sampled if sampled else 1.0
        wire_bytes = int(to_send * ratio)
        rtt = max(pr.rtt_ms for pr in probes) / 1000
        overhead = list_seconds + len(files) * 2 * rtt / FILES_IN_FLIGHT
        # the sender's own work (read, cut, hash, compress) on two threads, as measured on
        # the sample: the bound when the links are faster than the CPU
        cpu_seconds = to_send * spent / sampled / 2 if sampled else 0.0
        total_bw = sum(pr.bandwidth_bps for pr in probes)
        fastest = max(pr.bandwidth_bps for pr in probes)
        counts = {v: sum(1 for x, _, _ in pairs if x is v) for v in Verdict}
        return RelayPlan(
            source=redact_url(source),
            destination=f"{'relays' if target.tls else 'relay'}://"
            + ",".join(target.label(i) for i in range(len(target.endpoints)))
            + f"/{target.root}",
            copy_count=counts[Verdict.COPY],
            update_count=counts[Verdict.UPDATE],
            skip_count=counts[Verdict.SKIP],
            bytes_to_send=to_send,
            actions=tuple(
                PlannedAction(action="copy", path=f.path, size=f.size) for f in files[:200]
            ),
            actions_truncated=len(files) > 200,
            paths=tuple(probes),
            compressibility=round(ratio, 4),
            sample_bytes=sampled,
            predicted_wire_bytes=wire_bytes,
            predicted_seconds=round(max(wire_bytes / total_bw, cpu_seconds) + overhead, 3),
            predicted_seconds_fastest_path=round(
                max(wire_bytes / fastest, cpu_seconds) + overhead, 3
            ),
        )
    finally:
        for c in clients:
            await c.close()
