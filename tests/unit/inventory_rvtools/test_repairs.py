"""Values taken from another sheet, or rows attached by id against their name, are warned about.

Every repair the importer makes is a warning naming the VM, the sheets and both
values (issue 14): nothing is filled in or re-attached silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from samples.rvtools_writer import write_rvtools_xlsx

from skylift.domain.imports import ImportBatch

from .conftest import hosts, parse, vm, write_sheets

VINFO = ["VM", "Powerstate", "Template", "CPUs", "Memory", "VM ID", "VM UUID", "VI SDK Server"]
VCPU = ["VM", "Powerstate", "Template", "CPUs", "Sockets", "VM ID", "VM UUID", "VI SDK Server"]
VDISK = ["VM", "Powerstate", "Template", "Disk", "Capacity MiB", "VM ID", "VM UUID"]


def _vinfo(name: str, cpus: object, memory: object, n: int) -> list[object]:
    return [name, "poweredOn", "False", cpus, memory, f"vm-{n}", f"uuid-{n}", "vc"]


def _vcpu(name: str, cpus: object, n: int, uuid: bool = True) -> list[object]:
    return [name, "poweredOn", "False", cpus, 1, f"vm-{n}", f"uuid-{n}" if uuid else "", "vc"]


def _vmemory(header: str, rows: Sequence[tuple[str, object, int]]) -> list[list[object]]:
    return [
        ["VM", "Powerstate", "Template", header, "VM ID", "VM UUID"],
        *[[name, "poweredOn", "False", size, f"vm-{n}", f"uuid-{n}"] for name, size, n in rows],
    ]


def _messages(batch: ImportBatch, *parts: str) -> list[str]:
    """Warnings (message + location) containing every one of ``parts``."""
    texts = [f"{w.message} @ {w.location}" for w in batch.warnings]
    return [t for t in texts if all(p in t for p in parts)]


def test_empty_vinfo_cpus_filled_from_vcpu_with_a_warning(tmp_path: Path) -> None:
    path = write_sheets(
        tmp_path / "rv.xlsx",
        {
            "vInfo": [VINFO, _vinfo("app01", "", 8192, 1), _vinfo("app02", 2, 4096, 2)],
            "vCPU": [VCPU, _vcpu("app01", 4, 1), _vcpu("app02", 2, 2)],
        },
    )
    batch = parse(path)
    by = {s.name: s for s in batch.servers}
    assert by["app01"].cores == 4
    found = _messages(batch, "'app01'", "vInfo 'CPUs' is empty", "took 4 from vCPU 'CPUs'")
    assert len(found) == 1, [w.message for w in batch.warnings]
    assert "sheet vCPU, row 2" in found[0]
    assert not _messages(batch, "'app02'")


@pytest.mark.parametrize("header", ["Size MiB", "Size MB"])
def test_empty_vinfo_memory_filled_from_vmemory_with_a_warning(tmp_path: Path, header: str) -> None:
    path = write_sheets(
        tmp_path / "rv.xlsx",
        {
            "vInfo": [VINFO, _vinfo("db01", 4, "", 1), _vinfo("db02", 4, 2048, 2)],
            "vMemory": _vmemory(header, [("db01", 16384, 1), ("db02", 2048, 2)]),
        },
    )
    batch = parse(path)
    db01 = next(s for s in batch.servers if s.name == "db01")
    assert db01.memory_mib == 16384  # MiB, so 16384 / 1024 = 16 GiB
    assert db01.memory_mib / 1024 == 16.0
    found = _messages(
        batch,
        "'db01'",
        "vInfo 'Memory' is empty",
        f"took 16,384 MiB (16 GiB) from vMemory '{header}'",
        "sheet vMemory, row 2",
    )
    assert len(found) == 1, [w.message for w in batch.warnings]
    assert not _messages(batch, "'db02'")


def test_vcpu_disagreeing_with_vinfo_keeps_vinfo_and_warns(tmp_path: Path) -> None:
    path = write_sheets(
        tmp_path / "rv.xlsx",
        {
            "vInfo": [VINFO, _vinfo("web01", 2, 4096, 1)],
            "vCPU": [VCPU, _vcpu("web01", 8, 1)],
            "vMemory": _vmemory("Size MiB", [("web01", 8192, 1)]),
        },
    )
    batch = parse(path)
    (web01,) = batch.servers
    assert (web01.cores, web01.memory_mib) == (2, 4096)
    assert _messages(batch, "'web01'", "vCPU 'CPUs' says 8", "vInfo 'CPUs' says 2", "kept vInfo")
    assert _messages(
        batch,
        "'web01'",
        "vMemory 'Size MiB' says 8,192 MiB (8 GiB)",
        "vInfo 'Memory' says 4,096 MiB (4 GiB)",
    )


def test_both_sheets_empty_leave_the_value_unknown_without_a_repair(tmp_path: Path) -> None:
    path = write_sheets(
        tmp_path / "rv.xlsx",
        {
            "vInfo": [VINFO, _vinfo("x", "", "", 1)],
            "vCPU": [VCPU, _vcpu("x", "", 1)],
            "vMemory": _vmemory("Size MiB", [("x", "", 1)]),
        },
    )
    batch = parse(path)
    (x,) = batch.servers
    assert (x.cores, x.memory_mib) == (None, None)
    assert not _messages(batch, "'x'")


@pytest.mark.parametrize("by_uuid", [True, False], ids=["uuid", "vm-id"])
def test_disk_row_whose_name_disagrees_with_its_id_is_attached_by_id_with_a_warning(
    tmp_path: Path, by_uuid: bool
) -> None:
    uuid = "uuid-1" if by_uuid else ""
    path = write_sheets(
        tmp_path / "rv.xlsx",
        {
            "vInfo": [VINFO, _vinfo("web01", 2, 4096, 1), _vinfo("db01", 2, 4096, 2)],
            "vDisk": [
                VDISK,
                ["db01", "poweredOn", "False", "Hard disk 1", 10240, "vm-1", uuid],
                ["db01", "poweredOn", "False", "Hard disk 2", 20480, "vm-1", uuid],
                ["db01", "poweredOn", "False", "Hard disk 1", 4096, "vm-2", "uuid-2"],
            ],
        },
    )
    batch = parse(path)
    by = {s.name: s for s in batch.servers}
    assert [d.size_gib for d in by["web01"].disks] == [10.0, 20.0]
    assert [d.size_gib for d in by["db01"].disks] == [4.0]
    idval = "VM UUID uuid-1" if by_uuid else "VM ID vm-1"
    found = _messages(
        batch, "vDisk rows name VM 'db01'", f"their {idval} is vInfo VM 'web01'", "sheet vDisk"
    )
    assert len(found) == 1, [w.message for w in batch.warnings]  # once per VM, not per row


def test_a_consistent_export_has_no_repair_warnings(tmp_path: Path) -> None:
    vms = [vm(i, name=f"vm{i}", cpus=2 + i % 3, memory_mib=2048 * (1 + i % 2)) for i in range(6)]
    batch = parse(write_rvtools_xlsx(tmp_path / "rv.xlsx", vms, hosts()[:2]))
    repairs = ("vInfo", "rows name VM", "single vInfo VM")
    assert not [w for w in batch.warnings if any(r in w.message for r in repairs)]


def test_row_whose_ids_match_no_vm_is_attached_by_name_with_a_warning(tmp_path: Path) -> None:
    path = write_sheets(
        tmp_path / "rv.xlsx",
        {
            "vInfo": [VINFO, _vinfo("web01", 2, 4096, 1)],
            "vDisk": [
                VDISK,
                ["web01", "poweredOn", "False", "Hard disk 1", 10240, "vm-77", "uuid-77"],
                ["web01", "poweredOn", "False", "Hard disk 2", 10240, "vm-77", "uuid-77"],
            ],
        },
    )
    batch = parse(path)
    (web01,) = batch.servers
    assert len(web01.disks) == 2
    found = _messages(
        batch,
        "vDisk rows of VM 'web01' carry VM UUID uuid-77 / VM ID vm-77",
        "matches no single vInfo VM",
        "by its unique name",
    )
    assert len(found) == 1, [w.message for w in batch.warnings]
