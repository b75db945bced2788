"""Receiver settings and sender credentials: refused before anything listens or connects."""

from __future__ import annotations

from pathlib import Path

import pytest

from skylift.errors import ConfigError, InputError
from skylift.relay.receiver import sub_url
from skylift.workspace.relaying import ServeRequest, receiver_settings, relay_credentials


@pytest.fixture
def token(tmp_path: Path) -> Path:
    path = tmp_path / "token"
    path.write_text("a-long-enough-token-1234567890\n")
    return path


def test_defaults_bind_loopback_and_keep_chunks_beside_a_local_destination(
    tmp_path: Path, token: Path
) -> None:
    settings = receiver_settings(ServeRequest((), str(tmp_path / "dst"), token_file=token))
    assert settings.listen == (("127.0.0.1", 7443),)  # type: ignore[attr-defined]
    assert settings.chunk_store == tmp_path / "dst" / ".skylift-relay-chunks"  # type: ignore[attr-defined]
    assert settings.token == "a-long-enough-token-1234567890"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"token_file": None}, "needs authentication"),
        ({"listen": ("0.0.0.0:7443",)}, "not loopback and there is no TLS"),
        ({"tls_cert": Path("c.pem")}, "go together"),
        ({"listen": ("nope",)}, "invalid --listen"),
        ({"destination": "s3://bucket/x"}, "--chunk-store is needed"),
    ],
)
def test_unsafe_or_incomplete_receivers_are_refused(
    tmp_path: Path, token: Path, changes: dict[str, object], message: str
) -> None:
    base = {"listen": (), "destination": str(tmp_path), "token_file": token}
    with pytest.raises(InputError, match=message):
        receiver_settings(ServeRequest(**{**base, **changes}))  # type: ignore[arg-type]


def test_a_short_token_is_refused(tmp_path: Path) -> None:
    short = tmp_path / "t"
    short.write_text("abc")
    with pytest.raises(ConfigError, match="at least 16"):
        receiver_settings(ServeRequest((), str(tmp_path), token_file=short))


def test_sender_credentials_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, token: Path
) -> None:
    for name in ("TOKEN", "TOKEN_FILE", "CA", "CERT", "KEY"):
        monkeypatch.delenv(f"SKYLIFT_RELAY_{name}", raising=False)
    with pytest.raises(ConfigError, match="no relay credentials"):
        relay_credentials()
    monkeypatch.setenv("SKYLIFT_RELAY_TOKEN_FILE", str(token))
    assert relay_credentials().token == "a-long-enough-token-1234567890"


def test_sub_urls_stay_under_the_destination() -> None:
    assert sub_url("/srv/dst", "a/b") == "/srv/dst/a/b"
    assert sub_url("s3://bucket/pre/", "a b") == "s3://bucket/pre/a%20b"
    assert sub_url("s3://bucket", "") == "s3://bucket"
