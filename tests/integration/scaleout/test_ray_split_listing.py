"""The split listing on a real local Ray cluster (#22): the driver lists only the first keys,
the rest of the source is cut into ranges by start-after probes and each shard lists its
own range — and the job still survives a worker killed mid-shard and a driver killed and
re-run. Two S3 servers (rclone serve s3) and a head + one worker node (one CPU each) in a
private network namespace (cluster.py). Oracles: the source folder itself, the shard
journals, the published manifest and ``skylift verify --checksum``."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from tests.integration.scaleout.cluster import (
    BIN,
    CREDENTIALS,
    Estate,
    journal_rows,
    make_tree,
    shard_journals,
    start_estate,
)

SMALL, LARGE = 800, 3
BIG = "p15/d000"  # the large objects' folder (before obj000015.bin there)
LISTING = "SKYLIFT_SCALEOUT_LISTING"
pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Estate]:
    e = start_estate(tmp_path_factory.mktemp("split"), workers=1, head_cpus=1)
    try:
        make_tree(e.src_data / "src", SMALL, 0)
        for i in range(LARGE):  # among the last small keys: inside a range the probes cut
            (e.src_data / "src" / BIG / f"big{i}.bin").write_bytes(os.urandom(24 << 20))
        yield e
    finally:
        e.close()


def _source_keys(e: Estate) -> set[str]:
    base = e.src_data / "src"
    return {str(p.relative_to(base)) for p in base.rglob("*") if p.is_file()}


def _args(e: Estate, dst: str) -> list[str]:
    return ["transfer", "s3://src", dst, "--engine", "ray", "--address", e.address, "--json",
            "--multipart-threshold", "8M", "--part-size", "5M", "--bwlimit", "12M"]  # fmt: skip


def _start(e: Estate, args: list[str], listing: str) -> subprocess.Popen[str]:
    return e.ns.popen([str(BIN / "skylift"), *args], env={**CREDENTIALS, LISTING: listing},
                      cwd=e.workspace, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip


def _holder(e: Estate, journal: Path) -> int | None:
    """The worker process that has ``journal`` open (the one running its shard)."""
    for pid in e.ns.pids():
        try:
            if str(journal) in {f.path for f in psutil.Process(pid).open_files()}:
                return pid
        except psutil.Error:
            continue
    return None


def _wait(what: str, check: Callable[[], object], timeout: float = 120) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _verify(e: Estate, dst: str) -> None:
    check = e.skylift("verify", "s3://src", dst, "--checksum", "--json")
    assert check.returncode == 0, check.stdout + check.stderr
    assert json.loads(check.stdout)["ok"] == SMALL + LARGE


def _uploading(e: Estate) -> tuple[int, Path] | None:
    for journal in shard_journals(e):
        if journal_rows(journal, "parts") >= 2:
            pid = _holder(e, journal)
            if pid is not None:
                return pid, journal
    return None


def test_probed_ranges_survive_a_killed_worker(estate: Estate) -> None:
    # the driver lists no key: every range comes from probes; a worker process is killed
    # while its shard has multipart parts journaled: the shard runs again and resumes
    proc = _start(estate, _args(estate, "s3://dst/w"), "split")
    found = _wait("a shard with multipart parts journaled", lambda: _uploading(estate))
    psutil.Process(found[0]).kill()  # type: ignore[index]
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    result = json.loads(out)
    assert result["driver_listed"] == 0 and result["shards"] >= 4
    assert result["shard_retries"] >= 1
    assert result["parts_resumed"] >= 2  # the retry found the shard's journal
    assert result["parts_sent"] + result["parts_resumed"] <= LARGE * 5
    # what the killed shard finished before it died is skipped by its retry
    assert result["transferred"] + result["skipped"] == SMALL + LARGE and result["failed"] == 0
    lines = (estate.dst_data / "dst" / "w" / ".skylift-manifest.jsonl").read_text().splitlines()
    assert sorted(json.loads(line)["path"] for line in lines[1:]) == sorted(_source_keys(estate))
    _verify(estate, "s3://dst/w")


def test_driver_killed_in_the_split_listing_then_rerun_resumes(estate: Estate) -> None:
    # the driver lists 300 keys, probes split the rest (the large objects among it, inside
    # a range that starts at a small object's key); it is killed while a large object's
    # upload has parts journaled and objects are done; the re-run plans the same ranges (a
    # function of the keys and the worker count), so it finds their journals: finished
    # objects are skipped and the parts are not sent again (fails when a split key changes
    # from run to run)
    args = _args(estate, "s3://dst/d")
    proc = _start(estate, args, "300")
    _wait("a shard with multipart parts journaled", lambda: _uploading(estate))
    _wait(
        "finished objects",
        lambda: sum(journal_rows(j, "done") for j in shard_journals(estate)) > 100,
    )
    proc.kill()
    proc.communicate()
    assert not (estate.dst_data / "dst" / "d" / ".skylift-manifest.jsonl").exists()
    time.sleep(2)  # Ray ends the dead driver's tasks
    rerun = estate.skylift(*args[:-2], env={LISTING: "300"})
    assert rerun.returncode == 0, rerun.stderr
    result = json.loads(rerun.stdout)
    assert result["driver_listed"] == 300
    assert result["skipped"] >= 100 and result["parts_resumed"] >= 2
    assert result["transferred"] + result["skipped"] == SMALL + LARGE
    assert (estate.dst_data / "dst" / "d" / ".skylift-manifest.jsonl").exists()
    _verify(estate, "s3://dst/d")
