"""A Ray worker without S3 credentials in its environment: every shard it runs fails
clearly (its key range, the worker, the store's refusal), nothing is published, and
the secret the driver holds appears in no output and no Ray log. Own cluster: one
node (a head with one CPU) started without AWS_* variables (the other module's workers have
them)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.integration.scaleout.cluster import S3_SECRET, Estate, make_tree, start_estate

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Estate]:
    e = start_estate(
        tmp_path_factory.mktemp("scaleout-bare"), workers=0, head_cpus=1, worker_env={}
    )
    try:
        make_tree(e.src_data / "src", 200, 0)
        yield e
    finally:
        e.close()


def test_worker_without_credentials_fails_per_shard(bare: Estate) -> None:
    run = bare.skylift("transfer", "s3://src", "s3://dst/n", "--engine", "ray",
                       "--address", bare.address, "--json", "--retries", "0")  # fmt: skip
    assert run.returncode == 5, run.stderr  # incomplete: objects (or shards) failed
    result = json.loads(run.stdout)
    assert result["failed"] >= 1 and result["transferred"] == 0
    assert result["manifest"] is None
    assert not (bare.dst_data / "dst" / "n" / ".skylift-manifest.jsonl").exists()
    messages = " ".join(f["path"] + " " + f["error"] for f in result["failures"])
    assert "shard 0 [''" in messages  # which key range failed
    assert "this worker has no s3 credentials in its environment" in messages
    assert S3_SECRET not in run.stdout + run.stderr
    for path in bare.ray_logs():
        assert S3_SECRET.encode() not in path.read_bytes(), path
