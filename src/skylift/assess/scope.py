"""Which servers the cost totals cover: powered-off VMs are retire candidates.

A VM reported powered off (or suspended) does no work today; costing it 24×7 in
the cloud and migrating it would inflate the business case. Unless the policy
includes them (``assess.include_powered_off``, ``--include-powered-off``), such
servers are sized and priced for reference, but their strategy is retire
(candidate), they are left out of the cost totals and the TCO (both the cloud
and the on-premises side) with the reason in ``cost_scope``, and the planner
keeps them out of waves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from skylift.domain.inventory import PowerState, Server

#: Power states treated as powered off.
POWERED_OFF = (PowerState.OFF.value, PowerState.SUSPENDED.value)

#: ``cost_scope`` of a powered-off server left out of the totals.
POWERED_OFF_REASON = (
    "powered off: retire candidate, not in the cost totals or TCO "
    "(--include-powered-off or assess.include_powered_off to cost and migrate it)"
)


def is_powered_off(server: Server) -> bool:
    """True for a VM reported powered off or suspended."""
    return server.power_state.value in POWERED_OFF


def cost_scope_expr(include_powered_off: bool) -> pl.Expr:
    """``cost_scope``: null for servers in the totals, else why not (needs ``power_state``)."""
    if include_powered_off:
        return pl.lit(None, pl.String).alias("cost_scope")
    return (
        pl.when(pl.col("power_state").is_in(list(POWERED_OFF)))
        .then(pl.lit(POWERED_OFF_REASON))
        .otherwise(pl.lit(None, pl.String))
        .alias("cost_scope")
    )


def powered_off_retire(
    servers: Sequence[Server], retire: Mapping[str, str], include_powered_off: bool
) -> dict[str, str]:
    """The planner's retire map: ``retire`` plus powered-off servers (unless included).

    With ``include_powered_off``, entries an assessment made only because a
    server was powered off are dropped, so those servers get a wave.
    """
    if include_powered_off:
        return {k: v for k, v in retire.items() if not v.startswith("powered off")}
    out = {s.key: POWERED_OFF_REASON for s in servers if is_powered_off(s)}
    out.update(retire)
    return out
