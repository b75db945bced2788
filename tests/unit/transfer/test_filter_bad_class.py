"""A filter glob whose character class is not a valid range is bad input, not a crash (#12).

``--exclude '[z-a]'`` ended with "internal error: bad character range z-a"
(exit 70, "report it"); it is a one-line input error naming the pattern now.
"""

from __future__ import annotations

import pytest

from skylift.errors import InputError
from skylift.transfer.filters import ObjectFilter


@pytest.mark.parametrize("pattern", ["[z-a]", "*.[9-0]", "a/[b-a]/**"])
def test_a_reversed_range_is_an_input_error_naming_the_pattern(pattern: str) -> None:
    with pytest.raises(InputError) as caught:
        ObjectFilter.build(exclude=["*.log", pattern])
    assert repr(pattern) in caught.value.message and caught.value.hint


def test_valid_classes_still_work() -> None:
    flt = ObjectFilter.build(exclude=["[a-c]*.txt"])
    assert not flt.accepts_path("b1.txt") and flt.accepts_path("d1.txt")
