"""The planning stage: inventory (+ assessment) → groups → waves → schedule → strategy."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from skylift.domain.plan import (
    Decommission,
    DeploymentOption,
    MoveGroup,
    Plan,
    PlanningSettings,
    Relaxation,
    Wave,
)
from skylift.domain.progress import NULL_PROGRESS, Progress
from skylift.errors import PlanningError
from skylift.plan.decide import choose
from skylift.plan.groups import build_groups, ordering_edges
from skylift.plan.inputs import PlanInput, ServerFacts, server_facts
from skylift.plan.schedule import Slot, schedule, transfer_hours
from skylift.plan.waves import WaveDraft, assign_waves

_TB = 1024.0


def make_plan(
    inp: PlanInput,
    settings: PlanningSettings,
    progress: Progress = NULL_PROGRESS,
    now: datetime | None = None,
) -> Plan:
    """Plan the migration of every non-retired server; explain every choice."""
    if not inp.servers:
        raise PlanningError(
            "the estate is empty: nothing to plan", "import an inventory first: skylift discover …"
        )
    progress.begin("planning", total=5)
    facts = server_facts(inp)
    relax: list[Relaxation] = _unknown_targets(inp, facts)
    edges = ordering_edges(inp.dependencies, facts, settings)
    progress.advance()
    groups, group_relax, dropped = build_groups(facts, edges, settings)
    relax += group_relax
    progress.advance()
    drafts, wave_relax = assign_waves(groups, settings)
    relax += wave_relax
    progress.advance()
    by_id = {g.id: g for g in groups}
    wave_of_group = {gid: d.number for d in drafts for gid in d.groups}
    wave_of_server = {k: wave_of_group[g.id] for g in groups for k in g.servers}
    all_edges = ordering_edges(
        inp.dependencies, facts, settings.model_copy(update={"infrastructure_ports": ()})
    )
    cross: dict[int, int] = defaultdict(int)
    preds: dict[int, set[int]] = defaultdict(set)
    for a, b in all_edges:
        wa, wb = wave_of_server[a], wave_of_server[b]
        if wa != wb:
            cross[wa] += 1
            cross[wb] += 1
        if (a, b) in edges and (a, b) not in dropped and wb < wa:
            preds[wa - 1].add(wb - 1)
    slots = schedule([d.data_gib for d in drafts], preds, settings)
    progress.advance()
    apps_of = [{a for g in d.groups for a in by_id[g].applications} for d in drafts]
    dev_later: list[set[str]] = [set() for _ in drafts]
    for i in range(len(drafts) - 2, -1, -1):
        nxt = drafts[i + 1]
        dev_later[i] = dev_later[i + 1] | (set() if nxt.production else apps_of[i + 1])
    dev_before: list[set[str]] = []
    devtest_waves_before: list[int] = []
    seen: set[str] = set()
    for i, d in enumerate(drafts):
        dev_before.append(set(seen))
        devtest_waves_before.append(sum(1 for e in drafts[:i] if not e.production))
        if not d.production:
            seen |= apps_of[i]
    waves = [
        _wave(
            d,
            [by_id[g] for g in d.groups],
            facts,
            slots[i],
            cross[d.number],
            settings,
            Rehearsal(
                before=tuple(sorted(apps_of[i] & dev_before[i])) if d.production else (),
                later=tuple(sorted(apps_of[i] & dev_later[i])) if d.production else (),
                devtest_waves_before=devtest_waves_before[i],
            ),
        )
        for i, d in enumerate(drafts)
    ]
    progress.advance()
    progress.end()
    decommission = tuple(
        Decommission(server=s.key, name=s.name, reason=inp.retire[s.key])
        for s in inp.servers
        if s.key in inp.retire
    )
    return Plan(
        created_at=now or datetime.now(UTC),
        groups=tuple(groups),
        waves=tuple(waves),
        decommission=decommission,
        relaxations=tuple(relax),
        total_hours=max((w.end_hour for w in waves), default=0.0),
        lanes=settings.lanes,
        settings={
            "max_servers_per_wave": settings.max_servers_per_wave,
            "max_tb_per_wave": settings.max_tb_per_wave,
            "bandwidth_mbps": settings.bandwidth_mbps,
            "bandwidth_source": settings.bandwidth_source,
            "link_efficiency": settings.link_efficiency,
            "compression_ratio": settings.compression_ratio,
            "cutover_window_hours": settings.cutover_window_hours,
            "lanes": settings.lanes,
        },
        server_names={s.key: s.name for s in inp.servers},
    )


def _unknown_targets(inp: PlanInput, facts: Mapping[str, ServerFacts]) -> list[Relaxation]:
    known = {s.key for s in inp.servers}
    unknown: dict[str, set[str]] = defaultdict(set)
    for d in inp.dependencies:
        if d.source_key not in known:
            unknown[d.source_key].add(d.source_key)
        if d.target_key is not None and d.target_key not in known:
            unknown[d.target_key].add(d.source_key)
        elif d.target_key is None and d.source_key in facts:
            unknown[f"ip:{d.target_ip or '?'}"].add(d.source_key)
    out = []
    for target, sources in sorted(unknown.items()):
        names = sorted(facts[s].name if s in facts else s for s in sources)
        out.append(
            Relaxation(
                constraint="dependency on an unknown server",
                detail=f"{target} is not in the inventory (used by {', '.join(names[:5])}"
                f"{' …' if len(names) > 5 else ''}); ordering ignored — keep it reachable over "
                "the hybrid link or import it",
                servers=tuple(sorted(sources)),
            )
        )
    return out


def wave_options(
    data_gib: float, servers: int, production: bool, criticality: int, settings: PlanningSettings
) -> list[DeploymentOption]:
    """Deployment strategies for one wave with estimated time, cost and risk (lower = better).

    Cost is the engineering effort plus double-running infrastructure, in
    person-hours at a nominal rate; risk is 1 (low) … 3 (high), raised for
    production and critical waves. The constants are documented in docs/plan.md.
    """
    xfer = transfer_hours(data_gib, settings)
    cut = settings.cutover_window_hours
    base_cost = 120.0 * servers  # effort: rebuild, test, switch per server
    stake = (1.0 if production else 0.5) * (1.0 + (criticality - 1) * 0.25)
    return [
        DeploymentOption(
            name="big-bang",
            time_hours=xfer + cut,
            cost=base_cost,
            risk=min(3.0, 1.5 + 1.5 * stake),
            downtime_hours=cut,
            note="everything switches in one window",
        ),
        DeploymentOption(
            name="phased",
            time_hours=xfer + 2 * cut,
            cost=base_cost * 1.25,
            risk=min(3.0, 1.2 + stake),
            downtime_hours=cut / 2,
            note="groups switch in successive windows",
        ),
        DeploymentOption(
            name="blue-green",
            time_hours=xfer + cut + 72,
            cost=base_cost * 1.8,
            risk=min(3.0, 0.6 + 0.4 * stake),
            downtime_hours=0.25,
            note="run old and new in parallel, switch traffic, keep the old for rollback",
        ),
        DeploymentOption(
            name="canary",
            time_hours=xfer + cut + 48,
            cost=base_cost * 1.5,
            risk=min(3.0, 0.8 + 0.5 * stake),
            downtime_hours=0.0,
            note="shift traffic gradually while watching error rates",
        ),
    ]


@dataclass(frozen=True)
class Rehearsal:
    """What dev/test there is around a production wave, from the plan itself.

    ``before``: its applications whose dev/test moved in an earlier wave;
    ``later``: those whose dev/test can only follow; ``devtest_waves_before``:
    earlier dev/test waves of any application.
    """

    before: tuple[str, ...] = ()
    later: tuple[str, ...] = ()
    devtest_waves_before: int = 0


def production_reason(rehearsal: Rehearsal, servers: int, unknown_environment: int) -> str:
    """Why a production wave is what it is, claiming only what the data shows.

    Servers without an environment are planned as production (the conservative
    choice) and the label says so; "after its dev/test rehearsal" only when a
    dev/test wave of the same applications really comes first.
    """
    if unknown_environment >= servers:
        head = (
            f"environment unknown for {'the' if servers == 1 else f'all {servers}'} "
            f"server{'s' if servers != 1 else ''}: planned as production (the conservative "
            "choice; tag environments to plan dev/test first)"
        )
    elif unknown_environment:
        head = (
            f"production ({unknown_environment} of {servers} servers have no environment "
            "and are planned as production)"
        )
    else:
        head = "production"
    if rehearsal.before:
        return f"{head} after its dev/test rehearsal ({', '.join(rehearsal.before[:4])})"
    if rehearsal.later:
        return (
            f"{head}; the dev/test of {', '.join(rehearsal.later[:4])} can only follow "
            "(it depends on production servers)"
        )
    if rehearsal.devtest_waves_before:
        return f"{head}; no dev/test copy of its applications to rehearse on"
    return f"{head}; no dev/test wave to rehearse on"


def _wave(
    d: WaveDraft,
    groups: list[MoveGroup],
    facts: Mapping[str, ServerFacts],
    slot: Slot,
    cross: int,
    settings: PlanningSettings,
    rehearsal: Rehearsal,
) -> Wave:
    servers = tuple(k for g in groups for k in g.servers)
    apps = sorted({a for g in groups for a in g.applications})
    crit = max((g.criticality for g in groups), default=1)
    complexity = max((g.complexity for g in groups), default=1)
    confidence = sum(facts[k].confidence for k in servers) / max(1, len(servers))
    with_data = sum(1 for k in servers if facts[k].has_data)
    coverage = with_data / max(1, len(servers))
    unknown_env = sum(1 for k in servers if not facts[k].environment_known)
    reasons: list[str] = []
    if d.pilot:
        reasons.append("pilot: small, low-risk dev/test servers to prove the process")
    elif not d.production:
        reasons.append("dev/test before production")
    else:
        reasons.append(production_reason(rehearsal, len(servers), unknown_env))
    if apps:
        reasons.append(
            f"applications kept together: {', '.join(apps[:6])}{' …' if len(apps) > 6 else ''}"
        )
    deps = sorted({dep for g in groups for dep in g.depends_on} - set(d.groups))
    if deps:
        reasons.append(f"after the {len(deps)} group(s) it depends on")
    risks = list(d.risks)
    if slot.transfer_hours > settings.cutover_window_hours:
        risks.append(
            f"data ({d.data_gib / _TB:.2f} TB) needs {slot.transfer_hours:.1f} h at "
            f"{settings.bandwidth_mbps:g} Mbit/s, longer than the "
            f"{settings.cutover_window_hours:g} h cutover window: "
            "replicate continuously and cut over on the delta"
        )
    if coverage < 0.8:
        risks.append(
            f"data coverage {coverage:.0%} ({with_data} of {len(servers)} servers have "
            "utilisation data): sizes and dependencies may be incomplete"
        )
    if cross:
        risks.append(
            f"{cross} dependency edge(s) cross into other waves: keep the hybrid link "
            "until both sides have moved"
        )
    level = "low"
    if risks or crit >= 4 or complexity >= 4:
        level = "medium"
    if len(risks) >= 3 or (d.production and crit >= 4 and complexity >= 4):
        level = "high"
    priority = round(
        100.0 * (1.0 - (d.number - 1) / max(1, d.number + 5)) * (0.5 + 0.5 * confidence), 1
    )
    options = wave_options(d.data_gib, len(servers), d.production, crit, settings)
    pick = choose(
        options, settings.strategy_weights, settings.max_risk, settings.max_downtime_hours
    )
    return Wave(
        number=d.number,
        name=f"wave {d.number}" + (" (pilot)" if d.pilot else ""),
        groups=tuple(d.groups),
        servers=servers,
        production=d.production,
        pilot=d.pilot,
        data_gib=round(d.data_gib, 3),
        priority=priority,
        confidence=round(confidence, 3),
        data_coverage=round(coverage, 3),
        unknown_environment=unknown_env if d.production else 0,
        risk=level,
        reasons=tuple(reasons),
        risks=tuple(risks),
        cross_wave_dependencies=cross,
        transfer_hours=round(slot.transfer_hours, 3),
        cutover_hours=slot.cutover_hours,
        start_hour=round(slot.start_hour, 3),
        end_hour=round(slot.end_hour, 3),
        lane=slot.lane,
        strategy=pick.chosen,
    )
