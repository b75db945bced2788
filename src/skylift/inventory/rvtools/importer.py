"""RVTools importer: VMware estates from an RVTools 4.x (or 3.x) export.

Input: one or more ``.xlsx`` exports, or folders of RVTools' per-sheet CSVs
(several inputs = several vCenters). Sheets read (columns by name, never by
position): vInfo (required), vCPU, vMemory, vDisk, vPartition, vNetwork, vHost.
See docs/discover-rvtools.md for every column, unit and rule.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from skylift.domain.imports import ImportBatch, ImportWarning
from skylift.errors import InputError, InputLocation
from skylift.inventory.base import ImportContext
from skylift.inventory.rvtools import values as v
from skylift.inventory.rvtools.join import Draft, Joiner, WarningLog
from skylift.inventory.rvtools.source import Cells, RVToolsSource, group_sources
from skylift.inventory.tabular import Table, fingerprint, norm_header
from skylift.inventory.xlsx.workbook import XlsxLimits

_PROGRESS_EVERY = 2000
_REQUIRED = {"VM": v.VM, "CPUs": v.CPUS, "Memory": v.MEMORY}


class RVToolsImporter:
    """Parse RVTools exports into servers with disks, NICs, OS, placement and tags.

    ``max_xlsx_bytes`` caps the uncompressed size of a workbook (zip-bomb guard);
    by default 4 GiB or ``SKYLIFT_XLSX_MAX_BYTES``.
    """

    name: ClassVar[str] = "rvtools"

    def __init__(self, max_xlsx_bytes: int | None = None) -> None:
        limits = XlsxLimits.from_environ()
        if max_xlsx_bytes is not None:
            limits = XlsxLimits(max_total_bytes=max_xlsx_bytes)
        self.limits = limits

    def parse(self, paths: Sequence[Path], ctx: ImportContext) -> ImportBatch:
        """Read every export in ``paths``; raise :class:`InputError` on bad input.

        Templates are skipped (counted in ``rows_skipped``); powered-off VMs are
        kept with ``power_state=off``. Keys: VM UUID, else ``VM ID@VI SDK Server``,
        else the VM name (with a warning). A key seen twice is an error naming both rows.
        """
        if not paths:
            raise InputError("no input given", "pass an RVTools .xlsx or a CSV folder")
        warnings = WarningLog()
        joiner = Joiner(warnings)
        rows_read = 0
        files = tuple(fingerprint(p) for p in paths)
        for source in group_sources(paths, self.limits):
            try:
                rows_read += _read_source(source, joiner, warnings, ctx)
            finally:
                source.close()
        servers = joiner.servers()
        off = sum(1 for s in servers if s.power_state.value == "off")
        if off:
            warnings.add("powered off; kept with power_state=off", None, count=off, key="off")
        return ImportBatch(
            format=self.name,
            files=files,
            servers=tuple(servers),
            rows_read=rows_read,
            rows_skipped=joiner.skipped,
            warnings=tuple(warnings.items()),
        )


def _begin(ctx: ImportContext, source: RVToolsSource, table: Table) -> None:
    name = Path(table.file).name
    ctx.progress.begin(f"RVTools {table.sheet} ({name})", source.rows_hint(table.sheet), "rows")


def _read_source(
    source: RVToolsSource, joiner: Joiner, warnings: WarningLog, ctx: ImportContext
) -> int:
    if not source.has("vInfo"):
        found = ", ".join(source.sheet_names()[:8]) or "none"
        raise InputError(
            f"no vInfo sheet: not an RVTools export (sheets found: {found})",
            "pass the .xlsx written by RVTools 'Export all to Excel', or its CSV folder",
            InputLocation(str(source.path), "vInfo"),
        )
    speeds = _host_speeds(source, warnings)
    vinfo = source.table("vInfo")
    assert vinfo is not None
    _require(vinfo)
    joiner.begin_source(str(source.path))
    _begin(ctx, source, vinfo)
    rows = _read_vinfo(vinfo, joiner, speeds, ctx)
    ctx.progress.end()
    if rows == 0:
        warnings.add("sheet vInfo has no VM rows; nothing to import from this export", vinfo.file)
    for sheet, reader in (
        ("vCPU", _read_vcpu),
        ("vMemory", _read_vmemory),
        ("vDisk", _read_vdisk),
        ("vPartition", _read_vpartition),
        ("vNetwork", _read_vnetwork),
    ):
        table = source.table(sheet)
        if table is None:
            warnings.add(
                f"sheet {sheet} is missing; {_MISSING[sheet]}",
                str(source.path),
                key=f"missing:{sheet}",
            )
            continue
        _begin(ctx, source, table)
        rows += reader(table, joiner, ctx)
        ctx.progress.end()
    joiner.end_source(has_vdisk=source.has("vDisk"))
    return rows


_MISSING = {
    "vCPU": "sockets unknown",
    "vMemory": "memory from vInfo only",
    "vDisk": "one disk per VM from vInfo 'Total disk capacity MiB'",
    "vPartition": "used disk space unknown",
    "vNetwork": "NICs from vInfo 'Primary IP Address' only",
    "vHost": "host CPU speed unknown",
}


def _require(table: Table) -> None:
    cols = table.columns()
    for label, spellings in _REQUIRED.items():
        if not any(norm_header(s) in cols for s in spellings):
            raise InputError(
                f"missing required column '{label}'",
                "export vInfo again with all columns (RVTools: File > Export all to Excel)",
                InputLocation(table.file, table.sheet, 1, label),
            )


def _host_speeds(source: RVToolsSource, warnings: WarningLog) -> dict[str, float]:
    table = source.table("vHost")
    if table is None:
        warnings.add(f"sheet vHost is missing; {_MISSING['vHost']}", str(source.path))
        return {}
    c = Cells(table)
    ih, isp = c.index(v.HOST), c.index(v.SPEED)
    out: dict[str, float] = {}
    for n, cells in table.rows:
        host = c.text(cells, ih)
        speed = c.number(n, cells, isp, "a CPU speed in MHz")
        if host and speed is not None:
            out[host.lower()] = speed
    return out


def _read_vinfo(table: Table, joiner: Joiner, speeds: dict[str, float], ctx: ImportContext) -> int:
    c = Cells(table)
    idx = {
        name: c.index(spellings)
        for name, spellings in {
            "vm": v.VM,
            "power": v.POWERSTATE,
            "template": v.TEMPLATE,
            "uuid": v.VM_UUID,
            "vmid": v.VM_ID,
            "sdk": v.SDK_SERVER,
            "cpus": v.CPUS,
            "memory": v.MEMORY,
            "dns": v.DNS,
            "ip": v.PRIMARY_IP,
            "firmware": v.FIRMWARE,
            "dc": v.DATACENTER,
            "cluster": v.CLUSTER,
            "host": v.HOST,
            "os_tools": v.OS_TOOLS,
            "os_config": v.OS_CONFIG,
            "total_disk": ("Total disk capacity MiB", "Total disk capacity MB"),
        }.items()
    }
    tag_idx = {tag: c.index(sp) for tag, sp in v.TAG_COLUMNS.items()}
    custom = [
        (i, h)
        for i, h in enumerate(table.header)
        if h.strip() and norm_header(h) not in v.STANDARD_VINFO
    ]
    app_cols = v.attribute_columns(custom, v.APPLICATION_ATTRS)
    env_cols = v.attribute_columns(custom, v.ENVIRONMENT_ATTRS)
    crit_cols = v.attribute_columns(custom, v.CRITICALITY_ATTRS)
    rows = 0
    for n, cells in table.rows:
        rows += 1
        if rows % _PROGRESS_EVERY == 0:
            ctx.progress.advance(_PROGRESS_EVERY)
        name = c.text(cells, idx["vm"])
        uuid = c.text(cells, idx["uuid"])
        vmid = c.text(cells, idx["vmid"])
        sdk = c.text(cells, idx["sdk"])
        if c.flag(n, cells, idx["template"]):
            joiner.skip_template(uuid, vmid, sdk, name)
            continue
        if not name:
            joiner.skip_nameless(c.loc(n, idx["vm"]))
            continue
        attrs = {h.strip(): t for i, h in custom if (t := c.text(cells, i))}
        tags = {tag: t for tag, i in tag_idx.items() if (t := c.text(cells, i))}
        for tag in v.NUMERIC_TAGS:
            if tag in tags:
                tags[tag] = _plain(c.number(n, cells, tag_idx[tag]))
        os_name, family, version, arch = v.os_details(
            c.text(cells, idx["os_tools"]), c.text(cells, idx["os_config"])
        )
        host = c.text(cells, idx["host"])
        draft = Draft(
            name=name,
            location=c.loc(n),
            power_state=v.power_state(c.text(cells, idx["power"])),
            os_name=os_name,
            os_family=family,
            os_version=version,
            arch=arch,
            boot_type=v.boot_type(c.text(cells, idx["firmware"])),
            cores=_whole(c.number(n, cells, idx["cpus"], "a whole number of CPUs", True)),
            memory_mib=c.number(n, cells, idx["memory"], "a memory size in MiB"),
            cpu_mhz=speeds.get(host.lower()) if host else None,
            fqdn=c.text(cells, idx["dns"]),
            primary_ip=c.text(cells, idx["ip"]),
            datacenter=c.text(cells, idx["dc"]),
            cluster=c.text(cells, idx["cluster"]),
            host=host,
            application=_first(c, cells, app_cols),
            environment=v.environment(_first(c, cells, env_cols)),
            criticality=_first(c, cells, crit_cols),
            total_disk_mib=c.number(n, cells, idx["total_disk"]),
            tags={**tags, **attrs},
        )
        joiner.add(draft, uuid, vmid, sdk)
    ctx.progress.advance(rows % _PROGRESS_EVERY)
    return rows


def _first(c: Cells, cells: Sequence[object], columns: list[int]) -> str | None:
    for i in columns:
        t = c.text(cells, i)
        if t:
            return t
    return None


def _plain(value: float | None) -> str:
    """A number as plain text (no thousands separators): ``208896`` or ``12.5``."""
    if value is None:
        return ""
    return str(int(value)) if value.is_integer() else f"{value:.2f}"


def _whole(value: float | None) -> int | None:
    return None if value is None else int(value)


def _ids(c: Cells, table: Table) -> tuple[int | None, int | None, int | None, int | None]:
    return c.index(v.VM_UUID), c.index(v.VM_ID), c.index(v.SDK_SERVER), c.index(v.VM)


@dataclass
class _Count:
    rows: int = 0


def _each(
    c: Cells, joiner: Joiner, ctx: ImportContext, count: _Count
) -> Iterator[tuple[int, Sequence[object], Draft]]:
    """Rows of a per-VM sheet with their VM (unmatched and template rows dropped), streamed.

    A row attached by VM UUID or VM ID whose ``VM`` name differs from the vInfo
    name of that VM is kept (ids outrank names) with a warning naming both.
    """
    table = c.table
    sheet = table.sheet or ""
    iu, ii, isd, iv = _ids(c, table)
    for n, cells in table.rows:
        count.rows += 1
        if count.rows % _PROGRESS_EVERY == 0:
            ctx.progress.advance(_PROGRESS_EVERY)
        uuid = c.text(cells, iu)
        vmid = c.text(cells, ii)
        name = c.text(cells, iv)
        draft = joiner.by_uuid(uuid) if uuid else None
        if draft is None:
            draft = joiner.match(sheet, uuid, vmid, c.text(cells, isd), name)
        if draft is not None:
            if name and name != draft.name:
                joiner.name_mismatch(draft, sheet, name, uuid, vmid, c.loc(n, iv, name))
            yield n, cells, draft
    ctx.progress.advance(count.rows % _PROGRESS_EVERY)


def _read_vcpu(table: Table, joiner: Joiner, ctx: ImportContext) -> int:
    c, count = Cells(table), _Count()
    i_s, i_c = c.index(v.SOCKETS), c.index(v.CPUS)
    for n, cells, d in _each(c, joiner, ctx, count):
        d.sockets = _whole(c.number(n, cells, i_s, "a whole number of sockets", True))
        cpus = _whole(c.number(n, cells, i_c, "a whole number of CPUs", True))
        if cpus is not None:
            joiner.fill(d, "cores", cpus, "CPUs", c.loc(n, i_c, cpus))
    return count.rows


def _read_vmemory(table: Table, joiner: Joiner, ctx: ImportContext) -> int:
    c, count = Cells(table), _Count()
    i_m = c.index(v.MEM_SIZE)
    for n, cells, d in _each(c, joiner, ctx, count):
        size = c.number(n, cells, i_m, "a memory size in MiB")
        if size is not None:
            joiner.fill(d, "memory_mib", size, "Memory", c.loc(n, i_m, size))
    return count.rows


def _read_vdisk(table: Table, joiner: Joiner, ctx: ImportContext) -> int:
    c, count = Cells(table), _Count()
    i_l, i_k, i_c, i_t = (
        c.index(v.DISK_LABEL),
        c.index(v.DISK_KEY),
        c.index(v.CAPACITY),
        c.index(v.THIN),
    )
    for n, cells, d in _each(c, joiner, ctx, count):
        label = c.text(cells, i_l) or f"disk{len(d.disks)}"
        key = c.text(cells, i_k)
        cap = c.number(n, cells, i_c, "a disk capacity in MiB") or 0.0
        d.add_disk(label, key, cap, c.flag(n, cells, i_t))
    return count.rows


def _read_vpartition(table: Table, joiner: Joiner, ctx: ImportContext) -> int:
    c, count = Cells(table), _Count()
    i_k, i_cap, i_con = c.index(v.DISK_KEY), c.index(v.CAPACITY), c.index(v.CONSUMED)
    for n, cells, d in _each(c, joiner, ctx, count):
        c.number(n, cells, i_cap, "a partition capacity in MiB")
        consumed = c.number(n, cells, i_con, "a consumed size in MiB")
        if consumed is not None:
            d.add_partition(c.text(cells, i_k), consumed)
    return count.rows


def _read_vnetwork(table: Table, joiner: Joiner, ctx: ImportContext) -> int:
    c, count = Cells(table), _Count()
    i_l, i_n, i_m = c.index(v.NIC_LABEL), c.index(v.NETWORK), c.index(v.MAC)
    i_4, i_6, i_c = c.index(v.IPV4), c.index(v.IPV6), c.index(v.CONNECTED)
    for n, cells, d in _each(c, joiner, ctx, count):
        d.add_nic(
            name=c.text(cells, i_l) or f"nic{len(d.nics)}",
            mac=c.text(cells, i_m),
            network=c.text(cells, i_n),
            ipv4=v.split_addresses(c.text(cells, i_4)),
            ipv6=v.split_addresses(c.text(cells, i_6)),
            connected=c.flag(n, cells, i_c),
        )
    return count.rows


__all__ = ["ImportWarning", "RVToolsImporter"]
