"""A ``?`` or ``#`` in an object-store URL is refused, not silently cut off (#12).

``s3://bucket/data#old`` was parsed as the prefix ``data`` (the fragment
dropped), so ``transfer SRC s3://bucket/data#old --delete`` synced into
``s3://bucket/data`` and deleted everything else there. The AWS CLI would
write keys starting ``data#old/``; rclone has no such URLs. A key holding
these characters is written percent-encoded (``%23``, ``%3F``).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from skylift.domain.transfer import TransferOptions
from skylift.errors import InputError
from skylift.storage.registry import open_storage
from skylift.storage.urls import bucket_and_root
from skylift.transfer.engine import run_transfer
from tests.integration.servers import ServerInfo


@pytest.mark.parametrize(
    "url",
    ["s3://b/data#old", "s3://b/data?x=1", "gs://b/p?", "az://c/p#", "s3://b#x", "s3://b/a%2Fb#c"],
)
def test_query_or_fragment_in_a_bucket_url_is_refused(url: str) -> None:
    with pytest.raises(InputError, match="cut off") as caught:
        bucket_and_root(url, url.split(":", maxsplit=1)[0], "store")
    assert "percent-encode" in (caught.value.hint or "")


def test_percent_encoded_they_are_part_of_the_key() -> None:
    assert bucket_and_root("s3://b/data%23old/x%3Fy", "s3", "S3") == ("b", "data#old/x?y")


@pytest.mark.servers
def test_sync_to_a_url_with_a_fragment_touches_nothing(
    tmp_path: Path, s3_server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    for k, v in s3_server.env.items():
        monkeypatch.setenv(k, v)
    src = tmp_path / "src"
    src.mkdir()
    (src / "new.txt").write_text("new")
    prefix = f"{s3_server.url}/{uuid.uuid4().hex[:8]}"
    store = open_storage(prefix, **s3_server.options)
    store.write("keep.txt", b"not to be deleted")
    remotes: Any = {s3_server.url: s3_server.options}
    opts = TransferOptions(delete=True)
    with pytest.raises(InputError):
        run_transfer(str(src), f"{prefix}#old", opts, tmp_path / "j", remotes=remotes)
    assert [i.path for i in store.list()] == ["keep.txt"]
