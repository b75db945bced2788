"""A blob whose name obstore cannot parse no longer stops an Azure or GCS listing (#12).

A name with a control character (``"nl\\nx"``, legal in Azure) made obstore's
listing fail midway: the whole run ended "the listing holds a key obstore
cannot represent" (exit 4), with nothing else copied — and ``--exclude`` could
not help, as the listing failed before any filter applied. The listing now
goes on through the Azure SDK (as the S3 backend does through botocore): the
other blobs are copied, that one fails on its own (exit 5) or is left out by
``--exclude``.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from skylift.domain.transfer import TransferOptions
from skylift.transfer.engine import run_transfer
from tests.integration.servers import ServerInfo, _azurite_credential

pytestmark = pytest.mark.servers


def test_an_unparsable_blob_name_fails_alone_and_can_be_excluded(
    tmp_path: Path, azurite_server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from azure.storage.blob import BlobServiceClient

    for k, v in azurite_server.env.items():
        monkeypatch.setenv(k, v)
    prefix = uuid.uuid4().hex[:8]
    service = BlobServiceClient(azurite_server.endpoint, credential=_azurite_credential())
    with service:
        container = service.get_container_client("container")
        for name in ("a.txt", "nl\nx", "zz/b.txt"):
            container.upload_blob(f"{prefix}/{name}", name.encode())
    _only_the_unparsable_fails(azurite_server, prefix, tmp_path, exclude_after=True)


def test_gcs_too(tmp_path: Path, gcs_server: ServerInfo, monkeypatch: pytest.MonkeyPatch) -> None:
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    for k, v in gcs_server.env.items():
        monkeypatch.setenv(k, v)
    prefix = uuid.uuid4().hex[:8]
    client = storage.Client(
        project="test",
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
        client_options={"api_endpoint": gcs_server.endpoint},
    )
    bucket = client.bucket("bucket")
    for name in ("a.txt", "nl\nx", "zz/b.txt"):
        bucket.blob(f"{prefix}/{name}").upload_from_string(name.encode())
    _only_the_unparsable_fails(gcs_server, prefix, tmp_path, exclude_after=False)


def _only_the_unparsable_fails(
    server: ServerInfo, prefix: str, tmp_path: Path, *, exclude_after: bool
) -> None:
    """The run copies the two parsable objects and fails only ``nl\\nx``; with
    ``exclude_after``, a re-run excluding it succeeds and skips the other two."""
    src = f"{server.url}/{prefix}"
    remotes = {server.url: server.options}
    dst = tmp_path / "dst"
    result = run_transfer(src, str(dst), TransferOptions(), tmp_path / "j", remotes=remotes)
    assert [f.path for f in result.failures] == ["nl\nx"], result
    assert (dst / "a.txt").read_text() == "a.txt" and (dst / "zz" / "b.txt").exists()
    if exclude_after:
        excluded = TransferOptions(exclude=("nl?x",))
        again = run_transfer(src, str(dst), excluded, tmp_path / "j2", remotes=remotes)
        assert again.ok and again.skipped == 2, again
