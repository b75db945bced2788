"""Client-side encryption and compression: round trips, parts, tampering, keys."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from skylift.errors import ConfigError, TransferError
from skylift.transfer.crypt import FRAME_SIZE, KEY_ENV, Codec, load_key

KEY = bytes(range(32))


@pytest.mark.parametrize(("compress", "encrypt"), [(True, False), (False, True), (True, True)])
def test_round_trip(compress: bool, encrypt: bool) -> None:
    codec = Codec(compress=compress, encrypt=encrypt, key=KEY)
    data = os.urandom(1000) + b"x" * (3 * FRAME_SIZE)
    enc = codec.encode(data, path="p")
    assert enc != data
    assert Codec(key=KEY if encrypt else None).decode(enc, "p") == data
    if compress and not encrypt:
        assert len(enc) < len(data)


def test_parts_encoded_independently_decode_as_one_stream() -> None:
    codec = Codec(compress=True, encrypt=True, key=KEY)
    data = os.urandom(5 * FRAME_SIZE + 17)
    part = 2 * FRAME_SIZE
    pieces = [data[i : i + part] for i in range(0, len(data), part)]
    enc = b"".join(
        codec.encode(p, i * part // FRAME_SIZE, first=i == 0, last=i == len(pieces) - 1, path="p")
        for i, p in enumerate(pieces)
    )
    chunks = [enc[i : i + 7777] for i in range(0, len(enc), 7777)]
    assert b"".join(Codec(key=KEY).decode_stream(chunks, "p")) == data


def test_tampering_truncation_and_wrong_key_are_detected() -> None:
    codec = Codec(encrypt=True, key=KEY)
    enc = codec.encode(os.urandom(3 * FRAME_SIZE), path="p")
    flipped = bytearray(enc)
    flipped[100] ^= 1
    with pytest.raises(TransferError, match="authentication"):
        Codec(key=KEY).decode(bytes(flipped), "p")
    # drop the last frame: the previous one was not sealed as last
    last_len = int.from_bytes(enc[-(FRAME_SIZE + 28 + 4) : -(FRAME_SIZE + 28)], "big")
    assert last_len == FRAME_SIZE + 28
    with pytest.raises(TransferError):
        Codec(key=KEY).decode(enc[: -(FRAME_SIZE + 28 + 4)], "p")
    with pytest.raises(TransferError):
        Codec(key=bytes(32)).decode(enc, "p")


def test_plain_object_is_refused_by_decode() -> None:
    with pytest.raises(TransferError, match="not an object written by skylift"):
        Codec(key=KEY).decode(b"hello world", "p")


def test_key_from_env_or_file_and_errors_never_show_it(tmp_path: Path) -> None:
    hex_key = KEY.hex()
    assert load_key(environ={KEY_ENV: hex_key}) == KEY
    f = tmp_path / "k"
    f.write_text(hex_key + "\n")
    assert load_key(f, environ={}) == KEY
    with pytest.raises(ConfigError) as exc:
        load_key(environ={})
    assert exc.value.hint
    with pytest.raises(ConfigError) as bad:
        load_key(environ={KEY_ENV: "abc123"})
    assert "abc123" not in bad.value.message
    assert "abc123" not in repr(Codec(encrypt=True, key=b"abc123" * 6))


def _forged_header(version: int, flags: int) -> bytes:
    head = b"SKLF" + bytes([version, flags, 0, 0])
    return head + (bytes(8) if version == 2 else b"")


@pytest.mark.parametrize("version", [1, 2])
def test_forged_plaintext_header_is_refused_when_a_key_is_given(version: int) -> None:
    payload = b"evil content"
    forged = _forged_header(version, 0) + len(payload).to_bytes(4, "big") + payload
    with pytest.raises(TransferError, match="not encrypted, but a key was given"):
        Codec(key=KEY).decode(forged, "p")


def test_flipping_the_header_flags_of_an_encrypted_object_fails() -> None:
    enc = bytearray(Codec(compress=True, encrypt=True, key=KEY).encode(b"x" * 5000, path="p"))
    enc[5] = 2  # claim "encrypted, not compressed"
    with pytest.raises(TransferError, match="authentication"):
        Codec(key=KEY).decode(bytes(enc), "p")


def test_an_object_moved_to_another_key_fails_authentication() -> None:
    enc = Codec(encrypt=True, key=KEY).encode(b"salary: 1", path="alice.txt")
    with pytest.raises(TransferError, match="authentication"):
        Codec(key=KEY).decode(enc, "bob.txt")


def test_a_rolled_back_version_is_refused_when_the_expected_version_is_known() -> None:
    codec = Codec(encrypt=True, key=KEY)
    old = codec.encode(b"v1", path="p", version=1_700_000_000.0)
    assert Codec(key=KEY).decode(old, "p", version=1_700_000_000.0) == b"v1"
    with pytest.raises(TransferError, match="rolled back"):
        Codec(key=KEY).decode(old, "p", version=1_800_000_000.0)


def test_stamp_is_authenticated() -> None:
    enc = bytearray(Codec(encrypt=True, key=KEY).encode(b"v1", path="p", version=1.0))
    enc[15] ^= 1
    with pytest.raises(TransferError, match="authentication"):
        Codec(key=KEY).decode(bytes(enc), "p")


def test_format_1_compressed_objects_still_decode_without_a_key() -> None:
    import zstandard

    frame = zstandard.ZstdCompressor().compress(b"old archive")
    legacy = _forged_header(1, 1) + len(frame).to_bytes(4, "big") + frame
    assert Codec().decode(legacy, "p") == b"old archive"
    encrypted_v1 = _forged_header(1, 2) + (4).to_bytes(4, "big") + b"abcd"
    with pytest.raises(TransferError, match="format 1"):
        Codec(key=KEY).decode(encrypted_v1, "p")
