"""What ``skylift scan`` checks the migration policies against, read from a workspace.

:func:`policy_input` gathers the ``policies:`` settings, the target regions
(skylift.yaml and the latest assessment), and every server the latest plan
places in a wave with its assessed strategy, utilisation class, the ports it
serves (listening services and observed inbound connections) and its tags.
A workspace without a plan or assessment still gives a value: the plan rules
then have nothing to check and the target's files are checked alone.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from skylift.domain.plan import Plan
from skylift.domain.policy import MigratingServer, PolicyInput, RegionUse
from skylift.errors import InputError, PlanningError
from skylift.security.policies.scanner import PolicyScanner
from skylift.workspace.assessments import AssessmentStore, StoredAssessment
from skylift.workspace.plans import load_plan

if TYPE_CHECKING:
    from skylift.workspace.core import Workspace


def _latest_plan(ws: Workspace) -> Plan | None:
    try:
        return load_plan(ws)
    except PlanningError:  # no plan yet
        return None


def _latest_assessment(ws: Workspace) -> StoredAssessment | None:
    try:
        return AssessmentStore(ws).load()
    except InputError:  # no assessment yet
        return None


def _regions(ws: Workspace, assessment: StoredAssessment | None) -> list[RegionUse]:
    out = [
        RegionUse(cloud=t.cloud.value, region=r, where="skylift.yaml targets")
        for t in ws.settings.targets
        for r in t.regions
    ]
    if assessment is not None:
        pairs = assessment.targets.select("cloud", "region").unique().sort("cloud", "region")
        where = f"assessment run {assessment.run.id}"
        out.extend(RegionUse(cloud=c, region=r, where=where) for c, r in pairs.iter_rows())
    return out


def _classes(assessment: StoredAssessment | None) -> dict[str, tuple[str | None, str | None]]:
    if assessment is None:
        return {}
    frame = assessment.servers.select("server_key", "strategy", "utilisation_class")
    return {k: (s, u) for k, s, u in frame.iter_rows()}


def _ports(ws: Workspace, keys: set[str]) -> dict[str, dict[int, int]]:
    """Per server: port → distinct clients seen connecting to it."""
    clients: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for d in ws.dependencies():
        if d.target_key in keys:
            clients[d.target_key][d.port].add(d.source_key)
    return {k: {p: len(s) for p, s in v.items()} for k, v in clients.items()}


def policy_input(ws: Workspace) -> PolicyInput:
    """The workspace's settings, regions and planned servers as a :class:`PolicyInput`."""
    plan = _latest_plan(ws)
    assessment = _latest_assessment(ws)
    servers: list[MigratingServer] = []
    if plan is not None:
        planned = {key: wave.number for wave in plan.waves for key in wave.servers}
        known = {s.key: s for s in ws.servers() if s.key in planned}
        ports = _ports(ws, set(planned))
        classes = _classes(assessment)
        for key, wave in sorted(planned.items(), key=lambda kv: (kv[1], kv[0])):
            server = known.get(key)
            served = dict(ports.get(key, {}))
            for svc in server.services if server else ():
                served.setdefault(svc.port, 0)
            strategy, utilisation = classes.get(key, (None, None))
            servers.append(
                MigratingServer(
                    key=key,
                    name=plan.server_names.get(key) or (server.name if server else key),
                    wave=wave,
                    strategy=strategy,
                    utilisation_class=utilisation,
                    ports=served,
                    tags=dict(server.tags) if server else {},
                )
            )
    return PolicyInput(
        settings=ws.settings.policies,
        regions=tuple(_regions(ws, assessment)),
        servers=tuple(servers),
        plan_found=plan is not None,
        assessment_found=assessment is not None,
    )


def policy_scanner(ws: Workspace | None) -> PolicyScanner:
    """The policy scanner for ``skylift scan``: the workspace's facts, or defaults outside one."""
    return PolicyScanner(policy_input(ws) if ws is not None else None)
