"""Sockets → services and dependency edges (pure functions over socket snapshots)."""

from __future__ import annotations

import pytest

from skylift.domain.inventory import Dependency, Service
from skylift.domain.matching import ServerIndex
from skylift.inventory.local.network import (
    SocketInfo,
    edges_from,
    is_loopback,
    merge_edges,
    services_from,
)

INDEX = ServerIndex.build(
    [("db-key", "db01", None, ["10.0.0.5"]), ("app", "app01", None, ["10.0.0.7"])]
)


def _sock(
    lip: str, lport: int, rip: str | None, rport: int | None, status: str, proc: str | None = None
) -> SocketInfo:
    return SocketInfo(lip, lport, rip, rport, status, proc)


def test_services_prefer_wildcard_and_keep_a_known_process() -> None:
    socks = [
        _sock("127.0.0.1", 8080, None, None, "LISTEN", None),
        _sock("0.0.0.0", 8080, None, None, "LISTEN", None),
        _sock("::", 8080, None, None, "LISTEN", "java"),
        _sock("10.0.0.1", 22, None, None, "LISTEN", "sshd"),
        _sock("10.0.0.1", 40000, "10.0.0.5", 5432, "ESTABLISHED", "java"),
    ]
    assert services_from(socks) == (
        Service(port=22, process="sshd", address="10.0.0.1"),
        Service(port=8080, process="java", address="0.0.0.0"),
    )


def test_outbound_inbound_and_loopback_edges() -> None:
    socks = [
        _sock("0.0.0.0", 443, None, None, "LISTEN", "nginx"),
        # outbound to a known server and to an unknown IP
        _sock("10.0.0.1", 40000, "10.0.0.5", 5432, "ESTABLISHED", "java"),
        _sock("10.0.0.1", 40001, "10.0.0.5", 5432, "ESTABLISHED", "java"),
        _sock("10.0.0.1", 40002, "203.0.113.9", 443, "ESTABLISHED", "curl"),
        # inbound on our listening port from a known and an unknown client
        _sock("10.0.0.1", 443, "10.0.0.7", 50000, "ESTABLISHED", "nginx"),
        _sock("10.0.0.1", 443, "198.51.100.1", 50001, "ESTABLISHED", "nginx"),
        # loopback and not-established are ignored
        _sock("127.0.0.1", 40003, "127.0.0.1", 443, "ESTABLISHED", "x"),
        _sock("::ffff:127.0.0.1", 40004, "::ffff:127.0.0.1", 443, "ESTABLISHED", "x"),
        _sock("10.0.0.1", 40005, "10.0.0.5", 5432, "TIME_WAIT", None),
    ]
    edges, unmatched = edges_from(socks, "me", INDEX)
    assert unmatched == 1
    assert edges == [
        Dependency(
            source_key="me",
            target_key="db-key",
            target_ip="10.0.0.5",
            port=5432,
            source_process="java",
        ),
        Dependency(
            source_key="me",
            target_key=None,
            target_ip="203.0.113.9",
            port=443,
            source_process="curl",
        ),
        Dependency(
            source_key="app",
            target_key="me",
            target_ip="10.0.0.1",
            port=443,
            target_process="nginx",
        ),
    ]


def test_strength_counts_the_snapshots_an_edge_was_seen_in() -> None:
    a = Dependency(source_key="me", target_key=None, target_ip="203.0.113.9", port=443)
    b = Dependency(source_key="me", target_key="db-key", target_ip="10.0.0.5", port=5432)
    merged = merge_edges([[a, b], [a], [a]])
    assert {(d.target_ip, d.strength) for d in merged} == {("203.0.113.9", 3), ("10.0.0.5", 1)}


@pytest.mark.parametrize(
    ("ip", "loop"),
    [("127.0.0.1", True), ("127.8.9.1", True), ("::1", True), ("::ffff:127.0.0.1", True),
     ("10.0.0.1", False), ("fe80::1%eth0", False), ("not-an-ip", False)],
)  # fmt: skip
def test_is_loopback(ip: str, loop: bool) -> None:
    assert is_loopback(ip) is loop


def test_rates_between_two_readings() -> None:
    from skylift.domain.inventory import MetricName as M
    from skylift.inventory.local.sampler import Counters, DiskIo, rates_between

    before = Counters(10.0, DiskIo(0, 0, 0, 0), net_in=0, net_out=5_000_000)
    after = Counters(12.0, DiskIo(4_000_000, 2_000_000, 300, 100), net_in=2_500_000, net_out=0)
    r = rates_between(before, after)
    assert r[M.DISK_READ_MBPS] == 2.0 and r[M.DISK_WRITE_MBPS] == 1.0  # MB/s over 2 s
    assert (r[M.DISK_READ_IOPS], r[M.DISK_WRITE_IOPS]) == (150.0, 50.0)
    assert r[M.NET_IN_MBPS] == 10.0  # 2.5 MB in 2 s = 10 Mbit/s
    assert r[M.NET_OUT_MBPS] == 0.0  # a counter that went backwards (reset) is not negative
    no_disk = rates_between(Counters(0.0, None, 0, 0), Counters(1.0, None, 0, 0))
    assert M.DISK_READ_MBPS not in no_disk


def test_udp_services_are_bound_sockets_below_the_ephemeral_range() -> None:
    socks = [
        SocketInfo("0.0.0.0", 53, None, None, "NONE", "named", "udp"),
        SocketInfo("0.0.0.0", 53, None, None, "LISTEN", "named", "tcp"),
        SocketInfo("0.0.0.0", 45000, None, None, "NONE", "client", "udp"),  # ephemeral
        SocketInfo("10.0.0.1", 123, "10.0.0.9", 123, "NONE", "ntpd", "udp"),  # connected
    ]
    assert services_from(socks, ephemeral_start=32768) == (
        Service(port=53, protocol="tcp", process="named", address="0.0.0.0"),
        Service(port=53, protocol="udp", process="named", address="0.0.0.0"),
    )
    # UDP sockets never become dependency edges (no connection state)
    udp_talk = [SocketInfo("10.0.0.1", 40000, "10.0.0.5", 53, "ESTABLISHED", "x", "udp")]
    assert edges_from(udp_talk, "me", INDEX) == ([], 0)
