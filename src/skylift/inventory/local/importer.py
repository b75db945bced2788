"""``skylift discover local``: this machine, read live with psutil.

Inventory: logical/physical CPUs, memory, disks (one per mounted block-device
filesystem, with size and used space; pseudo filesystems skipped), NICs
(name, MAC, addresses; loopback skipped), OS (``/etc/os-release`` on Linux),
firmware (UEFI when ``/sys/firmware/efi`` exists), listening TCP services
(port → process) and established connections as dependency edges.
With ``duration > 0`` utilisation is sampled every ``interval`` seconds into
a series file.

The server key is the host name (``socket.gethostname()``), so a later import
from another source that names the machine the same way updates the same
server; ``/etc/machine-id`` is kept as the tag ``machine_id``.
"""

from __future__ import annotations

import hashlib
import math
import platform
import socket
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import psutil

from skylift.domain.imports import ImportBatch, ImportWarning, SourceFile
from skylift.domain.inventory import (
    Architecture,
    BootType,
    Dependency,
    Disk,
    Nic,
    PowerState,
    Server,
)
from skylift.errors import InputError
from skylift.inventory.base import ImportContext
from skylift.inventory.local.network import (
    SocketSnapshot,
    edges_from,
    ephemeral_port_start,
    is_loopback,
    merge_edges,
    read_sockets,
    services_from,
)
from skylift.inventory.local.sampler import sample_utilisation
from skylift.inventory.osinfo import OsInfo, parse_arch, parse_os

_GIB = float(1 << 30)
_PSEUDO_FS = frozenset(
    (
        "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs", "devpts",
        "devtmpfs", "efivarfs", "fusectl", "hugetlbfs", "mqueue", "nsfs", "proc", "pstore",
        "ramfs", "rpc_pipefs", "securityfs", "selinuxfs", "squashfs", "sysfs", "tmpfs",
        "tracefs", "overlay", "aufs", "fuse.lxcfs", "fuse.gvfsd-fuse", "nfsd", "iso9660", "udf",
    )
)  # fmt: skip


class LocalImporter:
    """Reads this machine. ``interval``/``duration`` in seconds (``duration=0``: no series)."""

    name: ClassVar[str] = "local"

    def __init__(self, interval: float = 5.0, duration: float = 0.0) -> None:
        if not (math.isfinite(interval) and interval > 0):
            raise InputError(
                f"--interval must be a positive number of seconds, got {interval}",
                "use e.g. --interval 5",
            )
        if not (math.isfinite(duration) and duration >= 0):
            raise InputError(
                f"--duration must be 0 or more seconds, got {duration}",
                "use e.g. --duration 600 (0 = inventory only)",
            )
        self.interval = interval
        self.duration = duration

    def parse(self, paths: Sequence[Path], ctx: ImportContext) -> ImportBatch:
        """Scan the machine (and sample utilisation for ``duration`` seconds)."""
        if paths:
            raise InputError(
                "discover local reads this machine and takes no files",
                "drop the file arguments",
            )
        started = datetime.now(UTC)
        host = socket.gethostname() or "localhost"
        key = host
        warnings: list[ImportWarning] = []
        first = read_sockets()
        snapshots: list[list[Dependency]] = []
        unmatched = 0

        def take(snapshot: SocketSnapshot) -> None:
            nonlocal unmatched
            edges, missed = edges_from(snapshot.sockets, key, ctx.servers)
            snapshots.append(edges)
            unmatched = max(unmatched, missed)

        take(first)
        series = None
        if self.duration > 0:
            series = sample_utilisation(
                key,
                self.interval,
                self.duration,
                ctx.tmp_dir / "local-series.parquet",
                ctx.progress,
                on_tick=lambda: take(read_sockets()),
            )
        if first.denied:
            warnings.append(
                ImportWarning(
                    message="the OS refused to list network connections: no services or "
                    "dependencies (run as root/administrator to include them)"
                )
            )
        elif first.unknown_processes:
            warnings.append(
                ImportWarning(
                    message=f"{first.unknown_processes} sockets belong to processes this user "
                    "cannot see; their process names are unknown (run as root to see them)"
                )
            )
        if unmatched:
            warnings.append(
                ImportWarning(
                    message=f"{unmatched} inbound connections come from unknown servers and "
                    "were not recorded (import those servers first to see them as edges)"
                )
            )
        server = machine_server(key, host, first)
        run_id = hashlib.sha256(f"local|{key}|{started.isoformat()}".encode()).hexdigest()
        return ImportBatch(
            format=self.name,
            files=(SourceFile(path=f"local:{host}", sha256=run_id, size_bytes=0),),
            servers=(server,),
            dependencies=merge_edges(snapshots),
            series=series,
            rows_read=1,
            warnings=tuple(warnings),
        )


def machine_server(key: str, host: str, sockets: SocketSnapshot) -> Server:
    """This machine as a :class:`Server` (no sampling)."""
    os_info = local_os()
    mem = psutil.virtual_memory()
    freq = _cpu_mhz()
    nics = local_nics()
    ips = [ip for n in nics for ip in (*n.ipv4, *n.ipv6)]
    tags: dict[str, str] = {"kernel": platform.release()}
    physical = psutil.cpu_count(logical=False)
    if physical:
        tags["physical_cores"] = str(physical)
    machine_id = _read_first_line(Path("/etc/machine-id"))
    if machine_id:
        tags["machine_id"] = machine_id
    return Server(
        key=key,
        name=host.split(".", 1)[0] or host,
        source="local",
        power_state=PowerState.ON,
        os_name=_os_name(),
        os_family=os_info.family,
        os_version=os_info.version,
        arch=os_info.arch,
        boot_type=_boot_type(),
        cores=psutil.cpu_count(logical=True),
        cpu_mhz=freq,
        memory_mib=mem.total / float(1 << 20),
        gpus=_gpus(),
        fqdn=host if "." in host else None,
        ip_addresses=tuple(dict.fromkeys(ips)),
        disks=local_disks(),
        nics=nics,
        services=services_from(sockets.sockets, ephemeral_port_start()),
        tags=tags,
    )


def _read_first_line(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[0] or None
    except (OSError, IndexError):
        return None


def _os_release() -> dict[str, str]:
    out: dict[str, str] = {}
    for candidate in (Path("/etc/os-release"), Path("/usr/lib/os-release")):
        try:
            text = candidate.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for line in text.splitlines():
            name, sep, value = line.partition("=")
            if sep:
                out[name.strip()] = value.strip().strip("\"'")
        break
    return out


def _os_name() -> str:
    system = platform.system()
    if system == "Linux":
        rel = _os_release()
        return rel.get("PRETTY_NAME") or rel.get("NAME") or "Linux"
    if system == "Darwin":
        return f"macOS {platform.mac_ver()[0]}".strip()
    if system == "Windows":
        return f"Windows {platform.release()} {platform.version()}".strip()
    return f"{system} {platform.release()}".strip()


def local_os() -> OsInfo:
    """Family, version and architecture of the running OS."""
    version = _os_release().get("VERSION_ID") if platform.system() == "Linux" else None
    info = parse_os(_os_name(), version, None)
    arch = parse_arch(platform.machine())
    return OsInfo(
        info.family, info.version, arch if arch is not Architecture.UNKNOWN else info.arch
    )


def _boot_type() -> BootType:
    if platform.system() != "Linux":
        return BootType.UNKNOWN
    return BootType.UEFI if Path("/sys/firmware/efi").exists() else BootType.BIOS


def _cpu_mhz() -> float | None:
    try:
        freq = psutil.cpu_freq()
    except (OSError, NotImplementedError, RuntimeError):
        return None
    # psutil returns None on some platforms although its stubs say otherwise.
    best = getattr(freq, "max", 0.0) or getattr(freq, "current", 0.0)
    return float(best) if best and best > 0 else None


def _gpus() -> int:
    nvidia = Path("/proc/driver/nvidia/gpus")
    try:
        return sum(1 for _ in nvidia.iterdir()) if nvidia.is_dir() else 0
    except OSError:
        return 0


def local_disks() -> tuple[Disk, ...]:
    """Mounted block-device filesystems (one per device, shortest mount point) with usage."""
    by_device: dict[str, tuple[str, Disk]] = {}
    for part in psutil.disk_partitions(all=False):
        if part.fstype.lower() in _PSEUDO_FS and part.mountpoint not in ("/", "C:\\"):
            continue
        try:
            usage = psutil.disk_usage(part.mountpoint)
        except (OSError, PermissionError):
            continue
        if usage.total <= 0:
            continue
        disk = Disk(
            name=part.mountpoint,
            size_gib=usage.total / _GIB,
            used_gib=usage.used / _GIB,
        )
        old = by_device.get(part.device)
        if old is None or len(part.mountpoint) < len(old[0]):
            by_device[part.device] = (part.mountpoint, disk)
    return tuple(sorted((d for _, d in by_device.values()), key=lambda d: d.name))


def local_nics() -> tuple[Nic, ...]:
    """Network adapters with MAC and addresses; loopback and address-less ones skipped."""
    stats = psutil.net_if_stats()
    nics: list[Nic] = []
    for name, addrs in sorted(psutil.net_if_addrs().items()):
        st = stats.get(name)
        if st is not None and "loopback" in st.flags:
            continue
        mac = next((a.address for a in addrs if a.family == psutil.AF_LINK), None)
        v4 = tuple(
            a.address for a in addrs if a.family == socket.AF_INET and not is_loopback(a.address)
        )
        v6 = tuple(
            a.address.split("%", 1)[0]
            for a in addrs
            if a.family == socket.AF_INET6 and not is_loopback(a.address)
        )
        if not (v4 or v6):
            continue
        nics.append(
            Nic(name=name, mac=mac, ipv4=v4, ipv6=v6, connected=None if st is None else st.isup)
        )
    return tuple(nics)


__all__ = ["LocalImporter", "local_disks", "local_nics", "local_os", "machine_server"]
