"""Relay URLs and frames: what is accepted, what is refused, and that frames round-trip."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skylift.errors import InputError
from skylift.relay import protocol as p


def test_a_relay_url_names_every_path_and_the_root() -> None:
    t = p.parse_target("relay://127.0.0.1:7001,[::1]:7002,localhost:7003/data/x")
    assert t.endpoints == (("127.0.0.1", 7001), ("::1", 7002), ("localhost", 7003))
    assert t.root == "data/x" and not t.tls
    assert t.base_url(1) == "http://[::1]:7002" and t.label(0) == "127.0.0.1:7001"
    assert p.parse_target("relays://10.0.0.5:7443/d").base_url(0) == "https://10.0.0.5:7443"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("relay://10.0.0.5:7443/d", "in clear"),
        ("relay://127.0.0.1/d", "expected HOST:PORT"),
        ("relay://127.0.0.1:0/d", "expected HOST:PORT"),
        ("relay://127.0.0.1:99999/d", "expected HOST:PORT"),
        ("relay://127.0.0.1:1,127.0.0.1:1/d", "listed twice"),
        ("relay://u:pw@127.0.0.1:1/d", "user info"),
        ("relay://127.0.0.1:1/a/../b", "'..'"),
        ("s3://b/x", "not a relay URL"),
    ],
)
def test_bad_relay_urls_are_refused_with_a_reason(url: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        p.parse_target(url)


frames = st.lists(
    st.tuples(
        st.binary(min_size=32, max_size=32),
        st.sampled_from([p.RAW, p.ZSTD]),
        st.binary(max_size=2048),
    ),
    max_size=8,
)


@given(frames)
def test_frames_round_trip(items: list[tuple[bytes, int, bytes]]) -> None:
    made = [p.Frame(d, enc, len(data) + (enc == p.ZSTD), data) for d, enc, data in items]
    body = b"".join(f.header() + f.payload for f in made)
    assert list(p.parse_frames(body)) == made


@given(frames, st.integers(min_value=1, max_value=40))
def test_a_truncated_body_is_refused(items: list[tuple[bytes, int, bytes]], cut: int) -> None:
    made = [p.Frame(d, p.RAW, len(data), data) for d, _, data in items]
    body = b"".join(f.header() + f.payload for f in made)
    if not body:
        return
    with pytest.raises(p.FrameError):
        list(p.parse_frames(body[: max(0, len(body) - cut)] or b"\x00"))


def test_frame_headers_out_of_bounds_are_refused() -> None:
    huge = p.FRAME.pack(b"\0" * 32, p.RAW, p.CHUNK_MAX + 1, p.CHUNK_MAX + 1)
    with pytest.raises(p.FrameError, match="out of bounds"):
        list(p.parse_frames(huge))
    liar = p.FRAME.pack(b"\0" * 32, p.RAW, 10, 5) + b"x" * 5
    with pytest.raises(p.FrameError, match="differs"):
        list(p.parse_frames(liar))
    with pytest.raises(p.FrameError, match="out of bounds"):
        list(p.parse_frames(p.FRAME.pack(b"\0" * 32, 7, 1, 1) + b"x"))
