"""Terraform: the seed's AWS case (golden), least-privilege rules, sizing, all three clouds."""

from __future__ import annotations

import re

import hcl2
import pytest

from skylift.domain.inventory import Dependency, Disk, Server, Service
from skylift.domain.target import Cloud, HostRule, HostSpec, ServiceRole, TargetSpec
from skylift.generate.infra import hosts_from_inventory
from skylift.generate.terraform import render_terraform, vm_size
from tests.unit.generate.golden import assert_golden

SEED = TargetSpec(
    name="ecommerce",
    hosts=(HostSpec(key="web01", name="web01", role=ServiceRole.WEB, ports=(80,), public=True),),
    host_rules=(HostRule(source=None, target="web01", port=80),),
)


def _estate() -> tuple[list[Server], list[Dependency]]:
    servers = [
        Server(
            key="web01",
            name="web01",
            source="test",
            cores=2,
            memory_mib=4096,
            services=(Service(port=80),),
            disks=(Disk(name="d", size_gib=40),),
        ),
        Server(key="app01", name="app01", source="test", cores=4, memory_mib=16384),
        Server(key="db01", name="db01", source="test", cores=8, memory_mib=65536),
        Server(key="win01", name="win01", source="test", cores=2, memory_mib=8192),
    ]
    deps = [
        Dependency(source_key="web01", target_key="app01", port=8080),
        Dependency(source_key="app01", target_key="db01", port=5432),
        Dependency(source_key="app01", target_key="win01", port=445),
        Dependency(source_key="app01", target_key=None, target_ip="8.8.8.8", port=53),
    ]
    return servers, deps


def _parse(text: str) -> dict[str, object]:
    return hcl2.loads(text)  # type: ignore[no-any-return]


def test_seed_case_aws_vpc_subnets_web_sg_on_80_behind_tls_load_balancer() -> None:
    files, _ = render_terraform(SEED, Cloud.AWS)
    assert_golden("terraform/seed-aws", files)
    main = files["main.tf"]
    assert re.search(r'default\s+= "10.0.0.0/16"', files["variables.tf"])
    assert re.search(r'resource "aws_subnet" "public" \{\n  count\s+= 3', main)
    assert re.search(r'resource "aws_subnet" "private" \{\n  count\s+= 3', main)
    web_rule = main.split('resource "aws_vpc_security_group_ingress_rule" "web01_from_lb_80"')[1]
    web_rule = web_rule.split("\n}\n")[0]
    assert "from_port                    = 80" in web_rule
    assert "referenced_security_group_id = aws_security_group.lb.id" in web_rule
    listener = main.split('resource "aws_lb_listener" "https"')[1].split("\n}\n")[0]
    assert "port              = 443" in listener and 'protocol          = "HTTPS"' in listener
    assert "ssl_policy" in listener


def test_internet_is_allowed_only_on_443_and_80_at_the_load_balancer() -> None:
    servers, deps = _estate()
    hosts, rules = hosts_from_inventory(servers, deps)
    files, _ = render_terraform(
        TargetSpec(name="shop", hosts=tuple(hosts), host_rules=tuple(rules)), Cloud.AWS
    )
    main = files["main.tf"]
    open_rules = re.findall(
        r'resource "(\w+)" "(\w+)" \{[^}]*cidr_ipv4\s+= "0.0.0.0/0"[^}]*\}', main
    )
    ingress = [name for kind, name in open_rules if kind.endswith("ingress_rule")]
    assert sorted(ingress) == ["lb_http_redirect", "lb_https"]
    assert "aws_access_key" not in main and "secret_key" not in main


def test_rules_follow_the_dependency_graph_exactly() -> None:
    servers, deps = _estate()
    hosts, rules = hosts_from_inventory(servers, deps)
    assert {(r.source, r.target, r.port) for r in rules} == {
        ("web01", "app01", 8080),
        ("app01", "db01", 5432),
        ("app01", "win01", 445),
        (None, "web01", 80),
    }
    db = next(h for h in hosts if h.key == "db01")
    assert db.db_engine == "postgres"  # replatformed to a managed database
    files, _ = render_terraform(
        TargetSpec(name="shop", hosts=tuple(hosts), host_rules=tuple(rules)), Cloud.AWS
    )
    assert 'resource "aws_db_instance" "db01"' in files["main.tf"]
    assert re.search(r"manage_master_user_password\s+= true", files["main.tf"])
    assert 'resource "aws_instance" "db01"' not in files["main.tf"]


def test_rehost_strategy_keeps_a_database_server_as_a_vm() -> None:
    servers, deps = _estate()
    hosts, _ = hosts_from_inventory(servers, deps, strategies={"db01": "rehost"})
    assert next(h for h in hosts if h.key == "db01").db_engine is None


def test_assessed_size_wins_over_the_generic_one() -> None:
    servers, deps = _estate()
    hosts, rules = hosts_from_inventory(servers, deps, sizes={"app01": "c7i.2xlarge"})
    files, _ = render_terraform(
        TargetSpec(name="shop", hosts=tuple(hosts), host_rules=tuple(rules)), Cloud.AWS
    )
    assert re.search(r'instance_type\s+= "c7i.2xlarge"', files["main.tf"])


@pytest.mark.parametrize("cloud", list(Cloud))
def test_every_cloud_parses_and_pins_its_provider(cloud: Cloud) -> None:
    servers, deps = _estate()
    hosts, rules = hosts_from_inventory(servers, deps)
    files, _ = render_terraform(
        TargetSpec(name="shop", hosts=tuple(hosts), host_rules=tuple(rules)), cloud
    )
    for text in files.values():
        _parse(text)
    versions = _parse(files["versions.tf"])
    providers = versions["terraform"][0]["required_providers"][0]  # type: ignore[index]
    (spec,) = [v for k, v in providers.items() if not k.startswith("__")]
    assert spec["version"].strip('"').startswith("~> ")


@pytest.mark.parametrize(
    ("cloud", "cores", "mem", "size"),
    [
        (Cloud.AWS, 2, 4, "m6i.large"),
        (Cloud.AWS, 4, 64, "r6i.2xlarge"),
        (Cloud.AZURE, 8, 32, "Standard_D8s_v5"),
        (Cloud.GCP, 3, 8, "e2-standard-4"),
    ],
)
def test_vm_size_fits_cores_and_memory(cloud: Cloud, cores: int, mem: float, size: str) -> None:
    assert vm_size(cloud, cores, mem) == size


def test_names_reveal_databases_and_web_tiers_when_ports_do_not() -> None:
    servers = [
        Server(key="r", name="prd-mysql02", source="t"),
        Server(key="w", name="prd-web01", source="t"),
        Server(key="a", name="prd-app01", source="t", services=(Service(port=8080),)),
    ]
    hosts, rules = hosts_from_inventory(servers, [])
    by_key = {h.key: h for h in hosts}
    assert by_key["r"].db_engine == "mysql"
    assert by_key["w"].public and 80 in by_key["w"].ports
    assert not by_key["a"].public  # an app tier on 8080 stays private
    assert [(r.source, r.target, r.port) for r in rules] == [(None, "w", 80)]


def test_connections_leaving_the_selection_are_a_warning_with_names() -> None:
    from skylift.generate.inputs import read_inputs

    web = Server(key="w", name="web01", source="t", services=(Service(port=80),))
    deps = [
        Dependency(source_key="w", target_key="dc-key", port=389),
        Dependency(source_key="mon-key", target_key="w", port=9100),
    ]
    inputs = read_inputs(
        servers=[web], dependencies=deps, other_names={"dc-key": "dc01", "mon-key": "mon01"}
    )
    messages = [w.message for w in inputs.warnings]
    assert any("1 observed connections leave" in m and "web01 → dc01:389" in m for m in messages)
    assert any("1 observed connections enter" in m and "mon01 → web01:9100" in m for m in messages)
    assert {(r.source, r.target, r.port) for r in inputs.target.host_rules} == {(None, "w", 80)}


def test_assessed_strategies_skip_retired_servers_and_map_database_classes() -> None:
    servers, deps = _estate()
    hosts, rules = hosts_from_inventory(
        servers,
        deps,
        sizes={"db01": "r5a.4xlarge"},
        strategies={"win01": "retire", "db01": "refactor"},
    )
    assert "win01" not in {h.key for h in hosts}
    assert all("win01" not in (r.source, r.target) for r in rules)
    files, _ = render_terraform(
        TargetSpec(name="shop", hosts=tuple(hosts), host_rules=tuple(rules)), Cloud.AWS
    )
    assert re.search(r'instance_class\s+= "db.r6i.4xlarge"', files["main.tf"])
