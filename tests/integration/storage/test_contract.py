"""The storage contract (:mod:`skylift.storage.testing.contract`) run on every backend.

One class per backend: each opens a fresh empty root (conftest ``open_case``)
and inherits every case of :class:`StorageContract`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from skylift.storage.base import Storage
from skylift.storage.testing.contract import StorageContract
from tests.integration.storage.conftest import StoreCase, open_case

pytestmark = pytest.mark.servers


class _Backend(StorageContract):
    """The contract on the backend named by ``backend`` (one of conftest's BACKENDS)."""

    backend: ClassVar[str]

    @pytest.fixture
    def case(
        self, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> Iterator[StoreCase]:
        yield from open_case(self.backend, request, tmp_path, monkeypatch)

    @pytest.fixture
    def store(self, case: StoreCase) -> Storage:
        return case.open()

    @pytest.fixture
    def reopen(self, case: StoreCase) -> Callable[..., Storage]:
        return case.open


class TestMemory(_Backend):
    backend = "memory"


class TestLocal(_Backend):
    backend = "local"


class TestS3Rclone(_Backend):
    backend = "s3-rclone"


class TestS3Moto(_Backend):
    backend = "s3-moto"


class TestAzure(_Backend):
    backend = "azure"


class TestGcs(_Backend):
    backend = "gcs"


class TestSftp(_Backend):
    backend = "sftp"
