"""Key validation and the lexical order of local walks."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skylift.errors import InputError
from skylift.storage.base import Capabilities
from skylift.storage.keys import check_key, check_upload_id, is_internal, part_key
from skylift.storage.local import LocalStorage
from skylift.storage.multipart import choose_part_size
from skylift.storage.registry import open_storage, scheme_of


@pytest.mark.parametrize("key", ["a", "a/b", "é/日本", "a b/c.d", ".hidden/x", "a..b"])
def test_safe_keys_pass(key: str) -> None:
    assert check_key(key) == key


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("..", "'..'"),
        ("a/../b", "'..'"),
        ("/etc/passwd", "absolute"),
        ("C:/x", "absolute"),
        ("a\x00b", "NUL"),
        ("a//b", "empty"),
        ("a/", "empty"),
        ("./a", "'.'"),
    ],
)
def test_unsafe_keys_name_value_and_reason(key: str, why: str) -> None:
    with pytest.raises(InputError) as err:
        check_key(key)
    assert why in err.value.message
    assert repr(key) in err.value.message
    assert err.value.hint


def test_upload_ids_that_reach_paths_must_be_hex() -> None:
    assert check_upload_id("ab12") == "ab12"
    with pytest.raises(InputError):
        check_upload_id("../../x")


def test_internal_names_are_recognised() -> None:
    assert is_internal(part_key("a/b.bin", "ff", 3))
    assert part_key("a/b.bin", "ff", 3) == "a/.skylift-parts/ff/00003"
    assert not is_internal("a/skylift-parts")


def test_part_size_respects_minimum_and_part_limit() -> None:
    caps = Capabilities(multipart=True, min_part_size=5 << 20, max_parts=10_000)
    assert choose_part_size(1 << 20, caps, preferred=1 << 20) == caps.min_part_size
    size = 5 * (1 << 40)  # 5 TiB: needs parts of at least 525 MiB
    part = choose_part_size(size, caps)
    assert -(-size // part) <= caps.max_parts


def test_registry_maps_schemes_and_refuses_unknown() -> None:
    assert scheme_of("/tmp/x") == "file"
    assert scheme_of("C:\\data") == "file"
    assert scheme_of("S3://b/k") == "s3"
    assert isinstance(open_storage("/tmp/somewhere"), LocalStorage)
    with pytest.raises(InputError) as err:
        open_storage("ftp://host/x")
    assert "ftp" in err.value.message


names = st.text(alphabet="ab-/.0é", min_size=1, max_size=6).filter(
    lambda s: not s.startswith("/") and not s.endswith("/") and "//" not in s
)


@settings(max_examples=40, deadline=None)
@given(st.sets(names, min_size=1, max_size=12))
def test_local_walk_order_equals_sorted_keys(
    tmp_path_factory: pytest.TempPathFactory, keys: set[str]
) -> None:
    keys = {k for k in keys if all(p not in ("", ".", "..") for p in k.split("/"))}
    # a key cannot be both a file and a folder
    keys = {k for k in keys if not any(o.startswith(k + "/") for o in keys)}
    root: Path = tmp_path_factory.mktemp("walk")
    store = LocalStorage(str(root))
    for key in keys:
        store.write(key, b"x")
    assert [o.path for o in store.list()] == sorted(keys)


def test_unknown_or_secret_options_are_refused() -> None:
    from skylift.errors import ConfigError

    with pytest.raises(ConfigError) as err:
        open_storage("memory://opts/x", read_onyl="true")
    assert "read_onyl" in err.value.message
    assert "read_only" in err.value.hint
    with pytest.raises(ConfigError):
        open_storage("s3://bucket", secret_access_key="x")
