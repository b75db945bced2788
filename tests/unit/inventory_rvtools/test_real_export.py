"""The importer on a real RVTools export written by others (kubev2v/migration-planner).

tests/fixtures/rvtools/migration-planner/README.md says where it comes from.
Its sheets disagree with each other: every repair the importer makes on it is
a warning naming the VM, the sheets and both values (issue 14).
"""

from __future__ import annotations

from pathlib import Path

from skylift.domain.imports import ImportBatch
from skylift.domain.inventory import OsFamily, PowerState

from .conftest import parse

EXPORT = (
    Path(__file__).resolve().parents[2] / "fixtures" / "rvtools" / "migration-planner"
) / "example1.xlsx"


def _batch() -> ImportBatch:
    return parse(EXPORT)


def _warnings(batch: ImportBatch, *parts: str) -> list[str]:
    texts = [f"{w.message} @ {w.location}" for w in batch.warnings]
    return [t for t in texts if all(p in t for p in parts)]


def test_real_values() -> None:
    batch = _batch()
    by = {s.name: s for s in batch.servers}
    assert sorted(by, key=lambda n: int(n.split("-")[1])) == [f"vm-{i}" for i in range(1, 10)]
    off = sorted(n for n, s in by.items() if s.power_state is PowerState.OFF)
    assert off == ["vm-1", "vm-2", "vm-4", "vm-5", "vm-6", "vm-7"]
    assert (by["vm-3"].cores, by["vm-3"].memory_mib) == (3, 3526.0)
    assert (by["vm-8"].cores, by["vm-8"].memory_mib) == (13, 34321.0)
    assert [d.size_gib for d in by["vm-8"].disks] == [100.0, 100.0]
    assert by["vm-3"].os_name == "Debian GNU/Linux 9"
    assert all(
        s.os_family is OsFamily.LINUX for n, s in by.items() if n != "vm-9"
    )  # vm-9 has no OS
    assert batch.rows_skipped == 0


def test_vm9s_empty_vinfo_cells_are_filled_from_vcpu_and_vmemory_with_warnings() -> None:
    batch = _batch()
    vm9 = next(s for s in batch.servers if s.name == "vm-9")
    assert (vm9.cores, vm9.memory_mib) == (18, 40960.0)
    assert _warnings(batch, "'vm-9'", "vInfo 'CPUs' is empty", "took 18 from vCPU 'CPUs'")
    assert _warnings(
        batch, "'vm-9'", "vInfo 'Memory' is empty", "took 40,960 MiB (40 GiB) from vMemory"
    )


def test_sheets_that_disagree_with_vinfo_are_named_with_both_values() -> None:
    batch = _batch()
    assert _warnings(batch, "'vm-4'", "vCPU 'CPUs' says 9", "vInfo 'CPUs' says 8", "sheet vCPU")
    assert _warnings(
        batch, "'vm-8'", "vMemory 'Size MiB' says 40,960 MiB", "vInfo 'Memory' says 34,321 MiB"
    )
    assert len(_warnings(batch, "kept vInfo's value")) == 13


def test_vdisk_rows_attached_by_id_against_their_name_are_warned_about() -> None:
    batch = _batch()
    found = _warnings(batch, "vDisk rows name VM", "attached to")
    assert len(found) == 6
    assert _warnings(
        batch, "vDisk rows name VM 'vm-2' but their VM ID vm-105889 is vInfo VM 'vm-3'"
    )
    vm2 = next(s for s in batch.servers if s.name == "vm-2")
    assert vm2.disks == ()  # its only vDisk row carries vm-3's id
