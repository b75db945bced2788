"""What a shard task carries: no credentials (URL user-info, secret-looking remote
options), and the runs the scaled-out engine refuses."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from skylift.domain.transfer import TransferOptions
from skylift.errors import InputError
from skylift.transfer.scaleout.driver import check_shippable, shippable_remotes
from skylift.transfer.scaleout.task import ShardTask


def test_credentials_in_a_url_are_refused() -> None:
    with pytest.raises(InputError, match="never ships them") as info:
        check_shippable("sftp://me:hunter2@host/data", "s3://b", TransferOptions())
    assert "hunter2" not in str(info.value) and "hunter2" not in info.value.hint


def test_runs_that_need_the_key_on_workers_are_refused() -> None:
    with pytest.raises(InputError, match="--encrypt needs a key"):
        check_shippable("s3://a", "s3://b", TransferOptions(encrypt=True, compress=True))
    check_shippable("s3://a", "s3://b", TransferOptions(encrypt=True), keyed=True)
    check_shippable("s3://a", "s3://b", TransferOptions(decode=True), keyed=True)
    check_shippable("s3://a", "s3://b", TransferOptions(compress=True))  # no key: allowed
    check_shippable("s3://a", "s3://b", TransferOptions(decode=True), keyed=False)


def test_task_arguments_hold_no_secret() -> None:
    remotes = {
        "s3://a": {"endpoint": "http://127.0.0.1:9000", "secret_access_key": "s3cr3t-value"},
        "sftp": {"password": "pw-value", "known_hosts": "~/.ssh/known_hosts"},
    }
    task = ShardTask(
        0, "", None, "s3://a", "s3://b", TransferOptions(), "/j", shippable_remotes(remotes)
    )
    blob = pickle.dumps(task)
    assert b"s3cr3t-value" not in blob and b"pw-value" not in blob
    assert task.remotes["s3://a"] == {"endpoint": "http://127.0.0.1:9000"}


def test_bad_sources_fail_before_any_ray_connection(tmp_path: Path) -> None:
    from skylift.transfer.scaleout.driver import run_scaleout

    # checked before the (closed, loopback) address is dialled: InputError, not "cannot reach"
    closed = "ray://127.0.0.1:1"
    with pytest.raises(InputError, match="does not exist"):
        run_scaleout(str(tmp_path / "missing"), str(tmp_path / "out"), TransferOptions(),
                     tmp_path / "j", closed)  # fmt: skip
    (tmp_path / "one.txt").write_bytes(b"x")
    with pytest.raises(InputError, match="single object"):
        run_scaleout(str(tmp_path / "one.txt"), str(tmp_path / "out"), TransferOptions(),
                     tmp_path / "j", closed)  # fmt: skip


@pytest.mark.parametrize(
    "endpoint", ["http://minio:pw-in-endpoint@127.0.0.1:9000", "https://h/?sig=pw-in-endpoint"]
)
def test_credentials_in_a_remote_option_url_are_refused(endpoint: str) -> None:
    # an option whose name looks harmless ('endpoint') may still hold a URL with user-info
    # or a signed query: shipped as it was before, it went to every worker's arguments
    remotes = {"s3://a": {"endpoint": endpoint, "region": "us-east-1"}}
    with pytest.raises(InputError, match="never ships them") as info:
        shippable_remotes(remotes)
    assert "pw-in-endpoint" not in str(info.value) + (info.value.hint or "")
    kept = shippable_remotes({"s3://a": {"endpoint": "http://127.0.0.1:9000"}})
    assert kept == {"s3://a": {"endpoint": "http://127.0.0.1:9000"}}
