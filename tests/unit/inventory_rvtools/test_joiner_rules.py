"""How RVTools rows find their VM, and how import warnings are grouped: the module docstring's
rules re-typed as an oracle (Hypothesis), plus worked cases for the messages.

The rules (``skylift.inventory.rvtools.join``): a vInfo VM is keyed by its VM UUID (lower
case), else ``VM ID@VI SDK Server``, else ``VM ID``, else its name (with a warning); a key
seen twice is an input error. A row of another sheet finds its VM by VM UUID (any letter
case), then VM ID + vCenter, then a VM ID only one VM has, then a name only one VM has;
rows of templates are ignored silently; any other row counts as unmatched for its sheet.
Written against mutmut's survivors in the RVTools join.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skylift.errors import InputError, InputLocation
from skylift.inventory.rvtools.join import Draft, Joiner, WarningLog
from tests.helpers import examples

UUIDS = [None, "AB-1", "ab-1", "Cd-2"]
VMIDS = [None, "vm-1", "vm-2"]
SDKS = [None, "vc-a", "vc-b"]
NAMES = ["web", "db", "app"]


@dataclass(frozen=True)
class Ids:
    uuid: str | None
    vmid: str | None
    sdk: str | None
    name: str


ids_st = st.builds(
    Ids,
    st.sampled_from(UUIDS),
    st.sampled_from(VMIDS),
    st.sampled_from(SDKS),
    st.sampled_from(NAMES),
)


def expected_key(vm: Ids) -> str:
    """The documented key of a vInfo VM."""
    if vm.uuid:
        return vm.uuid.lower()
    if vm.vmid and vm.sdk:
        return f"{vm.vmid}@{vm.sdk}"
    return vm.vmid or vm.name


SKIP = "template"


def expected_match(vms: list[Ids], templates: list[Ids], row: Ids) -> int | str | None:
    """Index of the VM ``row`` belongs to, ``SKIP`` for a template's row, ``None`` unmatched."""
    if row.uuid:
        hits = [i for i, v in enumerate(vms) if v.uuid and v.uuid.lower() == row.uuid.lower()]
        if hits:
            return hits[0]
        if any(t.uuid and t.uuid.lower() == row.uuid.lower() for t in templates):
            return SKIP
    if row.vmid:
        if row.sdk:
            hits = [i for i, v in enumerate(vms) if (v.vmid, v.sdk) == (row.vmid, row.sdk)]
            if hits:
                return hits[0]
        hits = [i for i, v in enumerate(vms) if v.vmid == row.vmid]
        if len(hits) == 1:
            return hits[0]
        if any(t.vmid == row.vmid for t in templates):
            return SKIP
    hits = [i for i, v in enumerate(vms) if v.name == row.name]
    if len(hits) == 1:
        return hits[0]
    if any(t.name == row.name for t in templates):
        return SKIP
    return None


def draft(name: str, row: int = 2) -> Draft:
    return Draft(name=name, location=InputLocation("rv.xlsx", "vInfo", row))


@settings(max_examples=examples(300), deadline=None)
@given(
    vms=st.lists(ids_st, max_size=5),
    templates=st.lists(ids_st, max_size=2),
    rows=st.lists(st.tuples(st.sampled_from(["vDisk", "vNetwork"]), ids_st), max_size=6),
)
def test_rows_find_their_vm_by_the_documented_rules(
    vms: list[Ids], templates: list[Ids], rows: list[tuple[str, Ids]]
) -> None:
    log = WarningLog()
    joiner = Joiner(log)
    joiner.begin_source("rv.xlsx")
    drafts: list[Draft] = []
    keys: list[str] = []
    for n, vm in enumerate(vms):
        d = draft(vm.name, n + 2)
        key = expected_key(vm)
        if key in keys:
            with pytest.raises(InputError) as err:
                joiner.add(d, vm.uuid, vm.vmid, vm.sdk)
            first = keys.index(key) + 2
            assert (
                f"duplicate VM key {key!r} (first seen at rv.xlsx, sheet vInfo, row {first})"
                in (str(err.value))
            )
            assert err.value.location == InputLocation("rv.xlsx", "vInfo", n + 2, "VM", vm.name)
            return
        joiner.add(d, vm.uuid, vm.vmid, vm.sdk)
        drafts.append(d)
        keys.append(key)
    for t in templates:
        joiner.skip_template(t.uuid, t.vmid, t.sdk, t.name)
    unmatched: dict[str, int] = {}
    for sheet, row in rows:
        want = expected_match(vms, templates, row)
        got = joiner.match(sheet, row.uuid, row.vmid, row.sdk, row.name)
        if isinstance(want, int):
            assert got is drafts[want], (sheet, row)
        else:
            assert got is None, (sheet, row)
        if want is None:
            unmatched[sheet] = unmatched.get(sheet, 0) + 1
        if row.uuid:
            found = [i for i, v in enumerate(vms) if v.uuid and v.uuid.lower() == row.uuid.lower()]
            by_uuid = joiner.by_uuid(row.uuid.upper())
            assert by_uuid is (drafts[found[0]] if found else None)
    joiner.end_source(has_vdisk=True)
    assert joiner.skipped == len(templates)
    counts = {
        (w.location or "").removeprefix("rv.xlsx, sheet "): w.message
        for w in log.items()
        if "match no VM" in w.message
    }
    assert counts == {
        sheet: f"{n:,} rows match no VM in vInfo (by VM UUID, VM ID or unique name); ignored"
        for sheet, n in unmatched.items()
    }
    servers = joiner.servers()
    assert [s.key for s in servers] == keys
    assert [s.name for s in servers] == [v.name for v in vms]
    name_keyed = [w for w in log.items() if "keyed by VM name" in w.message]
    assert len(name_keyed) == sum(1 for v in vms if not v.uuid and not v.vmid)


def test_keys_in_order_of_preference() -> None:
    joiner = Joiner(WarningLog())
    joiner.add(draft("a"), "AbC-1", "vm-1", "vc")
    joiner.add(draft("b"), None, "vm-1", "vc")
    joiner.add(draft("c"), None, "vm-1", None)
    joiner.add(draft("d"), "", "", "vc")
    assert [s.key for s in joiner.servers()] == ["abc-1", "vm-1@vc", "vm-1", "d"]


def test_a_row_with_ids_found_by_its_unique_name_is_warned_about_once_per_vm_and_sheet() -> None:
    log = WarningLog()
    joiner = Joiner(log)
    joiner.begin_source("rv.xlsx")
    web = draft("web")
    joiner.add(web, "u-1", None, None)
    for _ in range(3):
        assert joiner.match("vDisk", "u-9", "vm-9", None, "web") is web
    assert joiner.match("vNetwork", None, "vm-9", None, "web") is web
    assert joiner.match("vNetwork", None, None, None, "web") is web  # no ids: no warning
    messages = [(w.message, w.location) for w in log.items()]
    assert messages == [
        (
            "vDisk rows of VM 'web' carry VM UUID u-9 / VM ID vm-9, which matches no single "
            "vInfo VM; attached to 'web' by its unique name",
            "rv.xlsx, sheet vDisk",
        ),
        (
            "vNetwork rows of VM 'web' carry VM ID vm-9, which matches no single vInfo VM; "
            "attached to 'web' by its unique name",
            "rv.xlsx, sheet vNetwork",
        ),
    ]


def test_name_mismatch_names_the_id_that_matched_once_per_vm_and_sheet() -> None:
    log = WarningLog()
    joiner = Joiner(log)
    joiner.begin_source("rv.xlsx")
    web, db = draft("web"), draft("db", 3)
    joiner.add(web, "U-1", "vm-1", None)
    joiner.add(db, None, "vm-2", None)
    where = InputLocation("rv.xlsx", "vDisk", 7, "VM", "other")
    joiner.name_mismatch(web, "vDisk", "other", "u-1", "vm-1", where)
    joiner.name_mismatch(web, "vDisk", "other", "u-1", "vm-1", where)
    joiner.name_mismatch(db, "vDisk", "other", "u-5", "vm-2", where)  # its UUID is not db's
    joiner.name_mismatch(web, "vNetwork", "other", None, "vm-1", where)
    assert [(w.message, w.location) for w in log.items()] == [
        (
            "vDisk rows name VM 'other' but their VM UUID u-1 is vInfo VM 'web'; "
            "attached to 'web' by id",
            "rv.xlsx, sheet vDisk, row 7, column 'VM' (value 'other')",
        ),
        (
            "vDisk rows name VM 'other' but their VM ID vm-2 is vInfo VM 'db'; "
            "attached to 'db' by id",
            "rv.xlsx, sheet vDisk, row 7, column 'VM' (value 'other')",
        ),
        (
            "vNetwork rows name VM 'other' but their VM ID vm-1 is vInfo VM 'web'; "
            "attached to 'web' by id",
            "rv.xlsx, sheet vDisk, row 7, column 'VM' (value 'other')",
        ),
    ]


def test_templates_and_nameless_rows_are_counted_as_skipped() -> None:
    log = WarningLog()
    joiner = Joiner(log)
    joiner.begin_source("rv.xlsx")
    joiner.skip_template("T-1", "vm-7", "vc", "tpl")
    joiner.skip_nameless(InputLocation("rv.xlsx", "vInfo", 9))
    joiner.skip_nameless(InputLocation("rv.xlsx", "vInfo", 10))
    assert joiner.skipped == 3
    # the template's rows are ignored silently, by any of its ids
    assert joiner.match("vDisk", "t-1", None, None, None) is None
    assert joiner.match("vDisk", None, "vm-7", None, None) is None
    assert joiner.match("vDisk", None, None, None, "tpl") is None
    joiner.end_source(has_vdisk=True)
    assert [(w.message, w.location) for w in log.items()] == [
        ("row has no VM name; skipped", "rv.xlsx, sheet vInfo, row 9"),
        ("row has no VM name; skipped", "rv.xlsx, sheet vInfo, row 10"),
    ]


def test_a_later_export_does_not_match_the_earlier_exports_vms() -> None:
    joiner = Joiner(WarningLog())
    joiner.begin_source("a.xlsx")
    first = draft("web")
    joiner.add(first, "u-1", "vm-1", "vc")
    joiner.end_source(has_vdisk=False)
    joiner.begin_source("b.xlsx")
    assert joiner.match("vDisk", "u-1", "vm-1", "vc", "web") is None
    assert joiner.by_uuid("u-1") is None
    second = draft("db")
    joiner.add(second, "u-2", None, None)
    joiner.end_source(has_vdisk=True)
    assert (first.has_vdisk, second.has_vdisk) == (False, True)


def test_warning_log_keeps_twenty_of_a_kind_then_counts_the_rest() -> None:
    log = WarningLog()
    for i in range(23):
        log.add(f"VM {i} odd", f"row {i}", key="odd")
    for _ in range(21):
        log.add("same text", None)
    log.add("missing cores", "vInfo", count=1234)
    log.add("no count", "vInfo", count=0)
    items = log.items()
    assert [w.message for w in items[:20]] == [f"VM {i} odd" for i in range(20)]
    assert [w.location for w in items[:20]] == [f"row {i}" for i in range(20)]
    assert [w.message for w in items[20:40]] == ["same text"] * 20
    assert [(w.message, w.location) for w in items[40:]] == [
        ("1,234 VMs missing cores", "vInfo"),
        ("no count", "vInfo"),
        ("… and 3 more like 'odd'", None),
        ("… and 1 more like 'same text'", None),
    ]


def test_exactly_twenty_of_a_kind_need_no_count_line() -> None:
    log = WarningLog()
    for _ in range(20):
        log.add("w", None)
    assert len(log.items()) == 20


def test_fill_takes_an_empty_vinfo_value_and_then_keeps_it_without_disagreeing() -> None:
    log = WarningLog()
    joiner = Joiner(log)
    d = draft("web")
    vcpu = InputLocation("rv.xlsx", "vCPU", 4, "CPUs", "4")
    joiner.fill(d, "cores", 4.0, "CPUs", vcpu)
    assert d.cores == 4 and isinstance(d.cores, int)
    joiner.fill(d, "cores", 8.0, "CPUs", vcpu)  # a second vCPU row: the first fill stands
    assert d.cores == 4
    mem = InputLocation("rv.xlsx", None, 5, "Size MiB", "6144")
    joiner.fill(d, "memory_mib", 6144.0, "Memory", mem)
    assert d.memory_mib == 6144.0
    assert d.filled == {"cores": "vCPU", "memory_mib": "?"}
    assert [(w.message, w.location) for w in log.items()] == [
        (
            "VM 'web': vInfo 'CPUs' is empty; took 4 from vCPU 'CPUs'",
            "rv.xlsx, sheet vCPU, row 4, column 'CPUs' (value '4')",
        ),
        (
            "VM 'web': vInfo 'Memory' is empty; took 6,144 MiB (6 GiB) from ? 'Size MiB'",
            "rv.xlsx, row 5, column 'Size MiB' (value '6144')",
        ),
    ]


def test_fill_keeps_vinfos_value_and_warns_only_when_they_differ() -> None:
    log = WarningLog()
    joiner = Joiner(log)
    d = draft("db")
    d.cores, d.memory_mib = 2, 1536.0
    where = InputLocation("rv.xlsx", "vMemory", 3, "Size MiB")
    joiner.fill(d, "memory_mib", 1536.0, "Memory", where)  # agrees: nothing to say
    joiner.fill(d, "memory_mib", 3072.0, "Memory", where)
    joiner.fill(d, "cores", 2.5, "CPUs", where)
    assert (d.cores, d.memory_mib, d.filled) == (2, 1536.0, {})
    assert [w.message for w in log.items()] == [
        "VM 'db': vMemory 'Size MiB' says 3,072 MiB (3 GiB) but vInfo 'Memory' says "
        "1,536 MiB (1.5 GiB); kept vInfo's value",
        "VM 'db': vMemory 'Size MiB' says 2.5 but vInfo 'CPUs' says 2; kept vInfo's value",
    ]


def test_server_addresses_primary_first_without_repeats() -> None:
    d = draft("web")
    d.primary_ip = "10.0.0.2"
    d.add_nic("nic0", "00:50:56:00:00:01", "lan", ("10.0.0.1", "10.0.0.2"), ("fe80::1",), True)
    d.add_nic("nic1", None, None, ("10.0.0.1",), (), None)
    s = d.to_server("k")
    assert s.ip_addresses == ("10.0.0.2", "10.0.0.1", "fe80::1")
    assert [n.name for n in s.nics] == ["nic0", "nic1"]
    assert s.nics[0].ipv6 == ("fe80::1",) and s.nics[1].connected is None
    assert (s.key, s.source) == ("k", "rvtools")


def test_without_a_vdisk_sheet_the_vinfo_total_is_one_disk() -> None:
    d = draft("web")
    d.has_vdisk = False
    d.total_disk_mib = 3072.0
    d.add_disk("Hard disk 1", "2000", 1024.0, True)  # ignored: the export had no vDisk sheet
    (disk,) = d.to_server("k").disks
    assert (disk.name, disk.size_gib, disk.used_gib) == ("disks (vInfo total)", 3.0, None)
    d.total_disk_mib = 0.0
    assert d.to_server("k").disks == ()
    d.total_disk_mib = None
    assert d.to_server("k").disks == ()


def test_vdisk_rows_become_disks_with_partition_usage() -> None:
    d = draft("web")
    d.add_disk("Hard disk 1", "2000", 2048.0, True)
    d.add_disk("Hard disk 2", "2001", 1024.0, False)
    d.add_partition("2001", 512.0)
    disks = d.to_server("k").disks
    assert [(x.name, x.size_gib, x.used_gib, x.thin) for x in disks] == [
        ("Hard disk 1", 2.0, 0.0, True),
        ("Hard disk 2", 1.0, 0.5, False),
    ]
    bare = draft("db")
    bare.add_disk("Hard disk 1", None, 1024.0, None)
    assert [x.used_gib for x in bare.to_server("k2").disks] == [None]  # no partitions: unknown


def test_a_duplicate_key_error_says_how_to_fix_it() -> None:
    joiner = Joiner(WarningLog())
    joiner.add(draft("a"), "u-1", None, None)
    with pytest.raises(InputError) as err:
        joiner.add(draft("b", 3), "U-1", None, None)
    assert err.value.hint == (
        "each VM must appear once; remove the duplicate row or import the exports separately"
    )


def test_many_warnings_of_one_kind_end_in_one_count_line_naming_the_kind() -> None:
    log = WarningLog()
    joiner = Joiner(log)
    joiner.begin_source("rv.xlsx")
    for i in range(21):
        joiner.add(draft(f"vm{i}", i + 2), None, None, None)  # keyed by name
        joiner.skip_nameless(InputLocation("rv.xlsx", "vInfo", 100 + i))
    for i in range(21):
        assert joiner.match("vDisk", f"u-{i}", None, None, f"vm{i}") is not None
    messages = [w.message for w in log.items()]
    assert messages[-3:] == [
        "… and 1 more like 'name-key'",
        "… and 1 more like 'nameless'",
        "… and 1 more like 'by-name:vDisk'",
    ]
    by_name = [m for m in messages if "carry" in m]
    assert len(by_name) == 20
    assert by_name[0] == (
        "vDisk rows of VM 'vm0' carry VM UUID u-0, which matches no single vInfo VM; "
        "attached to 'vm0' by its unique name"
    )
