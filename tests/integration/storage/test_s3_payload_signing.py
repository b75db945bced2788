"""What each PUT says about its body, on the wire to a real ``rclone serve s3`` (#12).

A recording proxy on 127.0.0.1 reads every request head the client sends
(``x-amz-content-sha256``) and passes it on; the server checks each
signature, so an object read back intact proves the request was accepted as
signed. Both clients are covered: obstore (single PUT) and botocore
(CreateMultipartUpload / UploadPart / Complete, resumable).

* loopback endpoint, defaults: every body goes ``UNSIGNED-PAYLOAD`` — no
  SHA-256 over the bytes (botocore alone would hash every part on plain HTTP);
* ``sign_payload: true``: every body's SHA-256 is in its signature.
"""

from __future__ import annotations

import hashlib
import os
import threading
import uuid
from collections.abc import Iterator

import pytest

from skylift.storage.base import PartInfo
from skylift.storage.s3.backend import S3Storage
from tests.integration.servers import FaultProxy, ServerInfo

MIB = 1 << 20


class Recorder:
    """The ``(method, target, x-amz-content-sha256)`` of every request head seen."""

    def __init__(self) -> None:
        self.heads: list[tuple[str, str, str]] = []
        self._lock = threading.Lock()

    def __call__(self, chunk: bytes) -> bool:
        method, _, rest = chunk.partition(b" ")
        if method in (b"PUT", b"POST", b"GET", b"HEAD", b"DELETE") and b"\r\n\r\n" in chunk:
            head = chunk.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
            target = rest.split(b" ", 1)[0].decode("latin-1")
            fields = dict(line.split(":", 1) for line in head[1:] if ":" in line)
            sha = {k.lower(): v.strip() for k, v in fields.items()}.get("x-amz-content-sha256")
            with self._lock:
                self.heads.append((method.decode(), target, sha or ""))
        return False  # never drop anything: only record

    def puts(self) -> list[tuple[str, str]]:
        """``(target, x-amz-content-sha256)`` of every PUT (single objects and parts)."""
        return [(target, sha) for method, target, sha in self.heads if method == "PUT"]


@pytest.fixture
def recorded(
    s3_server: ServerInfo,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[Recorder, str]]:
    """A recorder, and the endpoint of a proxy in front of the server that feeds it."""
    for name, value in s3_server.env.items():
        monkeypatch.setenv(name, value)
    recorder = Recorder()
    port = int(s3_server.endpoint.rsplit(":", 1)[1])
    proxy = FaultProxy(port, recorder)
    try:
        yield recorder, proxy.endpoint
    finally:
        proxy.close()


def _upload_both_ways(store: S3Storage) -> dict[str, bytes]:
    """One single PUT (obstore) and one 2-part multipart upload (botocore); read back."""
    small = os.urandom(64 * 1024)
    parts = [os.urandom(5 * MIB), os.urandom(MIB)]
    store.write("single.bin", small)
    upload = store.create_multipart("multi.bin")
    sent: list[PartInfo] = [store.upload_part(upload, 1, parts[0])]
    sent.append(store.upload_part(upload, 2, bytearray(parts[1])))  # sent as it is, no copy
    store.complete_multipart(upload, sent)
    assert store.read("single.bin") == small
    assert store.read("multi.bin") == b"".join(parts)
    return {"single": small, "part1": parts[0], "part2": parts[1]}


def _store(endpoint: str, **extra: str) -> S3Storage:
    root = f"s3://bucket/signing-{uuid.uuid4().hex[:8]}"
    return S3Storage(root, endpoint=endpoint, region="us-east-1", allow_http="true", **extra)


def test_loopback_http_sends_no_sha256_of_any_body(recorded: tuple[Recorder, str]) -> None:
    recorder, endpoint = recorded
    store = _store(endpoint)
    try:
        _upload_both_ways(store)
    finally:
        store.close()
    puts = recorder.puts()
    assert len(puts) == 3, puts  # the single PUT and both parts went through the proxy
    assert [sha for _, sha in puts] == ["UNSIGNED-PAYLOAD"] * 3, puts
    assert any("partNumber=2" in target for target, _ in puts)


def test_sign_payload_true_signs_every_body(recorded: tuple[Recorder, str]) -> None:
    recorder, endpoint = recorded
    store = _store(endpoint, sign_payload="true")
    try:
        bodies = _upload_both_ways(store)
    finally:
        store.close()
    puts = recorder.puts()
    want = {hashlib.sha256(body).hexdigest() for body in bodies.values()}
    assert {sha for _, sha in puts} == want, puts
