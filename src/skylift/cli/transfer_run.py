"""Running and rendering ``skylift transfer`` without typer.

Shared by the typer command (:mod:`skylift.cli.transfer`) and the fast path
(:mod:`skylift.cli.fastpath`): the request built from the flags, the one call
into the application layer with a progress bar, the rendering of the plan or
result, and the exit status of an incomplete or interrupted run. Nothing here
imports typer (nor the engine: loading it loads no storage SDK).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skylift.cli import output
from skylift.cli.exits import Finished, Outcome
from skylift.cli.heap import frozen_heap
from skylift.cli.output import emit, load_renderer, start_bar, stderr_may_draw, warm_up
from skylift.domain.text import one_line

if TYPE_CHECKING:
    from rich.progress import Progress as RichProgressBar
    from rich.progress import TaskID

    from skylift.domain.transfer import TransferPlan, TransferResult
    from skylift.workspace.transferring import TransferRequest


class RichTransferProgress:
    """Bytes (with rate and ETA) and objects on stderr; totals grow as the listing streams.

    Workers call it per object and per chunk; the counts are summed under a
    lock and pushed to the bar at most every :data:`_PUSH_EVERY` seconds, so a
    run of many small objects does not spend its time redrawing.
    """

    _PUSH_EVERY = 0.1

    def __init__(self, enabled: bool, warm: Callable[[], None] | None = None) -> None:
        self.enabled = enabled and stderr_may_draw()
        self._warm = warm  # called once the listing is done
        self._lock = threading.Lock()
        self._bar: RichProgressBar | None = None
        self._bytes: TaskID | None = None
        self._objects: TaskID | None = None
        self._total_bytes = 0
        self._total_objects = 0
        self._sent = 0
        self._finished = 0
        self._next_push = 0.0
        self._paths: dict[str, TaskID] = {}

    def __enter__(self) -> RichTransferProgress:
        if self.enabled:
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeRemainingColumn,
                TransferSpeedColumn,
            )

            self._bar = start_bar(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(binary_units=True),
                TransferSpeedColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
            )
            self._bytes = self._bar.add_task("bytes", total=0)
            self._objects = self._bar.add_task("objects", total=0)
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._bar is not None:
            with self._lock:
                self._push_locked()
            self._bar.stop()

    def _push_locked(self) -> None:
        assert self._bar is not None and self._bytes is not None and self._objects is not None
        self._bar.update(self._bytes, total=self._total_bytes, completed=self._sent)
        self._bar.update(self._objects, total=self._total_objects, completed=self._finished)
        self._next_push = time.monotonic() + self._PUSH_EVERY

    def _maybe_push_locked(self) -> None:
        if time.monotonic() >= self._next_push:
            self._push_locked()

    def planned(self, objects: int, nbytes: int) -> None:
        """Grow the totals."""
        if self._bar is None:
            return
        with self._lock:
            self._total_bytes += nbytes
            self._total_objects += objects
            self._maybe_push_locked()

    def sent(self, nbytes: int) -> None:
        """Advance the bytes bar."""
        if self._bar is None:
            return
        with self._lock:
            self._sent += nbytes
            self._maybe_push_locked()

    def listed(self) -> None:
        """The listing is complete: load what the end of the run needs, in the background.

        Not earlier: until here a run of small objects keeps the client's core busy
        listing, and a load then delays the PUTs (#12, docs/benchmarks.md).
        """
        if self._warm is not None:
            warm, self._warm = self._warm, None
            warm()

    def finished(self, objects: int = 1) -> None:
        """Advance the objects bar."""
        if self._bar is None:
            return
        with self._lock:
            self._finished += objects
            self._maybe_push_locked()

    def paths(self, stats: list[Any]) -> None:
        """Relay runs (``relay://``): one line per network path — bytes, rate, RTT, state."""
        if self._bar is None:
            return
        with self._lock:
            for s in stats:
                rtt = "-" if s.rtt_ms is None else f"{s.rtt_ms:.1f} ms"
                line = f"path {s.path} {s.throughput_bps / 2**20:.1f} MiB/s RTT {rtt} {s.state}"
                task = self._paths.get(s.path)
                if task is None:
                    task = self._paths[s.path] = self._bar.add_task(line, total=None)
                self._bar.update(task, description=line, completed=s.bytes_sent)


def show(text: str) -> str:
    """A name or message made safe for one rich line: no control characters, no markup."""
    from rich.markup import escape  # rich loads once there is something to show

    return escape(one_line(text))


def transfer_request(
    source: str, destination: str, workspace: Path | None, flags: Mapping[str, Any]
) -> TransferRequest:
    """The request of ``skylift transfer SOURCE DESTINATION`` from its flags by parameter
    name, as typer or the fast path parsed them: option groups are taken field by field,
    repeatable options become tuples, flags not given (None) keep the request's defaults,
    ``--no-manifest`` turns the manifest off; ``as_json`` is the renderer's, not the run's.
    """
    from skylift.cli.options import OptionGroup
    from skylift.workspace.transferring import TransferRequest

    given: dict[str, Any] = {}
    for name, value in flags.items():
        if isinstance(value, OptionGroup):
            given.update(value.values())
        else:
            given[name] = value
    given.pop("as_json", None)
    given["manifest"] = not given.pop("no_manifest", False)
    known = {f.name for f in fields(TransferRequest)}
    unknown = set(given) - known
    if unknown:
        raise TypeError(f"not flags of skylift transfer: {sorted(unknown)}")
    values: dict[str, Any] = {
        name: tuple(value) if isinstance(value, list | tuple) else value
        for name, value in given.items()
        if value is not None
    }
    return TransferRequest(source, destination, workspace=workspace, **values)


def run_command(request: TransferRequest, as_json: bool) -> None:
    """Run (or plan) the transfer and render it; :class:`Finished` when incomplete."""
    found = _run(request, show_progress=not (as_json or request.dry_run), render=not as_json)
    from skylift.domain.transfer import TransferPlan  # loaded once the data moves (_warm)

    if isinstance(found, TransferPlan):
        plan = found
        emit(plan, as_json, lambda: _render_plan(plan))
        return
    result = found
    emit(result, as_json, lambda: _render_result(result))
    if not result.ok:
        raise Finished(Outcome.TRANSFER_INCOMPLETE)


def _run(
    request: TransferRequest, show_progress: bool, render: bool
) -> TransferPlan | TransferResult:
    """The one application-layer call, with a progress bar; Ctrl-C says how to resume."""
    from skylift.workspace.transferring import transfer_data

    loads = (_load_result_model, load_renderer) if render else (_load_result_model,)
    try:
        with (
            frozen_heap(),
            RichTransferProgress(show_progress, lambda: warm_up(*loads)) as progress,
        ):
            return transfer_data(request, progress)
    except KeyboardInterrupt:
        if request.dry_run:
            raise
        output.err.print(
            "[red]interrupted[/red]: finished objects and parts are in the journal; "
            "re-run the same command to resume"
        )
        raise Finished(Outcome.INTERRUPTED) from None


def _load_result_model() -> None:
    """Import the result's model and build its validator: pydantic (~60 ms of CPU) then
    loads while the first objects travel, not before them nor after the last (#12)."""
    from skylift.domain.transfer import TransferResult

    TransferResult.model_rebuild()


def _render_plan(plan: TransferPlan) -> None:
    out = output.out
    for a in plan.actions[:200]:
        out.print(f"{a.action.value:<6} {show(a.path)}  ({a.size:,} B)")
    if len(plan.actions) > 200 or plan.actions_truncated:
        out.print("… more actions (see --json)")
    out.print(
        f"[bold]Dry run[/bold]: {plan.copy_count} to copy, {plan.update_count} to update, "
        f"{plan.delete_count} to delete, {plan.skip_count} unchanged; "
        f"{plan.bytes_to_send:,} bytes to send. Nothing was written."
    )


def _render_result(result: TransferResult) -> None:
    out = output.out
    out.print(
        f"{'[green]Done[/green]' if result.ok else '[red]Incomplete[/red]'}: "
        f"{result.transferred} transferred ({result.bytes_transferred:,} bytes), "
        f"{result.skipped} unchanged, {result.deleted} deleted, {result.failed} failed"
        f"{f', {result.backed_up} backed up' if result.backed_up else ''}"
        f"{f', {result.parts_resumed} parts resumed' if result.parts_resumed else ''}; "
        f"{result.jobs} jobs, {result.elapsed_s:.1f} s"
    )
    for p in getattr(result, "paths", ()):  # relay:// runs: what each network path carried
        out.print(f"  path {p.path}: {p.bytes_sent:,} B, {p.throughput_bps / 2**20:.1f} MiB/s")
    for w in getattr(result, "workers", ()):  # --engine ray: what each worker moved
        out.print(f"  worker {w.worker}: {w.shards} shards, {w.objects} objects, "
                  f"{w.bytes_sent:,} B, {w.throughput_bps / 2**20:.1f} MiB/s")  # fmt: skip
    if result.manifest:
        out.print(f"Manifest: {show(result.destination.rstrip('/'))}/{result.manifest}")
    for f in result.failures[:50]:
        kind = show(f"[{f.kind}]")
        out.print(f"[red]failed[/red] {show(f.path)}: {show(f.error)} {kind}")
    if result.failed > 50:
        out.print(f"… {result.failed - 50} more failures (see --json)")
    render_warnings(result.warnings, result.warnings_count)


def render_warnings(warnings: tuple[str, ...], count: int) -> None:
    """Every warning on stderr (all of them: a skipped link must not go unnoticed)."""
    err = output.err
    for w in warnings:
        err.print(f"[yellow]warning:[/yellow] {show(w)}")
    if count > len(warnings):
        err.print(f"[yellow]warning:[/yellow] … {count - len(warnings)} more (see --json)")
