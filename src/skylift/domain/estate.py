"""Estate-wide totals computed from servers (pure)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Container, Iterable

from pydantic import BaseModel, ConfigDict

from skylift.domain.inventory import PowerState, Server


class InventoryTotals(BaseModel):
    """Totals over an estate, as ``skylift inventory`` prints them.

    ``with_series`` counts servers that have utilisation time series;
    ``with_summary_util`` those with at least a single utilisation figure;
    ``with_utilisation`` those with either (:func:`has_utilisation_data`).
    """

    model_config = ConfigDict(frozen=True)

    servers: int
    cores: int
    memory_gib: float
    provisioned_gib: float
    used_gib: float
    used_known: int
    powered_on: int
    powered_off: int
    os_families: dict[str, int]
    environments: dict[str, int]
    applications: int
    with_series: int
    with_summary_util: int
    dependencies: int
    with_utilisation: int = 0

    @property
    def data_coverage_pct(self) -> float:
        """Share of servers with any utilisation data (series or summary), 0–100."""
        if self.servers == 0:
            return 0.0
        return 100.0 * self.with_utilisation / self.servers


def has_utilisation_data(server: Server, series_keys: Container[str]) -> bool:
    """The one definition of data coverage (inventory and plan): a utilisation time
    series, or at least one summary utilisation figure (CPU or memory)."""
    return (
        server.key in series_keys
        or server.cpu_util_pct is not None
        or server.mem_util_pct is not None
    )


def summarise(
    servers: Iterable[Server], series_keys: frozenset[str], dependencies: int
) -> InventoryTotals:
    """Add up cores, memory, storage, power states and OS families over ``servers``."""
    n = cores = on = off = used_known = with_series = with_util = with_any = 0
    mem_mib = prov = used = 0.0
    families: Counter[str] = Counter()
    envs: Counter[str] = Counter()
    apps: set[str] = set()
    for s in servers:
        n += 1
        cores += s.cores or 0
        mem_mib += s.memory_mib or 0.0
        prov += s.provisioned_gib
        u = s.used_gib
        if u is not None:
            used += u
            used_known += 1
        if s.power_state is PowerState.ON:
            on += 1
        elif s.power_state is PowerState.OFF:
            off += 1
        families[s.os_family.value] += 1
        envs[s.environment.value] += 1
        if s.application:
            apps.add(s.application)
        if s.key in series_keys:
            with_series += 1
        if s.cpu_util_pct is not None or s.mem_util_pct is not None:
            with_util += 1
        if has_utilisation_data(s, series_keys):
            with_any += 1
    return InventoryTotals(
        servers=n,
        cores=cores,
        memory_gib=mem_mib / 1024.0,
        provisioned_gib=prov,
        used_gib=used,
        used_known=used_known,
        powered_on=on,
        powered_off=off,
        os_families=dict(families.most_common()),
        environments=dict(envs.most_common()),
        applications=len(apps),
        with_series=with_series,
        with_summary_util=with_util,
        dependencies=dependencies,
        with_utilisation=with_any,
    )
