"""This machine's sockets → listening services and dependency edges (for ``discover local``).

:func:`read_sockets` asks psutil for the TCP sockets once; the pure functions
:func:`services_from` and :func:`edges_from` turn such a snapshot into
:class:`~skylift.domain.inventory.Service` and dependency edges, so they can
be tested with plain values.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import psutil

from skylift.domain.inventory import Dependency, Service
from skylift.domain.matching import ServerIndex

_WILDCARDS = ("0.0.0.0", "::")  # noqa: S104 (recognising, not binding)


@dataclass(frozen=True)
class SocketInfo:
    """One socket: local and remote address, state, owning process name, protocol."""

    local_ip: str
    local_port: int
    remote_ip: str | None
    remote_port: int | None
    status: str
    process: str | None
    protocol: str = "tcp"


@dataclass(frozen=True)
class SocketSnapshot:
    """Sockets seen at one moment; ``denied`` when the OS refused to list them."""

    sockets: tuple[SocketInfo, ...]
    denied: bool = False
    unknown_processes: int = 0


def read_sockets() -> SocketSnapshot:
    """List this machine's TCP and UDP sockets with process names (degrades without privileges)."""
    try:
        conns = psutil.net_connections(kind="inet")
    except psutil.AccessDenied:
        return SocketSnapshot(sockets=(), denied=True)
    names: dict[int, str | None] = {}
    unknown = 0
    out: list[SocketInfo] = []
    for c in conns:
        if not c.laddr:
            continue
        process: str | None = None
        if c.pid is None:
            unknown += 1
        else:
            if c.pid not in names:
                names[c.pid] = _process_name(c.pid)
            process = names[c.pid]
        raddr = c.raddr if c.raddr else None
        out.append(
            SocketInfo(
                local_ip=str(c.laddr[0]),
                local_port=int(c.laddr[1]),
                remote_ip=None if raddr is None else str(raddr[0]),
                remote_port=None if raddr is None else int(raddr[1]),
                status=str(c.status),
                process=process,
                protocol="udp" if c.type == socket.SOCK_DGRAM else "tcp",
            )
        )
    return SocketSnapshot(sockets=tuple(out), unknown_processes=unknown)


def _process_name(pid: int) -> str | None:
    try:
        return psutil.Process(pid).name()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return None


def is_loopback(ip: str) -> bool:
    """True for 127.0.0.0/8, ::1 and IPv4-mapped loopback (``::ffff:127.0.0.1``)."""
    try:
        addr = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped.is_loopback
    return addr.is_loopback


def ephemeral_port_start() -> int:
    """First port of the OS's ephemeral (client) range: Linux's setting, else IANA's 49152."""
    try:
        text = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text(encoding="ascii")
        return int(text.split()[0])
    except (OSError, ValueError, IndexError):
        return 49152


def _is_service(s: SocketInfo, ephemeral_start: int) -> bool:
    if s.protocol == "tcp":
        return s.status == psutil.CONN_LISTEN
    # UDP has no LISTEN state: a bound, unconnected socket below the ephemeral
    # range is a server (DNS, NTP, syslog, SNMP …); above it, a client's socket.
    return s.remote_ip is None and 0 < s.local_port < ephemeral_start


def services_from(
    sockets: Iterable[SocketInfo], ephemeral_start: int = 32768
) -> tuple[Service, ...]:
    """Listening TCP and bound UDP sockets → one :class:`Service` per port and protocol.

    The wildcard address is preferred when a port is bound on several addresses.
    """
    found: dict[tuple[int, str], Service] = {}
    for s in sockets:
        if not _is_service(s, ephemeral_start):
            continue
        ident = (s.local_port, s.protocol)
        old = found.get(ident)
        if old is None or (old.address not in _WILDCARDS and s.local_ip in _WILDCARDS):
            found[ident] = Service(
                port=s.local_port,
                protocol=s.protocol,
                process=s.process or (old.process if old else None),
                address=s.local_ip,
            )
        elif old.process is None and s.process is not None:
            found[ident] = old.model_copy(update={"process": s.process})
    return tuple(found[k] for k in sorted(found))


def edges_from(
    sockets: Iterable[SocketInfo], key: str, index: ServerIndex
) -> tuple[list[Dependency], int]:
    """Established connections → dependency edges, and how many inbound ones were unmatched.

    Outbound (remote port is the service): ``this → remote``; the target key is
    filled when the remote IP is a known server. Inbound (our listening port):
    ``remote → this`` only when the remote is a known server. Loopback is ignored.
    """
    listening = {
        s.local_port for s in sockets if s.protocol == "tcp" and s.status == psutil.CONN_LISTEN
    }
    edges: dict[tuple[str, str, int], Dependency] = {}
    unmatched_inbound = 0
    for s in sockets:
        if (
            s.protocol != "tcp"
            or s.status != psutil.CONN_ESTABLISHED
            or s.remote_ip is None
            or s.remote_port is None
        ):
            continue
        if is_loopback(s.remote_ip):
            continue
        remote_key = index.lookup(s.remote_ip)
        if s.local_port in listening:
            if remote_key is None or remote_key == key:
                unmatched_inbound += 1
                continue
            dep = Dependency(
                source_key=remote_key,
                target_key=key,
                target_ip=s.local_ip,
                port=s.local_port,
                target_process=s.process,
            )
        else:
            dep = Dependency(
                source_key=key,
                target_key=remote_key,
                target_ip=s.remote_ip,
                port=s.remote_port,
                source_process=s.process,
            )
        edges.setdefault((dep.source_key, dep.target_key or f"ip:{dep.target_ip}", dep.port), dep)
    return list(edges.values()), unmatched_inbound


def merge_edges(snapshots: Iterable[Iterable[Dependency]]) -> tuple[Dependency, ...]:
    """Combine edges from several snapshots; ``strength`` = snapshots an edge was seen in."""
    seen: dict[tuple[str, str, int], tuple[Dependency, int]] = {}
    for edges in snapshots:
        for d in edges:
            ident = (d.source_key, d.target_key or f"ip:{d.target_ip}", d.port)
            first, count = seen.get(ident, (d, 0))
            seen[ident] = (first, count + 1)
    return tuple(d.model_copy(update={"strength": n}) for d, n in seen.values())
