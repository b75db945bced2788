"""Multipart parts over https go ``UNSIGNED-PAYLOAD``: no SHA-256 of every part (#12).

Left alone, botocore signs a part's body on https too whenever no checksum
header goes with it — which is every part under
``request_checksum_calculation="when_required"``. A real ``rclone serve s3``
over TLS (a throwaway self-signed certificate for 127.0.0.1, trusted through
``AWS_CA_BUNDLE`` as a user would) accepts the upload; botocore's
``before-send`` event shows each request as it goes out (observed, not changed).
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from skylift.storage.base import MultipartUpload, PartInfo
from skylift.storage.s3.client import S3Client
from tests.integration.servers import BIN, S3_KEY, S3_SECRET, free_port, wait_for_port

MIB = 1 << 20


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1, valid for a day (made for this test run)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``rclone serve s3`` over TLS: yields its https endpoint and the certificate."""
    rclone = BIN / "rclone"
    if not rclone.exists():
        pytest.skip("rclone is not installed (run `make test-servers`)")
    work = tmp_path_factory.mktemp("s3-tls")
    (work / "data" / "bucket").mkdir(parents=True)
    cert, key = _self_signed(work)
    port = free_port()
    argv = [str(rclone), "serve", "s3", "--addr", f"127.0.0.1:{port}"]
    argv += ["--cert", str(cert), "--key", str(key)]
    argv += ["--auth-key", f"{S3_KEY},{S3_SECRET}", str(work / "data")]
    with open(work / "rclone.log", "wb") as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, proc)
        yield f"https://127.0.0.1:{port}", cert
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(work / "data", ignore_errors=True)


@pytest.mark.parametrize(("option", "signed"), [(None, False), ("true", True)])
def test_parts_over_tls_carry_no_sha256_unless_asked(
    tls_server: tuple[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    option: str | None,
    signed: bool,
) -> None:
    endpoint, cert = tls_server
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", S3_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", S3_SECRET)
    monkeypatch.setenv("AWS_CA_BUNDLE", str(cert))
    options = {"endpoint": endpoint, "region": "us-east-1"}
    if option is not None:
        options["sign_payload"] = option
    client = S3Client("bucket", options, "s3://bucket")
    seen: list[tuple[str, str]] = []

    def observe(request: Any, **_: object) -> None:
        sha = request.headers.get("X-Amz-Content-SHA256", b"")
        seen.append((request.method, sha.decode() if isinstance(sha, bytes) else sha))

    client._client.meta.events.register("before-send.s3", observe)
    parts = [os.urandom(5 * MIB), os.urandom(MIB)]
    key = f"tls-{option}"
    try:
        upload = MultipartUpload(path=key, upload_id=client.create_multipart(key, key))
        sent = [
            PartInfo(number, len(data), client.upload_part(key, upload, number, data))
            for number, data in enumerate(parts, 1)
        ]
        client.complete(key, upload, sent)
        assert client.get_range(key, key, 0, None) == b"".join(parts)
    finally:
        client.close()
    part_hashes = [sha for method, sha in seen if method == "PUT"]
    assert len(part_hashes) == 2, seen
    if signed:
        assert part_hashes == [hashlib.sha256(d).hexdigest() for d in parts]
    else:
        assert part_hashes == ["UNSIGNED-PAYLOAD"] * 2
