"""Error mapping against real servers: bad credentials, restarts, keys the store rejects."""

from __future__ import annotations

import pytest

from skylift.errors import ProviderError
from skylift.storage.base import PermissionDeniedError, TransientError
from skylift.storage.memory import MemoryStorage, drop_memory_store
from skylift.storage.registry import open_storage
from tests.integration.servers import ServerInfo

pytestmark = pytest.mark.servers


def _env(monkeypatch: pytest.MonkeyPatch, server: ServerInfo) -> None:
    for key, value in server.env.items():
        monkeypatch.setenv(key, value)


def test_s3_wrong_secret_is_permission_denied_on_data_and_multipart_paths(
    s3_server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    _env(monkeypatch, s3_server)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    store = open_storage(f"{s3_server.url}/denied", **s3_server.options)
    with pytest.raises(PermissionDeniedError) as err:
        list(store.list())
    assert "AWS" in err.value.hint or "credentials" in err.value.hint
    with pytest.raises(PermissionDeniedError):
        store.create_multipart("x.bin")
    assert "not-the-secret" not in str(err.value) + err.value.hint
    store.close()


def test_sftp_wrong_password_is_permission_denied(
    sftp_server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    _env(monkeypatch, sftp_server)
    monkeypatch.setenv("SKYLIFT_SFTP_PASSWORD", "wrong-password")
    store = open_storage(f"{sftp_server.url}/denied", **sftp_server.options)
    with pytest.raises(PermissionDeniedError) as err:
        store.write("x", b"1")
    assert "SKYLIFT_SFTP_PASSWORD" in err.value.hint
    assert "wrong-password" not in str(err.value)
    store.close()


def test_sftp_password_in_url_never_shows_in_messages(
    sftp_server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SKYLIFT_SFTP_PASSWORD", raising=False)
    url = sftp_server.url.replace("@", ":sEcReT-in-url@", 1) + "/url-secret"
    store = open_storage(url, **sftp_server.options)
    assert "sEcReT" not in store.url
    with pytest.raises(PermissionDeniedError) as err:
        store.write("x", b"1")
    assert "sEcReT" not in str(err.value)
    store.close()


def test_key_rejected_by_the_server_is_a_provider_error_with_hint(
    s3_server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    _env(monkeypatch, s3_server)
    store = open_storage(f"{s3_server.url}/rejected", **s3_server.options)
    with pytest.raises(ProviderError) as err:
        store.write("k" * 2000, b"1")  # S3 keys are limited to 1,024 bytes: HTTP 400
    assert not isinstance(err.value, TransientError)
    assert "rename or exclude" in err.value.hint
    assert len(str(err.value)) < 400
    store.close()


@pytest.mark.parametrize("fixture", ["s3_server", "sftp_server"])
def test_server_restart_is_transient_and_the_same_instance_recovers(
    fixture: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    server: ServerInfo = request.getfixturevalue(fixture)
    _env(monkeypatch, server)
    store = open_storage(f"{server.url}/restart", retries="0", **server.options)
    store.write("before", b"1")
    server.process.stop()
    try:
        with pytest.raises(TransientError):
            store.write("during", b"2")
    finally:
        server.process.start()
    store.write("after", b"3")
    assert [o.path for o in store.list()] == ["after", "before"]
    store.close()


def test_read_only_memory_store_refuses_changes() -> None:
    writer = MemoryStorage("memory://ro-test/x")
    writer.write("a", b"1")
    reader = MemoryStorage("memory://ro-test/x", read_only="true")
    assert reader.read("a") == b"1"
    with pytest.raises(PermissionDeniedError):
        reader.write("a", b"2")
    with pytest.raises(PermissionDeniedError):
        reader.delete("a")
    drop_memory_store("ro-test")


def test_s3_listing_survives_markers_and_keys_obstore_cannot_parse(
    moto_server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    import botocore.session

    from skylift.errors import InputError

    _env(monkeypatch, moto_server)
    client = botocore.session.get_session().create_client(
        "s3", endpoint_url=moto_server.endpoint, region_name="us-east-1"
    )
    # what real buckets hold: console folder markers, and odd keys from other tools
    for key in ["odd/folder/", "odd/folder/x", "odd/empty-dir/", "odd/b", "odd/ok"]:
        client.put_object(Bucket="bucket", Key=key, Body=b"" if key.endswith("/") else b"1")
    # obstore strips the marker's slash: a childless marker is an empty object
    for listing in ("flat", "tree"):
        clean = open_storage(f"{moto_server.url}/odd", listing=listing, **moto_server.options)
        assert [o.path for o in clean.list()] == ["b", "empty-dir", "folder/x", "ok"], listing
        clean.close()

    client.put_object(Bucket="bucket", Key="odd/c//d", Body=b"1")
    client.put_object(Bucket="bucket", Key="odd/d/../e", Body=b"1")
    client.close()
    for listing in ("flat", "tree"):
        store = open_storage(f"{moto_server.url}/odd", listing=listing, **moto_server.options)
        keys = [o.path for o in store.list()]
        assert keys == ["b", "c//d", "d/../e", "folder/x", "ok"], listing  # raw: no markers
        with pytest.raises(InputError):
            store.read("c//d")
        store.close()
