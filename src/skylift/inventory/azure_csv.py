"""Azure Migrate CSV import template → servers.

The template Azure Migrate offers under "Discover → Import using CSV":
``*Server name, IP addresses, *Cores, *Memory (In MB), *OS name, OS version,
OS architecture, CPU utilization percentage, Memory utilization percentage,
Network adapters, Network In throughput, Network Out throughput, Boot type,
Number of disks, Disk 1 size (In GB), Disk 1 read throughput (MB per second),
… Disk 8 …``. Columns are matched by name (case, spaces and the ``*`` are
ignored); columns the template does not define are kept as tags. The server
name is the update key, as in Azure Migrate.

Units: memory MB is taken as MiB and disk GB as GiB (Azure Migrate sizes
them that way); network throughput is **megabytes per second** as in the
Azure Migrate documentation and is stored as Mbit/s (× 8).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import ClassVar

from skylift.domain.imports import ImportBatch
from skylift.domain.inventory import BootType, Disk, Server
from skylift.errors import InputError
from skylift.inventory.base import ImportContext
from skylift.inventory.osinfo import parse_boot_type, parse_os
from skylift.inventory.server_rows import (
    GB_UNITS,
    MB_UNITS,
    ReadServer,
    build_server,
    checked_key,
    collect_servers,
    extra_columns,
    extra_tags,
    percent,
    required_text,
    sized,
    split_list,
)
from skylift.inventory.tabular import Row, norm_header, read_csv, require_columns

MAX_DISKS = 8

NAME = ("Server name", "Server Name", "Machine name")
CORES = ("Cores",)
MEMORY = ("Memory (In MB)", "Memory (MB)", "Memory In MB")
OS_NAME = ("OS name",)
OS_VERSION = ("OS version",)
OS_ARCH = ("OS architecture",)
IPS = ("IP addresses", "IP address")
CPU_UTIL = ("CPU utilization percentage",)
MEM_UTIL = ("Memory utilization percentage",)
NET_ADAPTERS = ("Network adapters",)
NET_IN = ("Network In throughput",)
NET_OUT = ("Network Out throughput",)
BOOT = ("Boot type", "Firmware type")
APPLICATION = ("Business application name", "Application 1 name")
LOCATION = ("Location",)
NUM_DISKS = ("Number of disks",)

# Each field: the template's header, then the short forms Microsoft's documentation
# tells users to add for disks 2…8 (including its "througput" typo).
_DISK_FIELDS: dict[str, tuple[str, ...]] = {
    "size_gib": ("Disk {n} size (In GB)", "Disk {n} size"),
    "read_mbps": ("Disk {n} read throughput (MB per second)", "Disk {n} read throughput"),
    "write_mbps": (
        "Disk {n} write throughput (MB per second)",
        "Disk {n} write throughput",
        "Disk {n} write througput",
    ),
    "read_iops": ("Disk {n} read ops (operations per second)", "Disk {n} read ops"),
    "write_iops": ("Disk {n} write ops (operations per second)", "Disk {n} write ops"),
}
#: Server-level disk totals → tags (the domain has no server-level disk figures).
_TOTAL_TAGS: dict[str, str] = {
    "Total disks read ops": "disk_read_iops",
    "Total disks write ops": "disk_write_iops",
    "Total disks read throughput": "disk_read_mbps",
    "Total disks write throughput": "disk_write_mbps",
}

#: (disk number, field → header spellings) of disk groups 1…8.
_DISK_GROUPS: tuple[tuple[int, dict[str, tuple[str, ...]]], ...] = tuple(
    (n, {field: tuple(t.format(n=n) for t in ts) for field, ts in _DISK_FIELDS.items()})
    for n in range(1, MAX_DISKS + 1)
)

#: A disk group present in a file: number, field → header, column indexes.
_Group = tuple[int, dict[str, tuple[str, ...]], tuple[int, ...]]

REQUIRED: dict[str, tuple[str, ...]] = {
    "*Server name": NAME,
    "*Cores": CORES,
    "*Memory (In MB)": MEMORY,
    "*OS name": OS_NAME,
}

_KNOWN: tuple[str, ...] = (
    *NAME, *CORES, *MEMORY, *OS_NAME, *OS_VERSION, *OS_ARCH, *IPS, *CPU_UTIL, *MEM_UTIL,
    *NET_IN, *NET_OUT, *BOOT,
    *APPLICATION, *LOCATION, *_TOTAL_TAGS,
    *(t.format(n=n) for n in range(1, MAX_DISKS + 1) for ts in _DISK_FIELDS.values() for t in ts),
)  # fmt: skip

_ARCH_VALUES = {"x64", "x86", "amd64", "32-bit", "64-bit", "arm64"}
_HINT = "fill in the mandatory (*) columns of the Azure Migrate import template"
_MBYTE_TO_MBIT = 8.0


class AzureCsvImporter:
    """Reads one or more Azure Migrate import CSVs; all files form one import."""

    name: ClassVar[str] = "azure-csv"

    def parse(self, paths: Sequence[Path], ctx: ImportContext) -> ImportBatch:
        """Read every file; the first bad cell raises :class:`InputError`, nothing is kept."""
        return collect_servers(
            paths, ctx, _read_file, activity="reading Azure Migrate CSV", unit="rows",
            no_input_hint="pass the Azure Migrate CSV to import",
        ).batch(self.name)  # fmt: skip


def _read_file(path: Path) -> Iterator[ReadServer]:
    """The servers of one template file, row by row."""
    table = read_csv(path)
    require_columns(table, REQUIRED, _HINT)
    cols = table.columns()
    extras = extra_columns(table, (*_KNOWN, *NET_ADAPTERS, *NUM_DISKS))
    groups = [
        (
            n,
            names,
            tuple(
                cols[norm_header(h)]
                for spellings in names.values()
                for h in spellings
                if norm_header(h) in cols
            ),
        )
        for n, names in _DISK_GROUPS
    ]
    groups = [g for g in groups if g[2]]
    for number, cells in table.rows:
        row = Row(table, cols, number, cells)
        yield _server(row, extras, groups), row.loc(), row.header_of(*NAME)


def _server(row: Row, extras: Sequence[tuple[int, str]], groups: Sequence[_Group]) -> Server:
    name = checked_key(row, row.header_of(*NAME), required_text(row, _HINT, *NAME))
    cores = row.integer(*CORES)
    memory = sized(row, *MEMORY, units=MB_UNITS, expected="memory in MB")
    if cores is None or memory is None:
        missing = CORES if cores is None else MEMORY
        raise InputError(
            "a value is required in this column", _HINT, row.loc(row.header_of(*missing))
        )
    os_name = required_text(row, _HINT, *OS_NAME)
    arch_text = row.text(*OS_ARCH)
    if arch_text is not None and arch_text.lower() not in _ARCH_VALUES:
        raise InputError(
            "expected one of x64, x86, amd64, 32-bit, 64-bit",
            "use one of the values the Azure Migrate template allows, or leave it empty",
            row.loc(row.header_of(*OS_ARCH), arch_text),
        )
    boot_text = row.text(*BOOT)
    boot = parse_boot_type(boot_text)
    if boot_text is not None and boot is BootType.UNKNOWN:
        raise InputError(
            "expected BIOS or UEFI",
            "use BIOS or UEFI, or leave the cell empty",
            row.loc(row.header_of(*BOOT), boot_text),
        )
    os = parse_os(os_name, row.text(*OS_VERSION), arch_text)
    net_in = row.number_(*NET_IN, expected="MB per second")
    net_out = row.number_(*NET_OUT, expected="MB per second")
    tags = extra_tags(row, extras)
    disks = _disks(row, groups)
    adapters = row.integer(*NET_ADAPTERS)
    if adapters is not None:
        tags["network_adapters"] = str(adapters)
    declared = row.integer(*NUM_DISKS)
    if declared is not None:
        tags["number_of_disks"] = str(declared)
    for column, tag in _TOTAL_TAGS.items():
        total = row.number_(column)
        if total is not None:
            tags[tag] = f"{total:g}"
    return build_server(
        row,
        {
            "key": name,
            "name": name,
            "source": "azure-csv",
            "os_name": os_name,
            "os_family": os.family,
            "os_version": os.version,
            "arch": os.arch,
            "boot_type": boot,
            "cores": cores,
            "memory_mib": memory,
            "ip_addresses": split_list(row.text(*IPS)),
            "fqdn": name if "." in name.strip(".") else None,
            "application": row.text(*APPLICATION),
            "datacenter": row.text(*LOCATION),
            "cpu_util_pct": percent(row, *CPU_UTIL),
            "mem_util_pct": percent(row, *MEM_UTIL),
            "net_in_mbps": None if net_in is None else net_in * _MBYTE_TO_MBIT,
            "net_out_mbps": None if net_out is None else net_out * _MBYTE_TO_MBIT,
            "disks": disks,
            "tags": tags,
        },
    )


def _disks(row: Row, groups: Sequence[_Group]) -> tuple[Disk, ...]:
    disks: list[Disk] = []
    cells = row.cells
    for n, names, indexes in groups:
        if not any(i < len(cells) and str(cells[i] or "").strip() for i in indexes):
            continue  # the common case: an unused disk group
        values = {
            field: sized(row, *headers, units=GB_UNITS, expected="a size in GB")
            if field == "size_gib"
            else row.number_(*headers)
            for field, headers in names.items()
        }
        if all(v is None for v in values.values()):
            continue
        if values["size_gib"] is None:
            raise InputError(
                f"disk {n} has throughput or operations but no size",
                f"fill in 'Disk {n} size (In GB)' or clear the other Disk {n} cells",
                row.loc(row.header_of(*names["size_gib"])),
            )
        disks.append(
            Disk(
                name=f"Disk {n}",
                size_gib=values["size_gib"],
                read_mbps=values["read_mbps"],
                write_mbps=values["write_mbps"],
                read_iops=values["read_iops"],
                write_iops=values["write_iops"],
            )
        )
    return tuple(disks)
