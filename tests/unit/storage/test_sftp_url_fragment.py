"""A ``?`` or ``#`` in an SFTP URL's path is refused, not cut off (#12).

``sftp://me@host/data#old`` was the folder ``/data`` (urlsplit drops the
fragment), so ``transfer SRC sftp://me@host/data#old --delete`` synced into
``/data`` and deleted what else was there. Percent-encoded (``%23``, ``%3F``)
they stay part of the path. A ``#`` before any ``/`` (a password typed
unescaped, see test_sftp_elided) still parses as before: host and port of
what precedes it, and the connection fails there.
"""

from __future__ import annotations

import pytest

from skylift.errors import InputError
from skylift.storage.sftp.connection import parse_sftp_url


@pytest.mark.parametrize(
    "url",
    [
        "sftp://me@host/data#old",
        "sftp://me@host:2222/data?x=1",
        "sftp://me@host/data/#",
        "sftp://me:pa/ss#Zq9x@host/x",  # a '/' and a '#' typed in a password
    ],
)
def test_a_query_or_fragment_after_the_path_starts_is_refused(url: str) -> None:
    with pytest.raises(InputError, match="cut off") as caught:
        parse_sftp_url(url)
    assert "Zq9x" not in str(caught.value) and "percent-encode" in caught.value.hint


def test_percent_encoded_they_are_part_of_the_path_and_elided_passwords_still_parse() -> None:
    assert parse_sftp_url("sftp://me@host/data%23old%3F").root == "/data#old?"
    target = parse_sftp_url("sftp://127.0.0.1:1#S3cret@example.com/x")
    assert (target.host, target.port) == ("127.0.0.1", 1)
