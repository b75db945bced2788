"""skylift's own server-list schema (``skylift discover servers``): one validated record per server.

The same fields in CSV, JSON and YAML; documented in docs/discover.md. A
reader hands each entry over as a :class:`ServerEntry` (the fields as written
and how to point at them); :func:`validate` checks it against
:class:`ServerRecord` and :meth:`ServerRecord.to_server` turns it into the
domain :class:`~skylift.domain.inventory.Server`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from skylift.domain.inventory import (
    Architecture,
    BootType,
    Disk,
    Environment,
    OsFamily,
    PowerState,
    Server,
    Service,
)
from skylift.errors import InputError, InputLocation
from skylift.inventory.osinfo import parse_arch, parse_boot_type, parse_os

#: The hint of every error about a server-list entry.
HINT = "see the servers schema in docs/discover.md"

_POWER = {
    "on": PowerState.ON, "poweredon": PowerState.ON, "running": PowerState.ON,
    "up": PowerState.ON, "started": PowerState.ON,
    "off": PowerState.OFF, "poweredoff": PowerState.OFF, "stopped": PowerState.OFF,
    "down": PowerState.OFF, "shutdown": PowerState.OFF,
    "suspended": PowerState.SUSPENDED, "paused": PowerState.SUSPENDED,
    "unknown": PowerState.UNKNOWN,
}  # fmt: skip
_ENVIRONMENT = {
    "production": Environment.PRODUCTION, "prod": Environment.PRODUCTION,
    "prd": Environment.PRODUCTION, "live": Environment.PRODUCTION,
    "staging": Environment.STAGING, "stage": Environment.STAGING, "stg": Environment.STAGING,
    "uat": Environment.STAGING, "preprod": Environment.STAGING,
    "pre-production": Environment.STAGING,
    "test": Environment.TEST, "testing": Environment.TEST, "qa": Environment.TEST,
    "tst": Environment.TEST,
    "development": Environment.DEVELOPMENT, "dev": Environment.DEVELOPMENT,
    "unknown": Environment.UNKNOWN,
}  # fmt: skip


def _lookup(table: dict[str, Any], value: object, expected: str) -> Any:
    if value is None:
        return None
    hit = table.get(str(value).strip().lower().replace(" ", "").replace("_", ""))
    if hit is None:
        raise ValueError(f"expected {expected}")
    return hit


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True)


class DiskRecord(_Record):
    """One disk: ``size_gib`` is required, the rest optional."""

    name: str | None = Field(default=None, max_length=255)
    size_gib: float = Field(ge=0)
    used_gib: float | None = Field(default=None, ge=0)
    thin: bool | None = None
    read_iops: float | None = Field(default=None, ge=0)
    write_iops: float | None = Field(default=None, ge=0)
    read_mbps: float | None = Field(default=None, ge=0)
    write_mbps: float | None = Field(default=None, ge=0)


class ServiceRecord(_Record):
    """A listening service: port, protocol (default tcp) and process name."""

    port: int = Field(ge=0, le=65535)
    protocol: str = Field(default="tcp", pattern=r"^(?i:tcp|udp)$")
    process: str | None = None


class ServerRecord(_Record):
    """One server of skylift's own schema. Only ``name`` is required."""

    name: str = Field(min_length=1, max_length=255)
    key: str | None = Field(default=None, min_length=1, max_length=255)
    cores: int | None = Field(default=None, ge=0)
    sockets: int | None = Field(default=None, ge=0)
    memory_gib: float | None = Field(default=None, ge=0)
    memory_mib: float | None = Field(default=None, ge=0)
    os: str | None = None
    os_family: OsFamily | None = None
    os_version: str | None = None
    arch: Architecture | None = None
    boot_type: BootType | None = None
    power_state: PowerState | None = None
    environment: Environment | None = None
    application: str | None = Field(default=None, max_length=255)
    criticality: str | None = Field(default=None, max_length=32)
    ip_addresses: tuple[str, ...] = ()
    fqdn: str | None = None
    datacenter: str | None = None
    cluster: str | None = None
    host: str | None = None
    cpu_util_pct: float | None = Field(default=None, ge=0, le=100)
    mem_util_pct: float | None = Field(default=None, ge=0, le=100)
    net_in_mbps: float | None = Field(default=None, ge=0)
    net_out_mbps: float | None = Field(default=None, ge=0)
    gpus: int = Field(default=0, ge=0)
    disks: tuple[DiskRecord, ...] = ()
    services: tuple[ServiceRecord, ...] = ()
    tags: dict[str, str] = Field(default_factory=dict)

    @field_validator("arch", mode="before")
    @classmethod
    def _arch(cls, value: object) -> object:
        if value is None or isinstance(value, Architecture):
            return value
        found = parse_arch(str(value))
        if found is Architecture.UNKNOWN and str(value).strip().lower() != "unknown":
            raise ValueError("expected x86_64 (x64, amd64, 64-bit), x86 (32-bit) or arm64")
        return found

    @field_validator("boot_type", mode="before")
    @classmethod
    def _boot(cls, value: object) -> object:
        if value is None or isinstance(value, BootType):
            return value
        found = parse_boot_type(str(value))
        if found is BootType.UNKNOWN and str(value).strip().lower() != "unknown":
            raise ValueError("expected bios or uefi")
        return found

    @field_validator("power_state", mode="before")
    @classmethod
    def _power(cls, value: object) -> object:
        return _lookup(_POWER, value, "on, off or suspended")

    @field_validator("environment", mode="before")
    @classmethod
    def _environment(cls, value: object) -> object:
        return _lookup(_ENVIRONMENT, value, "production, staging, test or development")

    @field_validator("os_family", mode="before")
    @classmethod
    def _family(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("ip_addresses", mode="before")
    @classmethod
    def _ips(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(p for p in value.replace(",", " ").replace(";", " ").split() if p)
        return value

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, value: object) -> object:
        if isinstance(value, dict):
            return {str(k): "" if v is None else str(v) for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _one_memory(self) -> ServerRecord:
        if self.memory_gib is not None and self.memory_mib is not None:
            raise ValueError("give memory_gib or memory_mib, not both")
        names = [d.name or f"disk{i}" for i, d in enumerate(self.disks, start=1)]
        if len(set(names)) != len(names):
            raise ValueError(f"disk names must be unique, got {names}")
        ports = [(s.port, s.protocol.lower()) for s in self.services]
        if len(set(ports)) != len(ports):
            raise ValueError("each port/protocol may be listed once in services")
        return self

    def to_server(self, source: str = "servers") -> Server:
        """The domain server; OS family/version/arch are inferred from ``os`` where not given."""
        os = parse_os(self.os, self.os_version)
        memory = self.memory_mib
        if self.memory_gib is not None:
            memory = self.memory_gib * 1024.0
        disks = tuple(
            Disk(
                name=d.name or f"disk{i}",
                size_gib=d.size_gib,
                used_gib=d.used_gib,
                thin=d.thin,
                read_iops=d.read_iops,
                write_iops=d.write_iops,
                read_mbps=d.read_mbps,
                write_mbps=d.write_mbps,
            )
            for i, d in enumerate(self.disks, start=1)
        )
        return Server(
            key=self.key or self.name,
            name=self.name,
            source=source,
            power_state=self.power_state or PowerState.UNKNOWN,
            os_name=self.os,
            os_family=self.os_family or os.family,
            os_version=os.version,
            arch=self.arch or os.arch,
            boot_type=self.boot_type or BootType.UNKNOWN,
            cores=self.cores,
            sockets=self.sockets,
            memory_mib=memory,
            gpus=self.gpus,
            fqdn=self.fqdn,
            ip_addresses=self.ip_addresses,
            datacenter=self.datacenter,
            cluster=self.cluster,
            host=self.host,
            application=self.application,
            environment=self.environment or Environment.UNKNOWN,
            criticality=self.criticality,
            cpu_util_pct=self.cpu_util_pct,
            mem_util_pct=self.mem_util_pct,
            net_in_mbps=self.net_in_mbps,
            net_out_mbps=self.net_out_mbps,
            disks=disks,
            services=tuple(
                Service(port=s.port, protocol=s.protocol.lower(), process=s.process)
                for s in self.services
            ),
            tags=self.tags,
        )


#: Field names of the schema (CSV columns with these names are fields, others are tags).
FIELDS: frozenset[str] = frozenset(ServerRecord.model_fields)


#: Where a field of an entry is: its path in the entry (pydantic's ``loc``) and the
#: value found there → the location to name in an error.
Locate = Callable[[tuple[int | str, ...], object], InputLocation]


@dataclass(frozen=True)
class ServerEntry:
    """One server entry as a reader found it, before validation.

    ``where`` is the entry (a CSV row, ``servers[3]``); ``locate`` names one of
    its fields; ``key_column`` names the column or path of its key (``True``)
    or of its name (``False``), for the duplicate-key message.
    """

    data: dict[str, Any]
    where: InputLocation
    locate: Locate
    key_column: Callable[[bool], str]


def validate(entry: ServerEntry) -> ServerRecord:
    """Validate one entry; the first error becomes an InputError located in the entry."""
    try:
        return ServerRecord.model_validate(entry.data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            message = f"unknown field (known: {', '.join(sorted(FIELDS))})"
        elif first["type"] == "missing":
            message = "a value is required"
        raise InputError(message, HINT, entry.locate(loc, first.get("input"))) from None
