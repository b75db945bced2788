"""What an estate is made of: servers, their disks and NICs, applications, dependencies.

These are the values every importer produces and every later stage reads.
Units are fixed by field name: ``*_mib`` mebibytes, ``*_gib`` gibibytes,
``*_mbps`` megabytes per second for disks and megabits per second for
networks (see each field), percentages 0–100.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from skylift.domain.value import Value


class PowerState(StrEnum):
    """Power state as reported by the source."""

    ON = "on"
    OFF = "off"
    SUSPENDED = "suspended"
    UNKNOWN = "unknown"


class OsFamily(StrEnum):
    """Broad operating-system family, used by readiness and strategy rules."""

    WINDOWS = "windows"
    LINUX = "linux"
    UNIX = "unix"
    MACOS = "macos"
    OTHER = "other"
    UNKNOWN = "unknown"


class Architecture(StrEnum):
    """CPU architecture of the guest."""

    X86_64 = "x86_64"
    X86 = "x86"
    ARM64 = "arm64"
    UNKNOWN = "unknown"


class BootType(StrEnum):
    """Firmware the guest boots with."""

    BIOS = "bios"
    UEFI = "uefi"
    UNKNOWN = "unknown"


class Environment(StrEnum):
    """Lifecycle environment a server belongs to."""

    PRODUCTION = "production"
    STAGING = "staging"
    TEST = "test"
    DEVELOPMENT = "development"
    UNKNOWN = "unknown"


class Disk(Value):
    """One virtual or physical disk of a server."""

    name: str
    size_gib: float = Field(ge=0)
    used_gib: float | None = Field(default=None, ge=0)
    thin: bool | None = None
    read_iops: float | None = Field(default=None, ge=0)
    write_iops: float | None = Field(default=None, ge=0)
    read_mbps: float | None = Field(default=None, ge=0, description="MB/s")
    write_mbps: float | None = Field(default=None, ge=0, description="MB/s")


class Nic(Value):
    """One network adapter of a server."""

    name: str
    mac: str | None = None
    network: str | None = None
    ipv4: tuple[str, ...] = ()
    ipv6: tuple[str, ...] = ()
    connected: bool | None = None


class Service(Value):
    """A listening service observed on a server (port → process)."""

    port: int = Field(ge=0, le=65535)
    protocol: str = "tcp"
    process: str | None = None
    address: str | None = None


class Server(Value):
    """A server (VM or physical) as discovered.

    ``key`` is the stable identity used for upserts: the source's own unique id
    (RVTools VM UUID / VM ID, AWS ExternalId, …) or, failing that, the name.
    Summary utilisation fields carry single figures from summary-only imports;
    time series live beside the state store, keyed by ``key``.
    """

    key: str = Field(min_length=1)
    name: str = Field(min_length=1)
    source: str = Field(description="importer that produced it, e.g. 'rvtools'")
    power_state: PowerState = PowerState.UNKNOWN
    os_name: str | None = None
    os_family: OsFamily = OsFamily.UNKNOWN
    os_version: str | None = None
    arch: Architecture = Architecture.UNKNOWN
    boot_type: BootType = BootType.UNKNOWN
    cores: int | None = Field(default=None, ge=0)
    sockets: int | None = Field(default=None, ge=0)
    cpu_mhz: float | None = Field(default=None, ge=0)
    memory_mib: float | None = Field(default=None, ge=0)
    gpus: int = Field(default=0, ge=0)
    fqdn: str | None = None
    ip_addresses: tuple[str, ...] = ()
    datacenter: str | None = None
    cluster: str | None = None
    host: str | None = None
    application: str | None = None
    environment: Environment = Environment.UNKNOWN
    criticality: str | None = None
    cpu_util_pct: float | None = Field(default=None, ge=0)
    mem_util_pct: float | None = Field(default=None, ge=0)
    net_in_mbps: float | None = Field(default=None, ge=0, description="Mbit/s")
    net_out_mbps: float | None = Field(default=None, ge=0, description="Mbit/s")
    disks: tuple[Disk, ...] = ()
    nics: tuple[Nic, ...] = ()
    services: tuple[Service, ...] = ()
    tags: dict[str, str] = Field(default_factory=dict)

    @property
    def provisioned_gib(self) -> float:
        """Sum of disk sizes."""
        return sum(d.size_gib for d in self.disks)

    @property
    def used_gib(self) -> float | None:
        """Sum of used space where every disk reports it, else ``None``."""
        used = [d.used_gib for d in self.disks]
        if not used or any(u is None for u in used):
            return None
        return sum(u for u in used if u is not None)


class Dependency(Value):
    """A network dependency ``source → target`` observed on ``port``.

    ``strength`` counts the observation slots (e.g. Azure Migrate 6-hour slots)
    in which the connection was seen. ``target_key`` is ``None`` when the
    destination is not a known server (only ``target_ip`` is known).
    """

    source_key: str
    target_key: str | None
    target_ip: str | None = None
    port: int = Field(ge=0, le=65535)
    protocol: str = "tcp"
    source_process: str | None = None
    target_process: str | None = None
    source_application: str | None = None
    target_application: str | None = None
    strength: int = Field(default=1, ge=1)


class MetricName(StrEnum):
    """Utilisation metrics stored as time series (long format)."""

    CPU_PCT = "cpu_pct"
    MEM_PCT = "mem_pct"
    MEM_USED_MIB = "mem_used_mib"
    DISK_READ_IOPS = "disk_read_iops"
    DISK_WRITE_IOPS = "disk_write_iops"
    DISK_READ_MBPS = "disk_read_mbps"
    DISK_WRITE_MBPS = "disk_write_mbps"
    NET_IN_MBPS = "net_in_mbps"
    NET_OUT_MBPS = "net_out_mbps"
    DISK_USED_GIB = "disk_used_gib"
