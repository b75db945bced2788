"""``Storage.seeks`` is a promise the split listing relies on (#22): a store that says it
seeks has its *server* start a listing after the given key. The driver splits such a
source by probes — thousands of one-page listings from keys deep in the key space — and
every shard lists from its range's start; where the server ignores the start key each
of them walks everything before it (at 10^9 keys a probe would list the whole
container). And ``list_from`` must yield only keys after the start whatever the server
does. Checked against real servers: rclone serve s3 (S3 ``start-after``) and Azurite
(object_store sends Azure's new ``startFrom``, which Azurite — and Azure before service
version 2026-02-06 — ignores: the page starts at the container's first key)."""

from __future__ import annotations

import pytest

from skylift.storage.registry import open_storage
from tests.integration.servers import ServerInfo, azurite_server, s3_server  # noqa: F401

pytestmark = pytest.mark.servers
KEYS = [f"seek/k{i:03d}" for i in range(30)]


@pytest.mark.parametrize("server_name", ["s3_server", "azurite_server"])
def test_a_store_seeks_only_when_its_server_starts_at_the_key(
    server_name: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    import obstore

    server: ServerInfo = request.getfixturevalue(server_name)
    for name, value in server.env.items():
        monkeypatch.setenv(name, value)
    store = open_storage(server.url, **server.options)
    for key in KEYS:
        store.write(key, b"x")
    try:
        start = KEYS[-3]
        assert [i.path for i in store.list_from("seek/", start)] == KEYS[-2:]
        # under a root given in the URL (s3://bucket/seek): keys and start are relative
        rooted = open_storage(f"{server.url}/seek", **server.options)
        assert [i.path for i in rooted.list_from("", "k027")] == ["k028", "k029"]
        # what the server itself answers to a listing from the key (one page)
        page = next(iter(obstore.list(store.store, "seek", offset=start)))  # type: ignore[attr-defined]
        server_starts = all(meta["path"] > start for meta in page)
        assert store.seeks <= server_starts, (server_name, [m["path"] for m in page][:3])
        if server_name == "s3_server":
            assert store.seeks and server_starts  # the split listing's case stays on
    finally:
        for key in KEYS:
            store.delete(key)
