"""A multipart upload the server lost mid-run is started again, not failed (#12).

``rclone serve s3`` keeps multipart uploads in memory: killed and restarted
mid-run, it answers the next UploadPart with NoSuchUpload. The run then failed
the object (exit 5, no manifest) although the server was back. The object's
upload is now started once more within the run (its parts sent again, in the
worker that saw the loss); only a second loss fails it.

The loss is injected at an exact point: the upload is aborted on the server
(as a restart does) just before part 2 is read.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from skylift.domain.transfer import TransferOptions
from skylift.storage.local import LocalStorage
from skylift.storage.registry import open_storage
from skylift.transfer.engine import run_transfer
from tests.integration.servers import ServerInfo

MIB = 1 << 20
PART = 5 * MIB
pytestmark = pytest.mark.servers


def test_an_upload_lost_by_the_server_is_started_again(
    tmp_path: Path, s3_server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    import botocore.session

    for k, v in s3_server.env.items():
        monkeypatch.setenv(k, v)
    client = botocore.session.get_session().create_client(
        "s3", endpoint_url=s3_server.endpoint, region_name="us-east-1"
    )
    prefix = uuid.uuid4().hex[:8]
    lost: list[str] = []

    class ServerRestartsBeforePart2(LocalStorage):
        def read(self, path: str, start: int = 0, end: int | None = None) -> bytes:
            if start == PART and not lost:
                found = client.list_multipart_uploads(Bucket="bucket", Prefix=prefix)
                for upload in found.get("Uploads", []):
                    client.abort_multipart_upload(
                        Bucket="bucket", Key=upload["Key"], UploadId=upload["UploadId"]
                    )
                    lost.append(upload["UploadId"])
            return super().read(path, start, end)

    src = tmp_path / "src"
    src.mkdir()
    data = os.urandom(3 * PART)
    (src / "big.bin").write_bytes(data)
    dst = f"{s3_server.url}/{prefix}"
    remotes = {s3_server.url: s3_server.options}
    opts = TransferOptions(multipart_threshold=PART, part_size=PART, jobs=1)
    store = ServerRestartsBeforePart2(str(src))
    result = run_transfer(str(src), dst, opts, tmp_path / "j", src=store, remotes=remotes)
    assert len(lost) == 1  # the fault happened
    assert result.ok and result.manifest is not None, result.failures
    assert open_storage(dst, **s3_server.options).read("big.bin") == data
    assert client.list_multipart_uploads(Bucket="bucket", Prefix=prefix).get("Uploads") is None
    client.close()
