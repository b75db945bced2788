"""Azure Migrate CSV import template → servers."""

from __future__ import annotations

from pathlib import Path

import pytest

from skylift.domain.inventory import Architecture, BootType, Disk, OsFamily
from skylift.errors import InputError
from tests.unit.inventory_csv.builders import AZURE_HEADER, csv_text, parse, write

WEB = {
    "*Server name": "web01",
    "IP addresses": "10.0.0.1, 10.0.0.2",
    "*Cores": 4,
    "*Memory (In MB)": 8192,
    "*OS name": "Microsoft Windows Server 2019 (64-bit)",
    "OS architecture": "x64",
    "CPU utilization percentage": 35,
    "Memory utilization percentage": 60.5,
    "Network adapters": 2,
    "Network In throughput": 1.5,
    "Network Out throughput": 0.25,
    "Boot type": "UEFI",
    "Number of disks": 2,
    "Disk 1 size (In GB)": 128,
    "Disk 1 read throughput (MB per second)": 10,
    "Disk 1 write throughput (MB per second)": 5,
    "Disk 1 read ops (operations per second)": 200,
    "Disk 1 write ops (operations per second)": 100,
    "Disk 2 size (In GB)": 1024,
}


def test_full_row_maps_every_column(tmp_path: Path) -> None:
    f = write(tmp_path / "az.csv", csv_text(AZURE_HEADER, [WEB]))
    batch = parse("azure-csv", f)
    assert batch.rows_read == 1
    (s,) = batch.servers
    assert (s.key, s.name, s.source) == ("web01", "web01", "azure-csv")
    assert (s.cores, s.memory_mib) == (4, 8192)
    assert (s.os_family, s.os_version, s.arch) == (OsFamily.WINDOWS, "2019", Architecture.X86_64)
    assert s.boot_type is BootType.UEFI
    assert s.ip_addresses == ("10.0.0.1", "10.0.0.2")
    assert (s.cpu_util_pct, s.mem_util_pct) == (35, 60.5)
    # MB/s in the template → Mbit/s in the domain
    assert (s.net_in_mbps, s.net_out_mbps) == (12.0, 2.0)
    assert s.disks == (
        Disk(
            name="Disk 1", size_gib=128, read_mbps=10, write_mbps=5, read_iops=200, write_iops=100
        ),
        Disk(name="Disk 2", size_gib=1024),
    )
    assert s.tags == {"network_adapters": "2", "number_of_disks": "2"}
    assert batch.files[0].size_bytes == f.stat().st_size


def test_server_name_spelling_variant_and_minimal_columns(tmp_path: Path) -> None:
    text = "*Server Name,*Cores,*Memory (In MB),*OS name\ndb01,8,32768,CentOS 7 (64-bit)\n"
    (s,) = parse("azure-csv", write(tmp_path / "a.csv", text)).servers
    assert (s.key, s.cores, s.memory_mib, s.os_family) == ("db01", 8, 32768, OsFamily.LINUX)
    assert s.disks == () and s.cpu_util_pct is None and s.boot_type is BootType.UNKNOWN


def test_eight_disk_groups_and_extra_columns_become_tags(tmp_path: Path) -> None:
    row = {**WEB, **{f"Disk {n} size (In GB)": n * 10 for n in range(1, 9)}, "Owner": "ops"}
    f = write(tmp_path / "a.csv", csv_text([*AZURE_HEADER, "Owner"], [row]))
    (s,) = parse("azure-csv", f).servers
    assert [d.size_gib for d in s.disks] == [10, 20, 30, 40, 50, 60, 70, 80]
    assert s.tags["Owner"] == "ops"


@pytest.mark.parametrize(
    ("arch", "expected"),
    [
        ("x64", "x86_64"),
        ("amd64", "x86_64"),
        ("64-bit", "x86_64"),
        ("x86", "x86"),
        ("32-bit", "x86"),
    ],
)
def test_architecture_values(tmp_path: Path, arch: str, expected: str) -> None:
    f = write(tmp_path / "a.csv", csv_text(AZURE_HEADER, [{**WEB, "OS architecture": arch}]))
    assert parse("azure-csv", f).servers[0].arch.value == expected


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("OS architecture", "sparc", "x64, x86, amd64, 32-bit, 64-bit"),
        ("Boot type", "coreboot", "BIOS or UEFI"),
        ("CPU utilization percentage", "150", "percentage 0–100"),
        ("Disk 3 size (In GB)", "", None),
    ],
)
def test_invalid_enumerations_and_ranges(
    tmp_path: Path, column: str, value: str, expected: str | None
) -> None:
    row = {**WEB, column: value}
    if expected is None:  # throughput on a disk without size
        row["Disk 3 read throughput (MB per second)"] = 4
        expected = "no size"
    f = write(tmp_path / "a.csv", csv_text(AZURE_HEADER, [row]))
    with pytest.raises(InputError) as info:
        parse("azure-csv", f)
    assert expected in info.value.message
    assert "row 2" in info.value.message


def test_mandatory_cell_left_empty_names_the_column(tmp_path: Path) -> None:
    f = write(tmp_path / "a.csv", csv_text(AZURE_HEADER, [{**WEB, "*OS name": ""}]))
    with pytest.raises(InputError) as info:
        parse("azure-csv", f)
    assert "row 2, column '*OS name'" in info.value.message
    assert "required" in info.value.message


def test_several_files_are_one_import_and_duplicates_across_files_name_the_first(
    tmp_path: Path,
) -> None:
    a = write(tmp_path / "east.csv", csv_text(AZURE_HEADER, [WEB]))
    b = write(tmp_path / "west.csv", csv_text(AZURE_HEADER, [{**WEB, "*Server name": "web02"}]))
    batch = parse("azure-csv", a, b)
    assert [s.key for s in batch.servers] == ["web01", "web02"]
    assert [f.path for f in batch.files] == [str(a), str(b)]
    copy = write(tmp_path / "copy.csv", a.read_text())
    with pytest.raises(InputError) as info:
        parse("azure-csv", a, b, copy)
    assert info.value.message.startswith(f"{copy}, row 2, column '*Server name' (value 'web01')")
    assert f"duplicate key: also on {a}, row 2" in info.value.message


def test_documented_variant_columns(tmp_path: Path) -> None:
    """Spellings from Microsoft's import documentation, beside the template's own."""
    text = (
        "Server name,IP address,Cores,Memory (in MB),OS name,Firmware type,"
        "Disk 1 size (In GB),Disk 2 size,Disk 2 write througput,Total disks read ops,"
        "Business application name,Location,Server Type,Hypervisor\n"
        "web01.corp.local,10.0.0.1,2,4096,Windows Server 2016 Datacenter,UEFI,"
        "64,128,7.5,900,shop,dc-east,Virtual,VMware\n"
    )
    (s,) = parse("azure-csv", write(tmp_path / "doc.csv", text)).servers
    assert (s.key, s.fqdn) == ("web01.corp.local", "web01.corp.local")
    assert s.ip_addresses == ("10.0.0.1",)
    assert s.boot_type is BootType.UEFI
    assert s.disks == (
        Disk(name="Disk 1", size_gib=64),
        Disk(name="Disk 2", size_gib=128, write_mbps=7.5),
    )
    assert (s.application, s.datacenter) == ("shop", "dc-east")
    assert s.tags == {"disk_read_iops": "900", "Server Type": "Virtual", "Hypervisor": "VMware"}
