"""A Ray cluster on which no shard worker can start (#22): a head with no CPU and no
worker node — as after every worker node was lost, or with every CPU held by another
job. The driver must not wait forever: after ``$SKYLIFT_SCALEOUT_WORKER_WAIT`` seconds
without a live worker it stops with one line saying so (nothing published)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from tests.integration.scaleout.cluster import Estate, make_tree, start_estate

pytestmark = pytest.mark.timeout(300)


@pytest.fixture  # one test each: its cluster ends with it (not three at once)
def empty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Estate]:
    e = start_estate(tmp_path_factory.mktemp("scaleout-noworkers"), workers=0, head_cpus=0)
    try:
        make_tree(e.src_data / "src", 20, 0)
        yield e
    finally:
        e.close()


def test_no_worker_ever_starts_is_one_line_not_a_hang(empty: Estate) -> None:
    try:
        run = empty.skylift("transfer", "s3://src", "s3://dst/w", "--engine", "ray",
                            "--address", empty.address, "--json",
                            env={"SKYLIFT_SCALEOUT_WORKER_WAIT": "5"}, timeout=120)  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail("the driver waited forever for a worker Ray cannot place")
    assert run.returncode != 0
    lines = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert lines and "no Ray shard worker came up" in lines[0], run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    assert not (empty.dst_data / "dst" / "w" / ".skylift-manifest.jsonl").exists()


@pytest.fixture  # one test each: its cluster ends with it (not three at once)
def broken(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Estate]:
    # one worker node whose Python finds a skylift that fails to import (as a node
    # without skylift[ray], or at another version): every worker dies while starting
    root = tmp_path_factory.mktemp("scaleout-broken")
    shadow = root / "shadow" / "skylift"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('skylift of another build')\n")
    from tests.integration.scaleout.cluster import CREDENTIALS

    env = {**CREDENTIALS, "PYTHONPATH": str(shadow.parent)}
    e = start_estate(root, workers=1, head_cpus=0, worker_env=env)
    try:
        make_tree(e.src_data / "src", 20, 0)
        yield e
    finally:
        e.close()


def test_workers_dying_at_start_end_the_run_with_their_reason(broken: Estate) -> None:
    try:
        run = broken.skylift("transfer", "s3://src", "s3://dst/b", "--engine", "ray",
                             "--address", broken.address, "--json", timeout=150)  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail("the driver restarted workers that die at start forever")
    assert run.returncode != 0
    lines = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert lines and "died while starting" in lines[0], run.stderr[-3000:]
    assert "skylift of another build" in lines[0]
    assert "Traceback" not in run.stderr
    assert not (broken.dst_data / "dst" / "b" / ".skylift-manifest.jsonl").exists()


@pytest.fixture  # one test each: its cluster ends with it (not three at once)
def one_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Estate]:
    e = start_estate(tmp_path_factory.mktemp("scaleout-onenode"), workers=1, head_cpus=0)
    try:
        make_tree(e.src_data / "src", 2000, 0)
        yield e
    finally:
        e.close()


def test_the_only_worker_node_lost_mid_run_is_one_line_not_a_hang(one_node: Estate) -> None:
    # the node's raylet and its shard worker killed while a shard runs: the shard's call
    # fails, its replacement worker has no CPU to go to — as when every worker node is lost
    import os
    import signal
    import time

    from tests.integration.scaleout.cluster import BIN, CREDENTIALS

    env = {**CREDENTIALS, "SKYLIFT_SCALEOUT_WORKER_WAIT": "5"}
    argv = [str(BIN / "skylift"), "transfer", "s3://src", "s3://dst/lost", "--engine", "ray",
            "--address", one_node.address, "--json", "--bwlimit", "300k"]  # fmt: skip
    proc = one_node.ns.popen(argv, env=env, cwd=one_node.workspace,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.monotonic() + 120
    node: list[int] = []
    while time.monotonic() < deadline and not node:
        time.sleep(0.5)
        cmdlines = {pid: one_node.ns.cmdline(pid) for pid in one_node.ns.pids()}
        if any(c.startswith("ray::ShardWorker.run") for c in cmdlines.values()):
            node = [
                pid
                for pid, c in cmdlines.items()
                if c.startswith("ray::ShardWorker") or ("/raylet " in c and "CPU,1" in c)
            ]
    assert node, "no shard ran"
    for pid in node:
        os.kill(pid, signal.SIGKILL)
    try:
        _, err = proc.communicate(timeout=150)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("the driver waited forever for a worker after its only node was lost")
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert proc.returncode == 5 and lines, err[-2000:]
    assert "no Ray shard worker came up in 5 s" in lines[0]
    assert not (one_node.dst_data / "dst" / "lost" / ".skylift-manifest.jsonl").exists()
