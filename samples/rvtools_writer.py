"""Write realistic RVTools 4.x exports (.xlsx or per-sheet CSV folder) from simple VM records.

Used by the sample estate generator, the RVTools importer tests and the import
benchmark. The headers are the exact RVTools 4.x strings (see
``/work/shared/reference/formats.md``) including the long tail of columns
nobody reads, so importers must look columns up by name, never by position.

Example::

    from samples.rvtools_writer import RVToolsHost, RVToolsVM, write_rvtools_xlsx

    vm = RVToolsVM(name="web01", vm_id="vm-101", vm_uuid="4210...", cpus=2, memory_mib=4096,
                   disks=[("Hard disk 1", 40960, True)],
                   partitions=[("Hard disk 1", 40000, 12000)],
                   nics=[("Network adapter 1", "VM Network", "00:50:56:aa:bb:01", "10.0.0.11")],
                   host="esx01.corp.local")
    hosts = [RVToolsHost(host="esx01.corp.local")]
    write_rvtools_xlsx(Path("RVTools_export_all.xlsx"), [vm], hosts)

The xlsx is written with xlsxwriter's ``constant_memory`` mode (rows are
flushed as they are written), so 100,000 VMs cost little memory.
"""

from __future__ import annotations

import csv
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import xlsxwriter

Cell = str | int | float | bool | None

#: (label, capacity MiB, thin provisioned)
DiskSpec = tuple[str, float, bool]
#: (label of the vDisk it lives on, or "" when unknown; capacity MiB; consumed MiB)
PartitionSpec = tuple[str, float, float]
#: (label, network name, MAC address, IPv4 addresses separated by ", ")
NicSpec = tuple[str, str, str, str]


@dataclass
class RVToolsVM:
    """One VM as RVTools reports it (only what importers care about; the rest is filled)."""

    name: str
    vm_id: str = "vm-1"
    vm_uuid: str = ""
    powerstate: str = "poweredOn"
    template: bool = False
    cpus: int = 2
    sockets: int = 1
    memory_mib: int = 4096
    disks: list[DiskSpec] = field(default_factory=list)
    partitions: list[PartitionSpec] = field(default_factory=list)
    nics: list[NicSpec] = field(default_factory=list)
    os_config: str = "Microsoft Windows Server 2019 (64-bit)"
    os_tools: str = "Microsoft Windows Server 2019 (64-bit)"
    firmware: str = "efi"
    dns_name: str = ""
    primary_ip: str = ""
    datacenter: str = "DC1"
    cluster: str = "Cluster1"
    host: str = "esx01.corp.local"
    folder: str = "/Production"
    resource_pool: str = "Resources"
    annotation: str = ""
    custom_attributes: dict[str, str] = field(default_factory=dict)
    vcenter: str = "vcenter01.corp.local"


@dataclass
class RVToolsHost:
    """One ESXi host (vHost sheet)."""

    host: str
    cluster: str = "Cluster1"
    datacenter: str = "DC1"
    cpu_model: str = "Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz"
    speed_mhz: int = 2993
    sockets: int = 2
    cores_per_cpu: int = 24
    memory_mb: int = 786_432
    esx_version: str = "VMware ESXi 7.0.3 build-21930508"
    vendor: str = "Dell Inc."
    model: str = "PowerEdge R740"
    vcenter: str = "vcenter01.corp.local"


# --------------------------------------------------------------------------- headers

_VM_HEAD = ["VM", "Powerstate", "Template", "SRM Placeholder"]
_VM_TAIL = [
    "Datacenter",
    "Cluster",
    "Host",
    "Folder",
    "OS according to the configuration file",
    "OS according to the VMware Tools",
    "VM ID",
    "VM UUID",
    "VI SDK Server",
    "VI SDK UUID",
]


def _u(mib: bool, name: str) -> str:
    """``name`` with the MiB suffix, or the RVTools 3.x ``MB`` spelling."""
    return f"{name} MiB" if mib else f"{name} MB"


def _vinfo_before(mib: bool) -> list[str]:
    return [
        *_VM_HEAD,
        "Config status",
        "DNS Name",
        "Connection state",
        "Guest state",
        "Heartbeat",
        "Consolidation Needed",
        "PowerOn",
        "Suspended To Memory",
        "Suspend time",
        "Suspend Interval",
        "Creation date",
        "Change Version",
        "CPUs",
        "Overall Cpu Readiness",
        "Memory",
        "Active Memory",
        "NICs",
        "Disks",
        _u(mib, "Total disk capacity"),
        "Fixed Passthru HotPlug",
        "min Required EVC Mode Key",
        "Latency Sensitivity",
        "Op Notification Timeout",
        "EnableUUID",
        "CBT",
        "Primary IP Address",
        *[f"Network #{i}" for i in range(1, 9)],
        "Num Monitors",
        "Video Ram KiB" if mib else "Video Ram KB",
        "Resource pool",
        "Folder ID",
        "Folder",
        "vApp",
        "DAS protection",
        "FT State",
        "FT Role",
        "FT Latency",
        "FT Bandwidth",
        "FT Secondary Latency",
        "Vm Failover In Progress",
        _u(mib, "Provisioned"),
        _u(mib, "In Use"),
        _u(mib, "Unshared"),
        "HA Restart Priority",
        "HA Isolation Response",
        "HA VM Monitoring",
        "Cluster rule(s)",
        "Cluster rule name(s)",
        "Boot Required",
        "Boot delay",
        "Boot retry delay",
        "Boot retry enabled",
        "Boot BIOS setup",
        "Reboot PowerOff",
        "EFI Secure boot",
        "Firmware",
        "HW version",
        "HW upgrade status",
        "HW upgrade policy",
        "HW target",
        "Path",
        "Log directory",
        "Snapshot directory",
        "Suspend directory",
        "Annotation",
    ]


_VINFO_AFTER = [
    "Datacenter",
    "Cluster",
    "Host",
    "OS according to the configuration file",
    "OS according to the VMware Tools",
    "Customization Info",
    "Guest Detailed Data",
    "VM ID",
    "SMBIOS UUID",
    "VM UUID",
    "VI SDK Server type",
    "VI SDK API Version",
    "VI SDK Server",
    "VI SDK UUID",
]

_VCPU = [
    *_VM_HEAD,
    "CPUs",
    "Sockets",
    "Cores p/s",
    "Max",
    "Overall",
    "Level",
    "Shares",
    "Reservation",
    "Entitlement",
    "DRS Entitlement",
    "Limit",
    "Hot Add",
    "Hot Remove",
    "Numa Hotadd Exposed",
    "Annotation",
]


def _vmemory(mib: bool) -> list[str]:
    return [
        *_VM_HEAD,
        _u(mib, "Size"),
        "Memory Reservation Locked To Max",
        "Overhead",
        "Max",
        "Consumed",
        "Consumed Overhead",
        "Private",
        "Shared",
        "Swapped",
        "Ballooned",
        "Active",
        "Entitlement",
        "DRS Entitlement",
        "Level",
        "Shares",
        "Reservation",
        "Limit",
        "Hot Add",
        "Annotation",
        *_VM_TAIL,
    ]


def _vdisk(mib: bool) -> list[str]:
    return [
        *_VM_HEAD,
        "Disk",
        "Disk Key",
        "Disk UUID",
        "Disk Path",
        _u(mib, "Capacity"),
        "Raw",
        "Disk Mode",
        "Sharing mode",
        "Thin",
        "Eagerly Scrub",
        "Split",
        "Write Through",
        "Level",
        "Shares",
        "Reservation",
        "Limit",
        "Controller",
        "Label",
        "SCSI Unit #",
        "Unit #",
        "Shared Bus",
        "Path",
        "Raw LUN ID",
        "Raw Comp. Mode",
        "Internal Sort Column",
        "Annotation",
        *_VM_TAIL,
    ]


def _vpartition(mib: bool) -> list[str]:
    return [
        *_VM_HEAD,
        "Disk Key",
        "Disk",
        _u(mib, "Capacity"),
        _u(mib, "Consumed"),
        _u(mib, "Free"),
        "Free %",
        "Internal Sort Column",
        "Annotation",
        *_VM_TAIL,
    ]


_VNETWORK = [
    *_VM_HEAD,
    "NIC label",
    "Adapter",
    "Network",
    "Switch",
    "Connected",
    "Starts Connected",
    "Mac Address",
    "Type",
    "IPv4 Address",
    "IPv6 Address",
    "Direct Path IO",
    "Internal Sort Column",
    "Annotation",
    *_VM_TAIL,
]

_VHOST = [
    "Host",
    "Datacenter",
    "Cluster",
    "Config status",
    "Compliance Check State",
    "in Maintenance Mode",
    "in Quarantine Mode",
    "vSAN Fault Domain Name",
    "CPU Model",
    "Speed",
    "HT Available",
    "HT Active",
    "# CPU",
    "Cores per CPU",
    "# Cores",
    "CPU usage %",
    "# Memory",
    "Memory usage %",
    "Console",
    "# NICs",
    "# HBAs",
    "# VMs total",
    "# VMs",
    "VMs per Core",
    "# vCPUs",
    "vCPUs per Core",
    "vRAM",
    "VM Used memory",
    "VMotion support",
    "Storage VMotion support",
    "Current EVC",
    "Max EVC",
    "ESX Version",
    "Boot time",
    "DNS Servers",
    "NTP Server(s)",
    "Time Zone Name",
    "Vendor",
    "Model",
    "Serial number",
    "BIOS Vendor",
    "BIOS Version",
    "Object ID",
    "UUID",
    "VI SDK Server",
    "VI SDK UUID",
]

_VMETADATA = ["RVTools major version", "RVTools version", "xlsx creation datetime", "Server"]

_CREATED = "2024/03/01 10:15:00"


def _tf(value: bool) -> str:
    """RVTools writes booleans as the strings ``True`` / ``False``."""
    return "True" if value else "False"


def _attr_names(vms: Sequence[RVToolsVM]) -> list[str]:
    names: dict[str, None] = {}
    for vm in vms:
        for k in vm.custom_attributes:
            names.setdefault(k, None)
    return list(names)


def _head(vm: RVToolsVM) -> list[Cell]:
    return [vm.name, vm.powerstate, _tf(vm.template), _tf(False)]


def _tail(vm: RVToolsVM) -> list[Cell]:
    return [
        vm.datacenter,
        vm.cluster,
        vm.host,
        vm.folder,
        vm.os_config,
        vm.os_tools,
        vm.vm_id,
        vm.vm_uuid,
        vm.vcenter,
        "a1b2c3d4-0000-4000-8000-000000000001",
    ]


# --------------------------------------------------------------------------- rows


def _vinfo_rows(vms: Sequence[RVToolsVM], attrs: list[str]) -> Iterator[list[Cell]]:
    for vm in vms:
        provisioned = sum(d[1] for d in vm.disks) + vm.memory_mib
        used = sum(p[2] for p in vm.partitions) or sum(d[1] for d in vm.disks) * 0.4
        nets = [n[1] for n in vm.nics][:8]
        on = vm.powerstate == "poweredOn"
        before: list[Cell] = [
            *_head(vm),
            "green",
            vm.dns_name,
            "connected",
            "running" if on else "notRunning",
            "green" if on else "gray",
            _tf(False),
            "2024/01/15 08:00:00" if on else "",
            _tf(False),
            "",
            "",
            _CREATED,
            "2024-02-20T09:00:00.123456Z",
            vm.cpus,
            0,
            vm.memory_mib,
            int(vm.memory_mib * 0.1),
            len(vm.nics),
            len(vm.disks),
            sum(d[1] for d in vm.disks),
            _tf(False),
            "intel-cascadelake",
            "normal",
            "",
            _tf(True),
            _tf(False),
            vm.primary_ip,
            *nets,
            *[""] * (8 - len(nets)),
            1,
            8192,
            vm.resource_pool,
            "group-v1001",
            vm.folder,
            "",
            _tf(True),
            "notConfigured",
            "",
            "",
            "",
            "",
            _tf(False),
            provisioned,
            used,
            used,
            "medium",
            "powerOff",
            "vmMonitoringDisabled",
            "",
            "",
            _tf(False),
            0,
            10000,
            _tf(True),
            _tf(False),
            _tf(False),
            _tf(vm.firmware == "efi"),
            vm.firmware,
            "vmx-19",
            "none",
            "never",
            "",
            f"[datastore1] {vm.name}/{vm.name}.vmx",
            f"[datastore1] {vm.name}/",
            f"[datastore1] {vm.name}/",
            f"[datastore1] {vm.name}/",
            vm.annotation,
        ]
        custom: list[Cell] = [vm.custom_attributes.get(a, "") for a in attrs]
        after: list[Cell] = [
            vm.datacenter,
            vm.cluster,
            vm.host,
            vm.os_config,
            vm.os_tools,
            "",
            "",
            vm.vm_id,
            vm.vm_uuid.upper().replace("-", " ") if vm.vm_uuid else "",
            vm.vm_uuid,
            "VirtualCenter",
            "7.0.3",
            vm.vcenter,
            "a1b2c3d4-0000-4000-8000-000000000001",
        ]
        yield [*before, *custom, *after]


def _vcpu_rows(vms: Sequence[RVToolsVM], attrs: list[str]) -> Iterator[list[Cell]]:
    for vm in vms:
        sockets = max(vm.sockets, 1)
        yield [
            *_head(vm),
            vm.cpus,
            sockets,
            max(vm.cpus // sockets, 1),
            vm.cpus * 2000,
            120,
            "normal",
            vm.cpus * 1000,
            0,
            100,
            100,
            -1,
            _tf(False),
            _tf(False),
            _tf(False),
            vm.annotation,
            *[vm.custom_attributes.get(a, "") for a in attrs],
            *_tail(vm),
        ]


def _vmemory_rows(vms: Sequence[RVToolsVM]) -> Iterator[list[Cell]]:
    for vm in vms:
        m = vm.memory_mib
        yield [
            *_head(vm),
            m,
            _tf(False),
            40,
            m,
            int(m * 0.9),
            40,
            int(m * 0.8),
            0,
            0,
            0,
            int(m * 0.1),
            m,
            m,
            "normal",
            m * 10,
            0,
            -1,
            _tf(False),
            vm.annotation,
            *_tail(vm),
        ]


def _vdisk_rows(vms: Sequence[RVToolsVM]) -> Iterator[list[Cell]]:
    for vm in vms:
        for i, (label, cap, thin) in enumerate(vm.disks):
            yield [
                *_head(vm),
                label,
                2000 + i,
                f"6000C29{i:01d}-{vm.vm_id}",
                f"[datastore1] {vm.name}/{vm.name}_{i}.vmdk",
                cap,
                _tf(False),
                "persistent",
                "sharingNone",
                _tf(thin),
                _tf(False),
                _tf(False),
                "",
                "normal",
                1000,
                0,
                -1,
                "SCSI controller 0",
                label,
                i,
                i,
                "noSharing",
                "",
                "",
                "",
                f"{vm.name}:{i}",
                vm.annotation,
                *_tail(vm),
            ]


def _is_windows(vm: RVToolsVM) -> bool:
    return "windows" in (vm.os_tools or vm.os_config).lower()


def _vpartition_rows(vms: Sequence[RVToolsVM]) -> Iterator[list[Cell]]:
    for vm in vms:
        keys = {label: 2000 + i for i, (label, _, _) in enumerate(vm.disks)}
        for j, (label, cap, consumed) in enumerate(vm.partitions):
            path = (
                f"{chr(ord('C') + j)}:\\" if _is_windows(vm) else ("/" if j == 0 else f"/data{j}")
            )
            free = cap - consumed
            yield [
                *_head(vm),
                keys.get(label, ""),
                path,
                cap,
                consumed,
                free,
                round(100.0 * free / cap) if cap else 0,
                f"{vm.name}:{j}",
                vm.annotation,
                *_tail(vm),
            ]


def _vnetwork_rows(vms: Sequence[RVToolsVM]) -> Iterator[list[Cell]]:
    for vm in vms:
        for i, (label, network, mac, ipv4) in enumerate(vm.nics):
            yield [
                *_head(vm),
                label,
                "Vmxnet3",
                network,
                "vSwitch0" if i == 0 else "dvSwitch1",
                _tf(True),
                _tf(True),
                mac,
                "assigned",
                ipv4,
                "",
                _tf(False),
                f"{vm.name}:{i}",
                vm.annotation,
                *_tail(vm),
            ]


def _vhost_rows(hosts: Sequence[RVToolsHost]) -> Iterator[list[Cell]]:
    for h in hosts:
        cores = h.sockets * h.cores_per_cpu
        yield [
            h.host,
            h.datacenter,
            h.cluster,
            "green",
            "",
            _tf(False),
            _tf(False),
            "",
            h.cpu_model,
            h.speed_mhz,
            _tf(True),
            _tf(True),
            h.sockets,
            h.cores_per_cpu,
            cores,
            23,
            h.memory_mb,
            61,
            "",
            4,
            2,
            30,
            28,
            1.2,
            96,
            2.0,
            393_216,
            300_000,
            _tf(True),
            _tf(True),
            "intel-cascadelake",
            "intel-cascadelake",
            h.esx_version,
            "2024/01/01 00:00:00",
            "10.0.0.2, 10.0.0.3",
            "ntp.corp.local",
            "UTC",
            h.vendor,
            h.model,
            f"SN-{h.host.split('.', 1)[0].upper()}",
            "Dell Inc.",
            "2.19.1",
            f"host-{zlib.crc32(h.host.encode()) % 100000}",
            "4c4c4544-0000-0000-0000-000000000000",
            h.vcenter,
            "a1b2c3d4-0000-4000-8000-000000000001",
        ]


def _vmetadata_rows(vms: Sequence[RVToolsVM]) -> Iterator[list[Cell]]:
    vcenter = vms[0].vcenter if vms else "vcenter01.corp.local"
    yield [4, "4.4.5.0", datetime(2024, 3, 1, 10, 15).strftime("%Y/%m/%d %H:%M:%S"), vcenter]


Sheet = tuple[str, list[str], Callable[[], Iterator[list[Cell]]]]


def _sheets(
    vms: Sequence[RVToolsVM], hosts: Sequence[RVToolsHost], mib_headers: bool
) -> list[Sheet]:
    attrs = _attr_names(vms)
    vinfo = _vinfo_before(mib_headers) + attrs + _VINFO_AFTER
    vcpu = _VCPU + attrs + _VM_TAIL
    return [
        ("vInfo", vinfo, lambda: _vinfo_rows(vms, attrs)),
        ("vCPU", vcpu, lambda: _vcpu_rows(vms, attrs)),
        ("vMemory", _vmemory(mib_headers), lambda: _vmemory_rows(vms)),
        ("vDisk", _vdisk(mib_headers), lambda: _vdisk_rows(vms)),
        ("vPartition", _vpartition(mib_headers), lambda: _vpartition_rows(vms)),
        ("vNetwork", _VNETWORK, lambda: _vnetwork_rows(vms)),
        ("vHost", _VHOST, lambda: _vhost_rows(hosts)),
        ("vMetaData", _VMETADATA, lambda: _vmetadata_rows(vms)),
    ]


# --------------------------------------------------------------------------- writers


def write_rvtools_xlsx(
    path: Path,
    vms: Sequence[RVToolsVM],
    hosts: Sequence[RVToolsHost],
    *,
    mib_headers: bool = True,
    sheets: Sequence[str] | None = None,
) -> Path:
    """Write an RVTools 4.x workbook to ``path`` and return it.

    ``mib_headers=False`` writes the old ``… MB`` header spellings.
    ``sheets`` limits the output to the named sheets (to simulate partial exports).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    try:
        for name, header, rows in _sheets(vms, hosts, mib_headers):
            if sheets is not None and name not in sheets:
                continue
            ws = wb.add_worksheet(name)
            ws.write_row(0, 0, header)
            for r, row in enumerate(rows(), start=1):
                ws.write_row(r, 0, row)
    finally:
        wb.close()
    return path


def _fmt_csv(value: Cell, thousands: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _tf(value)
    if isinstance(value, int):
        return f"{value:,}" if thousands else str(value)
    if isinstance(value, float):
        if value.is_integer():
            return f"{int(value):,}" if thousands else str(int(value))
        return f"{value:,.2f}" if thousands else f"{value:.2f}"
    return value


def write_rvtools_csv_dir(
    directory: Path,
    vms: Sequence[RVToolsVM],
    hosts: Sequence[RVToolsHost],
    *,
    mib_headers: bool = True,
    thousands: bool = False,
    sheets: Sequence[str] | None = None,
) -> Path:
    """Write RVTools' per-sheet CSV export (``RVTools_tabvInfo.csv`` …) into ``directory``.

    ``thousands=True`` writes numbers with ``,`` thousands separators, as
    RVTools does under English regional settings.
    """
    directory.mkdir(parents=True, exist_ok=True)
    for name, header, rows in _sheets(vms, hosts, mib_headers):
        if sheets is not None and name not in sheets:
            continue
        with (directory / f"RVTools_tab{name}.csv").open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            for row in rows():
                w.writerow([_fmt_csv(c, thousands) for c in row])
    return directory


def sample_vm(i: int, *, vcenter: str = "vcenter01.corp.local") -> RVToolsVM:
    """A deterministic, realistic VM number ``i`` (2 disks, 1–2 NICs, partitions, attributes)."""
    linux = i % 3 != 0
    os_name = (
        "Red Hat Enterprise Linux 8 (64-bit)" if linux else "Microsoft Windows Server 2019 (64-bit)"
    )
    d1, d2 = 40_960 + (i % 5) * 10_240, 102_400 + (i % 7) * 51_200
    nics: list[NicSpec] = [
        (
            "Network adapter 1",
            "VLAN-10",
            f"00:50:56:{i >> 16 & 255:02x}:{i >> 8 & 255:02x}:{i & 255:02x}",
            f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}",
        )
    ]
    if i % 4 == 0:
        nics.append(
            (
                "Network adapter 2",
                "VLAN-20",
                f"00:50:57:{i >> 16 & 255:02x}:{i >> 8 & 255:02x}:{i & 255:02x}",
                f"172.16.{i >> 8 & 255}.{i & 255}",
            )
        )
    apps = ("shop", "crm", "erp", "billing", "intranet", "reporting")
    envs = ("Production", "Test", "Development", "Staging")
    return RVToolsVM(
        name=f"{'lnx' if linux else 'win'}-{i:06d}",
        vm_id=f"vm-{1000 + i}",
        vm_uuid=f"42{i:06x}-aaaa-bbbb-cccc-{i:012x}",
        powerstate="poweredOff" if i % 17 == 0 else "poweredOn",
        template=i % 97 == 0,
        cpus=2 ** (i % 4),
        sockets=2 if i % 4 >= 2 and i % 2 == 0 else 1,
        memory_mib=2048 * (1 + i % 8),
        disks=[("Hard disk 1", d1, True), ("Hard disk 2", d2, i % 2 == 0)],
        partitions=[("Hard disk 1", d1 - 512, d1 * 0.35), ("Hard disk 2", d2, d2 * 0.6)],
        nics=nics,
        os_config=os_name,
        os_tools=os_name if i % 11 else "",
        firmware="efi" if i % 2 else "bios",
        dns_name=f"host{i:06d}.corp.local",
        primary_ip=nics[0][3],
        cluster=f"Cluster{i % 4 + 1}",
        host=f"esx{i % 40:02d}.corp.local",
        annotation=f"Owner team {i % 9}",
        custom_attributes={
            "Application": apps[i % len(apps)],
            "Environment": envs[i % len(envs)],
            "Owner": f"team{i % 9}@corp.local",
            "Backup": "daily" if i % 2 else "weekly",
        },
        vcenter=vcenter,
    )


def sample_hosts(n: int = 40) -> list[RVToolsHost]:
    """``n`` hosts ``esx00 …`` matching :func:`sample_vm`'s host names."""
    return [
        RVToolsHost(host=f"esx{i:02d}.corp.local", cluster=f"Cluster{i % 4 + 1}") for i in range(n)
    ]
