"""Without AWS_ACCESS_KEY_ID, botocore's credential chain is resolved once per store (#12).

The obstore client (single PUTs, listings) and the botocore client (multipart)
share one botocore session, so a profile, an SSO token or an assumed role is
looked up once — not once per client, as before (two sessions, two chains;
an assumed role would call STS twice). Credentials come from a shared
credentials file only, as a user's profile would; both clients then talk to
a real ``rclone serve s3`` with them.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import pytest

from skylift.storage.base import PartInfo
from skylift.storage.s3.backend import S3Storage
from tests.integration.servers import ServerInfo

MIB = 1 << 20


def test_both_clients_share_one_session_and_its_credentials(
    s3_server: ServerInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import botocore.session

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    key, secret = s3_server.env["AWS_ACCESS_KEY_ID"], s3_server.env["AWS_SECRET_ACCESS_KEY"]
    credentials = tmp_path / "credentials"
    credentials.write_text(
        f"[default]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n"
    )
    credentials.chmod(0o600)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # never ask 169.254.169.254

    made: list[Any] = []
    real_init = botocore.session.Session.__init__

    def counting_init(self: Any, *args: Any, **kwargs: Any) -> None:
        made.append(self)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(botocore.session.Session, "__init__", counting_init)
    root = f"{s3_server.url}/chain-{uuid.uuid4().hex[:8]}"
    store = S3Storage(root, **s3_server.options)
    try:
        small = os.urandom(4096)
        store.write("small.bin", small)  # obstore, credentials from the session
        upload = store.create_multipart("big.bin")  # botocore, the same session
        parts = [os.urandom(5 * MIB), os.urandom(1024)]
        sent = [
            PartInfo(n, len(data), store.upload_part(upload, n, data).etag)
            for n, data in enumerate(parts, 1)
        ]
        store.complete_multipart(upload, sent)
        assert store.read("small.bin") == small
        assert store.read("big.bin") == b"".join(parts)
        assert len(made) == 1, "one botocore session (one credential chain) per store"
        signer = store.client._client._request_signer
        assert signer._credentials is made[0].get_credentials()
    finally:
        store.close()
