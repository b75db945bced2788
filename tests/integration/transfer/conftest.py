"""Servers for the transfer integration tests (from the storage fixtures)."""

from __future__ import annotations

from tests.integration.servers import (  # noqa: F401 - fixtures used by name
    azurite_server,
    gcs_server,
    moto_server,
    s3_server,
    sftp_server,
    sftp_vfs_server,
)
