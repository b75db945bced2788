"""S3 bodies are SHA-256-signed only where neither TLS nor loopback protects them (no
server needed: constructing the store talks to nobody; the rule and both clients:
test_s3_signing.py)."""

from __future__ import annotations

import pytest

from skylift.storage.s3.backend import S3Storage


@pytest.fixture(autouse=True)
def _static_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "SKTEST")


@pytest.mark.parametrize(
    ("options", "unsigned_payload"),
    [
        ({}, True),  # AWS itself: https
        ({"endpoint": "https://minio.internal:9000"}, True),
        ({"endpoint": "HTTPS://minio.internal:9000"}, True),
        ({"endpoint": "http://192.0.2.10:9000", "allow_http": "true"}, False),
        ({"endpoint": "http://127.0.0.1:9000", "allow_http": "true"}, True),  # loopback
    ],
)
def test_payload_is_signed_only_on_plain_http_beyond_loopback(
    options: dict[str, str], unsigned_payload: bool
) -> None:
    store = S3Storage("s3://bucket/root", **options)
    config = store.store.config
    assert (config.get("unsigned_payload") == "true") is unsigned_payload
    assert config.get("skip_signature", "false") == "false"  # requests are still signed


def test_public_buckets_skip_the_signature_altogether() -> None:
    store = S3Storage("s3://bucket", unsigned="true")
    assert store.store.config.get("skip_signature") == "true"
