"""Servers for the transfer integration tests (from the storage fixtures)."""

from __future__ import annotations

from tests.integration.servers import s3_server  # noqa: F401 - fixture used by name
