"""A ``:`` as a top-level name's second character is not a drive letter (#12).

``check_key`` refused every key whose second character is ``:`` as
"absolute", so top-level files such as ``8:00 standup.txt`` or ``a:b.txt``
failed on every run (exit 5, no manifest), even between local folders. Only
Windows drive paths (``C:/x``, ``C:\\x``, ``C:``) are refused now.
"""

from __future__ import annotations

import pytest

from skylift.errors import InputError
from skylift.storage.keys import check_key


@pytest.mark.parametrize("key", ["8:00 standup.txt", "a:b.txt", "1:1.log", "ab:c", "x:y/z"])
def test_a_colon_in_a_name_is_fine(key: str) -> None:
    assert check_key(key) == key


@pytest.mark.parametrize("key", ["C:/x", "C:\\x", "c:", "Z:/", "d:\\a\\b"])
def test_drive_paths_are_still_refused(key: str) -> None:
    with pytest.raises(InputError, match="absolute"):
        check_key(key)
