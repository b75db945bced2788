"""Locks and resume journals are keyed by what the connection parses, not by the display
redaction (#12, review): ``sftp://host:2222/home/me@example.com/f`` was shown as
``sftp://…@example.com/f`` and its lock and journal were those of every other host's URL
ending in ``@example.com/f`` - a false "busy", or a resume reusing another host's parts."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

from hypothesis import given, settings
from hypothesis import strategies as st

from skylift.domain.transfer import TransferOptions
from skylift.storage.urls import redact_url, url_identity
from skylift.transfer.journal import Journal, journal_key
from skylift.transfer.lock import DestinationLock
from skylift.workspace.tracking import endpoint
from tests.helpers import examples

OPTS = TransferOptions()
HOST = st.sampled_from(["host", "files.example.com", "10.0.0.7", "[::1]", "other"])
#: passwords with every URL delimiter, typed raw or percent-encoded
PASSWORD = st.text(
    alphabet=st.sampled_from("abcXYZ0123456789/?#@:!$&'()*+,;=%-._~"), min_size=1, max_size=16
)


def _lock_name(destination: str) -> str:
    return DestinationLock(Path("/j"), destination).path.name


def test_keys_of_ordinary_urls_are_unchanged() -> None:
    """Computed at 45a001c (before this change): old journals stay resumable, old locks
    keep their files."""
    assert journal_key("/srv/src", "sftp://me@files.example.com:2222/home/me/dst", OPTS) == (
        "0ffee88c4b3634aab257"
    )
    assert journal_key("/srv/src", "s3://bucket/prefix/", OPTS) == "42e25a21e6bd0aa4a186"
    assert journal_key("s3://bucket/a", "/srv/dst", OPTS) == "3766c99d7be835ddb29e"
    assert journal_key("sftp://host/x", "sftp://u:pw@host:22/y", OPTS) == "5028cd5662697e6f3a5d"
    assert _lock_name("sftp://me@files.example.com:2222/home/me/dst") == (
        "7fc86e2f3e69dafefac3.lock"
    )
    assert _lock_name("s3://bucket/prefix/") == "9737a7d8f5fcd8b8b8c6.lock"
    assert _lock_name("sftp://other.example.com/f") == "e0b28ffeb97221bfca17.lock"


def test_an_at_in_the_path_no_longer_joins_another_hosts_lock_and_journal() -> None:
    mine = "sftp://host:2222/home/me@example.com/f"
    for other in (
        "sftp://other:2222/home/me@example.com/f",  # another host, same tail
        "sftp://host:2223/home/me@example.com/f",  # another port
        "sftp://host:2222/home/you@example.com/f",  # another folder
        "sftp://u:2024#Secret@example.com/f",  # a typed password's URL
    ):
        assert _lock_name(mine) != _lock_name(other), other
        assert journal_key("/src", mine, OPTS) != journal_key("/src", other, OPTS), other
        assert journal_key(mine, "/dst", OPTS) != journal_key(other, "/dst", OPTS), other
    # the display names the host the connection goes to, never port or path
    assert redact_url(mine) == "sftp://host:…"
    assert endpoint(mine) == "sftp://host:…"  # tracking no longer stores sftp://example.com/f
    assert url_identity(mine) == "sftp://host:2222/home/me@example.com/f"


@settings(max_examples=examples(150), deadline=None)
@given(a=HOST, b=HOST, port=st.integers(1, 65535), tail=st.sampled_from(["x.org/f", "h/f"]))
def test_connections_to_different_hosts_never_share_keys(
    a: str, b: str, port: int, tail: str
) -> None:
    """Oracle: urlsplit, the parse every backend connects with."""
    from urllib.parse import urlsplit

    ua, ub = f"sftp://{a}:{port}/home/me@{tail}", f"sftp://{b}:{port}/home/me@{tail}"
    same = urlsplit(ua).hostname == urlsplit(ub).hostname
    assert (_lock_name(ua) == _lock_name(ub)) == same
    assert (journal_key("/s", ua, OPTS) == journal_key("/s", ub, OPTS)) == same


@settings(max_examples=examples(60), deadline=None)
@given(password=PASSWORD, other=PASSWORD, host=HOST, path=st.sampled_from(["", "/d", "/a@b/c"]))
def test_no_password_in_any_key_file_name_or_stored_text(
    password: str, other: str, host: str, path: str
) -> None:
    import tempfile

    secret = "7031" + password  # digits first: "u:7031#…" once parsed as a port
    encoded = f"sftp://me:{quote(secret, safe='')}@{host}:2222{path}"
    # a properly escaped password never reaches the key: another one gives the same key
    swapped = f"sftp://me:{quote('7031' + other, safe='')}@{host}:2222{path}"
    assert journal_key("/s", encoded, OPTS) == journal_key("/s", swapped, OPTS)
    assert _lock_name(encoded) == _lock_name(swapped)
    raw = f"sftp://me:{secret}@{host}:2222{path}"  # typed unescaped
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        identity = url_identity(encoded)
        assert secret not in identity and quote(secret, safe="") not in identity
        for url in (encoded, raw):
            # (url_identity(raw) is the host, port and path the connection uses - where a raw
            # '/', '?' or '#' cut the password, its pieces *are* port and path: hashed, never
            # shown or stored, and another port or folder must get another key)
            for text in (redact_url(url), endpoint(url)):
                assert secret not in text and quote(secret, safe="") not in text, (url, text)
            try:
                lock = DestinationLock(folder, url, source=url)
            except ValueError:  # pragma: no cover - a bracket: refused before any lock
                continue
            with lock:
                stored = lock.path.read_text()
                assert secret not in stored and secret not in lock.path.name
            journal = Journal.open(folder, url, url, OPTS)
            journal.close()
        for file in folder.rglob("*"):
            assert secret not in file.name
            if file.suffix == ".sqlite":
                with sqlite3.connect(file) as db:
                    meta = " ".join(v for (v,) in db.execute("SELECT value FROM meta"))
                assert secret not in meta and quote(secret, safe="") not in meta
