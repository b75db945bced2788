"""``skylift db copy|cutover|verify|assess``: move a PostgreSQL or MySQL/MariaDB database."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Annotated

import typer

from skylift.cli.context import JSON_OPTION, open_workspace
from skylift.cli.exits import Finished, Outcome
from skylift.cli.output import emit, err, out
from skylift.domain.database import (
    CopyResult,
    CutoverResult,
    DbAssessment,
    DbCopyOptions,
    PriceStatus,
    TableCopy,
    VerifyResult,
)

app = typer.Typer(
    help=(
        "Copy, cut over and verify databases (PostgreSQL, MySQL/MariaDB); "
        "assess managed targets.\n\n"
        "Passwords never go on the command line: set SKYLIFT_SOURCE_PASSWORD and "
        "SKYLIFT_TARGET_PASSWORD (or PGPASSWORD / MYSQL_PWD), or pass --password-file "
        "(lines host:port:database:user:password).\n\n"
        "Examples:\n\n"
        "  skylift discover db postgresql://app@db1:5432/shop\n\n"
        "  skylift db assess\n\n"
        "  skylift db copy postgresql://app@db1/shop postgresql://admin@new-db/shop --jobs 4\n\n"
        "  skylift db copy SRC DST --online, skylift db status SRC DST, then "
        "skylift db cutover SRC DST\n\n"
        "  skylift db verify SRC DST --checksum"
    ),
    no_args_is_help=True,
)

PASSFILE = typer.Option(
    "--password-file", help="File of host:port:database:user:password lines (.pgpass format)."
)
JOBS = typer.Option("--jobs", "-j", min=1, max=64, help="Parallel workers.")


class _Events:
    """Per-table lines and lag on stderr while a copy runs (nothing with --json)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.moved = 0
        self.lock = threading.Lock()
        self.last = 0.0

    def table_done(self, copy: TableCopy) -> None:
        if not self.quiet:
            skipped = f", {copy.ranges_skipped} resumed" if copy.ranges_skipped else ""
            err.print(
                f"  {copy.table}: {copy.rows:,} rows, {copy.bytes / 1e6:,.1f} MB in "
                f"{copy.ranges} range(s){skipped}, {copy.seconds:.1f} s"
            )

    def bytes_moved(self, amount: int) -> None:
        with self.lock:
            self.moved += amount

    def lag(self, lag_bytes: int) -> None:
        now = time.monotonic()
        if not self.quiet and now - self.last > 1.0:
            self.last = now
            err.print(f"  replication lag: {lag_bytes:,} bytes")


@app.command("copy")
def copy(
    source: Annotated[str, typer.Argument(help="Source URL, e.g. postgresql://user@host/db")],
    target: Annotated[str, typer.Argument(help="Target URL (database created if missing)")],
    jobs: Annotated[int, JOBS] = 4,
    online: Annotated[
        bool, typer.Option("--online", help="Keep replicating after the copy until cutover.")
    ] = False,
    replication_user: Annotated[
        str | None, typer.Option(help="MySQL --online: source account the target replicates as.")
    ] = None,
    split_mb: Annotated[
        int, typer.Option("--split-mb", min=1, help="Copy tables above this size in ranges.")
    ] = 256,
    password_file: Annotated[Path | None, PASSFILE] = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Copy a database: schema, rows in parallel (COPY streams), indexes, sequences, grants.

    Re-running after an interruption resumes: finished tables and ranges are skipped.

    Examples:

      skylift db copy postgresql://app@old/shop postgresql://admin@new/shop -j 4

      skylift db copy mysql://root@old/shop mysql://root@new/shop --online --replication-user repl
    """
    from skylift.workspace.databases import copy_db

    options = DbCopyOptions(jobs=jobs, online=online, split_bytes=split_mb << 20)
    events = _Events(as_json)
    result = copy_db(source, target, options, password_file, events, replication_user)

    emit(result, as_json, lambda: _render_copy(result))


def _render_copy(result: CopyResult) -> None:
    out.print(
        f"Copied {len(result.tables)} tables, {result.rows:,} rows, "
        f"{result.bytes / 1e6:,.1f} MB in {result.seconds:.1f} s"
        f"{' (resumed)' if result.resumed else ''}; {result.sequences} sequences, "
        f"{result.large_objects} large objects"
    )
    if result.snapshot_position:
        out.print(f"snapshot at the source's binlog position {result.snapshot_position}")
    if result.roles_created:
        out.print(f"roles created without login: {', '.join(result.roles_created)}")
    for w in result.warnings:
        out.print(f"[yellow]warning:[/yellow] {w}")
    if result.online:
        out.print(
            f"replicating; lag {result.lag_bytes or 0:,} bytes. Stop writes, then: "
            "skylift db cutover SRC DST"
        )


@app.command("cutover")
def cutover(
    source: Annotated[str, typer.Argument(help="Source URL of the online copy")],
    target: Annotated[str, typer.Argument(help="Target URL of the online copy")],
    timeout: Annotated[float, typer.Option(help="Seconds to wait for lag 0.")] = 300.0,
    password_file: Annotated[Path | None, PASSFILE] = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Finish an online copy: wait for lag 0 (stop writes first), set sequences, stop replicating.

    Example:

      skylift db cutover postgresql://app@old/shop postgresql://admin@new/shop
    """
    from skylift.workspace.databases import cutover_db

    result = cutover_db(source, target, timeout, password_file, _Events(as_json))
    emit(result, as_json, lambda: _render_cutover(result))
    if result.verify is not None and not result.verify.ok:
        raise Finished(Outcome.DIFFERS)


def _render_cutover(result: CutoverResult) -> None:
    if result.verify is not None and not result.verify.ok:
        out.print("Replication stopped at lag 0 but kept: the target differs from the source.")
        _render_verify(result.verify)
        return
    mysql = result.verify is not None
    counters = "AUTO_INCREMENT counters" if mysql else "sequences"
    out.print(
        f"Cut over: lag 0 after {result.waited_seconds:.1f} s, {result.sequences} {counters} "
        f"set{' and verified (counts, schema)' if mysql else ''}; replication removed. "
        "Point the application at the target."
    )


@app.command("status")
def status(
    source: Annotated[str, typer.Argument(help="Source URL of the online copy")],
    target: Annotated[str, typer.Argument(help="Target URL of the online copy")],
    password_file: Annotated[Path | None, PASSFILE] = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Show an online copy's replication lag (bytes of WAL / binlog not applied yet).

    Example:

      skylift db status mysql://root@old/shop mysql://root@new/shop --json
    """
    from skylift.workspace.databases import status_db

    state = status_db(source, target, password_file)
    lag = "unknown" if state.lag_bytes is None else f"{state.lag_bytes:,} bytes"
    line = f"{'replicating' if state.replicating else 'not replicating'}; lag {lag}"
    emit(state, as_json, lambda: out.print(line + (f" ({state.detail})" if state.detail else "")))


@app.command("verify")
def verify(
    source: Annotated[str, typer.Argument(help="Source URL")],
    target: Annotated[str, typer.Argument(help="Target URL")],
    checksum: Annotated[
        bool, typer.Option("--checksum", help="Compare content hashes per key range.")
    ] = False,
    jobs: Annotated[int, JOBS] = 4,
    password_file: Annotated[Path | None, PASSFILE] = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Compare two databases: schema objects, row counts, and (--checksum) content per key range.

    Exit status 6 when they differ. Example:

      skylift db verify postgresql://app@old/shop postgresql://admin@new/shop --checksum
    """
    from skylift.workspace.databases import verify_db

    result = verify_db(source, target, checksum, jobs, password_file)
    emit(result, as_json, lambda: _render_verify(result))
    if not result.ok:
        raise Finished(Outcome.DIFFERS)


def _render_verify(result: VerifyResult) -> None:
    bad = [t for t in result.tables if not t.ok]
    rate = ""
    if result.checksum:
        rate = f" ({result.bytes_checked / 1e6 / max(result.seconds, 1e-9):,.0f} MB/s)"
    state = "[green]identical[/green]" if result.ok else "[red]DIFFERENT[/red]"
    out.print(
        f"{state}: {len(result.tables)} tables, {len(bad)} differ, "
        f"{len(result.schema_differences)} schema differences in {result.seconds:.1f} s{rate}"
    )
    for d in result.schema_differences[:50]:
        out.print(f"  schema: {d}")
    for t in bad:
        out.print(f"  {t.table}: source {t.source_rows:,} rows, target {t.target_rows:,}")
        for r in t.differing[:20]:
            out.print(
                f"    range [{r.lo or '-inf'}, {r.hi or '+inf'}): "
                f"{r.source_rows:,} vs {r.target_rows:,} rows, content differs"
            )


@app.command("assess")
def assess(
    ctx: typer.Context,
    key: Annotated[
        str | None, typer.Argument(help="A discovered server (engine://host:port)")
    ] = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Readiness per managed target (RDS/Aurora, Flexible Server, Cloud SQL, AlloyDB), price, 7R.

    Example:

      skylift db assess postgresql://db1:5432
    """
    from skylift.workspace.databases import assess_databases

    with open_workspace(ctx) as ws:
        results = assess_databases(ws, key)
    emit(results, as_json, lambda: _render_assessments(results))


#: price marks of the human output, explained in a footnote under the options
_PRICE_MARKS = {
    PriceStatus.DERIVED: (
        "*",
        "derived: computed from a verified price of the same family by the service's billing rule",
    ),
    PriceStatus.UNVERIFIED: (
        "!",
        "UNVERIFIED: a list price recalled without a permissive source; check the provider's page",
    ),
}


def _render_assessments(results: list[DbAssessment]) -> None:
    seen: set[PriceStatus] = set()
    for a in results:
        out.print(
            f"[bold]{a.key}[/bold] {a.engine.value} {a.version}, {a.size_gib:,.2f} GiB, "
            f"needs {a.need_vcpus} vCPU / {a.need_memory_gib} GiB → "
            f"[bold]{a.strategy}[/bold]: {a.rationale}"
        )
        for o in a.options:
            price = "-"
            if o.monthly_usd is not None:
                mark, status = "", o.price_status
                if status is not None and status in _PRICE_MARKS:
                    mark = _PRICE_MARKS[status][0]
                    seen.add(status)
                price = f"{o.tier} ~{o.monthly_usd:,.0f} USD/month{mark}"
            state = "[green]ready[/green]" if o.ready else "[red]not ready[/red]"
            issues = "; " + "; ".join(o.issues) if o.issues else ""
            out.print(f"  {o.service}: {state}, {price}{issues}")
    for status in sorted(seen):
        mark, text = _PRICE_MARKS[status]
        out.print(f"{mark} {text}", markup=False)
