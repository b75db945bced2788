"""The receiver against hostile and broken clients, and end-to-end runs on loopback.

Unauthenticated and wrong-token requests, path traversal (``..``, absolute paths, a
symlink out of the destination), oversized and slow bodies, chunks whose digest is
wrong, a corrupted chunk in the store, TLS with a bearer token and mutual TLS.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path

import blake3
import pytest

from skylift.domain.transfer import TransferOptions
from skylift.errors import ProviderError
from skylift.relay import protocol as p
from skylift.relay.run import run_relay
from skylift.relay.testing.paths import Proxy, free_port
from skylift.relay.tls import make_certs
from skylift.relay.values import RelayCredentials
from tests.integration.relay.conftest import TOKEN, ThreadedReceiver
from tests.integration.servers import ServerInfo

Start = Callable[..., ThreadedReceiver]
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def request(
    port: int, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers if headers is not None else AUTH)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def frame(data: bytes, digest: bytes | None = None) -> bytes:
    f = p.Frame(digest or blake3.blake3(data).digest(), p.RAW, len(data), data)
    return f.header() + f.payload


def recipe(path: str, data: bytes) -> bytes:
    head = {
        "path": path,
        "size": len(data),
        "mtime": None,
        "checksum": f"blake3:{blake3.blake3(data).hexdigest()}",
    }
    return json.dumps(head).encode() + b"\n" + blake3.blake3(data).digest()


def test_unauthenticated_requests_are_refused_before_the_body(start_receiver: Start) -> None:
    port = start_receiver().port
    assert request(port, "GET", "/v1/info", headers={})[0] == 401
    assert request(port, "GET", "/v1/info", headers={"Authorization": "Bearer nope"})[0] == 401
    assert request(port, "GET", "/v1/info", headers={"Authorization": TOKEN})[0] == 401
    # a huge announced body is refused at once: the server does not wait for it
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"PUT /v1/chunks HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 401")
    assert request(port, "GET", "/v1/info")[0] == 200


@pytest.mark.parametrize("bad", ["../x", "/etc", "a/../../b", "a//b"])
def test_traversal_in_the_root_is_refused(start_receiver: Start, bad: str) -> None:
    port = start_receiver().port
    status, _ = request(port, "GET", f"/v1/list?root={bad}")
    assert status == 400


@pytest.mark.parametrize("bad", ["../evil.txt", "/tmp/evil.txt", "a/./b", "x\x00y"])
def test_traversal_in_a_file_path_is_refused(
    start_receiver: Start, tmp_path: Path, bad: str
) -> None:
    port = start_receiver().port
    data = b"payload " * 100
    assert request(port, "PUT", "/v1/chunks", frame(data))[0] == 200
    status, body = request(port, "POST", "/v1/file?root=in", recipe(bad, data))
    assert status == 400, body
    assert not (tmp_path / "evil.txt").exists()
    assert not Path("/tmp/evil.txt").exists() or bad != "/tmp/evil.txt"


def test_a_symlink_out_of_the_destination_is_not_followed(
    start_receiver: Start, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "dst" / "link").symlink_to(outside)
    port = start_receiver().port
    data = b"secret " * 100
    request(port, "PUT", "/v1/chunks", frame(data))
    status, _ = request(port, "POST", "/v1/file", recipe("link/x.txt", data))
    assert status == 400
    assert list(outside.iterdir()) == []
    status, _ = request(port, "GET", "/v1/list?root=link")
    assert status in (200, 400)  # listing it shows nothing outside either way
    assert list(outside.iterdir()) == []


def test_oversized_and_slow_bodies(start_receiver: Start) -> None:
    port = start_receiver(request_timeout=0.5).port
    big = str(p.MAX_BATCH_BODY + 1)
    status, _ = request(port, "PUT", "/v1/chunks", b"x", {**AUTH, "Content-Length": big})
    assert status == 413
    status, _ = request(port, "POST", "/v1/have", b"\0" * (p.MAX_HAVE * 32 + 32))
    assert status == 413
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        head = f"PUT /v1/chunks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
        sock.sendall(head.encode() + b"Content-Length: 1000\r\n\r\n" + b"x" * 10)
        started = time.monotonic()
        answer = sock.recv(100)
        assert answer.startswith(b"HTTP/1.1 408")
        # the 0.5 s request_timeout, not the 120 s default (slack for a loaded CI machine)
        assert time.monotonic() - started < 20


def test_a_client_that_never_finishes_its_headers_is_cut_off(start_receiver: Start) -> None:
    port = start_receiver(idle_timeout=1.0).port
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(b"GET /v1/info HTTP/1.1\r\nHost: x\r\nAuthori")  # and then nothing
        started = time.monotonic()
        assert sock.recv(100) == b""  # closed by the receiver
        # the 1 s idle_timeout, not the 30 s default (slack for a loaded CI machine)
        assert time.monotonic() - started < 15


def test_chunks_with_a_wrong_digest_are_rejected(start_receiver: Start, tmp_path: Path) -> None:
    port = start_receiver().port
    good, bad = b"good " * 1000, b"bad " * 1000
    body = frame(good) + frame(bad, digest=blake3.blake3(b"something else").digest())
    status, answer = request(port, "PUT", "/v1/chunks", body)
    assert status == 422
    got = json.loads(answer)
    assert got["stored"] == 1 and got["bad"] == [blake3.blake3(b"something else").hexdigest()]
    digests = blake3.blake3(good).digest() + blake3.blake3(b"something else").digest()
    assert request(port, "POST", "/v1/have", digests)[1] == b"\x01\x00"
    assert request(port, "PUT", "/v1/chunks", b"\x00" * 10)[0] == 400  # truncated frame


def _tree(folder: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


def test_a_corrupted_chunk_in_the_store_is_detected_and_sent_again(
    start_receiver: Start, tmp_path: Path
) -> None:
    receiver = start_receiver()
    url = f"relay://127.0.0.1:{receiver.port}/out"
    creds = RelayCredentials(token=TOKEN)
    data = os.urandom(3 << 20)
    src = _tree(tmp_path / "src", {"a.bin": data})
    first = run_relay(str(src), url, TransferOptions(), tmp_path / "j", creds)
    assert first.ok and first.chunks_sent > 10
    store = tmp_path / "dst" / ".skylift-relay-chunks"
    victim = sorted((store / "packs").iterdir())[0]
    with victim.open("r+b") as fh:  # disk corruption inside one chunk, same size
        fh.seek(100)
        fh.write(b"rot")
    _tree(src, {"copy/b.bin": data})  # same content: every chunk deduplicates
    second = run_relay(str(src), url, TransferOptions(), tmp_path / "j", creds)
    assert second.ok, second.failures
    assert second.transferred == 1 and second.chunks_sent == 1  # only the rotten one again
    assert (tmp_path / "dst" / "out" / "copy" / "b.bin").read_bytes() == data


def test_tls_with_a_token_and_mutual_tls(start_receiver: Start, tmp_path: Path) -> None:
    certs = make_certs(tmp_path / "certs")
    src = _tree(tmp_path / "src", {"x.txt": b"hello relay\n" * 5000})
    tls = start_receiver(tls_cert=certs.server_cert, tls_key=certs.server_key)
    url = f"relays://127.0.0.1:{tls.port}/t"
    result = run_relay(
        str(src), url, TransferOptions(), tmp_path / "j", RelayCredentials(TOKEN, certs.ca)
    )
    assert result.ok and (tmp_path / "dst" / "t" / "x.txt").exists()
    mtls = start_receiver(
        tls_cert=certs.server_cert, tls_key=certs.server_key, client_ca=certs.ca, token=None
    )
    url = f"relays://127.0.0.1:{mtls.port}/m"
    quick = TransferOptions(unreachable_after=1.0)
    with pytest.raises(ProviderError, match="no relay path answers"):
        run_relay(str(src), url, quick, tmp_path / "j2", RelayCredentials(None, certs.ca))
    creds = RelayCredentials(None, certs.ca, certs.client_cert, certs.client_key)
    result = run_relay(str(src), url, TransferOptions(), tmp_path / "j3", creds)
    assert result.ok and (tmp_path / "dst" / "m" / "x.txt").exists()


def test_the_receiver_publishes_into_an_object_store(
    start_receiver: Start, tmp_path: Path, s3_server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Any destination the data mover writes to: here S3 (rclone serve s3), with the
    endpoint from per-remote options and the credentials from the environment."""
    for name, value in s3_server.env.items():
        monkeypatch.setenv(name, value)
    prefix = f"relay-{os.urandom(4).hex()}"
    receiver = start_receiver(
        destination=f"{s3_server.url}/{prefix}",
        remotes={"s3": s3_server.options},
    )
    data = {"a.log": b"GET /x 200\n" * 20000, "sub/b.bin": os.urandom(300_000)}
    src = _tree(tmp_path / "src", data)
    url = f"relay://127.0.0.1:{receiver.port}/in"
    result = run_relay(str(src), url, TransferOptions(), tmp_path / "j", RelayCredentials(TOKEN))
    assert result.ok and result.transferred == 2
    assert result.bytes_on_wire < len(data["a.log"]) // 5 + 320_000  # the log compressed
    assert s3_server.data_dir is not None
    bucket_dir = s3_server.data_dir / prefix / "in"
    for name, blob in data.items():
        assert (bucket_dir / name).read_bytes() == blob
    assert (bucket_dir / ".skylift-manifest.jsonl").exists()


def test_chunks_corrupted_in_transit_are_rejected_and_sent_again(
    start_receiver: Start, tmp_path: Path
) -> None:
    receiver = start_receiver()
    proxy = Proxy(free_port(), receiver.port, corrupt_puts=2)  # flips a byte in 2 requests
    try:
        data = {"x.bin": os.urandom(2 << 20), "y.log": b"GET /api 200 12ms\n" * 50000}
        src = _tree(tmp_path / "src", data)
        url = f"relay://127.0.0.1:{proxy.port}/c"
        creds = RelayCredentials(TOKEN)
        result = run_relay(str(src), url, TransferOptions(), tmp_path / "j", creds)
    finally:
        proxy.close()
    assert proxy.corrupt_puts == 0  # both corruptions happened
    # a flipped payload byte fails one digest (422); one in a frame header, the request (400)
    assert result.ok and result.chunks_rejected >= 2, result
    for name, blob in data.items():
        assert (tmp_path / "dst" / "c" / name).read_bytes() == blob
