"""Mid-size objects to a distant S3 store go as parallel parts, not one window-bound PUT (#12).

Below the (resumable) multipart threshold an object is one upload either
way; at a long round trip one connection carries at most its window per
round trip, so the engine asks the store to split such writes over several
connections (``Storage.split_puts``). Checked on real servers: moto reports
the multipart ETag (``-N``), rclone serve s3 the whole MD5; both must hold
the exact bytes.
"""

from __future__ import annotations

import hashlib
import os
import uuid

import pytest

from skylift.storage.registry import open_storage
from skylift.transfer.threshold import HIGH, split_from, threshold_for_rtt
from tests.integration.servers import ServerInfo

MIB = 1 << 20
pytestmark = pytest.mark.servers


@pytest.mark.parametrize("fixture", ["moto_server", "s3_server"])
def test_a_split_write_is_one_object_with_the_exact_bytes(
    fixture: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    server: ServerInfo = request.getfixturevalue(fixture)
    for key, value in server.env.items():
        monkeypatch.setenv(key, value)
    store = open_storage(f"{server.url}/{uuid.uuid4().hex[:10]}", **server.options)
    data = os.urandom(20 * MIB + 3)
    store.split_puts(16 * MIB, concurrency=4)  # 3 parts of 8 MiB (the smallest split part)
    split = store.write("split.bin", data)
    store.split_puts(None)
    whole = store.write("whole.bin", data)
    small = b"x" * (15 * MIB)
    store.split_puts(16 * MIB, concurrency=4)
    below = store.write("below.bin", small)
    assert store.read("split.bin") == data and store.read("whole.bin") == data
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    assert whole.etag == md5
    if fixture == "moto_server":  # moto answers with S3's multipart ETag
        assert split.etag is not None and split.etag.endswith("-3")
        assert below.etag == hashlib.md5(small, usedforsecurity=False).hexdigest()
    assert split.size == len(data) and store.stat("split.bin").size == len(data)
    store.close()


def test_only_distant_s3_stores_split() -> None:
    s3 = open_storage("s3://bucket/x", endpoint="http://127.0.0.1:9", allow_http="true")
    local = open_storage("memory://split-policy")
    assert split_from(s3, None, HIGH) is None
    assert split_from(s3, 0.0002, HIGH) is None  # loopback: one PUT (measured faster)
    assert split_from(s3, 0.002, HIGH) is None  # a LAN: 1 GiB would be the cut
    assert split_from(s3, 0.040, threshold_for_rtt(0.040)) == 50 * MIB
    assert split_from(s3, 0.100, threshold_for_rtt(0.100)) == 20 * MIB
    assert split_from(local, 0.040, HIGH) is None
