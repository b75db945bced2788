"""Who runs a tracked transfer, and whether that process is still there (#12).

A run is recorded with its owner: the process id, the process's start time (from
``/proc/<pid>/stat``, with the boot id, so a pid reused by another process, or
after a reboot, is not mistaken for the owner, the machine id, so another machine
with the same host name on a shared state store is not taken for this one rebooted,
and the PID namespace, so a container sharing the host name does not judge pids it
cannot see) and the host name. A run killed
outright (SIGKILL, the OOM killer, a power cut) never writes its outcome and would
stay "running" forever; :func:`reap` marks such a run ``failed`` with the reason
``killed: …`` (and its servers ``failed``, unless a later run moved them since).
It runs when runs are listed (``snapshot``, the dashboard's live runs) and when a
new run to the same destination starts. A run owned by another host, or recorded
before owners were (no pid), cannot be checked here: it is marked only once it has
recorded no progress for :data:`STALE_S` (a live run writes its counters every second).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from skylift.domain.migration import MigrationState

#: A running run whose process cannot be checked here (another host, or recorded before
#: owners were) and that has not written its counters (every second) for this long is
#: taken for gone: a live run that was only cut off from the store sets its outcome at its end.
STALE_S = 15 * 60.0


class OwnedStore(Protocol):
    """The reads and writes :func:`reap` needs (both tracking stores have them)."""

    def running(self, destination: str | None) -> list[dict[str, Any]]: ...
    def end_run(self, run_id: str, values: Mapping[str, Any]) -> bool: ...
    def last_run_of(self, server: str) -> str | None: ...
    def insert_events(self, rows: Sequence[Mapping[str, Any]]) -> None: ...


@functools.cache
def _host() -> str:
    """This machine's name, as ``socket.gethostname()`` gives it (``uname``'s node name,
    without importing socket on a transfer's critical path, #12)."""
    return os.uname().nodename


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()[:8]
    except OSError:
        return ""


@functools.cache
def _machine_id() -> str:
    for name in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        try:
            return Path(name).read_text().strip()[:8]
        except OSError:
            continue
    return ""


@functools.cache
def _pid_space() -> str:
    """This process's PID namespace: a pid recorded in another one (a container sharing
    the host name) names another process here."""
    try:
        return os.readlink("/proc/self/ns/pid").removeprefix("pid:[").rstrip("]")
    except OSError:
        return ""


def started(pid: int) -> str | None:
    """When process ``pid`` started (``<clock ticks since boot>@<machine id>@<boot id>@<PID
    namespace>``);
    None when there is no such live process or no ``/proc`` (a zombie counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    fields = stat.rsplit(b")", 1)[-1].split()  # the name in (…) may hold spaces
    if len(fields) < 20 or fields[0] in (b"Z", b"X"):
        return None
    ticks = fields[19].decode()  # field 22: starttime
    return f"{ticks}@{_machine_id()}@{_boot_id()}@{_pid_space()}"


def current() -> dict[str, Any]:
    """This process as a run's owner: ``pid``, ``pid_start`` and ``host`` columns."""
    pid = os.getpid()
    return {"pid": pid, "pid_start": started(pid), "host": _host()}


def ended(pid: int | None, pid_start: str | None, host: str | None) -> bool | None:
    """Whether the owner has ended: True, False, or None when it cannot be told here
    (no pid recorded, another host or machine, another PID namespace)."""
    if pid is None or host != _host():
        return None
    if pid_start is not None and Path("/proc/self/stat").exists():
        recorded = pid_start.split("@")
        if recorded[-1] != _pid_space():
            return None  # recorded in another PID namespace: its pid means nothing here
        if len(recorded) == 4 and recorded[1] != _machine_id():
            return None  # another machine with this host name (a shared state store)
        now = started(pid)
        if now is not None and len(recorded) == 3:  # recorded without the machine id
            ticks, _, rest = now.split("@", 2)
            now = f"{ticks}@{rest}"
        return now != pid_start
    try:
        os.kill(pid, 0)  # no /proc: only whether some process has that id
    except ProcessLookupError:
        return True
    except OSError:  # PermissionError: a process of another user has it
        return False
    return False


def gone(pid: int | None, pid_start: str | None, host: str | None) -> bool:
    """Whether the owner is known to have ended (False when it cannot be told here)."""
    return ended(pid, pid_start, host) is True


def _silent_for(updated_at: datetime | str, now: datetime) -> float:
    """Seconds since the run last wrote its counters (stored UTC, with or without zone)."""
    at = datetime.fromisoformat(updated_at) if isinstance(updated_at, str) else updated_at
    return (now - (at if at.tzinfo is not None else at.replace(tzinfo=UTC))).total_seconds()


def _why_over(row: Mapping[str, Any], now: datetime) -> str | None:
    """Why a running run is over, or None while it may still run."""
    owner = f"process {row['pid']} on {row['host']}" if row["pid"] is not None else None
    state = ended(row["pid"], row["pid_start"], row["host"])
    if state:
        return (
            f"killed: {owner} ended before the run did "
            "(SIGKILL, out of memory or a power cut?); re-run the transfer to resume"
        )
    silent = _silent_for(row["updated_at"], now)
    if state is None and silent >= STALE_S:
        checked = f"{owner} cannot be checked from here" if owner else "its process is unknown"
        return (
            f"killed?: no progress recorded for {silent / 60:.0f} min and {checked}; "
            "re-run the transfer to resume"
        )
    return None


def reap(store: OwnedStore, destination: str | None = None) -> int:
    """Mark the running runs (to ``destination``, or all) whose owner is gone ``failed``
    with a ``killed: …`` reason, and their servers failed; returns how many."""
    from skylift.workspace.tracking import _event  # here: tracking imports this module

    marked = 0
    now = datetime.now(UTC)
    for row in store.running(destination):
        reason = _why_over(row, now)
        if reason is None:
            continue
        values = {"state": "failed", "reason": reason, "finished_at": row["updated_at"]}
        if not store.end_run(row["id"], values | {"rate_bps": 0.0}):
            continue  # it ended (or was marked) meanwhile
        marked += 1
        events = [
            _event(k, MigrationState.FAILED, reason, "transfer", row["id"])
            for k in row["servers"]
            if store.last_run_of(k) == row["id"]  # not moved by a later run since
        ]
        store.insert_events(events)
    return marked
