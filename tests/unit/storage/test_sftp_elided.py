"""SFTP messages show an elided URL's elided form (#12, review): a password typed with an
unescaped '#' (``sftp://u:1#pw@host/x``) parses as host ``u``, port 1; the connection error
named ``sftp://root@u:1``, the password's head as the port."""

from __future__ import annotations

import pytest

from skylift.errors import SkyliftError
from skylift.storage.registry import open_storage
from skylift.storage.sftp.connection import parse_sftp_url


def test_a_failed_connection_names_the_host_but_not_the_typed_passwords_head() -> None:
    url = "sftp://127.0.0.1:1#S3cret@example.com/x"  # nothing listens on port 1
    target = parse_sftp_url(url)
    assert (target.host, target.port, target.where) == ("127.0.0.1", 1, "sftp://127.0.0.1:…")
    assert "1#" not in repr(target) and ":1" not in repr(target)
    with pytest.raises(SkyliftError) as err:
        list(open_storage(url).list())
    text = str(err.value)
    assert "sftp://127.0.0.1:…" in text and "127.0.0.1:1" not in text and "S3cret" not in text
    # an ordinary URL keeps its full form in messages
    plain = parse_sftp_url("sftp://me:pw@127.0.0.1:22/home/x")
    assert plain.where == plain.safe_url == "sftp://me@127.0.0.1:22/home/x"


def test_the_stores_url_is_elided_too_and_its_breaker_key_is_the_connections() -> None:
    """The store's URL is what listings and the engine print ('cannot list sftp://127.0.0.1:1'
    showed the port); the circuit breaker still keys on the host and port connected to."""
    store = open_storage("sftp://127.0.0.1:1#S3cret@example.com/x")
    assert (store.url, store.endpoint_id) == ("sftp://127.0.0.1:…", "sftp://127.0.0.1:1")
    plain = open_storage("sftp://me:pw@127.0.0.1:2222/home/x")
    assert (plain.url, plain.endpoint_id) == (
        "sftp://me@127.0.0.1:2222/home/x",
        "sftp://127.0.0.1:2222",
    )
