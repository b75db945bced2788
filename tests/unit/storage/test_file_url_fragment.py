"""``file://`` URLs: a ``?`` or ``#`` is refused, not cut off (#12); plain paths keep them.

``file:///srv/data#old`` was the folder ``/srv/data``: a ``--delete`` run would
sync into it. A plain path names the file as typed, ``#`` and all.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from skylift.errors import InputError
from skylift.storage.local import local_root


@pytest.mark.parametrize("url", ["file:///srv/data#old", "file:///srv/data?x", "FILE:///a/#"])
def test_a_file_url_with_a_query_or_fragment_is_refused(url: str) -> None:
    with pytest.raises(InputError, match="cut off"):
        local_root(url)


def test_percent_encoded_in_a_file_url_and_literal_in_a_plain_path() -> None:
    assert local_root("file:///srv/data%23old") == Path("/srv/data#old")
    assert local_root("/srv/data#old?") == Path("/srv/data#old?")


@pytest.mark.parametrize("url", ["file://", "file:", "file://localhost", "FILE://"])
def test_a_file_url_without_a_path_is_refused(url: str) -> None:
    """``file://`` was the current folder ('' reads as '.'): a sync into it (#12)."""
    with pytest.raises(InputError, match="without a path"):
        local_root(url)
