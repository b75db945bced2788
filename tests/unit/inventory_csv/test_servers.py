"""skylift's own server list: the same servers from CSV, JSON and YAML; errors name the spot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from skylift.domain.inventory import (
    Architecture,
    BootType,
    Disk,
    Environment,
    OsFamily,
    PowerState,
    Service,
)
from skylift.errors import InputError
from skylift.workspace import Workspace
from tests.helpers import run_cli
from tests.unit.inventory_csv.builders import parse, write

CSV = (
    "name,key,cores,memory_gib,os,arch,boot_type,power_state,environment,application,"
    "criticality,ip_addresses,fqdn,datacenter,cpu_util_pct,mem_util_pct,net_in_mbps,"
    "net_out_mbps,gpus,disk_1_gib,disk_1_used_gib,disk_2_gib,services,tags,owner\n"
    "web01,web-01,4,16,Ubuntu 22.04 LTS,x64,uefi,poweredOn,prod,shop,high,"
    '"10.0.0.1;10.0.0.2",web01.corp.local,dc1,35,60,12.5,3,1,100,40,"1,024",'
    '"80:nginx; 443/tcp:nginx",tier=web,alice\n'
    "db01,,8,64,Windows Server 2019 Datacenter,,,off,dev,,,,,,,,,,,,,,,,\n"
)

RECORDS = [
    {
        "name": "web01",
        "key": "web-01",
        "cores": 4,
        "memory_gib": 16,
        "os": "Ubuntu 22.04 LTS",
        "arch": "x64",
        "boot_type": "uefi",
        "power_state": "poweredOn",
        "environment": "prod",
        "application": "shop",
        "criticality": "high",
        "ip_addresses": ["10.0.0.1", "10.0.0.2"],
        "fqdn": "web01.corp.local",
        "datacenter": "dc1",
        "cpu_util_pct": 35,
        "mem_util_pct": 60,
        "net_in_mbps": 12.5,
        "net_out_mbps": 3,
        "gpus": 1,
        "disks": [
            {"name": "disk1", "size_gib": 100, "used_gib": 40},
            {"name": "disk2", "size_gib": 1024},
        ],
        "services": [
            {"port": 80, "process": "nginx"},
            {"port": 443, "protocol": "tcp", "process": "nginx"},
        ],
        "tags": {"tier": "web", "owner": "alice"},
    },
    {
        "name": "db01",
        "cores": 8,
        "memory_gib": 64,
        "os": "Windows Server 2019 Datacenter",
        "power_state": "off",
        "environment": "dev",
    },
]


def test_csv_maps_every_field(tmp_path: Path) -> None:
    web, db = parse("servers", write(tmp_path / "s.csv", CSV)).servers
    assert (web.key, web.name, web.source) == ("web-01", "web01", "servers")
    assert (web.cores, web.memory_mib, web.gpus) == (4, 16 * 1024, 1)
    assert (web.os_family, web.os_version, web.arch) == (
        OsFamily.LINUX,
        "22.04",
        Architecture.X86_64,
    )
    assert (web.boot_type, web.power_state) == (BootType.UEFI, PowerState.ON)
    assert (web.environment, web.application, web.criticality) == (
        Environment.PRODUCTION,
        "shop",
        "high",
    )
    assert web.ip_addresses == ("10.0.0.1", "10.0.0.2")
    assert (web.fqdn, web.datacenter) == ("web01.corp.local", "dc1")
    assert (web.cpu_util_pct, web.mem_util_pct, web.net_in_mbps, web.net_out_mbps) == (
        35,
        60,
        12.5,
        3,
    )
    assert web.disks == (
        Disk(name="disk1", size_gib=100, used_gib=40),
        Disk(name="disk2", size_gib=1024),
    )
    assert web.services == (
        Service(port=80, process="nginx"),
        Service(port=443, process="nginx"),
    )
    assert web.tags == {"tier": "web", "owner": "alice"}
    assert db.key == "db01"  # key defaults to the name
    assert (db.power_state, db.environment, db.os_family) == (
        PowerState.OFF,
        Environment.DEVELOPMENT,
        OsFamily.WINDOWS,
    )


def test_csv_json_and_yaml_give_the_same_servers(tmp_path: Path) -> None:
    from_csv = parse("servers", write(tmp_path / "s.csv", CSV)).servers
    from_json = parse("servers", write(tmp_path / "s.json", json.dumps(RECORDS))).servers
    from_yaml = parse(
        "servers", write(tmp_path / "s.yaml", yaml.safe_dump({"servers": RECORDS}))
    ).servers
    assert from_csv == from_json == from_yaml


def test_disks_gib_list_and_memory_mib(tmp_path: Path) -> None:
    text = 'name,memory_mib,disks_gib\nweb01,"4,096","100; 250"\n'
    (s,) = parse("servers", write(tmp_path / "s.csv", text)).servers
    assert s.memory_mib == 4096
    assert [d.size_gib for d in s.disks] == [100, 250]


@pytest.mark.parametrize(
    ("doc", "where", "what"),
    [
        ([{"name": "a", "cores": "four"}], "servers[0].cores", "integer"),
        (
            [{"name": "a"}, {"name": "b", "disks": [{"size_gib": -5}]}],
            "servers[1].disks[0].size_gib",
            "greater than or equal to 0",
        ),
        ([{"name": "a", "memroy_gib": 4}], "servers[0].memroy_gib", "unknown field"),
        ([{"name": "a", "environment": "moon"}], "servers[0].environment", "production, staging"),
        ([{"cores": 2}], "servers[0].name", "required"),
        ([{"name": "a", "memory_gib": 1, "memory_mib": 1024}], "servers[0]", "not both"),
        (
            [{"name": "a", "cpu_util_pct": 120}],
            "servers[0].cpu_util_pct",
            "less than or equal to 100",
        ),
        ({"servers": [{"name": "a"}], "extra": 1}, None, "expected a list of servers"),
        ("just text", None, "expected a list of servers"),
    ],
)
def test_json_errors_name_the_path(
    tmp_path: Path, doc: object, where: str | None, what: str
) -> None:
    f = write(tmp_path / "s.json", json.dumps(doc))
    with pytest.raises(InputError) as info:
        parse("servers", f)
    msg = info.value.message
    assert msg.startswith(str(f))
    if where is not None:
        assert f"'{where}'" in msg
    assert what in msg
    assert "\n" not in msg


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    f = write(tmp_path / "s.yaml", "servers:\n  - name: a\n   cores: [2\n")
    with pytest.raises(InputError) as info:
        parse("servers", f)
    assert "not valid YAML" in info.value.message and "row " in info.value.message


def test_json_syntax_error_names_the_line(tmp_path: Path) -> None:
    f = write(tmp_path / "s.json", '[\n {"name": "a",}\n]')
    with pytest.raises(InputError) as info:
        parse("servers", f)
    assert "not valid JSON" in info.value.message and "row 2" in info.value.message


@pytest.mark.parametrize(
    ("header", "cell", "what"),
    [
        ("services", "http", "PORT[/tcp|udp][:PROCESS]"),
        ("services", "99999:x", "less than or equal to 65535"),
        ("tags", "env", "name=value"),
        ("disks_gib", "100;big", "is not one"),
        ("disks_gib", "100;-5", "is not one"),
        ("arch", "sparc64", "expected x86_64"),
    ],
)
def test_csv_cell_errors(tmp_path: Path, header: str, cell: str, what: str) -> None:
    f = write(tmp_path / "s.csv", f'name,{header}\nweb01,"{cell}"\n')
    with pytest.raises(InputError) as info:
        parse("servers", f)
    assert what in info.value.message
    assert "row 2" in info.value.message


def test_yaml_aliases_are_refused(tmp_path: Path) -> None:
    """A 'billion laughs' document must fail fast instead of expanding."""
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}] " for i in range(8)]
    f = write(tmp_path / "bomb.yaml", "\n".join(lines) + "\nservers: [{name: x, tags: *i}]\n")
    with pytest.raises(InputError) as info:
        parse("servers", f)
    assert "aliases" in info.value.message and "row 2" in info.value.message


def test_cli_json_error_is_one_line_exit_2_and_nothing_written(
    tmp_path: Path, workspace: Workspace
) -> None:
    good = {"name": "ok01", "cores": 2}
    f = write(tmp_path / "s.json", json.dumps([good, {"name": "bad", "gpus": -1}]))
    result = run_cli("--workspace", str(workspace.root), "discover", "servers", str(f))
    assert result.code == 2
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 2 and lines[0].startswith("error: ") and lines[1].startswith("hint: ")
    assert "'servers[1].gpus'" in lines[0] and "'-1'" in lines[0]
    assert workspace.store.count("servers") == 0
    ok = write(tmp_path / "ok.yaml", yaml.safe_dump([good]))
    assert run_cli("--workspace", str(workspace.root), "discover", "servers", str(ok)).code == 0
    assert [s.key for s in workspace.servers()] == ["ok01"]
