"""``skylift decompose``: propose microservices from a monolith's code, tables and traces."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from skylift.cli.context import JSON_OPTION, global_options
from skylift.cli.output import RichProgress, emit, out

if TYPE_CHECKING:
    from skylift.workspace.decomposing import DecomposeResult

DECOMPOSE_HELP = """Read a Java or Python monolith (classes, calls, inheritance, the tables each
class touches, HTTP entry points), weigh it with runtime traces when given, and
propose services: per service its classes, entry points, owned and shared
tables and crossing calls; a score card (SM, ICP, BCP, IFN, NED); each class's
strongest ties and the moves that most cut cross-service calls.

Examples:

  skylift decompose src/main/java

  skylift decompose shop/ --traces traces/ --k 4 --compose services.compose.yml

  skylift decompose app/ --json | jq '.score'
"""


def decompose(
    ctx: typer.Context,
    source: Annotated[Path, typer.Argument(help="The monolith's source folder (or a file).")],
    traces: Annotated[
        Path | None, typer.Option(help="Folder of call chains per use case (JSON/CSV/OTel).")
    ] = None,
    k: Annotated[int | None, typer.Option("--k", help="Number of services.", min=1)] = None,
    compose: Annotated[
        Path | None, typer.Option(help="Write a skeleton compose file (one service each).")
    ] = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Propose microservices for a monolith."""
    from skylift.workspace.decomposing import DecomposeRequest, decompose_source

    request = DecomposeRequest(source, traces, k, compose, global_options(ctx).workspace)
    with RichProgress(enabled=not as_json) as progress:
        result = decompose_source(request, progress)
    emit(result.as_json(), as_json, lambda: _render(result))


def _render(result: DecomposeResult) -> None:
    d = result.decomposition
    table = Table("service", "classes", "entry points", "owns tables", "shares tables", "calls out")
    for s in d.services:
        table.add_row(s["name"], str(len(s["classes"])), str(len(s["entry_points"])),
                      ", ".join(s["owned_tables"]), ", ".join(s["shared_tables"]),
                      str(len(s["calls_out"])))  # fmt: skip
    out.print(f"{d.units} classes → {len(d.services)} services ({d.criterion})")
    out.print(table)
    c = d.score
    bcp = "-" if c.bcp is None else f"{c.bcp:.3f}"
    out.print(f"SM {c.sm:.3f} (higher better) · ICP {c.icp:.3f} · BCP {bcp} · "
              f"IFN {c.ifn:.2f} · NED {c.ned:.3f} (lower better)")  # fmt: skip
    for m in d.moves:
        out.print(f"move {m['class']}: service {m['from'] + 1} → {m['to'] + 1} "
                  f"cuts crossing weight by {m['cut']}")  # fmt: skip
    for bad in d.unparseable:
        out.print(f"[yellow]skipped (does not parse):[/yellow] {bad}")
    if d.unknown_in_traces:
        out.print(f"[yellow]traces name unknown classes:[/yellow] {', '.join(d.unknown_in_traces)}")
    for kind, path in result.files.items():
        out.print(f"Wrote {kind}: {path}")
