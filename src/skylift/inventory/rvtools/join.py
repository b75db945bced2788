"""Joining RVTools sheets into servers: keys, per-VM drafts, disk usage, warnings.

Keys: ``VM UUID`` (lower case), else ``VM ID@VI SDK Server``, else ``VM ID``,
else the VM name (with a warning). Rows of other sheets find their VM by the
same ids, then by name when the name is unique in that export.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from skylift.domain.imports import ImportWarning
from skylift.domain.inventory import (
    Architecture,
    BootType,
    Disk,
    Environment,
    Nic,
    OsFamily,
    PowerState,
    Server,
)
from skylift.errors import InputError, InputLocation

MIB_PER_GIB = 1024.0
_MAX_PER_KIND = 20


class WarningLog:
    """Warnings grouped by kind: the first 20 of a kind verbatim, then a count."""

    def __init__(self) -> None:
        self._items: list[ImportWarning] = []
        self._kinds: Counter[str] = Counter()

    def add(self, message: str, location: str | None, count: int = 0, key: str = "") -> None:
        """Record a warning; ``count`` > 0 prefixes the message with a VM count."""
        kind = key or message
        self._kinds[kind] += 1
        if self._kinds[kind] <= _MAX_PER_KIND:
            text = f"{count:,} VMs {message}" if count else message
            self._items.append(ImportWarning(message=text, location=location))

    def items(self) -> list[ImportWarning]:
        """All kept warnings, plus one line per kind that overflowed."""
        extra = [
            ImportWarning(message=f"… and {n - _MAX_PER_KIND:,} more like '{kind}'")
            for kind, n in self._kinds.items()
            if n > _MAX_PER_KIND
        ]
        return self._items + extra


@dataclass
class _DiskDraft:
    label: str
    key: str | None
    capacity_mib: float
    thin: bool | None


@dataclass
class Draft:
    """A VM being assembled from several sheets (mutable until :meth:`to_server`)."""

    name: str
    location: InputLocation
    power_state: PowerState = PowerState.UNKNOWN
    os_name: str | None = None
    os_family: OsFamily = OsFamily.UNKNOWN
    os_version: str | None = None
    arch: Architecture = Architecture.UNKNOWN
    boot_type: BootType = BootType.UNKNOWN
    cores: int | None = None
    sockets: int | None = None
    memory_mib: float | None = None
    cpu_mhz: float | None = None
    fqdn: str | None = None
    primary_ip: str | None = None
    datacenter: str | None = None
    cluster: str | None = None
    host: str | None = None
    application: str | None = None
    environment: Environment = Environment.UNKNOWN
    criticality: str | None = None
    total_disk_mib: float | None = None
    tags: dict[str, str] = field(default_factory=dict)
    disks: list[_DiskDraft] = field(default_factory=list)
    partitions: list[tuple[str | None, float]] = field(default_factory=list)
    nics: list[Nic] = field(default_factory=list)
    has_vdisk: bool = True
    #: Fields filled from another sheet because vInfo's cell was empty: field → sheet.
    filled: dict[str, str] = field(default_factory=dict)

    def add_disk(self, label: str, key: str | None, capacity_mib: float, thin: bool | None) -> None:
        """A vDisk row."""
        self.disks.append(_DiskDraft(label, key, capacity_mib, thin))

    def add_partition(self, disk_key: str | None, consumed_mib: float) -> None:
        """A vPartition row (``disk_key`` links it to a vDisk ``Disk Key`` when known)."""
        self.partitions.append((disk_key, consumed_mib))

    def add_nic(
        self,
        name: str,
        mac: str | None,
        network: str | None,
        ipv4: tuple[str, ...],
        ipv6: tuple[str, ...],
        connected: bool | None,
    ) -> None:
        """A vNetwork row."""
        self.nics.append(
            Nic(name=name, mac=mac, network=network, ipv4=ipv4, ipv6=ipv6, connected=connected)
        )

    def to_server(self, key: str) -> Server:
        """The finished :class:`Server`."""
        ips: dict[str, None] = {}
        if self.primary_ip:
            ips[self.primary_ip] = None
        for nic in self.nics:
            for ip in (*nic.ipv4, *nic.ipv6):
                ips.setdefault(ip, None)
        return Server(
            key=key,
            name=self.name,
            source="rvtools",
            power_state=self.power_state,
            os_name=self.os_name,
            os_family=self.os_family,
            os_version=self.os_version,
            arch=self.arch,
            boot_type=self.boot_type,
            cores=self.cores,
            sockets=self.sockets,
            cpu_mhz=self.cpu_mhz,
            memory_mib=self.memory_mib,
            fqdn=self.fqdn,
            ip_addresses=tuple(ips),
            datacenter=self.datacenter,
            cluster=self.cluster,
            host=self.host,
            application=self.application,
            environment=self.environment,
            criticality=self.criticality,
            disks=self._disks(),
            nics=tuple(self.nics),
            tags=self.tags,
        )

    def _disks(self) -> tuple[Disk, ...]:
        if not self.has_vdisk:
            if not self.total_disk_mib:
                return ()
            return (Disk(name="disks (vInfo total)", size_gib=self.total_disk_mib / MIB_PER_GIB),)
        used = disk_usage([(d.key, d.capacity_mib) for d in self.disks], self.partitions)
        return tuple(
            Disk(
                name=d.label,
                size_gib=d.capacity_mib / MIB_PER_GIB,
                used_gib=None if u is None else u / MIB_PER_GIB,
                thin=d.thin,
            )
            for d, u in zip(self.disks, used, strict=True)
        )


def _shown(attr: str, value: float) -> str:
    """A CPU count as ``4``, a memory size as ``16,384 MiB (16 GiB)``."""
    if attr == "cores":
        return f"{value:g}"
    return f"{value:,.0f} MiB ({value / MIB_PER_GIB:g} GiB)"


def disk_usage(
    disks: list[tuple[str | None, float]], partitions: list[tuple[str | None, float]]
) -> list[float | None]:
    """Used MiB per disk from guest partitions.

    A partition whose ``Disk Key`` names one of the VM's disks counts on that
    disk. The consumed space of partitions that cannot be matched is spread
    over the disks that got no matched partition (over all disks if every disk
    got one), in proportion to capacity. Each result is capped at the disk's
    capacity. No partitions at all → ``None`` for every disk (unknown).
    """
    if not partitions or not disks:
        return [None] * len(disks)
    used = [0.0] * len(disks)
    matched = [False] * len(disks)
    by_key = {k: i for i, (k, _) in enumerate(disks) if k is not None}
    leftover = 0.0
    for key, consumed in partitions:
        i = by_key.get(key) if key is not None else None
        if i is None:
            leftover += consumed
        else:
            used[i] += consumed
            matched[i] = True
    if leftover:
        targets = [i for i in range(len(disks)) if not matched[i]] or list(range(len(disks)))
        total = sum(disks[i][1] for i in targets)
        for i in targets:
            share = disks[i][1] / total if total else 1.0 / len(targets)
            used[i] += leftover * share
    return [min(u, cap) for u, (_, cap) in zip(used, disks, strict=True)]


class Joiner:
    """Collects drafts across exports; assigns keys; matches rows of other sheets to VMs."""

    def __init__(self, warnings: WarningLog) -> None:
        self.warnings = warnings
        self.skipped = 0
        self._drafts: dict[str, Draft] = {}
        self.begin_source("")

    def begin_source(self, file: str) -> None:
        """Start a new export: per-export lookup maps are reset."""
        self._file = file
        self._uuid: dict[str, Draft] = {}
        self._vmid_sdk: dict[tuple[str, str], Draft] = {}
        self._vmid: dict[str, list[Draft]] = {}
        self._name: dict[str, list[Draft]] = {}
        self._skip_uuid: set[str] = set()
        self._skip_vmid: set[str] = set()
        self._skip_name: set[str] = set()
        self._unmatched: Counter[str] = Counter()
        self._mismatched: dict[str, set[int]] = {}
        self._source_drafts: list[Draft] = []

    def add(self, draft: Draft, uuid: str | None, vmid: str | None, sdk: str | None) -> None:
        """Register a vInfo VM; a key already seen raises :class:`InputError` naming both rows."""
        if uuid:
            key = uuid.lower()
        elif vmid and sdk:
            key = f"{vmid}@{sdk}"
        elif vmid:
            key = vmid
        else:
            key = draft.name
            self.warnings.add(
                "no VM UUID or VM ID: keyed by VM name (re-imports match on name)",
                draft.location.describe(),
                key="name-key",
            )
        first = self._drafts.get(key)
        if first is not None:
            raise InputError(
                f"duplicate VM key {key!r} (first seen at {first.location.describe()})",
                "each VM must appear once; remove the duplicate row or import the exports "
                "separately",
                InputLocation(
                    draft.location.file, draft.location.sheet, draft.location.row, "VM", draft.name
                ),
            )
        self._drafts[key] = draft
        self._source_drafts.append(draft)
        if uuid:
            self._uuid[uuid.lower()] = draft
        if vmid:
            if sdk:  # a VM keyed by its UUID may share VM ID + vCenter: the first row keeps it
                self._vmid_sdk.setdefault((vmid, sdk), draft)
            self._vmid.setdefault(vmid, []).append(draft)
        self._name.setdefault(draft.name, []).append(draft)

    def skip_template(
        self, uuid: str | None, vmid: str | None, sdk: str | None, name: str | None
    ) -> None:
        """A template row: skipped, and its rows in other sheets ignored silently."""
        self.skipped += 1
        if uuid:
            self._skip_uuid.add(uuid.lower())
        if vmid:
            self._skip_vmid.add(vmid)
        if name:
            self._skip_name.add(name)

    def skip_nameless(self, location: InputLocation) -> None:
        """A vInfo row with data but no VM name."""
        self.skipped += 1
        self.warnings.add("row has no VM name; skipped", location.describe(), key="nameless")

    def by_uuid(self, uuid: str) -> Draft | None:
        """The VM with this VM UUID in the current export (fast path of :meth:`match`)."""
        return self._uuid.get(uuid.lower())

    def match(
        self, sheet: str, uuid: str | None, vmid: str | None, sdk: str | None, name: str | None
    ) -> Draft | None:
        """The VM a row of ``sheet`` belongs to, or ``None`` (template or unknown)."""
        if uuid:
            u = uuid.lower()
            d = self._uuid.get(u)
            if d is not None:
                return d
            if u in self._skip_uuid:
                return None
        if vmid:
            if sdk:
                d = self._vmid_sdk.get((vmid, sdk))
                if d is not None:
                    return d
            found = self._vmid.get(vmid, [])
            if len(found) == 1:
                return found[0]
            if vmid in self._skip_vmid:
                return None
        if name:
            named = self._name.get(name, [])
            if len(named) == 1:
                if uuid or vmid:
                    self._by_name_despite_ids(sheet, named[0], uuid, vmid)
                return named[0]
            if name in self._skip_name:
                return None
        self._unmatched[sheet] += 1
        return None

    def fill(
        self, draft: Draft, attr: str, value: float, vinfo_column: str, where: InputLocation
    ) -> None:
        """A vCPU/vMemory value for ``attr`` (``cores`` or ``memory_mib``) of ``draft``.

        vInfo's value wins. An empty vInfo cell is filled from this sheet with a
        warning; a value that disagrees with vInfo's is ignored with a warning.
        Both name the VM, the sheets and both values.
        """
        current = getattr(draft, attr)
        sheet = where.sheet or "?"
        shown = _shown(attr, value)
        if current is None:
            setattr(draft, attr, int(value) if attr == "cores" else value)
            draft.filled[attr] = sheet
            self.warnings.add(
                f"VM {draft.name!r}: vInfo '{vinfo_column}' is empty; "
                f"took {shown} from {sheet} '{where.column}'",
                where.describe(),
                key=f"fill:{sheet}",
            )
        elif current != value and attr not in draft.filled:
            self.warnings.add(
                f"VM {draft.name!r}: {sheet} '{where.column}' says {shown} but vInfo "
                f"'{vinfo_column}' says {_shown(attr, current)}; kept vInfo's value",
                where.describe(),
                key=f"disagree:{sheet}",
            )

    def name_mismatch(
        self,
        draft: Draft,
        sheet: str,
        name: str,
        uuid: str | None,
        vmid: str | None,
        where: InputLocation,
    ) -> None:
        """A ``sheet`` row matched ``draft`` by id but names another VM: warn once per VM."""
        seen = self._mismatched.setdefault(sheet, set())
        if id(draft) in seen:
            return
        seen.add(id(draft))
        by = f"VM UUID {uuid}" if uuid and self.by_uuid(uuid) is draft else f"VM ID {vmid}"
        self.warnings.add(
            f"{sheet} rows name VM {name!r} but their {by} is vInfo VM {draft.name!r}; "
            f"attached to {draft.name!r} by id",
            where.describe(),
            key=f"mismatch:{sheet}",
        )

    def _by_name_despite_ids(
        self, sheet: str, draft: Draft, uuid: str | None, vmid: str | None
    ) -> None:
        """A row whose ids match no vInfo VM, attached by its unique name: warn once per VM."""
        seen = self._mismatched.setdefault(f"ids:{sheet}", set())
        if id(draft) in seen:
            return
        seen.add(id(draft))
        ids = " / ".join(
            p for p in (f"VM UUID {uuid}" if uuid else "", f"VM ID {vmid}" if vmid else "") if p
        )
        self.warnings.add(
            f"{sheet} rows of VM {draft.name!r} carry {ids}, which matches no single vInfo VM; "
            f"attached to {draft.name!r} by its unique name",
            f"{self._file}, sheet {sheet}",
            key=f"by-name:{sheet}",
        )

    def end_source(self, has_vdisk: bool) -> None:
        """Finish an export: warn about rows that matched no VM."""
        for draft in self._source_drafts:
            draft.has_vdisk = has_vdisk
        for sheet, n in self._unmatched.items():
            self.warnings.add(
                f"{n:,} rows match no VM in vInfo (by VM UUID, VM ID or unique name); ignored",
                f"{self._file}, sheet {sheet}",
            )

    def servers(self) -> list[Server]:
        """All servers, in input order. Drafts are released as they are converted."""
        self.begin_source("")  # drop the lookup maps that reference drafts
        out: list[Server] = []
        for key in list(self._drafts):
            out.append(self._drafts.pop(key).to_server(key))
        return out
