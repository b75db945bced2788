"""The botocore client (multipart) pools as many connections as the engine has workers.

On a distant store the engine runs up to MAX_RTT_JOBS workers; with a smaller
pool every part beyond it would open (and then drop) a connection, paying a
handshake round trip per part (#12). No server needed: building the client
talks to nobody.
"""

from __future__ import annotations

import pytest

from skylift.storage.s3.backend import S3Storage
from skylift.transfer.scheduler import MAX_RTT_JOBS


def test_the_multipart_client_pools_a_connection_per_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "SKTEST")
    store = S3Storage("s3://bucket/root", endpoint="http://127.0.0.1:9", allow_http="true")
    try:
        pool = store.client._client.meta.config.max_pool_connections
        assert pool >= MAX_RTT_JOBS
    finally:
        store.close()
