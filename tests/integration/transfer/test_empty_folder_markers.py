"""An empty folder marker (``dir/``, made by S3/GCS consoles) does not fail a run (#12).

obstore lists the zero-byte object ``empty/`` as an object ``empty``; folder
markers with something below them were dropped, but the marker of an empty
folder was copied as the object ``empty``, whose GET finds nothing: the run
ended "1 failed … [vanished]", exit 5, no manifest — on every run, for a
bucket as the console makes it. It is now skipped with a warning; a real
empty object next to it is still copied.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from skylift.domain.transfer import TransferOptions, TransferResult
from skylift.transfer.engine import run_transfer
from tests.integration.servers import ServerInfo

pytestmark = pytest.mark.servers


def put_markers(server: ServerInfo, prefix: str) -> None:
    """Under ``prefix``: markers ``photos/`` (not empty) and ``empty/``, two objects."""
    import botocore.session

    client = botocore.session.get_session().create_client(
        "s3", endpoint_url=server.endpoint, region_name="us-east-1"
    )
    bodies = {"photos/": b"", "photos/a.jpg": b"jpg", "empty/": b"", "real-empty": b""}
    for key, body in bodies.items():
        client.put_object(Bucket="bucket", Key=f"{prefix}/{key}", Body=body)
    client.close()


def transfer_markers(
    tmp_path: Path, server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, Path, dict[str, dict[str, str]], TransferResult]:
    """:func:`put_markers` under a new prefix, transferred to ``tmp_path/dst``."""
    for k, v in server.env.items():
        monkeypatch.setenv(k, v)
    prefix = uuid.uuid4().hex[:8]
    put_markers(server, prefix)
    dst = tmp_path / "dst"
    remotes = {server.url: server.options}
    src = f"{server.url}/{prefix}"
    result = run_transfer(src, str(dst), TransferOptions(), tmp_path / "j", remotes=remotes)
    return src, dst, remotes, result


def test_an_empty_folders_marker_is_skipped_with_a_warning(
    tmp_path: Path, moto_server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, dst, _, result = transfer_markers(tmp_path, moto_server, monkeypatch)
    assert result.ok, result.failures
    assert result.manifest is not None
    assert (dst / "photos" / "a.jpg").read_bytes() == b"jpg"
    assert (dst / "real-empty").read_bytes() == b""
    assert not (dst / "empty").exists()
    assert any("empty/" in w and "folder marker" in w for w in result.warnings), result.warnings
