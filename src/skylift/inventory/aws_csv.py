"""AWS Application Discovery Service import template → servers.

Columns (matched by name; case and spaces ignored): ``ExternalId, SMBiosId,
IPAddress, MACAddress, HostName, VMware.MoRefId, VMware.VCenterId,
CPU.NumberOfProcessors, CPU.NumberOfCores, CPU.NumberOfLogicalCores, OS.Name,
OS.Version, VMware.VMName, RAM.TotalSizeInMB, RAM.UsedSizeInMB.Avg/.Max,
CPU.UsagePct.Avg/.Max, Disk{Reads,Writes}PerSecondInKB.Avg/.Max,
Disk{Reads,Writes}OpsPerSecond.Avg/.Max, Network{Reads,Writes}PerSecondInKB.Avg/.Max,
Applications, Tags``.

Every record needs a matching key. The server key is the first present of
``ExternalId``, ``VMware.MoRefId@VMware.VCenterId``, ``SMBiosId``,
``HostName``, ``IPAddress``, ``MACAddress``. Unknown columns are kept as tags
(AWS ignores them). Averages fill the summary fields, maxima and the disk
figures (the template has no disk sizes, so there is no disk to attach them
to) go to tags, as numbers in MB/s and IOPS.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import ClassVar

from skylift.domain.imports import ImportBatch, ImportWarning
from skylift.domain.inventory import Server
from skylift.errors import InputError, InputLocation
from skylift.inventory.base import ImportContext
from skylift.inventory.osinfo import parse_os
from skylift.inventory.server_rows import (
    MB_UNITS,
    ReadServer,
    build_server,
    checked_key,
    collect_servers,
    extra_columns,
    extra_tags,
    percent,
    sized,
    split_list,
)
from skylift.inventory.tabular import Row, norm_header, read_csv

EXTERNAL_ID = "ExternalId"
SMBIOS_ID = "SMBiosId"
IP_ADDRESS = "IPAddress"
MAC_ADDRESS = "MACAddress"
HOST_NAME = "HostName"
MOREF = "VMware.MoRefId"
VCENTER = "VMware.VCenterId"
VM_NAME = "VMware.VMName"
PROCESSORS = "CPU.NumberOfProcessors"
CORES = "CPU.NumberOfCores"
LOGICAL_CORES = "CPU.NumberOfLogicalCores"
OS_NAME = "OS.Name"
OS_VERSION = "OS.Version"
RAM_TOTAL = "RAM.TotalSizeInMB"
RAM_USED_AVG = "RAM.UsedSizeInMB.Avg"
RAM_USED_MAX = "RAM.UsedSizeInMB.Max"
CPU_AVG = "CPU.UsagePct.Avg"
CPU_MAX = "CPU.UsagePct.Max"
NET_IN_AVG = "NetworkReadsPerSecondInKB.Avg"
NET_OUT_AVG = "NetworkWritesPerSecondInKB.Avg"
APPLICATIONS = "Applications"
TAGS = "Tags"

#: KB/s columns → tag name in MB/s (disk) or Mbit/s (network maxima).
_KB_TAGS: dict[str, tuple[str, float]] = {
    "DiskReadsPerSecondInKB.Avg": ("disk_read_mbps.avg", 1 / 1000),
    "DiskWritesPerSecondInKB.Avg": ("disk_write_mbps.avg", 1 / 1000),
    "DiskReadsPerSecondInKB.Max": ("disk_read_mbps.max", 1 / 1000),
    "DiskWritesPerSecondInKB.Max": ("disk_write_mbps.max", 1 / 1000),
    "NetworkReadsPerSecondInKB.Max": ("net_in_mbps.max", 8 / 1000),
    "NetworkWritesPerSecondInKB.Max": ("net_out_mbps.max", 8 / 1000),
}
_OPS_TAGS: dict[str, str] = {
    "DiskReadsOpsPerSecond.Avg": "disk_read_iops.avg",
    "DiskWritesOpsPerSecond.Avg": "disk_write_iops.avg",
    "DiskReadsOpsPerSecond.Max": "disk_read_iops.max",
    "DiskWritesOpsPerSecond.Max": "disk_write_iops.max",
}
#: KB/s → Mbit/s (AWS KB = 1000 bytes).
_KB_TO_MBIT = 8 / 1000

MATCHING_KEYS = (EXTERNAL_ID, MOREF, VCENTER, SMBIOS_ID, HOST_NAME, IP_ADDRESS, MAC_ADDRESS)

_KNOWN: tuple[str, ...] = (
    *MATCHING_KEYS, VM_NAME, PROCESSORS, CORES, LOGICAL_CORES, OS_NAME, OS_VERSION,
    RAM_TOTAL, RAM_USED_AVG, RAM_USED_MAX, CPU_AVG, CPU_MAX, NET_IN_AVG, NET_OUT_AVG,
    APPLICATIONS, TAGS, *_KB_TAGS, *_OPS_TAGS,
)  # fmt: skip

_KEY_HINT = (
    "give each record at least one matching key: ExternalId, VMware.MoRefId with "
    "VMware.VCenterId, SMBiosId, HostName, IPAddress or MACAddress"
)


class AwsCsvImporter:
    """Reads one or more AWS Application Discovery Service import CSVs as one import."""

    name: ClassVar[str] = "aws-csv"

    def parse(self, paths: Sequence[Path], ctx: ImportContext) -> ImportBatch:
        """Read every file; the first bad cell raises :class:`InputError`, nothing is kept."""
        warnings: list[ImportWarning] = []
        return collect_servers(
            paths, ctx, partial(_read_file, warnings=warnings), activity="reading AWS import CSV",
            unit="rows", no_input_hint="pass the AWS import CSV to import",
        ).batch(self.name, warnings)  # fmt: skip


def _read_file(path: Path, warnings: list[ImportWarning]) -> Iterator[ReadServer]:
    """The servers of one import file, row by row (cell repairs noted in ``warnings``)."""
    table = read_csv(path)
    cols = table.columns()
    if not any(norm_header(k) in cols for k in MATCHING_KEYS):
        raise InputError(
            "missing required column: no matching-key column (ExternalId, HostName, …)",
            _KEY_HINT,
            InputLocation(table.file, row=1),
        )
    extras = extra_columns(table, _KNOWN)
    for number, cells in table.rows:
        row = Row(table, cols, number, cells)
        server, key_column = _server(row, extras, warnings)
        yield server, row.loc(), key_column


def _key(row: Row) -> tuple[str, str]:
    """The server key and the column it came from, by AWS matching-key preference."""
    external = row.text(EXTERNAL_ID)
    if external:
        return external, row.header_of(EXTERNAL_ID)
    moref, vcenter = row.text(MOREF), row.text(VCENTER)
    if moref and vcenter:
        return f"{moref}@{vcenter}", row.header_of(MOREF)
    for column in (SMBIOS_ID, HOST_NAME, IP_ADDRESS, MAC_ADDRESS):
        value = row.text(column)
        if value:
            first = split_list(value)[0] if column in (IP_ADDRESS, MAC_ADDRESS) else value
            return first, row.header_of(column)
    raise InputError("the record has no matching key", _KEY_HINT, row.loc())


def _server(
    row: Row, extras: Sequence[tuple[int, str]], warnings: list[ImportWarning]
) -> tuple[Server, str]:
    key, key_column = _key(row)
    key = checked_key(row, key_column, key)
    name = row.text(VM_NAME) or row.text(HOST_NAME) or key
    name = checked_key(row, row.header_of(VM_NAME, HOST_NAME), name)
    os = parse_os(row.text(OS_NAME), row.text(OS_VERSION))
    total = sized(row, RAM_TOTAL, units=MB_UNITS, expected="memory in MB")
    used = row.number_(RAM_USED_AVG, expected="memory in MB")
    mem_pct: float | None = None
    if used is not None:
        if total:
            mem_pct = used / total * 100.0
            if mem_pct > 100.0:
                warnings.append(
                    ImportWarning(
                        message=f"used memory {used:g} MB exceeds total {total:g} MB; "
                        "capped at 100 %",
                        location=row.loc(row.header_of(RAM_USED_AVG)).describe(),
                    )
                )
                mem_pct = 100.0
        else:
            warnings.append(
                ImportWarning(
                    message="RAM.UsedSizeInMB.Avg without RAM.TotalSizeInMB: no memory utilisation",
                    location=row.loc(row.header_of(RAM_USED_AVG)).describe(),
                )
            )
    tags = extra_tags(row, extras)
    tags.update(_aws_tags(row))
    applications = [a.strip() for a in (row.text(APPLICATIONS) or "").split(",") if a.strip()]
    if applications:
        tags["applications"] = ", ".join(applications)
    for column, (tag, factor) in _KB_TAGS.items():
        value = row.number_(column, expected="KB per second")
        if value is not None:
            tags[tag] = f"{value * factor:g}"
    for column, tag in _OPS_TAGS.items():
        ops = row.number_(column, expected="operations per second")
        if ops is not None:
            tags[tag] = f"{ops:g}"
    cpu_max = percent(row, CPU_MAX)
    if cpu_max is not None:
        tags["cpu_util_pct.max"] = f"{cpu_max:g}"
    used_max = row.number_(RAM_USED_MAX, expected="memory in MB")
    if used_max is not None and total:
        tags["mem_util_pct.max"] = f"{min(100.0, used_max / total * 100.0):g}"
    for column in (EXTERNAL_ID, SMBIOS_ID, MOREF, VCENTER, MAC_ADDRESS):
        ident = row.text(column)
        if ident:
            tags[f"aws.{column}"] = ident
    net_in = row.number_(NET_IN_AVG, expected="KB per second")
    net_out = row.number_(NET_OUT_AVG, expected="KB per second")
    host = row.text(HOST_NAME)
    server = build_server(
        row,
        {
            "key": key,
            "name": name,
            "source": "aws-csv",
            "os_name": row.text(OS_NAME),
            "os_family": os.family,
            "os_version": os.version,
            "arch": os.arch,
            "cores": row.integer(LOGICAL_CORES) or row.integer(CORES),
            "sockets": row.integer(PROCESSORS),
            "memory_mib": total,
            "fqdn": host if host and "." in host else None,
            "ip_addresses": split_list(row.text(IP_ADDRESS)),
            "application": applications[0] if applications else None,
            "cpu_util_pct": percent(row, CPU_AVG),
            "mem_util_pct": mem_pct,
            "net_in_mbps": None if net_in is None else net_in * _KB_TO_MBIT,
            "net_out_mbps": None if net_out is None else net_out * _KB_TO_MBIT,
            "tags": tags,
        },
    )
    return server, key_column


def _aws_tags(row: Row) -> dict[str, str]:
    """``"env:prod, owner:ops"`` → ``{"env": "prod", "owner": "ops"}``.

    An item without ``:`` becomes a tag with an empty value.
    """
    out: dict[str, str] = {}
    for item in (row.text(TAGS) or "").split(","):
        name, _, value = item.partition(":")
        if name.strip():
            out[name.strip()] = value.strip()
    return out
