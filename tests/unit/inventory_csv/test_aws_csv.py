"""AWS Application Discovery Service import template → servers."""

from __future__ import annotations

from pathlib import Path

import pytest

from skylift.domain.inventory import OsFamily
from skylift.errors import InputError
from tests.unit.inventory_csv.builders import AWS_HEADER, csv_text, parse, write

FULL = {
    "ExternalId": "srv-001",
    "IPAddress": "10.1.0.5",
    "HostName": "app01.corp.local",
    "CPU.NumberOfProcessors": 1,
    "CPU.NumberOfCores": 2,
    "CPU.NumberOfLogicalCores": 4,
    "OS.Name": "Red Hat Enterprise Linux 8",
    "OS.Version": "8.6",
    "VMware.VMName": "app01",
    "RAM.TotalSizeInMB": 16384,
    "RAM.UsedSizeInMB.Avg": 4096,
    "RAM.UsedSizeInMB.Max": 8192,
    "CPU.UsagePct.Avg": 22.5,
    "CPU.UsagePct.Max": 80,
    "DiskReadsPerSecondInKB.Avg": 1500,
    "DiskWritesOpsPerSecond.Avg": 30,
    "NetworkReadsPerSecondInKB.Avg": 2500,
    "NetworkWritesPerSecondInKB.Avg": 1250,
    "NetworkReadsPerSecondInKB.Max": 10000,
    "Applications": "Billing, CRM",
    "Tags": "env:prod, cost-center:42",
}


def test_full_row(tmp_path: Path) -> None:
    (s,) = parse("aws-csv", write(tmp_path / "a.csv", csv_text(AWS_HEADER, [FULL]))).servers
    assert (s.key, s.name, s.source, s.fqdn) == ("srv-001", "app01", "aws-csv", "app01.corp.local")
    assert (s.cores, s.sockets, s.memory_mib) == (4, 1, 16384)
    assert (s.os_family, s.os_version) == (OsFamily.LINUX, "8.6")
    assert s.mem_util_pct == 25.0  # used / total × 100
    assert s.cpu_util_pct == 22.5
    assert (s.net_in_mbps, s.net_out_mbps) == (20.0, 10.0)  # KB/s × 8 / 1000
    assert s.application == "Billing"
    assert s.tags["applications"] == "Billing, CRM"
    assert (s.tags["env"], s.tags["cost-center"]) == ("prod", "42")
    assert s.tags["cpu_util_pct.max"] == "80"
    assert s.tags["mem_util_pct.max"] == "50"
    assert s.tags["disk_read_mbps.avg"] == "1.5"
    assert s.tags["disk_write_iops.avg"] == "30"
    assert s.tags["net_in_mbps.max"] == "80"
    assert s.ip_addresses == ("10.1.0.5",)


@pytest.mark.parametrize(
    ("cells", "key"),
    [
        ({"ExternalId": "e1", "SMBiosId": "s1", "HostName": "h1"}, "e1"),
        ({"VMware.MoRefId": "vm-17", "VMware.VCenterId": "vc-1", "SMBiosId": "s1"}, "vm-17@vc-1"),
        ({"VMware.MoRefId": "vm-17", "SMBiosId": "s1", "HostName": "h1"}, "s1"),
        ({"HostName": "h1", "IPAddress": "10.0.0.9"}, "h1"),
        ({"IPAddress": "10.0.0.9"}, "10.0.0.9"),
        ({"MACAddress": "00:50:56:aa:bb:cc"}, "00:50:56:aa:bb:cc"),
    ],
)
def test_key_preference(tmp_path: Path, cells: dict[str, object], key: str) -> None:
    (s,) = parse("aws-csv", write(tmp_path / "a.csv", csv_text(AWS_HEADER, [cells]))).servers
    assert s.key == key


def test_record_without_matching_key_is_an_error(tmp_path: Path) -> None:
    f = write(
        tmp_path / "a.csv",
        csv_text(AWS_HEADER, [FULL, {"OS.Name": "Windows", "CPU.NumberOfCores": 2}]),
    )
    with pytest.raises(InputError) as info:
        parse("aws-csv", f)
    assert "row 3" in info.value.message and "matching key" in info.value.message
    assert "ExternalId" in info.value.hint


def test_unknown_columns_are_kept_as_tags(tmp_path: Path) -> None:
    text = "HostName,Owner,Rack\nweb01,alice,\n"
    (s,) = parse("aws-csv", write(tmp_path / "a.csv", text)).servers
    assert s.tags == {"Owner": "alice"}


def test_used_memory_above_total_is_capped_with_a_warning(tmp_path: Path) -> None:
    row = {"HostName": "h", "RAM.TotalSizeInMB": 1000, "RAM.UsedSizeInMB.Avg": 1500}
    batch = parse("aws-csv", write(tmp_path / "a.csv", csv_text(AWS_HEADER, [row])))
    assert batch.servers[0].mem_util_pct == 100.0
    assert "exceeds total" in batch.warnings[0].message
