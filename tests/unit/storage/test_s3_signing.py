"""Which S3 request bodies are SHA-256-signed: plain HTTP beyond this machine only (#12).

The rule (skylift.storage.s3.signing) against an oracle written from the
address ranges themselves, and its wiring into both S3 clients — obstore
(single PUTs) and botocore (multipart). Building either client talks to nobody.
"""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skylift.errors import ConfigError
from skylift.storage.s3.backend import S3Storage
from skylift.storage.s3.signing import is_loopback, signs_payload


@pytest.fixture(autouse=True)
def _no_proxy_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """A proxy in the environment changes the rule (see the proxy test)."""
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)


def _oracle(host: str, scheme: str) -> bool:
    """Signed iff plain HTTP and the host is not in 127.0.0.0/8, ::1 or localhost."""
    if scheme != "http":
        return False
    if host == "localhost":
        return False
    address = ipaddress.ip_address(host.strip("[]"))
    loopback = address in ipaddress.ip_network("127.0.0.0/8") or str(address) == "::1"
    return not loopback


@given(
    address=st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)),
    scheme=st.sampled_from(["http", "https", "HTTP", "HTTPS"]),
    port=st.integers(1, 65535),
)
def test_the_rule_agrees_with_the_address_ranges(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, scheme: str, port: int
) -> None:
    host = f"[{address}]" if address.version == 6 else str(address)
    endpoint = f"{scheme}://{host}:{port}/"
    assert signs_payload(endpoint) is _oracle(host, scheme.lower())


@pytest.mark.parametrize(
    ("endpoint", "signed"),
    [
        ("http://127.0.0.1:9000", False),
        ("http://127.200.3.4", False),
        ("http://localhost:9000", False),
        ("http://LOCALHOST.:9000/", False),
        ("http://[::1]:9000", False),
        ("http://minio.internal:9000", True),
        ("http://localhost.example.com:9000", True),
        ("http://10.0.0.5:9000", True),
        ("http://[::ffff:10.0.0.5]:9000", True),
        ("http://128.0.0.1", True),
        ("https://minio.internal:9000", False),
        ("https://127.0.0.1:9000", False),
        (None, False),  # AWS itself, over TLS
    ],
)
def test_examples(endpoint: str | None, signed: bool) -> None:
    assert signs_payload(endpoint) is signed


@pytest.mark.parametrize("value", ["true", "True", "1", "yes", "on"])
def test_true_signs_everywhere(value: str) -> None:
    for endpoint in ("http://127.0.0.1:1", "https://s3.example", None):
        assert signs_payload(endpoint, value) is True


@pytest.mark.parametrize("value", ["false", "0", "no", "off"])
def test_false_signs_nowhere(value: str) -> None:
    assert signs_payload("http://10.0.0.5:9000", value) is False


def test_a_misspelt_option_is_refused_not_read_as_false() -> None:
    with pytest.raises(ConfigError, match="sign_payload must be true, false or auto"):
        signs_payload("http://10.0.0.5:9000", "ture")


def test_is_loopback_on_odd_urls() -> None:
    assert not is_loopback("http://")
    assert not is_loopback("http://[bad")
    assert not is_loopback("not a url")


@pytest.mark.parametrize(
    ("endpoint", "option", "signed"),
    [
        ("http://127.0.0.1:9", None, False),
        ("http://192.0.2.10:9", None, True),  # TEST-NET-1: never contacted
        ("https://192.0.2.10:9", None, False),
        ("http://127.0.0.1:9", "true", True),
        ("http://192.0.2.10:9", "false", False),
    ],
)
def test_both_clients_follow_the_rule(
    monkeypatch: pytest.MonkeyPatch, endpoint: str, option: str | None, signed: bool
) -> None:
    """obstore's ``unsigned_payload`` and botocore's explicit ``payload_signing_enabled``.

    botocore left alone signs on plain HTTP everywhere, and on https too when no
    checksum header goes with the part (request_checksum_calculation="when_required").
    """
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "SKTEST")
    options = {"endpoint": endpoint, "allow_http": "true"}
    if option is not None:
        options["sign_payload"] = option
    store = S3Storage("s3://bucket/root", **options)
    try:
        obstore_config = store.store.config
        assert (obstore_config.get("unsigned_payload") == "true") is not signed
        s3_config = store.client._client.meta.config.s3
        assert s3_config["payload_signing_enabled"] is signed
    finally:
        store.close()


def test_building_the_client_leaves_the_collector_as_it_was(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The botocore client is built with the collector paused: it must come back on,
    also when the build fails (a misspelt option), and stay off if it was off."""
    import gc

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "SKTEST")
    good = S3Storage("s3://bucket", endpoint="http://127.0.0.1:9", allow_http="true")
    bad = S3Storage("s3://bucket", endpoint="http://127.0.0.1:9", allow_http="true")
    bad.options["sign_payload"] = "ture"  # as if set after the obstore store was made
    try:
        assert gc.isenabled()
        assert good.client is not None
        assert gc.isenabled()
        with pytest.raises(ConfigError):
            _ = bad.client
        assert gc.isenabled()
        gc.disable()
        try:
            _ = S3Storage("s3://b", endpoint="http://127.0.0.1:9", allow_http="true").client
            assert not gc.isenabled()
        finally:
            gc.enable()
    finally:
        good.close()
        bad.close()


def test_the_session_finds_s3_without_a_scan_and_still_knows_every_other_service() -> None:
    """The multipart client's session skips botocore's scan of ~900 data folders for
    "s3"; the credential chain's own clients (sts for assumed roles and web
    identity, sso for SSO profiles) must still be found — by the scan."""
    from skylift.storage.s3.client import botocore_session

    session = botocore_session(None)
    loader = session.get_component("data_loader")
    scans: list[str] = []
    scan = loader.list_available_services._scan
    loader.list_available_services._scan = lambda t: scans.append(t) or scan(t)
    assert "s3" in loader.list_available_services("service-2")
    assert scans == []
    for service in ("sts", "sso", "sso-oidc"):
        client = session.create_client(service, region_name="us-east-1")  # talks to nobody
        assert client.meta.service_model.service_name == service
    assert "sts" in loader.list_available_services("service-2")
    assert "no-such-service" not in loader.list_available_services("service-2")
    assert len(loader.list_available_services("service-2")) > 100
    assert scans


@pytest.mark.parametrize("unsigned_env", [None, "true"])
def test_obstores_own_endpoint_variable_is_seen_by_the_rule_and_botocore(
    monkeypatch: pytest.MonkeyPatch, unsigned_env: str | None
) -> None:
    """obstore reads ``$AWS_ENDPOINT`` (and ``$AWS_UNSIGNED_PAYLOAD``) by itself: the
    endpoint the rule judges and botocore's multipart client uses must be the one obstore
    sends single PUTs to. Before, the rule saw no endpoint (AWS over TLS), so single
    PUTs went UNSIGNED-PAYLOAD over plain HTTP to a remote host while multipart parts
    went to AWS."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "SKTEST")
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT", "http://192.0.2.10:9")  # TEST-NET-1: never contacted
    if unsigned_env is not None:
        monkeypatch.setenv("AWS_UNSIGNED_PAYLOAD", unsigned_env)
    store = S3Storage("s3://bucket/root", allow_http="true", region="us-east-1")
    try:
        assert store.options["endpoint"] == "http://192.0.2.10:9"
        assert store.store.config.get("unsigned_payload") in (None, False, "false")
        client = store.client._client
        assert client.meta.endpoint_url == "http://192.0.2.10:9"
        assert client.meta.config.s3["payload_signing_enabled"] is True
    finally:
        store.close()


@pytest.mark.parametrize(
    ("variables", "endpoint", "signed"),
    [
        ({}, "http://127.0.0.1:9000", False),
        ({"HTTP_PROXY": "http://proxy.example:3128"}, "http://127.0.0.1:9000", True),
        ({"http_proxy": "http://proxy.example:3128"}, "http://localhost:9000", True),
        ({"ALL_PROXY": "socks5://proxy.example:1080"}, "http://[::1]:9000", True),
        ({"HTTPS_PROXY": "http://proxy.example:3128"}, "http://127.0.0.1:9000", False),
        (
            {"HTTP_PROXY": "http://proxy.example:3128", "NO_PROXY": "localhost,127.0.0.1"},
            "http://127.0.0.1:9000",
            False,
        ),
        (
            {"HTTP_PROXY": "http://proxy.example:3128", "no_proxy": "*"},
            "http://localhost:9000",
            False,
        ),
        ({"HTTP_PROXY": "http://proxy.example:3128"}, "https://127.0.0.1:9000", False),
    ],
)
def test_a_loopback_endpoint_behind_a_proxy_is_signed(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], endpoint: str, signed: bool
) -> None:
    """Both S3 clients send plain-HTTP requests through ``$HTTP_PROXY`` (``$ALL_PROXY``)
    unless ``$NO_PROXY`` names the host, loopback included (checked by hand with a
    listener as the proxy: obstore and botocore both went to it): the body then leaves
    the machine, so it is signed. Before, loopback was unsigned whatever the proxy."""
    for name in ("HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert signs_payload(endpoint) is signed
