"""Bad RVTools input: one-line InputError naming file/sheet/row/column/value; nothing written."""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest
from samples.rvtools_writer import write_rvtools_xlsx

from skylift.errors import InputError
from skylift.inventory.rvtools.importer import RVToolsImporter
from skylift.inventory.xlsx.workbook import XlsxLimits, open_workbook
from skylift.workspace import Workspace

from .conftest import hosts, vm, write_sheets

HEADER = ["VM", "Powerstate", "Template", "CPUs", "Memory", "VM ID", "VM UUID", "VI SDK Server"]


def _vinfo(rows: Sequence[Sequence[object]], header: Sequence[str] = HEADER) -> dict[str, list]:
    return {"vInfo": [list(header), *[list(r) for r in rows]]}


def _row(name: str = "a", cpus: object = 2, memory: object = 1024, uuid: str = "u-1") -> list:
    return [name, "poweredOn", "False", cpus, memory, "vm-1", uuid, "vc"]


def _fails(ws: Workspace, path: Path, *parts: str) -> InputError:
    with pytest.raises(InputError) as info:
        ws.discover("rvtools", [path])
    message = info.value.message
    assert "\n" not in message
    assert info.value.hint
    assert path.name in message
    for part in parts:
        assert part in message, message
    assert ws.store.count("servers") == 0
    return info.value


def test_empty_file(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    _fails(workspace, path, "empty")


def test_not_a_zip(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    path.write_text("VM,CPUs\nweb01,2\n")
    _fails(workspace, path, "not an .xlsx workbook (not a zip archive)")


def test_zip_that_is_not_a_workbook(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    _fails(workspace, path, "not an .xlsx workbook")


def test_encrypted_workbook(workspace: Workspace, tmp_path: Path) -> None:
    # Password-protected .xlsx files are OLE compound files, not zips.
    path = tmp_path / "locked.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2048)
    _fails(workspace, path, "password-protected")


def test_truncated_workbook(workspace: Workspace, tmp_path: Path) -> None:
    good = write_rvtools_xlsx(tmp_path / "good.xlsx", [vm(1)], hosts())
    path = tmp_path / "cut.xlsx"
    path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    _fails(workspace, path, "corrupt")


def test_zip_bomb_is_refused_before_parsing(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            zeros = b"\0" * (1 << 20)
            for _ in range(48):
                member.write(zeros)
    assert path.stat().st_size < 200_000
    _fails(workspace, path, "possible zip bomb", "sheet1.xml")


def test_total_size_cap_and_override(tmp_path: Path) -> None:
    path = write_rvtools_xlsx(tmp_path / "rv.xlsx", [vm(1)], hosts())
    with pytest.raises(InputError, match="expands to more than 10,000 bytes"):
        open_workbook(path, XlsxLimits(max_total_bytes=10_000))
    limits = XlsxLimits.from_environ({"SKYLIFT_XLSX_MAX_BYTES": "10000"})
    assert limits.max_total_bytes == 10_000
    with pytest.raises(InputError, match="SKYLIFT_XLSX_MAX_BYTES"):
        XlsxLimits.from_environ({"SKYLIFT_XLSX_MAX_BYTES": "lots"})
    assert len(RVToolsImporter(max_xlsx_bytes=1 << 30).parse([path], _ctx()).servers) == 1


def _ctx():  # type: ignore[no-untyped-def]
    from skylift.inventory.base import ImportContext

    return ImportContext()


def test_workbook_without_vinfo(workspace: Workspace, tmp_path: Path) -> None:
    path = write_sheets(tmp_path / "other.xlsx", {"Sheet1": [["Name"], ["x"]]})
    _fails(workspace, path, "sheet vInfo", "no vInfo sheet", "Sheet1")


def test_rvtools_export_without_vinfo(workspace: Workspace, tmp_path: Path) -> None:
    path = write_rvtools_xlsx(tmp_path / "part.xlsx", [vm(1)], hosts(), sheets=["vCPU", "vDisk"])
    _fails(workspace, path, "no vInfo sheet")


@pytest.mark.parametrize("column", ["VM", "CPUs", "Memory"])
def test_missing_required_column(workspace: Workspace, tmp_path: Path, column: str) -> None:
    i = HEADER.index(column)
    header = HEADER[:i] + HEADER[i + 1 :]
    row = _row()
    path = write_sheets(tmp_path / "cols.xlsx", _vinfo([row[:i] + row[i + 1 :]], header))
    _fails(workspace, path, "sheet vInfo", "row 1", f"column '{column}'", "missing required")


def test_text_in_numeric_cell(workspace: Workspace, tmp_path: Path) -> None:
    path = write_sheets(tmp_path / "t.xlsx", _vinfo([_row(), _row("b", cpus="four", uuid="u-2")]))
    _fails(workspace, path, "sheet vInfo", "row 3", "column 'CPUs'", "'four'", "whole number")


def test_fractional_cpu_count(workspace: Workspace, tmp_path: Path) -> None:
    path = write_sheets(tmp_path / "f.xlsx", _vinfo([_row(cpus=2.5)]))
    _fails(workspace, path, "row 2", "column 'CPUs'", "'2.5'")


def test_negative_memory(workspace: Workspace, tmp_path: Path) -> None:
    path = write_sheets(tmp_path / "m.xlsx", _vinfo([_row(memory=-512)]))
    _fails(workspace, path, "sheet vInfo", "row 2", "column 'Memory'", "'-512'", "negative")


def test_negative_disk_capacity(workspace: Workspace, tmp_path: Path) -> None:
    bad = vm(1, disks=[("Hard disk 1", 10240, True), ("Hard disk 2", -10, True)])
    path = write_rvtools_xlsx(tmp_path / "d.xlsx", [bad], hosts())
    _fails(workspace, path, "sheet vDisk", "row 3", "column 'Capacity MiB'", "'-10'")


def test_bad_boolean(workspace: Workspace, tmp_path: Path) -> None:
    row = _row()
    row[2] = "maybe"
    path = write_sheets(tmp_path / "b.xlsx", _vinfo([row]))
    _fails(workspace, path, "row 2", "column 'Template'", "'maybe'", "True or False")


def test_duplicate_keys_name_both_rows(workspace: Workspace, tmp_path: Path) -> None:
    rows = [_row("a", uuid="same"), _row("b", uuid="other"), _row("c", uuid="SAME")]
    path = write_sheets(tmp_path / "dup.xlsx", _vinfo(rows))
    err = _fails(workspace, path, "duplicate VM key 'same'", "row 2", "row 4", "'c'")
    assert err.message.count("dup.xlsx") == 2


def test_duplicate_keys_across_files(workspace: Workspace, tmp_path: Path) -> None:
    a = write_rvtools_xlsx(tmp_path / "a.xlsx", [vm(1)], hosts())
    b = write_rvtools_xlsx(tmp_path / "b.xlsx", [vm(1)], hosts())
    with pytest.raises(InputError, match=r"duplicate VM key .*a\.xlsx.*b\.xlsx|b\.xlsx.*a\.xlsx"):
        workspace.discover("rvtools", [a, b])
    assert workspace.store.count("servers") == 0


def test_folder_without_rvtools_csvs(workspace: Workspace, tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "readme.txt").write_text("hello")
    with pytest.raises(InputError, match="no RVTools CSV files"):
        workspace.discover("rvtools", [folder])
    assert workspace.store.count("servers") == 0
