"""Readiness of a discovered database per managed target, cheapest fitting tier, 7R choice.

Rules (data in ``skylift/database/data``, sources in its README):

- the service runs the engine family, and the source's major version is one
  it supports (a MariaDB source on a MySQL-only service is a warning: the
  copy works for common schemas, check features such as sequences, system
  versioning and JSON as LONGTEXT);
- every PostgreSQL extension is on the service's allow-list (an extension not
  in the table is a blocker: "not on the known allow-list");
- no table uses a storage engine the service refuses (MyISAM on Aurora, …);
- the data fits the service's largest storage;
- the cheapest tier with at least the vCPUs and memory needed, plus storage
  (data size + 30 %, at least 20 GiB), per month (730 h). Each price says
  how it is known (``price_status``: verified, derived or unverified; the
  ``price_source`` text starts with it too); an unverified price is also a
  warning of the option.

Need: from the host server when the inventory links one (its cores times
CPU utilisation with 30 % headroom, its memory), else 2 vCPUs and a quarter
of the data size as memory (2–256 GiB). The 7R choice: replatform to the
cheapest ready managed target, or rehost on a VM with the blockers named.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from skylift.domain.assessment import Strategy
from skylift.domain.database import (
    DatabaseInventory,
    DbAssessment,
    DbEngine,
    ManagedOption,
    PriceStatus,
)
from skylift.domain.inventory import Server

DATA = Path(__file__).parent / "data"
HOURS_PER_MONTH = 730.0
GIB = 1 << 30


@dataclass(frozen=True)
class ManagedTarget:
    """One managed database service (a row of managed_targets.csv)."""

    cloud: str
    service: str
    title: str
    engine: DbEngine
    flavors: frozenset[str]
    versions: frozenset[str]
    max_storage_gib: float
    min_vcpus: int
    blocked_engines: frozenset[str]


@dataclass(frozen=True)
class Tier:
    """One priced instance tier of a service."""

    service: str
    tier: str
    vcpus: float
    memory_gib: float
    price_hour: float
    storage_gib_month: float
    region: str
    source: str
    #: how the price is known (the CSV's ``verified`` column)
    status: PriceStatus = PriceStatus.UNVERIFIED

    @property
    def price_source(self) -> str:
        """How the price is known, then where it comes from."""
        unverified = self.status is PriceStatus.UNVERIFIED
        return f"{'UNVERIFIED' if unverified else self.status.value}: {self.source}"


@cache
def targets() -> tuple[ManagedTarget, ...]:
    """Every managed service skylift knows."""
    with (DATA / "managed_targets.csv").open(encoding="utf-8") as fh:
        return tuple(
            ManagedTarget(
                cloud=r["cloud"],
                service=r["service"],
                title=r["title"],
                engine=DbEngine(r["engine"]),
                flavors=frozenset(r["flavors"].split()),
                versions=frozenset(r["versions"].split()),
                max_storage_gib=float(r["max_storage_gib"]),
                min_vcpus=int(r["min_vcpus"]),
                blocked_engines=frozenset(r["blocked_engines"].split()),
            )
            for r in csv.DictReader(fh)
        )


@cache
def tiers() -> tuple[Tier, ...]:
    """Every priced tier."""
    with (DATA / "managed_prices.csv").open(encoding="utf-8") as fh:
        return tuple(
            Tier(
                service=r["service"],
                tier=r["tier"],
                vcpus=float(r["vcpus"]),
                memory_gib=float(r["memory_gib"]),
                price_hour=float(r["price_hour"]),
                storage_gib_month=float(r["storage_gib_month"]),
                region=r["region"],
                source=f"{r['source']} ({r['region']}, {r['price_as_of']})",
                status=PriceStatus(r["verified"]),
            )
            for r in csv.DictReader(fh)
        )


@cache
def extension_support() -> dict[str, dict[str, bool]]:
    """``extension → service → allowed``."""
    with (DATA / "postgres_extensions.csv").open(encoding="utf-8") as fh:
        return {
            r["extension"]: {k: v == "y" for k, v in r.items() if k != "extension"}
            for r in csv.DictReader(fh)
        }


def need(inv: DatabaseInventory, host: Server | None) -> tuple[int, float]:
    """``(vCPUs, memory GiB)`` the database needs (see the module doc)."""
    size_gib = inv.size_bytes / GIB
    if host is not None and host.cores:
        util = host.cpu_util_pct
        cpus = host.cores if util is None else math.ceil(host.cores * util / 100 * 1.3)
        mem = (host.memory_mib or 0) / 1024 or max(min(size_gib / 4, 256.0), 2.0)
        return max(cpus, 1), max(mem, 1.0)
    return 2, max(min(size_gib / 4, 256.0), 2.0)


def _issues(inv: DatabaseInventory, t: ManagedTarget) -> tuple[list[str], list[str]]:
    """``(blockers, warnings)`` of moving ``inv`` to ``t``."""
    blockers: list[str] = []
    warnings: list[str] = []
    if inv.major not in t.versions:
        blockers.append(
            f"version {inv.major} not supported (supported: {' '.join(sorted(t.versions))})"
        )
    if inv.flavor not in t.flavors:
        warnings.append(f"{inv.flavor} source on a {'/'.join(sorted(t.flavors))} service")
    if inv.engine is DbEngine.POSTGRESQL:
        support = extension_support()
        for ext in sorted(inv.extension_names):
            allowed = support.get(ext, {}).get(t.service)
            if allowed is None:
                blockers.append(f"extension {ext} not on the known allow-list")
            elif not allowed:
                blockers.append(f"extension {ext} not supported")
    engines = {e.split()[1] for d in inv.databases for e in d.extensions if e.startswith("engine ")}
    for e in sorted(engines & t.blocked_engines):
        blockers.append(f"storage engine {e} not supported (convert to InnoDB)")
    size_gib = inv.size_bytes / GIB
    if size_gib > t.max_storage_gib:
        blockers.append(f"{size_gib:,.0f} GiB exceeds the {t.max_storage_gib:,.0f} GiB limit")
    return blockers, warnings


def _cheapest(
    t: ManagedTarget, vcpus: int, memory: float, storage: float
) -> tuple[Tier, float] | None:
    fits = [
        x
        for x in tiers()
        if x.service == t.service and x.vcpus >= max(vcpus, t.min_vcpus) and x.memory_gib >= memory
    ]
    if not fits:
        return None
    priced = [(x, x.price_hour * HOURS_PER_MONTH + x.storage_gib_month * storage) for x in fits]
    return min(priced, key=lambda p: p[1])


def assess_database(inv: DatabaseInventory, host: Server | None = None) -> DbAssessment:
    """Readiness and price per managed target, and the 7R choice, for one database server."""
    vcpus, memory = need(inv, host)
    storage = max(math.ceil(inv.size_bytes / GIB * 1.3), 20)
    options = []
    for t in targets():
        if t.engine is not inv.engine:
            continue
        blockers, warnings = _issues(inv, t)
        best = _cheapest(t, vcpus, memory, storage)
        if best is None:
            blockers.append(f"no tier with {vcpus} vCPUs and {memory:.0f} GiB in the price data")
        tier, monthly = best if best is not None else (None, None)
        if tier is not None and tier.status is PriceStatus.UNVERIFIED:
            warnings.append(
                f"the price of {tier.tier} is UNVERIFIED (a recalled list price with no "
                "permissive source): check it on the provider's page"
            )
        options.append(
            ManagedOption(
                cloud=t.cloud,
                service=t.title,
                ready=not blockers,
                issues=tuple(blockers + [f"warning: {w}" for w in warnings]),
                tier=tier.tier if tier else None,
                vcpus=tier.vcpus if tier else None,
                memory_gib=tier.memory_gib if tier else None,
                storage_gib=float(storage),
                monthly_usd=round(monthly, 2) if monthly is not None else None,
                price_status=tier.status if tier else None,
                price_source=tier.price_source if tier else None,
            )
        )
    ready = [o for o in options if o.ready and o.monthly_usd is not None]
    if ready:
        best_option = min(ready, key=lambda o: o.monthly_usd or 0.0)
        strategy = Strategy.REPLATFORM
        unverified = best_option.price_status is PriceStatus.UNVERIFIED
        rationale = (
            f"replatform to {best_option.service} ({best_option.tier}, "
            f"~{best_option.monthly_usd:,.0f} USD/month{', unverified price' if unverified else ''}"
            "), the cheapest ready managed target"
        )
    else:
        strategy = Strategy.REHOST
        first = next((o for o in options if o.issues), None)
        why = f"{first.service}: {first.issues[0]}" if first else "no managed target for the engine"
        rationale = f"rehost on a VM with the same engine: no managed target is ready ({why})"
    return DbAssessment(
        key=inv.key,
        engine=inv.engine,
        version=inv.version,
        size_gib=round(inv.size_bytes / GIB, 3),
        need_vcpus=vcpus,
        need_memory_gib=round(memory, 1),
        options=tuple(options),
        strategy=strategy.value,
        rationale=rationale,
    )
