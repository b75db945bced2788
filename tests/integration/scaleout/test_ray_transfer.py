"""``skylift transfer --engine ray`` on a real local Ray cluster (two one-CPU nodes: the
head and a worker node) between two real S3 servers (rclone serve s3), all inside a private
network namespace (see cluster.py). One cluster for the module (Ray starts slowly).

The tree is scaled down for CI (2,000 small objects and 3 of 24 MiB; the issue's
50,000 run in benchmarks/transfer/scaleout_throughput.py). Oracles: the source
folder itself (rclone serves plain files), ``skylift verify --checksum``, the
published manifest and the merged journal.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import psutil
import pytest

from tests.integration.scaleout.cluster import (
    CREDENTIALS,
    DST_PORT,
    S3_SECRET,
    Estate,
    journal_rows,
    make_tree,
    shard_journals,
    start_estate,
)

SMALL, LARGE = 2000, 3
WORKER_TITLE = "ray::ShardWorker"  # a shard worker's process title (ray::ShardWorker.run)
KEY_ENV, KEY = "SKYLIFT_ENCRYPTION_KEY", "5e7c" * 16  # the workers' and the driver's key
pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Estate]:
    root = tmp_path_factory.mktemp("scaleout")
    # two one-CPU nodes (the head and one more), with credentials and the encryption key
    e = start_estate(root, workers=1, head_cpus=1, worker_env={**CREDENTIALS, KEY_ENV: KEY})
    try:
        make_tree(e.src_data / "src", SMALL, LARGE, large_mib=24)
        # before anything lists the destination server (rclone caches its folder listings)
        _wide_tree(e.dst_data / "dst" / "wide")
        for extra in WIDE_EXTRA:  # at the destination only: a sync deletes them
            (e.dst_data / "dst" / "w" / extra).parent.mkdir(parents=True, exist_ok=True)
            (e.dst_data / "dst" / "w" / extra).write_bytes(b"extra")
        yield e
    finally:
        e.close()


def _source_keys(e: Estate) -> set[str]:
    base = e.src_data / "src"
    return {str(p.relative_to(base)) for p in base.rglob("*") if p.is_file()}


def _ray(e: Estate, dst: str, *extra: str) -> list[str]:
    return ["transfer", "s3://src", dst, "--engine", "ray", "--address", e.address, "--json",
            "--multipart-threshold", "8M", "--part-size", "5M", *extra]  # fmt: skip


def _verify(e: Estate, dst: str) -> None:
    check = e.skylift("verify", "s3://src", dst, "--checksum", "--json")
    assert check.returncode == 0, check.stdout + check.stderr
    assert json.loads(check.stdout)["ok"] == SMALL + LARGE


def test_copy_matches_and_reports_like_a_local_run(estate: Estate) -> None:
    from skylift.domain.transfer import TransferResult

    run, sampled = _run_sampling_workers(estate, *_ray(estate, "s3://dst/a"))
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert set(TransferResult.model_fields) <= set(result)  # the local run's shape, plus
    assert result["transferred"] == SMALL + LARGE and result["failed"] == 0
    assert result["parts_sent"] == LARGE * 5  # 24 MiB in 5 MiB parts
    workers = result["workers"]
    assert len(workers) == 2 and all(w["throughput_bps"] > 0 for w in workers)
    assert sum(w["objects"] for w in workers) == SMALL + LARGE
    # per-worker CPU, measured by the workers themselves, against the kernel's count of
    # the same processes read from outside (/proc, sampled until they ended): a worker's
    # figure covers its whole process (start-up included) up to the end of its last shard
    assert all(w["processes"] == 1 and 0 < w["shard_cpu_s"] < w["cpu_s"] for w in workers)
    assert all(w["objects_per_s"] == pytest.approx(w["objects"] / w["busy_s"], rel=0.01)
               for w in workers)  # fmt: skip
    reported = sum(w["cpu_s"] for w in workers)
    assert len(sampled) == 2 and sum(sampled.values()) - 0.5 <= reported
    assert reported <= sum(sampled.values()) + 0.05
    assert result["shards"] >= 4
    # the manifest: published once, last, covering exactly the source
    lines = (estate.dst_data / "dst" / "a" / ".skylift-manifest.jsonl").read_text().splitlines()
    header, rows = json.loads(lines[0]), [json.loads(line) for line in lines[1:]]
    assert header["objects"] == len(rows) == SMALL + LARGE
    assert {r["path"] for r in rows} == _source_keys(estate)
    # the shard journals were merged into the run's main journal, then dropped
    journals = estate.workspace / ".skylift" / "transfers"
    counts = [
        sqlite3.connect(p).execute("SELECT count(*) FROM done").fetchone()[0]
        for p in journals.glob("*.sqlite")
    ]
    assert SMALL + LARGE in counts
    assert not list((journals / "scaleout").glob("*/shard-*"))
    _verify(estate, "s3://dst/a")
    # a second run sends nothing
    again = json.loads(estate.skylift(*_ray(estate, "s3://dst/a")).stdout)
    assert again["transferred"] == 0 and again["skipped"] == SMALL + LARGE
    # credentials come from each worker's environment: never in task args, logs or output
    assert S3_SECRET not in run.stdout + run.stderr
    for path in estate.ray_logs():
        assert S3_SECRET.encode() not in path.read_bytes(), path


def _run_sampling_workers(
    e: Estate, *args: str
) -> tuple[subprocess.CompletedProcess[str], dict[int, float]]:
    """``skylift ARGS`` run to its end while the CPU seconds of every shard worker process
    are read from /proc (psutil) every 50 ms: their last reading per process."""
    proc = e.skylift_popen(*args)
    sampled: dict[int, float] = {}
    while proc.poll() is None:
        for pid in e.ns.pids():
            if e.ns.cmdline(pid).startswith(WORKER_TITLE):
                with contextlib.suppress(psutil.Error):
                    times = psutil.Process(pid).cpu_times()
                    sampled[pid] = times.user + times.system
        time.sleep(0.05)
    out, err = proc.communicate()
    return subprocess.CompletedProcess(args, proc.returncode, out, err), sampled


def _wait(what: str, check: object, timeout: float = 120) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()  # type: ignore[operator]
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _shard_workers(e: Estate) -> list[int]:
    """The namespace's shard worker processes (their Ray title: :data:`WORKER_TITLE`)."""
    return [pid for pid in e.ns.pids() if e.ns.cmdline(pid).startswith(WORKER_TITLE)]


def test_worker_killed_mid_shard_is_retried_and_resumes(estate: Estate) -> None:
    proc = estate.skylift_popen(*_ray(estate, "s3://dst/k", "--bwlimit", "12M"))

    def uploading() -> tuple[int, Path] | None:
        for journal in shard_journals(estate):
            if journal_rows(journal, "parts") >= 2:
                for pid in estate.ns.pids():
                    if not estate.ns.cmdline(pid).startswith(WORKER_TITLE):
                        continue
                    try:
                        files = {f.path for f in psutil.Process(pid).open_files()}
                    except psutil.Error:
                        continue
                    if str(journal) in files:
                        return pid, journal
        return None

    found = cast(tuple[int, Path], _wait("a shard with multipart parts journaled", uploading))
    psutil.Process(found[0]).kill()  # the worker process running that shard, mid-upload
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    result = json.loads(out)
    assert result["shard_retries"] >= 1
    assert result["parts_resumed"] >= 2  # journaled parts were not sent again
    assert result["parts_sent"] + result["parts_resumed"] <= LARGE * 5
    assert result["transferred"] + result["skipped"] == SMALL + LARGE
    _verify(estate, "s3://dst/k")


def test_driver_killed_then_rerun_resumes(estate: Estate) -> None:
    args = _ray(estate, "s3://dst/d", "--bwlimit", "12M", "--metrics-port", "9309")
    proc = estate.skylift_popen(*args)

    def scraped() -> int:
        scrape = "import urllib.request as u; print(u.urlopen('http://127.0.0.1:9309/metrics').read().decode())"
        probe = estate.ns.run([sys.executable, "-c", scrape], timeout=10).stdout
        # progress of every worker reaches the driver's Prometheus metrics
        for line in probe.splitlines():
            if line.startswith("skylift_transfer_bytes_total "):
                return int(float(line.split()[1]))
        return 0

    assert _wait("bytes in the driver's metrics", scraped)
    _wait(
        "finished objects in the shard journals",
        lambda: sum(journal_rows(j, "done") for j in shard_journals(estate)) > 200,
    )
    proc.kill()
    proc.communicate()
    assert not (estate.dst_data / "dst" / "d" / ".skylift-manifest.jsonl").exists()
    # Ray ends the dead driver's workers, in its own time (a 2 s sleep was a guess)
    _wait("the dead driver's workers to end", lambda: not _shard_workers(estate))
    rerun = estate.skylift(*_ray(estate, "s3://dst/d"))
    assert rerun.returncode == 0, rerun.stderr
    result = json.loads(rerun.stdout)
    assert result["skipped"] >= 200  # finished before the kill: not sent again
    assert result["transferred"] + result["skipped"] == SMALL + LARGE
    assert (estate.dst_data / "dst" / "d" / ".skylift-manifest.jsonl").exists()
    _verify(estate, "s3://dst/d")


def test_unreachable_address_is_one_line(estate: Estate) -> None:
    run = estate.skylift("transfer", "s3://src", "s3://dst/u", "--engine", "ray",
                         "--address", "ray://127.0.0.1:1")  # fmt: skip
    assert run.returncode != 0
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert "cannot reach the Ray cluster at ray://127.0.0.1:1" in lines[0]
    assert "Traceback" not in run.stderr and len(lines) <= 2  # the message and its hint


def test_a_lone_shard_is_split_for_the_idle_worker(estate: Estate) -> None:
    # 500 small objects are one shard (under 2 s of estimated work); slowed to 128 KiB/s
    # it runs for seconds while the second worker has nothing: the driver splits it.
    # --jobs 2: the engine lists at most 4 x 2 batches ahead of its copies (a split must
    # fall after what the shard has listed)
    args = _ray(estate, "s3://dst/s", "--include", "p0[0-3]/**", "--bwlimit", "128K", "--jobs", "2")
    run = estate.skylift(*args)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["shards_split"] >= 1 and result["shards"] >= 2
    assert all(w["objects"] > 0 for w in result["workers"]) and len(result["workers"]) == 2
    expected = {k for k in _source_keys(estate) if k[:3] in ("p00", "p01", "p02", "p03")}
    assert result["transferred"] == len(expected)  # none sent by both halves
    lines = (estate.dst_data / "dst" / "s" / ".skylift-manifest.jsonl").read_text().splitlines()
    assert sorted(json.loads(line)["path"] for line in lines[1:]) == sorted(expected)


_LIST_FROM = """
import json, sys
from skylift.transfer.remotes import open_remote
remotes = {"s3://src": {"endpoint": sys.argv[1], "region": "us-east-1", "allow_http": "true"}}
store = open_remote("s3://src/p03", remotes)  # a key prefix in the URL: obstore's prefix store
every = [i.path for i in store.list()]
after = every[len(every) // 2]
print(json.dumps([every, after, [i.path for i in store.list_from("", after)]]))
"""


def test_list_from_starts_after_a_key_on_a_real_s3_server(estate: Estate) -> None:
    # what a shard's listing relies on (S3 start-after through obstore's offset)
    from tests.integration.scaleout.cluster import SRC_PORT

    run = estate.ns.run([sys.executable, "-c", _LIST_FROM, f"http://127.0.0.1:{SRC_PORT}"],
                        env=CREDENTIALS, timeout=60)  # fmt: skip
    assert run.returncode == 0, run.stderr
    every, after, got = json.loads(run.stdout)
    assert len(every) == SMALL // 16 and got == [k for k in every if k > after] and got


def test_ray_client_address(estate: Estate) -> None:
    # Ray Client: the driver talks to the head's client server (port 10001), as from a
    # machine outside the cluster would (here the journal folder is shared by being local)
    client = "ray://127.0.0.1:10001"
    run = estate.skylift("transfer", "s3://src", "s3://dst/rc", "--include", "p00/**",
                         "--engine", "ray", "--address", client, "--json")  # fmt: skip
    logs = sorted(estate.ray_dir.glob("session_*/logs/ray_client_server_*.err"))
    assert run.returncode == 0, run.stderr + "".join(p.read_text()[-1500:] for p in logs)
    result = json.loads(run.stdout)
    expected = {k for k in _source_keys(estate) if k.startswith("p00/")}
    assert result["transferred"] == len(expected) and result["engine"] == "ray"
    lines = (estate.dst_data / "dst" / "rc" / ".skylift-manifest.jsonl").read_text().splitlines()
    assert {json.loads(line)["path"] for line in lines[1:]} == expected


def test_compressed_copy_and_decode_round_trip(estate: Estate) -> None:
    # --compress and key-less --decode run on the workers; the decoded copy of the
    # compressed copy equals the source, checked by content (verify --checksum)
    sub = ("--include", "p01/**")
    packed = estate.skylift(*_ray(estate, "s3://dst/z", "--compress", *sub))
    assert packed.returncode == 0, packed.stderr
    expected = {k for k in _source_keys(estate) if k.startswith("p01/")}
    assert json.loads(packed.stdout)["transferred"] == len(expected)
    stored = estate.dst_data / "dst" / "z" / sorted(expected)[0]
    assert stored.read_bytes()[:4] == b"SKLF"  # really encoded on the workers
    unpacked = estate.skylift("transfer", "s3://dst/z", "s3://dst/zd", "--decode", "--json",
                              "--engine", "ray", "--address", estate.address)  # fmt: skip
    assert unpacked.returncode == 0, unpacked.stderr
    check = estate.skylift("verify", "s3://src", "s3://dst/zd", "--checksum", "--json", *sub)
    assert check.returncode == 0, check.stdout + check.stderr
    assert json.loads(check.stdout)["ok"] == len(expected)


_PLANT = f"""
import sys
from skylift.transfer.remotes import open_remote
endpoint = "http://127.0.0.1:{DST_PORT}"
remotes = {{"s3://dst": {{"endpoint": endpoint, "region": "us-east-1", "allow_http": "true"}}}}
store = open_remote("s3://dst/e", remotes)  # through S3: rclone caches its folder listings
store.write(sys.argv[2], store.read(sys.argv[1]))
"""


def test_encrypted_copy_is_sealed_and_decodes_with_every_check(estate: Estate) -> None:
    # workers take the key from their own environment; the driver seals the merged
    # manifest; a keyed --decode on the workers then checks the seal (the local engine's
    # code: a missing or wrong seal warns or refuses) and refuses what it does not list
    sub = ("--include", "p02/**")
    expected = {k for k in _source_keys(estate) if k.startswith("p02/")}
    enc = estate.skylift(*_ray(estate, "s3://dst/e", "--encrypt", *sub), env={KEY_ENV: KEY})
    assert enc.returncode == 0, enc.stderr
    lines = (estate.dst_data / "dst" / "e" / ".skylift-manifest.jsonl").read_text().splitlines()
    assert json.loads(lines[0])["seal"].startswith("hmac-sha256:") and len(lines) == 1 + len(
        expected
    )
    # an object planted in the archive (encrypted with the key, but not by the run the
    # seal covers) must be refused by the workers' decode, as by a local one
    copy = next(iter(sorted(expected)))
    plant = estate.ns.run([sys.executable, "-c", _PLANT, copy, "p02/d000/planted.bin"],
                          env=CREDENTIALS, timeout=60)  # fmt: skip
    assert plant.returncode == 0, plant.stderr
    dec = estate.skylift("transfer", "s3://dst/e", "s3://dst/ed", "--decode", "--json",
                         "--engine", "ray", "--address", estate.address,
                         env={KEY_ENV: KEY})  # fmt: skip
    assert dec.returncode == 5, dec.stderr
    decoded = json.loads(dec.stdout)
    assert decoded["transferred"] == len(expected) and decoded["warnings_count"] == 0
    assert [f["path"] for f in decoded["failures"]] == ["p02/d000/planted.bin"]
    assert "not in the source's sealed manifest" in decoded["failures"][0]["error"]
    check = estate.skylift("verify", "s3://src", "s3://dst/ed", "--checksum", "--json", *sub)
    assert check.returncode == 0 and json.loads(check.stdout)["ok"] == len(expected)
    # another key on the driver: every shard fails on its worker, nothing is published
    bad = estate.skylift(*_ray(estate, "s3://dst/eb", "--encrypt", *sub), env={KEY_ENV: "ab" * 32})
    assert bad.returncode == 5, bad.stderr
    assert "is not the driver's key" in bad.stdout
    assert not (estate.dst_data / "dst" / "eb" / ".skylift-manifest.jsonl").exists()
    for path in estate.ray_logs():
        assert KEY.encode() not in path.read_bytes(), path


# 3 top-level entries, fewer than the 8 ranges of 2 one-CPU nodes (4 per worker): one entry
# each, so a split can only come from probing inside big/ (no whole folder is left to move)
WIDE_FOLDERS, WIDE_EACH, WIDE_BIG, WIDE_ROOT = 1, 20, 4000, 1
# before every source key, inside f00/, after everything (none in big/: a destination key
# ahead of big/'s copies would block its split, as the shard's listing position is the
# higher of its two listings)
WIDE_EXTRA = ("a-first.txt", "f00/zz-extra", "zzz/extra")


def _wide_tree(folder: Path) -> int:
    """A source of many top-level folders, a few root keys and one folder much larger
    than the others (``big/``: stealing must split it); returns the object count."""
    import random

    rng = random.Random(22)
    paths = [f"f{i:02d}/sub/o{j:03d}" for i in range(WIDE_FOLDERS) for j in range(WIDE_EACH)]
    paths += [f"big/obj{j:06d}.bin" for j in range(WIDE_BIG)]
    paths += [f"root{j}.txt" for j in range(WIDE_ROOT)]
    for path in paths:
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(rng.randbytes(rng.randint(64, 512)))
    return len(paths)


def test_split_listing_driver_lists_no_key(estate: Estate) -> None:
    # on the destination server (made by the fixture; s3://src keeps its tree)
    total = WIDE_FOLDERS * WIDE_EACH + WIDE_BIG + WIDE_ROOT
    args = ["transfer", "s3://dst/wide", "s3://dst/w", "--engine", "ray", "--address",
            estate.address, "--json", "--jobs", "2", "--bwlimit", "256K"]  # fmt: skip
    env = {"SKYLIFT_SCALEOUT_LISTING": "split"}  # every range from start-after probes
    run = estate.skylift(*args, env=env)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["transferred"] == total and result["failed"] == 0
    assert result["driver_listed"] == 0  # not one key per object
    assert result["shards"] >= 4  # big/ cut by probes (in key space), then split when idle
    assert sum(w["objects"] for w in result["workers"]) == total
    # a sync re-run sends nothing and deletes what only the destination has, in every range:
    # the driver lists 1,000 keys (a-first.txt falls in its first range), probes cut the
    # rest (f00/zz-extra in a middle range, zzz/extra in the last)
    mixed = {"SKYLIFT_SCALEOUT_LISTING": "1000"}
    again = json.loads(estate.skylift(*args[:-2], "--delete", env=mixed).stdout)
    assert again["transferred"] == 0 and again["skipped"] == total
    assert again["driver_listed"] == 1000
    assert again["deleted"] == len(WIDE_EXTRA)
    assert not any((estate.dst_data / "dst" / "w" / extra).exists() for extra in WIDE_EXTRA)
    check = estate.skylift("verify", "s3://dst/wide", "s3://dst/w", "--checksum", "--json")
    assert check.returncode == 0, check.stdout + check.stderr
    assert json.loads(check.stdout)["ok"] == total
    # a missing source is refused as with the driver's listing (never an empty shard
    # that would look like an empty source to a sync)
    missing = estate.skylift(*["s3://dst/nothing" if a == "s3://dst/wide" else a for a in args],
                             env=env)  # fmt: skip
    assert missing.returncode == 2 and "no such folder" in missing.stderr, missing.stderr
    # the driver's own listing (the default) counts every key
    assert json.loads(estate.skylift(*args[:-2]).stdout)["driver_listed"] == total
