"""``AWS_ENDPOINT_URL`` is honoured as by the AWS tools (real S3 server, no ``remotes:``)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from skylift.domain.transfer import TransferOptions
from skylift.storage.registry import open_storage
from skylift.transfer.engine import run_transfer
from tests.integration.servers import ServerInfo

pytestmark = pytest.mark.servers


def test_transfer_to_the_endpoint_named_by_aws_endpoint_url(
    tmp_path: Path, s3_server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    for k, v in s3_server.env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server.endpoint)
    monkeypatch.setenv("AWS_ALLOW_HTTP", "true")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("hello")
    dst = f"{s3_server.url}/{uuid.uuid4().hex[:8]}"
    result = run_transfer(str(src), dst, TransferOptions(), tmp_path / "j")
    assert result.ok and result.transferred == 1
    assert open_storage(dst).read("a.txt") == b"hello"
