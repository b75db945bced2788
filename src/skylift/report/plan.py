"""Export waves: a generic CSV, an AWS MGN-style import CSV, JSON."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

from skylift.domain.inventory import Server
from skylift.domain.plan import Plan

GENERIC_COLUMNS = (
    "wave",
    "wave_name",
    "production",
    "group",
    "server_key",
    "server_name",
    "application",
    "environment",
    "data_gib",
    "start_hour",
    "end_hour",
    "lane",
    "strategy",
    "risk",
)

#: Columns of the AWS Application Migration Service import file that skylift fills.
MGN_COLUMNS = (
    "mgn:wave:name",
    "mgn:wave:description",
    "mgn:app:name",
    "mgn:app:description",
    "mgn:server:user-provided-id",
    "mgn:server:platform",
    "mgn:server:fqdn-for-action-framework",
    "mgn:server:tags:skylift-wave",
    "mgn:server:tags:skylift-group",
)


def waves_csv(plan: Plan, servers: Mapping[str, Server]) -> str:
    """One row per migrating server, in wave order."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(GENERIC_COLUMNS)
    group_of = {k: g.id for g in plan.groups for k in g.servers}
    for wave in plan.waves:
        for key in wave.servers:
            s = servers.get(key)
            w.writerow(
                [
                    wave.number,
                    wave.name,
                    wave.production,
                    group_of.get(key, ""),
                    key,
                    plan.server_names.get(key, key),
                    s.application if s else "",
                    s.environment.value if s else "",
                    f"{(s.used_gib or s.provisioned_gib):.1f}" if s else "",
                    wave.start_hour,
                    wave.end_hour,
                    wave.lane,
                    wave.strategy or "",
                    wave.risk,
                ]
            )
    return buf.getvalue()


def mgn_csv(plan: Plan, servers: Mapping[str, Server]) -> str:
    """AWS MGN-style import rows (waves, applications, servers)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(MGN_COLUMNS)
    group_of = {k: g.id for g in plan.groups for k in g.servers}
    for wave in plan.waves:
        desc = "; ".join(wave.reasons)
        for key in wave.servers:
            s = servers.get(key)
            platform = "WINDOWS" if s is not None and s.os_family.value == "windows" else "LINUX"
            app = s.application if s and s.application else f"group-{group_of.get(key, '')}"
            w.writerow(
                [
                    f"skylift-wave-{wave.number:03d}",
                    desc,
                    app,
                    f"skylift group {group_of.get(key)}",
                    key,
                    platform,
                    (s.fqdn or s.name) if s else key,
                    str(wave.number),
                    group_of.get(key, ""),
                ]
            )
    return buf.getvalue()
