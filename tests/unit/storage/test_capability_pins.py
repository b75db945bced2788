"""Which backends must support which capability (the only skips allowed under CI).

The contract suite skips the mtime and folder-listing tests on backends that
declare they lack them. That is honest only if a backend cannot drop a
capability silently: this table pins what each one must declare, and a
backend that lacks something must say why in ``capabilities.gaps``.
"""

from __future__ import annotations

import pytest

from skylift.storage.base import Storage
from skylift.storage.registry import BACKENDS

#: scheme → (preserves mtime, offers flat and folder-by-folder listing)
PINNED: dict[str, tuple[bool, bool]] = {
    "file": (True, False),  # os.utime; a directory walk is its only listing
    "memory": (True, False),
    "sftp": (True, False),  # SFTP v3 attributes (whole seconds); directory walk
    "s3": (False, True),  # LastModified is the upload time; ListObjectsV2 with delimiter
    "az": (False, True),  # Last-Modified at commit; hierarchical listing
    "gs": (False, True),  # 'updated' at upload; delimiter listing
}


def _cls(scheme: str) -> type[Storage]:
    cls: type[Storage] = BACKENDS[scheme].load()
    return cls


def test_every_registered_backend_is_pinned() -> None:
    assert set(PINNED) == set(BACKENDS)


@pytest.mark.parametrize("scheme", sorted(PINNED))
def test_backend_declares_its_pinned_capabilities(scheme: str) -> None:
    cls = _cls(scheme)
    mtime, listing = PINNED[scheme]
    assert cls.capabilities.preserves_mtime is mtime
    assert ("listing" in cls.option_names) is listing
    assert cls.capabilities.multipart, "every backend uploads large objects in parts"
    gaps = dict(cls.capabilities.gaps)
    if not mtime:
        assert gaps.get("mtime"), f"{scheme} lacks mtime but gives no reason in gaps"
