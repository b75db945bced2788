"""RVTools import: what is read from which sheet, joins, units, variants and pitfalls."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from samples.rvtools_writer import RVToolsHost, write_rvtools_csv_dir, write_rvtools_xlsx

from skylift.domain.inventory import (
    Architecture,
    BootType,
    Environment,
    OsFamily,
    PowerState,
    Server,
)
from skylift.inventory.rvtools.join import disk_usage

from .conftest import hosts, parse, vm

GIB = 1024.0


def _by_name(servers: tuple[Server, ...]) -> dict[str, Server]:
    return {s.name: s for s in servers}


def test_reads_every_sheet_into_servers(tmp_path: Path) -> None:
    vms = [
        vm(
            1,
            name="web01",
            vm_uuid="4210AAAA-0000-0000-0000-000000000001",
            cpus=4,
            sockets=2,
            memory_mib=8192,
            disks=[("Hard disk 1", 40 * 1024, True), ("Hard disk 2", 100 * 1024, False)],
            partitions=[
                ("Hard disk 1", 40 * 1024, 10 * 1024),
                ("Hard disk 2", 100 * 1024, 25 * 1024),
            ],
            nics=[
                ("Network adapter 1", "VLAN-10", "00:50:56:aa:00:01", "10.0.0.11, 10.0.0.12"),
                ("Network adapter 2", "VLAN-20", "00:50:56:aa:00:02", "172.16.0.11"),
            ],
            os_tools="Microsoft Windows Server 2019 (64-bit)",
            os_config="Microsoft Windows Server 2016 (64-bit)",
            firmware="efi",
            dns_name="web01.corp.local",
            primary_ip="10.0.0.11",
            datacenter="DC-East",
            cluster="Prod-A",
            host="esx07.corp.local",
            custom_attributes={
                "Application": "shop",
                "ENVIRONMENT": "PRD",
                "Business Criticality": "Tier 1",
                "Cost Center": "4711",
            },
        ),
        vm(2, name="tmpl-rhel9", template=True),
        vm(
            3,
            name="batch01",
            powerstate="poweredOff",
            firmware="bios",
            os_tools="",
            os_config="Red Hat Enterprise Linux 9 (64-bit)",
        ),
    ]
    h = [RVToolsHost(host="esx07.corp.local", speed_mhz=2600), *hosts()[:3]]
    batch = parse(write_rvtools_xlsx(tmp_path / "rv.xlsx", vms, h))

    assert batch.format == "rvtools"
    assert batch.rows_skipped == 1  # the template
    servers = _by_name(batch.servers)
    assert set(servers) == {"web01", "batch01"}
    web = servers["web01"]
    assert web.key == "4210aaaa-0000-0000-0000-000000000001"
    assert (web.cores, web.sockets, web.memory_mib, web.cpu_mhz) == (4, 2, 8192, 2600)
    assert web.os_name == "Microsoft Windows Server 2019"  # VMware Tools preferred
    assert (web.os_family, web.os_version, web.arch) == (
        OsFamily.WINDOWS,
        "2019",
        Architecture.X86_64,
    )
    assert web.boot_type is BootType.UEFI
    assert web.power_state is PowerState.ON
    assert web.fqdn == "web01.corp.local"
    assert web.ip_addresses == ("10.0.0.11", "10.0.0.12", "172.16.0.11")
    assert (web.datacenter, web.cluster, web.host) == ("DC-East", "Prod-A", "esx07.corp.local")
    assert web.application == "shop"
    assert web.environment is Environment.PRODUCTION
    assert web.criticality == "Tier 1"
    assert web.tags["Cost Center"] == "4711"
    assert web.tags["vm_id"] == "vm-1001"
    assert [(d.name, d.size_gib, d.used_gib, d.thin) for d in web.disks] == [
        ("Hard disk 1", 40.0, 10.0, True),
        ("Hard disk 2", 100.0, 25.0, False),
    ]
    assert [(n.name, n.network, n.mac, n.ipv4) for n in web.nics] == [
        ("Network adapter 1", "VLAN-10", "00:50:56:aa:00:01", ("10.0.0.11", "10.0.0.12")),
        ("Network adapter 2", "VLAN-20", "00:50:56:aa:00:02", ("172.16.0.11",)),
    ]
    batch01 = servers["batch01"]
    assert batch01.power_state is PowerState.OFF  # kept and flagged
    assert batch01.os_name == "Red Hat Enterprise Linux 9"  # configuration-file fallback
    assert batch01.os_family is OsFamily.LINUX
    assert batch01.boot_type is BootType.BIOS
    assert any("powered off" in w.message for w in batch.warnings)


def test_csv_folder_and_mb_headers_and_thousands_give_the_same_servers(tmp_path: Path) -> None:
    vms = [vm(i) for i in range(1, 25)]
    xlsx = parse(write_rvtools_xlsx(tmp_path / "a.xlsx", vms, hosts()))
    old = parse(write_rvtools_xlsx(tmp_path / "b.xlsx", vms, hosts(), mib_headers=False))
    csv_dir = parse(write_rvtools_csv_dir(tmp_path / "csv", vms, hosts(), thousands=True))
    assert len(xlsx.servers) == 24
    assert xlsx.servers == old.servers
    assert xlsx.servers == csv_dir.servers
    big = max(xlsx.servers, key=lambda s: s.memory_mib or 0)
    assert big.memory_mib is not None and big.memory_mib >= 8192  # "8,192" in the CSV


def test_loose_csv_files_are_grouped_by_folder(tmp_path: Path) -> None:
    vms = [vm(i) for i in range(1, 5)]
    folder = write_rvtools_csv_dir(tmp_path / "csv", vms, hosts())
    batch = parse(*sorted(folder.glob("*.csv")))
    assert len(batch.servers) == 4
    assert all(s.disks and s.nics for s in batch.servers)


def test_partitions_without_disk_key_are_spread_by_capacity(tmp_path: Path) -> None:
    one = vm(
        1,
        disks=[("Hard disk 1", 30 * 1024, True), ("Hard disk 2", 90 * 1024, True)],
        partitions=[("", 10 * 1024, 8 * 1024), ("", 50 * 1024, 32 * 1024)],
    )
    none = vm(2, partitions=[])
    servers = _by_name(parse(write_rvtools_xlsx(tmp_path / "p.xlsx", [one, none], hosts())).servers)
    d1, d2 = servers[one.name].disks
    assert (d1.used_gib, d2.used_gib) == (10.0, 30.0)  # 40 GiB spread 1:3
    assert servers[none.name].used_gib is None  # no guest data: unknown, not zero


def test_disk_usage_rules() -> None:
    disks = [("2000", 100.0), ("2001", 300.0), ("2002", 50.0)]
    # matched partitions land on their disk; unmatched ones go to disks without a match
    assert disk_usage(disks, [("2000", 60.0), (None, 70.0)]) == [60.0, 60.0, 10.0]
    # capped at capacity
    assert disk_usage(disks, [("2002", 80.0)]) == [0.0, 0.0, 50.0]
    assert disk_usage(disks, []) == [None, None, None]


def test_keys_fall_back_to_vm_id_then_name(tmp_path: Path) -> None:
    vms = [
        vm(1, name="same", vm_uuid=""),
        vm(2, name="same"),  # duplicate names are fine: keys differ
        vm(3, name="noids", vm_uuid="", vm_id="", vcenter=""),
    ]
    batch = parse(write_rvtools_xlsx(tmp_path / "k.xlsx", vms, hosts()))
    keys = sorted(s.key for s in batch.servers)
    assert keys == sorted(["vm-1001@vcenter01.corp.local", vms[1].vm_uuid, "noids"])
    name_warnings = [w for w in batch.warnings if "keyed by VM name" in w.message]
    assert len(name_warnings) == 1
    assert "row 4" in (name_warnings[0].location or "")
    # the two "same" VMs got their own disks via VM UUID / VM ID joins
    assert all(len(s.disks) == 2 for s in batch.servers)


def test_several_vcenters_in_one_import(tmp_path: Path) -> None:
    a = write_rvtools_xlsx(tmp_path / "a.xlsx", [vm(i, vcenter="vc-a") for i in (1, 2)], hosts())
    b_vms = [vm(i, vcenter="vc-b", vm_uuid=f"bbbb-{i}") for i in (1, 2)]
    b = write_rvtools_csv_dir(tmp_path / "b", b_vms, hosts())
    batch = parse(a, b)
    assert len(batch.servers) == 4
    assert {s.tags["vcenter"] for s in batch.servers} == {"vc-a", "vc-b"}
    assert len(batch.files) == 2


def test_missing_optional_sheets_warn_and_fall_back(tmp_path: Path) -> None:
    path = write_rvtools_xlsx(tmp_path / "v.xlsx", [vm(1)], hosts(), sheets=["vInfo"])
    batch = parse(path)
    (server,) = batch.servers
    assert [d.name for d in server.disks] == ["disks (vInfo total)"]
    assert server.disks[0].size_gib == pytest.approx(sum(d[1] for d in vm(1).disks) / GIB)
    assert server.cpu_mhz is None and server.sockets is None
    text = " ".join(w.message for w in batch.warnings)
    for sheet in ("vCPU", "vDisk", "vPartition", "vNetwork", "vHost"):
        assert f"sheet {sheet} is missing" in text


def test_partly_empty_rows_and_rows_of_unknown_vms(tmp_path: Path) -> None:
    sparse = vm(
        1, dns_name="", primary_ip="", os_tools="", os_config="", firmware="", custom_attributes={}
    )
    path = write_rvtools_xlsx(tmp_path / "e.xlsx", [sparse, vm(2)], hosts())
    batch = parse(path)
    s = _by_name(batch.servers)[sparse.name]
    assert s.fqdn is None and s.os_name is None and s.os_family is OsFamily.UNKNOWN
    assert s.boot_type is BootType.UNKNOWN and s.environment is Environment.UNKNOWN


def _rewrite_sheet1(src: Path, dst: Path, edit: object) -> Path:
    assert callable(edit)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = edit(data.decode()).encode()
            zout.writestr(info, data)
    return dst


def test_declared_million_row_dimension_is_not_materialised(tmp_path: Path) -> None:
    vms = [vm(i) for i in range(1, 6)]
    src = write_rvtools_xlsx(tmp_path / "src.xlsx", vms, hosts())

    def claim(xml: str) -> str:
        return re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:CP1048576"/>', xml)

    def stray(xml: str) -> str:
        # a single blank-looking value in the very last row: calamine would allocate
        # the whole used range (1 M rows x 94 columns); the streaming reader must not.
        last = '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t> </t></is></c></row>'
        return claim(xml).replace("</sheetData>", last + "</sheetData>")

    expected = parse(src).servers
    for edit in (claim, stray):
        path = _rewrite_sheet1(src, tmp_path / f"{edit.__name__}.xlsx", edit)
        batch = parse(path)
        assert batch.servers == expected
        assert batch.rows_skipped == 0


def test_sparse_sheet_detection() -> None:
    from skylift.inventory.xlsx.workbook import SheetExtent

    assert SheetExtent("s", rows=2002, last_row=1_048_576).sparse
    assert not SheetExtent("s", rows=100_001, last_row=100_001).sparse


def test_progress_reports_rows(tmp_path: Path) -> None:
    from skylift.inventory.base import ImportContext
    from skylift.inventory.rvtools.importer import RVToolsImporter

    class Recorder:
        def __init__(self) -> None:
            self.phases: list[str] = []
            self.totals: list[float | None] = []
            self.done = 0.0

        def begin(self, description: str, total: float | None = None, unit: str = "") -> None:
            self.phases.append(description)
            self.totals.append(total)

        def advance(self, amount: float = 1.0) -> None:
            self.done += amount

        def end(self) -> None:
            pass

    rec = Recorder()
    path = write_rvtools_xlsx(tmp_path / "p.xlsx", [vm(i) for i in range(1, 4)], hosts())
    batch = RVToolsImporter().parse([path], ImportContext(progress=rec))
    assert any("vInfo" in p for p in rec.phases) and any("vDisk" in p for p in rec.phases)
    assert rec.done == batch.rows_read
    assert sum(t or 0 for t in rec.totals) == batch.rows_read  # totals known up front


def test_os_strings() -> None:
    from skylift.inventory.rvtools.values import environment, os_details

    assert os_details("", "Microsoft Windows 10 (32-bit)")[1:] == (
        OsFamily.WINDOWS,
        "10",
        Architecture.X86,
    )
    assert os_details("Ubuntu Linux (64-bit)", None)[1:] == (
        OsFamily.LINUX,
        None,
        Architecture.X86_64,
    )
    assert os_details("Oracle Solaris 11 (64-bit)", None)[1] is OsFamily.UNIX
    assert os_details("Other (32-bit)", None)[1] is OsFamily.OTHER
    assert os_details(None, None)[1] is OsFamily.UNKNOWN
    assert environment("UAT") is Environment.STAGING
    assert environment("dev") is Environment.DEVELOPMENT
    assert environment("whatever") is Environment.UNKNOWN


def test_header_only_vinfo_imports_nothing_with_a_warning(tmp_path: Path) -> None:
    from .conftest import write_sheets

    path = write_sheets(tmp_path / "h.xlsx", {"vInfo": [["VM", "CPUs", "Memory", "VM UUID"]]})
    batch = parse(path)
    assert batch.servers == ()
    assert any("no VM rows" in w.message for w in batch.warnings)


def test_sparse_sheet_with_shared_strings_streams_the_same_rows(tmp_path: Path) -> None:
    from .conftest import write_sheets

    header = ["VM", "Template", "CPUs", "Memory", "VM UUID", "Firmware"]
    rows = [["a", "False", 2, 2048, "u-a", "efi"], ["b", "True", 1, 1024, "u-b", "bios"]]
    rows.append(["c", "False", 4, 4096.5, "u-c", "bios"])
    src = write_sheets(tmp_path / "s.xlsx", {"vInfo": [header, *rows]})  # shared strings

    def stray(xml: str) -> str:
        last = '<row r="1048576"><c r="F1048576" t="inlineStr"><is><t>x</t></is></c></row>'
        return xml.replace("</sheetData>", last + "</sheetData>")

    dense = parse(src)
    sparse = parse(_rewrite_sheet1(src, tmp_path / "sparse.xlsx", stray))
    assert [(s.name, s.cores, s.memory_mib, s.boot_type) for s in dense.servers] == [
        ("a", 2, 2048.0, BootType.UEFI),
        ("c", 4, 4096.5, BootType.BIOS),
    ]
    assert sparse.servers == dense.servers
    assert sparse.rows_skipped == dense.rows_skipped + 1  # the stray row has no VM name


def test_address_lists() -> None:
    from skylift.inventory.rvtools.values import split_addresses

    assert split_addresses("10.0.0.1") == ("10.0.0.1",)
    assert split_addresses("10.0.0.1, 10.0.0.2;fe80::1 ") == ("10.0.0.1", "10.0.0.2", "fe80::1")
    assert split_addresses("") == ()
    assert split_addresses(None) == ()
