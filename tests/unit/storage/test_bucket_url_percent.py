"""The path of an object-store URL is percent-decoded (#12): ``%23`` and ``%3F`` name
keys holding ``#`` and ``?`` (which are refused unescaped), ``%25`` a ``%``. An
escape that is not UTF-8 (``s3://b/50%ab``, a literal '%' typed as aws-cli would
take it) named the prefix ``50\\ufffd`` without a word; it is refused."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skylift.errors import InputError
from skylift.storage.urls import bucket_and_root


@pytest.mark.parametrize("url", ["s3://b/50%ab", "gs://b/x/%ff", "az://c/%e2%82"])
def test_an_escape_that_is_not_utf8_is_refused(url: str) -> None:
    scheme = url.split(":", 1)[0]
    with pytest.raises(InputError, match="not UTF-8") as caught:
        bucket_and_root(url, scheme, "store")
    assert "%25" in caught.value.hint and f"{scheme}://" in caught.value.hint


def test_a_literal_percent_is_written_as_25() -> None:
    assert bucket_and_root("s3://b/50%25ab/x%23y", "s3", "S3") == ("b", "50%ab/x#y")
    assert bucket_and_root("s3://b/100%", "s3", "S3") == ("b", "100%")  # not an escape


#: A key's segments: any text but "/" (the separator), "\\" and ":" (drive letters),
#: and not "." or ".." (refused as unsafe, percent-encoded or not).
_SEGMENT = st.text(
    st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="/\\:"),
    min_size=1,
    max_size=8,
).filter(lambda s: s not in {".", ".."})


@given(st.lists(_SEGMENT, min_size=1, max_size=3))
def test_every_key_can_be_named_percent_encoded(parts: list[str]) -> None:
    key = "/".join(parts)
    url = "s3://bucket/" + quote(key, safe="/")
    assert bucket_and_root(url, "s3", "S3") == ("bucket", key.strip("/"))
