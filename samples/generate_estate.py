"""Generate the bundled sample estate: a mid-size e-commerce company, deterministic and scalable.

Larkspur Outfitters sells outdoor gear online. Its VMware estate holds the
shop (nginx web tier, Java/Tomcat and Node app tier, MySQL primary/replica,
PostgreSQL, Redis, RabbitMQ, Elasticsearch, order workers, nightly batch and
reporting), the corporate services (domain controllers, Windows file
servers, CI, monitoring, mail relay, VPN), staging/test/dev copies of the
shop, and the usual debris: idle and zombie VMs, a powered-off VM, a
template, a Windows Server 2008 R2 ERP, a CentOS 6 CRM, a Solaris billing VM
and a GPU VM for product recommendations.

Writes into ``--out`` (default ``samples/estate``):

- ``rvtools.xlsx``      RVTools 4.x export (via ``samples/rvtools_writer.py``)
- ``perf.parquet``      long-format utilisation: server NAME, timestamp, metric, value
- ``perf.csv``          the same as CSV (only with ``--csv``; used by benchmarks)
- ``dependencies.csv``  Azure Migrate dependency export (6-hour slots)
- ``README.md``         the company and its roster

Usage::

    python samples/generate_estate.py                       # the committed sample
    python samples/generate_estate.py --out build/big --vms 10000 --days 30 --seed 7

The same ``--vms/--days/--seed`` always give the same data (the xlsx container
carries a creation time, its cell content does not change).
"""

from __future__ import annotations

import argparse
import sys
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rvtools_writer import RVToolsHost, RVToolsVM, write_rvtools_xlsx

DEFAULT_OUT = Path(__file__).resolve().parent / "estate"
START = datetime(2026, 10, 1, tzinfo=UTC)
DOMAIN = "larkspur.local"
SLOT_HOURS = 6
METRICS = ("cpu_pct", "mem_pct", "disk_read_mbps", "disk_write_mbps", "net_in_mbps", "net_out_mbps")
PAYMENT_GATEWAY_IP = "203.0.113.10"  # TEST-NET-3: an external destination

UBUNTU = ("Ubuntu Linux (64-bit)", "Ubuntu 22.04.4 LTS")
RHEL = ("Red Hat Enterprise Linux 8 (64-bit)", "Red Hat Enterprise Linux 8.9 (Ootpa)")
DEBIAN = ("Debian GNU/Linux 11 (64-bit)", "Debian GNU/Linux 11 (bullseye)")
CENTOS7 = ("CentOS 7 (64-bit)", "CentOS Linux release 7.9.2009 (Core)")
CENTOS6 = ("CentOS 4/5/6 (64-bit)", "CentOS release 6.10 (Final)")
WIN2019 = ("Microsoft Windows Server 2019 (64-bit)", "Microsoft Windows Server 2019 Datacenter")
WIN2016 = ("Microsoft Windows Server 2016 or later (64-bit)", "Microsoft Windows Server 2016")
WIN2008 = ("Microsoft Windows Server 2008 R2 (64-bit)", "Microsoft Windows Server 2008 R2")
SOLARIS = ("Oracle Solaris 11 (64-bit)", "Oracle Solaris 11.4")


@dataclass(frozen=True)
class Role:
    """What a VM does: size, OS, utilisation profile, and how it is labelled."""

    role: str
    app: str
    os: tuple[str, str]
    cpus: int
    mem_gib: int
    disk_gib: int
    profile: str  # shop | corp | batch | ci | idle | zombie | db | steady
    cpu: float  # mean busy-hour CPU %
    mem: float  # mean memory %
    owner: str = "shop"
    criticality: str = "High"


R = {
    "web": Role("web", "Shop", UBUNTU, 2, 4, 40, "shop", 35, 45),
    "node": Role("node", "Shop", UBUNTU, 2, 8, 40, "shop", 40, 60),
    "app": Role("app", "Shop", RHEL, 4, 16, 60, "shop", 45, 70),
    "worker": Role("worker", "Orders", RHEL, 4, 8, 60, "shop", 30, 55),
    "mysql": Role("mysql", "Shop", RHEL, 8, 64, 500, "db", 35, 85),
    "pg": Role("pg", "Orders", RHEL, 8, 32, 400, "db", 30, 80),
    "redis": Role("redis", "Shop", DEBIAN, 2, 16, 40, "shop", 15, 65),
    "mq": Role("mq", "Orders", DEBIAN, 2, 8, 60, "shop", 20, 50),
    "es": Role("es", "Search", UBUNTU, 8, 32, 300, "shop", 40, 75),
    "batch": Role("batch", "Reporting", CENTOS7, 4, 16, 100, "batch", 10, 40, "data", "Medium"),
    "report": Role("report", "Reporting", WIN2016, 4, 16, 120, "corp", 15, 55, "data", "Medium"),
    "dc": Role("dc", "Active Directory", WIN2019, 2, 8, 80, "corp", 8, 45, "it-ops", "Critical"),
    "fs": Role("fs", "File shares", WIN2016, 4, 16, 2000, "corp", 10, 50, "it-ops", "Medium"),
    "ci": Role("ci", "CI", UBUNTU, 8, 16, 300, "ci", 20, 50, "platform", "Medium"),
    "mon": Role("mon", "Monitoring", UBUNTU, 4, 16, 500, "steady", 25, 60, "platform"),
    "smtp": Role("smtp", "Mail relay", DEBIAN, 1, 2, 20, "steady", 3, 30, "it-ops", "Medium"),
    "vpn": Role("vpn", "VPN", DEBIAN, 2, 4, 20, "corp", 6, 30, "it-ops", "High"),
    "erp": Role("erp", "ERP", WIN2008, 4, 16, 300, "corp", 20, 70, "finance-it", "High"),
    "crm": Role("crm", "CRM", CENTOS6, 2, 8, 100, "corp", 12, 60, "sales-it", "Medium"),
    "billing": Role("billing", "Billing", SOLARIS, 4, 16, 200, "batch", 15, 60, "finance-it"),
    "gpu": Role("gpu", "Recommendations", UBUNTU, 8, 64, 500, "batch", 50, 70, "data"),
    "idle": Role("idle", "Wiki", UBUNTU, 2, 4, 40, "idle", 2, 3, "it-ops", "Low"),
    "zombie": Role("zombie", "Unknown", CENTOS7, 2, 4, 60, "zombie", 0.3, 0.2, "unknown", "Low"),
}  # fmt: skip


@dataclass(frozen=True)
class Vm:
    """One VM of the roster."""

    name: str
    role: Role
    env: str = "Production"
    power: str = "poweredOn"
    template: bool = False


def base_roster() -> list[Vm]:
    """The hand-written company (about 80 VMs)."""
    vms: list[Vm] = []

    def add(prefix: str, role: str, count: int, env: str = "Production") -> None:
        for i in range(1, count + 1):
            vms.append(Vm(f"{prefix}{role}{i:02d}", R[role], env))

    add("prd-", "web", 4)
    add("prd-", "node", 2)
    add("prd-", "app", 4)
    add("prd-", "worker", 3)
    add("prd-", "mysql", 2)
    add("prd-", "pg", 1)
    add("prd-", "redis", 2)
    add("prd-", "mq", 2)
    add("prd-", "es", 3)
    add("prd-", "batch", 1)
    add("prd-", "report", 1)
    add("", "dc", 2)
    add("", "fs", 2)
    add("", "ci", 1)
    add("", "mon", 1)
    add("", "smtp", 1)
    add("", "vpn", 1)
    add("", "erp", 1)
    add("", "crm", 1)
    add("", "billing", 1)
    add("", "gpu", 1)
    for env, prefix in (("Staging", "stg-"), ("Test", "tst-"), ("Development", "dev-")):
        add(prefix, "web", 1 if env != "Staging" else 2, env)
        add(prefix, "app", 2 if env != "Test" else 1, env)
        add(prefix, "mysql", 1, env)
        add(prefix, "redis", 1, env)
        add(prefix, "mq", 1, env)
        add(prefix, "es", 1, env)
    add("dev-", "pg", 1, "Development")
    add("dev-", "worker", 2, "Development")
    add("dev-ci-", "node", 2, "Development")  # CI build agents
    idle = R["idle"]
    vms += [
        Vm("wiki01", idle, "Production"),
        Vm("old-intranet01", replace(idle, app="Intranet"), "Production"),
        Vm("tst-perf01", replace(idle, app="Load testing", owner="shop"), "Test"),
    ]
    vms += [
        Vm(n, R["zombie"], "Unknown")
        for n in ("tmp-migration01", "poc-kafka01", "old-shop-web05", "jdoe-test02")
    ]
    vms.append(Vm("prd-app05-old", R["app"], "Production", power="poweredOff"))
    vms.append(Vm("tpl-rhel8-base", R["app"], "Unknown", power="poweredOff", template=True))
    return vms


SCALABLE = ("web", "app", "worker", "es", "node", "redis", "mysql", "idle", "zombie", "batch")


def roster(n: int | None) -> list[Vm]:
    """The base roster, cut to ``n`` or grown to ``n`` with more shop tenants."""
    base = base_roster()
    if n is None or n == len(base):
        return base
    if n < len(base):
        return base[:n]
    extra = [
        Vm(f"t{i // len(SCALABLE):04d}-{r}{i:05d}", R[r], "Production")
        for i, r in ((i, SCALABLE[i % len(SCALABLE)]) for i in range(n - len(base)))
    ]
    return base + extra


# ----------------------------------------------------------------------------- inventory


def ip_of(i: int) -> str:
    """A unique private IPv4 address for VM number ``i``."""
    return f"10.{20 + i // 62500}.{(i // 250) % 250}.{i % 250 + 4}"


def rvtools_records(
    vms: list[Vm], rng: np.random.Generator
) -> tuple[list[RVToolsVM], list[RVToolsHost]]:
    """RVTools rows for every VM, and the ESXi hosts they run on."""
    n_hosts = max(4, len(vms) // 40)
    hosts = [
        RVToolsHost(host=f"esx{h + 1:03d}.{DOMAIN}", cluster="Prod" if h % 4 else "NonProd")
        for h in range(n_hosts)
    ]
    records = []
    for i, vm in enumerate(vms):
        role = vm.role
        host = hosts[i % n_hosts]
        windows = "Windows" in role.os[0]
        used = float(rng.uniform(0.25, 0.75))
        disk_mib = role.disk_gib * 1024
        disks = [("Hard disk 1", float(min(disk_mib, 80 * 1024 if windows else 40 * 1024)), True)]
        if disk_mib > disks[0][1]:
            disks.append(("Hard disk 2", float(disk_mib - disks[0][1]), False))
        parts = [(label, cap, round(cap * used, 1)) for label, cap, _ in disks]
        mac = f"00:50:56:{(i >> 16) & 255:02x}:{(i >> 8) & 255:02x}:{i & 255:02x}"
        on = vm.power == "poweredOn"
        annotation = "NVIDIA T4 (PCI passthrough)" if role.role == "gpu" else ""
        records.append(
            RVToolsVM(
                name=vm.name,
                vm_id=f"vm-{1000 + i}",
                vm_uuid=str(uuid.UUID(bytes=rng.bytes(16), version=4)),
                powerstate=vm.power,
                template=vm.template,
                cpus=role.cpus,
                sockets=1 if role.cpus <= 4 else 2,
                memory_mib=role.mem_gib * 1024,
                disks=disks,
                partitions=parts if on else [],
                nics=[("Network adapter 1", f"VLAN-{vm.env[:4].upper()}", mac, ip_of(i))],
                os_config=role.os[0],
                os_tools=role.os[1] if on else "",
                firmware="efi" if role.os in (WIN2019, WIN2016, RHEL, UBUNTU) else "bios",
                dns_name=f"{vm.name}.{DOMAIN}" if on else "",
                primary_ip=ip_of(i) if on else "",
                datacenter="DC1",
                cluster=host.cluster,
                host=host.host,
                folder=f"/{vm.env}",
                annotation=annotation,
                custom_attributes={
                    "Application": role.app,
                    "Environment": vm.env,
                    "Owner": role.owner,
                    "Criticality": role.criticality if vm.env == "Production" else "Low",
                },
            )
        )
    return records, hosts


# ----------------------------------------------------------------------------- perf


def perf_frame(vms: list[Vm], days: int, rng: np.random.Generator) -> pl.DataFrame:
    """Hourly long-format samples for every powered-on VM (vectorised over VMs × hours)."""
    live = [vm for vm in vms if vm.power == "poweredOn" and not vm.template]
    hours = days * 24
    t = np.arange(hours)
    local_hour = (t + 1) % 24  # the company is in UTC+1
    weekday = ((t // 24) + START.weekday()) % 7
    weekend = weekday >= 5
    shop_day = (
        0.35
        + 0.65 * np.exp(-(((local_hour - 20) / 3.5) ** 2))
        + 0.25 * np.exp(-(((local_hour - 12) / 2.5) ** 2))
    )
    shop = shop_day * np.where(weekend, 1.25, 1.0)
    office = np.where(weekend, 0.15, 0.2 + 0.8 * ((local_hour >= 8) & (local_hour <= 18)))
    nightly = 0.1 + 0.9 * ((local_hour >= 1) & (local_hour <= 4))
    ci = np.where(weekend, 0.05, 0.1 + 0.9 * ((local_hour >= 9) & (local_hour <= 19)))
    shapes = {
        "shop": shop, "db": 0.6 * shop + 0.4 * nightly, "corp": office, "batch": nightly,
        "ci": ci, "steady": np.full(hours, 0.8), "idle": np.full(hours, 0.5),
        "zombie": np.full(hours, 0.5),
    }  # fmt: skip
    n = len(live)
    shape = np.stack([shapes[vm.role.profile] for vm in live])  # n × hours
    cpu_mean = np.array([vm.role.cpu for vm in live])[:, None]
    mem_mean = np.array([vm.role.mem for vm in live])[:, None]
    scale = np.array([1.0 if vm.env == "Production" else 0.3 for vm in live])[:, None]
    quiet = np.array([vm.role.profile in ("idle", "zombie") for vm in live])[:, None]
    scale = np.where(quiet, 1.0, scale)
    noise = rng.lognormal(0.0, 0.25, (n, hours))
    cpu = np.clip(cpu_mean * scale * shape / 0.8 * noise, 0.05, 100.0)
    zombie = np.array([vm.role.profile == "zombie" for vm in live])[:, None]
    cpu = np.where(zombie, rng.uniform(0.0, 0.6, (n, hours)), cpu)
    drift = np.linspace(0.0, 1.0, hours)[None, :] * rng.uniform(-3.0, 6.0, (n, 1))
    # Quiet VMs hold steady, low memory (active memory, as vCenter reports it).
    drift = np.where(quiet, 0.0, drift)
    jitter = np.where(quiet, 0.1, 1.5) * rng.normal(0.0, 1.0, (n, hours))
    mem = np.clip(mem_mean + drift + jitter, np.where(quiet, 0.05, 0.5), 99.5)
    io = cpu / 100.0 * np.array([_io_scale(vm) for vm in live])[:, None]
    read = io * rng.lognormal(0.0, 0.4, (n, hours))
    write = io * 0.6 * rng.lognormal(0.0, 0.4, (n, hours))
    net = cpu / 100.0 * np.array([_net_scale(vm) for vm in live])[:, None]
    net_in = np.where(zombie, 0.001, net * rng.lognormal(0.0, 0.3, (n, hours)))
    net_out = np.where(zombie, 0.001, net * 1.8 * rng.lognormal(0.0, 0.3, (n, hours)))
    read, write = np.where(zombie, 0.0, read), np.where(zombie, 0.01, write)
    values = dict(zip(METRICS, (cpu, mem, read, write, net_in, net_out), strict=True))
    gaps = np.zeros((n, hours), dtype=bool)
    for row in rng.choice(n, size=max(1, n // 15), replace=False):  # a few monitoring gaps
        start = int(rng.integers(0, hours - 12))
        gaps[row, start : start + int(rng.integers(2, 12))] = True
    stamps = pl.Series([START + timedelta(hours=int(h)) for h in t], dtype=pl.Datetime("us", "UTC"))
    names = pl.Series([vm.name for vm in live], dtype=pl.String)
    frames = []
    for metric, arr in values.items():
        frames.append(
            pl.DataFrame(
                {
                    "server": names.gather(np.repeat(np.arange(n), hours)),
                    "timestamp": stamps.gather(np.tile(t, n)),
                    "metric": pl.Series([metric]).gather(np.zeros(n * hours, dtype=np.int64)),
                    "value": np.round(arr, 3).ravel(),
                    "_gap": gaps.ravel(),
                }
            )
        )
    frames.append(_db_growth(live, hours, stamps, gaps))
    return (
        pl.concat(frames).filter(~pl.col("_gap")).drop("_gap").sort("server", "timestamp", "metric")
    )


def _io_scale(vm: Vm) -> float:
    return {"db": 120.0, "corp": 25.0, "batch": 60.0, "ci": 80.0}.get(vm.role.profile, 15.0)


def _net_scale(vm: Vm) -> float:
    # Mbit/s at 100 % CPU: a mid-size shop's web tier serves tens of Mbit/s, not hundreds.
    return {"web": 40.0, "node": 25.0, "app": 30.0, "es": 20.0, "fs": 30.0}.get(vm.role.role, 6.0)


def _db_growth(live: list[Vm], hours: int, stamps: pl.Series, gaps: np.ndarray) -> pl.DataFrame:
    """``disk_used_gib`` for databases and file servers: a steady upward trend."""
    rows = [i for i, vm in enumerate(live) if vm.role.role in ("mysql", "pg", "fs")]
    growth = np.linspace(0.0, 1.0, hours)
    used = (
        np.stack([live[i].role.disk_gib * (0.45 + 0.12 * growth) for i in rows])
        if rows
        else np.zeros((0, hours))
    )
    names = pl.Series([live[i].name for i in rows], dtype=pl.String)
    return pl.DataFrame(
        {
            "server": names.gather(np.repeat(np.arange(len(rows)), hours)),
            "timestamp": stamps.gather(np.tile(np.arange(hours), len(rows))),
            "metric": pl.Series(["disk_used_gib"]).gather(np.zeros(len(rows) * hours, np.int64)),
            "value": np.round(used, 2).ravel(),
            "_gap": gaps[rows].ravel() if rows else np.zeros(0, dtype=bool),
        }
    )


# ----------------------------------------------------------------------------- dependencies

#: (source role, destination role, port, source process, destination process, seen share)
LINKS = (
    ("web", "app", 8080, "nginx", "java", 1.0),
    ("web", "node", 3000, "nginx", "node", 1.0),
    ("node", "app", 8080, "node", "java", 0.95),
    ("app", "mysql", 3306, "java", "mysqld", 1.0),
    ("app", "pg", 5432, "java", "postgres", 0.9),
    ("app", "redis", 6379, "java", "redis-server", 1.0),
    ("app", "mq", 5672, "java", "beam.smp", 1.0),
    ("app", "es", 9200, "java", "java", 0.9),
    ("worker", "mq", 5672, "java", "beam.smp", 1.0),
    ("worker", "mysql", 3306, "java", "mysqld", 0.8),
    ("worker", "pg", 5432, "java", "postgres", 0.9),
    ("batch", "pg", 5432, "python3", "postgres", 0.25),
    ("report", "pg", 5432, "ReportingServicesService.exe", "postgres", 0.4),
    ("report", "fs", 445, "ReportingServicesService.exe", "System", 0.3),
    ("batch", "fs", 445, "python3", "System", 0.25),
    ("erp", "fs", 445, "erp.exe", "System", 0.8),
    ("erp", "billing", 1521, "erp.exe", "oracle", 0.6),
    ("crm", "smtp", 25, "httpd", "postfix", 0.5),
    ("gpu", "es", 9200, "python3", "java", 0.25),
    ("ci", "app", 22, "java", "sshd", 0.2),
)


def dependency_frame(vms: list[Vm], days: int, rng: np.random.Generator) -> pl.DataFrame:
    """Azure Migrate export rows: one per connection per 6-hour slot it was seen in."""
    live = [(i, vm) for i, vm in enumerate(vms) if vm.power == "poweredOn" and not vm.template]
    by_env_role: dict[tuple[str, str], list[tuple[int, Vm]]] = {}
    for i, vm in live:
        by_env_role.setdefault((vm.env, vm.role.role), []).append((i, vm))
    dcs = [x for x in live if x[1].role.role == "dc"]
    mon = [x for x in live if x[1].role.role == "mon"]
    edges: list[tuple[int, int | None, int, str, str, float]] = []
    for (env, role), sources in by_env_role.items():
        for src_role, dst_role, port, sp, dp, share in LINKS:
            if role != src_role:
                continue
            targets = by_env_role.get((env, dst_role)) or by_env_role.get(("Production", dst_role))
            if not targets:
                continue
            if dst_role == "mysql":
                targets = targets[:1]  # writes go to the primary
            for k, (i, _) in enumerate(sources):
                j, _vm = targets[k % len(targets)]
                edges.append((i, j, port, sp, dp, share))
        if role == "app" and env == "Production":
            edges += [(i, None, 443, "java", "", 0.9) for i, _ in sources]
    replicas = by_env_role.get(("Production", "mysql"), [])
    if len(replicas) > 1:
        edges += [(r, replicas[0][0], 3306, "mysqld", "mysqld", 1.0) for r, _ in replicas[1:]]
    for i, vm in live:
        if vm.role.profile == "zombie":
            continue
        windows = "Windows" in vm.role.os[0]
        for d, _ in dcs:
            if d != i:
                edges.append((i, d, 389, "lsass.exe" if windows else "sssd", "lsass.exe", 0.5))
                edges.append((i, d, 88, "lsass.exe" if windows else "sssd", "lsass.exe", 0.3))
        for m, _ in mon:
            if m != i:
                edges.append((m, i, 9100, "prometheus", "node_exporter", 1.0))
    slots = days * 24 // SLOT_HOURS
    share = np.array([e[5] for e in edges])
    seen = rng.random((len(edges), slots)) < share[:, None]
    edge_idx, slot_idx = np.nonzero(seen)
    names = [vm.name for vm in vms]
    apps = [vm.role.app for vm in vms]
    src = np.array([e[0] for e in edges])
    dst = np.array([-1 if e[1] is None else e[1] for e in edges])
    slot_text = [
        f"{(START + timedelta(hours=SLOT_HOURS * s)):%Y-%m-%d %H:%M}-"
        f"{(START + timedelta(hours=SLOT_HOURS * (s + 1))):%H:%M}"
        for s in range(slots)
    ]
    col = pl.Series
    s_idx, d_idx = src[edge_idx], dst[edge_idx]
    external = d_idx < 0
    d_safe = np.where(external, 0, d_idx)
    return pl.DataFrame(
        {
            "Time slot": col(slot_text).gather(slot_idx),
            "Source server name": col(names).gather(s_idx),
            "Source application": col(apps).gather(s_idx),
            "Source process": col([e[3] for e in edges]).gather(edge_idx),
            "Destination server name": pl.select(
                pl.when(col(external)).then(pl.lit("")).otherwise(col(names).gather(d_safe))
            ).to_series(),
            "Destination IP": pl.select(
                pl.when(col(external))
                .then(pl.lit(PAYMENT_GATEWAY_IP))
                .otherwise(col([ip_of(k) for k in range(len(vms))]).gather(d_safe))
            ).to_series(),
            "Destination application": pl.select(
                pl.when(col(external)).then(pl.lit("")).otherwise(col(apps).gather(d_safe))
            ).to_series(),
            "Destination process": col([e[4] for e in edges]).gather(edge_idx),
            "Destination port": col([e[2] for e in edges]).gather(edge_idx),
        }
    ).sort("Time slot", "Source server name", "Destination IP", "Destination port")


# ----------------------------------------------------------------------------- main


def generate(
    out: Path, vms_n: int | None = None, days: int = 30, seed: int = 42, csv: bool = False
) -> list[Vm]:
    """Write every sample file into ``out`` and return the roster."""
    out.mkdir(parents=True, exist_ok=True)
    vms = roster(vms_n)
    rng = np.random.default_rng(seed)
    records, hosts = rvtools_records(vms, rng)
    write_rvtools_xlsx(out / "rvtools.xlsx", records, hosts)
    perf = perf_frame(vms, days, rng)
    level = 19 if perf.height < 2_000_000 else 3  # small committed file; fast big runs
    perf.write_parquet(out / "perf.parquet", compression="zstd", compression_level=level)
    if csv:
        perf.with_columns(pl.col("timestamp").dt.strftime("%Y-%m-%dT%H:%M:%SZ")).write_csv(
            out / "perf.csv"
        )
    dependency_frame(vms, days, rng).write_csv(out / "dependencies.csv")
    (out / "README.md").write_text(readme(vms, days, seed, perf.height), encoding="utf-8")
    return vms


def readme(vms: list[Vm], days: int, seed: int, samples: int) -> str:
    """The estate's README: the company and a roster summary."""
    counts: dict[tuple[str, str], int] = {}
    for vm in vms:
        counts[(vm.env, vm.role.app)] = counts.get((vm.env, vm.role.app), 0) + 1
    table = "\n".join(f"| {env} | {app} | {n} |" for (env, app), n in sorted(counts.items()))
    return f"""# Sample estate: Larkspur Outfitters

Generated by `python samples/generate_estate.py` (seed {seed}, {len(vms)} VMs, {days} days);
do not edit by hand — change the generator and run it again. Fictional company.

Larkspur Outfitters sells outdoor gear online (about 250 staff, one VMware
data centre, UTC+1). The shop is nginx → Java/Tomcat and Node → MySQL
(primary + replica), PostgreSQL (orders), Redis, RabbitMQ and Elasticsearch;
order workers consume RabbitMQ; nightly batch and reporting jobs read
PostgreSQL and write to the Windows file shares. Corporate IT runs two domain
controllers, two file servers, Jenkins CI, Prometheus monitoring, a mail
relay and a VPN. Staging, test and development copies of the shop exist.

Cases worth finding: idle VMs (wiki01, old-intranet01, tst-perf01); zombies at
~0 % CPU, memory and network (tmp-migration01, poc-kafka01, old-shop-web05,
jdoe-test02); a powered-off VM (prd-app05-old); a template (tpl-rhel8-base);
Windows Server 2008 R2 (erp01) and CentOS 6 (crm01) readiness cases; a
Solaris billing VM (billing01, not ready for x86 IaaS); a GPU VM (gpu01);
PostgreSQL, MySQL and file-server disks that grow; a few monitoring gaps.

Files:

- `rvtools.xlsx` — RVTools 4.x export with custom attributes Application,
  Environment, Owner, Criticality.
- `perf.parquet` — {samples:,} hourly samples, long format (server name,
  timestamp UTC, metric, value): cpu_pct, mem_pct, disk_read_mbps,
  disk_write_mbps, net_in_mbps, net_out_mbps, disk_used_gib.
- `dependencies.csv` — Azure Migrate dependency export, 6-hour time slots:
  web → app :8080, app → MySQL :3306 / PostgreSQL :5432 / Redis :6379 /
  RabbitMQ :5672 / Elasticsearch :9200, workers → RabbitMQ, everything → DC
  :389/:88, monitoring → all :9100, SMB :445, and the external payment
  gateway {PAYMENT_GATEWAY_IP}:443.

| Environment | Application | VMs |
|---|---|---|
{table}
"""


def main(argv: list[str] | None = None) -> None:
    """Command line: ``--out DIR --vms N --days D --seed S [--csv]``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument(
        "--vms", type=int, default=None, help="number of VMs (default: the base company)"
    )
    parser.add_argument("--days", type=int, default=30, help="days of utilisation and dependencies")
    parser.add_argument("--seed", type=int, default=42, help="random seed")
    parser.add_argument("--csv", action="store_true", help="also write perf.csv")
    args = parser.parse_args(argv)
    vms = generate(args.out, args.vms, args.days, args.seed, args.csv)
    print(f"wrote {len(vms)} VMs, {args.days} days into {args.out}")


if __name__ == "__main__":
    main()
