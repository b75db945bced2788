"""Migration tracking: which server is where, recorded as transfers and verifies run.

The API other stages' front ends call:

- :func:`record` — one server (name, FQDN, IP or key) moves to a state, with a
  reason (``verify service`` records ``verified`` or ``failed`` here);
- :func:`start_transfer` — a :class:`RunTracker` that is also the transfer's
  progress callback: it keeps the run's counters in the store about once a
  second (``tracking_runs`` + ``tracking_samples``), marks the run's servers
  ``transferring`` and, at the end, ``transferred`` or ``failed``;
- :func:`record_verify` — a data verification of SRC→DST marks the servers of
  the latest transfer between the same endpoints ``verified`` or ``failed``;
- :func:`snapshot` — the state of every planned server, per wave, overall, and
  the runs with their throughput (what ``skylift serve`` streams).

A transfer names its servers with ``--server NAME`` (repeatable) and/or
``--wave N`` (every server the latest plan puts in that wave). A run without
either is still tracked as a run, but moves no server. Endpoints are stored
without user info, query or fragment (they may hold credentials).
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

from skylift.domain.migration import STATE_ORDER, MigrationState
from skylift.errors import InputError, PlanningError, SkyliftError, WorkspaceNotFoundError
from skylift.workspace.tracking_owner import reap

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from skylift.domain.plan import Plan
    from skylift.domain.tracking import RunTrack, TrackingSnapshot
    from skylift.domain.transfer import CompareResult
    from skylift.transfer.progress import TransferProgress
    from skylift.workspace.core import Workspace

#: Seconds between two writes of a running transfer's counters.
FLUSH_INTERVAL_S = 1.0
#: The rate (and so the ETA) is the average over about this many seconds: objects
#: and parts report their bytes as they finish, so one second alone saw-tooths.
RATE_WINDOW_S = 5.0
#: Longest wait of a deferred tracker before it opens the store (a run that only
#: lists, finding everything unchanged, or lists for long, still shows up while it runs).
DEFER_S = 1.0
#: Samples kept per run in a snapshot (the newest).
SAMPLES_SHOWN = 600


def endpoint(url: str) -> str:
    """``url`` without user info, query and fragment (they may hold credentials).

    A password typed with an unescaped ``/``, ``?`` or ``#`` (not a valid URL, but
    typed) is dropped too (:func:`skylift.storage.urls.redact_url` decides).
    """
    scheme, sep, _ = url.partition("://")
    if not sep or len(scheme) <= 1:  # a local path (or C:\\…)
        return url
    from skylift.storage.urls import redact_url

    rest = redact_url(url).partition("://")[2].split("#", 1)[0]
    return f"{scheme}://{rest.removeprefix('…@')}"


def _elided(url: str) -> bool:
    """The stored endpoint hides where ``url`` goes (``sftp://host:…``: an '@' after a
    port, maybe a typed password's): it names no single place, so a run found by it may be
    another destination's (#12, review) - such a verify is not attributed to servers."""
    return "…" in endpoint(url) and "…" not in url


def new_run_id() -> str:
    """A random run id as ``uuid.uuid4().hex`` makes it (importing uuid loads
    ``platform``: ~1.5 ms of a transfer's start)."""
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40  # version 4
    raw[8] = raw[8] & 0x3F | 0x80  # the RFC 4122 variant
    return raw.hex()


def _now() -> datetime:
    return datetime.now(UTC)


def _resolve(ws: Workspace, servers: Sequence[str], wave: int | None) -> list[str]:
    """Server keys for names/keys given and the servers of ``wave`` in the latest plan."""
    plan = _plan(ws)
    keys: list[str] = []
    if wave is not None:
        found = next((w for w in plan.waves if w.number == wave), None) if plan else None
        if found is None:
            known = ", ".join(str(w.number) for w in plan.waves) if plan else "none (no plan)"
            raise InputError(f"--wave {wave}: no such wave", f"waves of the latest plan: {known}")
        keys.extend(found.servers)
    if servers:
        index = ws.store.server_index()
        for name in servers:
            key = index.lookup(name)
            if key is None:
                raise InputError(
                    f"--server {name!r}: not in the workspace's inventory",
                    "give a server name, FQDN or IP that 'skylift inventory' lists",
                )
            keys.append(key)
    return list(dict.fromkeys(keys))


def _plan(ws: Workspace) -> Plan | None:
    from skylift.workspace.plans import load_plan

    try:
        return load_plan(ws)
    except PlanningError:
        return None


def _events(engine: Engine, rows: list[dict[str, Any]]) -> None:
    from sqlalchemy import insert

    from skylift.workspace.tables_tracking import tracking_events

    if rows:
        with engine.begin() as conn:
            conn.execute(insert(tracking_events), rows)


def _event(
    server: str,
    state: MigrationState,
    reason: str,
    origin: str,
    run_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "at": _now(),
        "server": server,
        "state": state.value,
        "reason": reason,
        "origin": origin,
        "run_id": run_id,
        "detail": detail or {},
    }


def record(
    ws: Workspace,
    server: str,
    state: MigrationState | str,
    reason: str = "",
    origin: str = "api",
    detail: dict[str, Any] | None = None,
) -> str:
    """Record that ``server`` (name, FQDN, IP or key) is now in ``state``; returns its key.

    InputError when the server is not in the inventory or the state is unknown.
    """
    try:
        chosen = MigrationState(state)
    except ValueError as exc:
        raise InputError(
            f"unknown migration state {state!r}",
            "one of: " + ", ".join(s.value for s in MigrationState),
        ) from exc
    key = ws.store.server_index().lookup(server)
    if key is None:
        raise InputError(
            f"server {server!r} is not in the workspace's inventory",
            "give a server name, FQDN or IP that 'skylift inventory' lists",
        )
    _events(ws.store.engine, [_event(key, chosen, reason, origin, detail=detail)])
    return key


class RunTracker:
    """A transfer's progress callback that also keeps its counters in the store.

    Forwards every call to ``inner`` (the CLI's bar). A background thread opens
    the store and records the run (``opener``), then writes the counters every
    :data:`FLUSH_INTERVAL_S`: the transfer never waits for the store to open,
    and the engine's workers only add to integers under a lock. The store is a
    :class:`~skylift.workspace.tracking_sqlite.SqliteTracking` (stdlib ``sqlite3``)
    when the workspace's SQLite store is at the head revision, else an
    :class:`EngineTracking` (SQLAlchemy, which migrates an older store).
    """

    def __init__(
        self,
        opener: Callable[[], TrackingStore] | None,
        run_id: str,
        servers: Sequence[str],
        inner: TransferProgress | None,
        defer: bool = False,
    ) -> None:
        self._opener = opener
        # ``defer``: the thread opens the store once the listing is done (or after
        # DEFER_S), so its work does not delay the requests of a run's start: until the
        # listing ends a run of small objects keeps a one-core client busy (#12)
        self._moving = threading.Event()
        if not defer:
            self._moving.set()
        self.store: TrackingStore | None = None
        self.run_id = run_id
        self.servers = tuple(servers)
        self.inner = inner
        self._lock = threading.Lock()
        self._objects_total = self._objects_done = self._bytes_total = self._bytes_done = 0
        self._window: deque[tuple[float, int]] = deque([(time.monotonic(), 0)])
        self._rate = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: str | None = None  # the last store error (tracking never fails a transfer)

    # ---- TransferProgress ----------------------------------------------------

    def planned(self, objects: int, nbytes: int) -> None:
        """More work found."""
        with self._lock:
            self._objects_total += objects
            self._bytes_total += nbytes
        if self.inner is not None:
            self.inner.planned(objects, nbytes)

    def sent(self, nbytes: int) -> None:
        """Bytes written."""
        with self._lock:
            self._bytes_done += nbytes
        if self.inner is not None:
            self.inner.sent(nbytes)

    def finished(self, objects: int = 1) -> None:
        """Objects done."""
        with self._lock:
            self._objects_done += objects
        if self.inner is not None:
            self.inner.finished(objects)

    def listed(self) -> None:
        """The listing is complete: a deferred store opens now; passed on to ``inner``
        (:func:`skylift.transfer.progress.listing_done`)."""
        self._moving.set()
        if self.inner is not None:
            from skylift.transfer.progress import listing_done

            listing_done(self.inner)

    # ---- the run's lifetime ---------------------------------------------------

    def __enter__(self) -> RunTracker:
        if self._opener is not None:
            self._thread = threading.Thread(target=self._loop, name="skylift-tracking", daemon=True)
            self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None:
            self.done(False, _failure_reason(exc))

    def done(self, ok: bool, reason: str = "", failed: int = 0) -> None:
        """End the run: final counters, run state, and each server's new state."""
        self._stop.set()
        self._moving.set()  # a deferred store still opens: the run is recorded
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        store = self.store
        if store is None:
            return
        state = MigrationState.TRANSFERRED if ok else MigrationState.FAILED
        reason = "" if ok else reason
        self._write(final="succeeded" if ok else "failed", reason=reason, failed=failed)
        events = [_event(k, state, reason, "transfer", self.run_id) for k in self.servers]
        self._guard(lambda: store.insert_events(events))
        store.dispose()
        self.store = None

    def _loop(self) -> None:
        assert self._opener is not None
        self._moving.wait(DEFER_S)
        try:
            self.store = self._opener()
        except SkyliftError as exc:  # no tracking, the data still moves (the CLI warns)
            self.error = exc.message or f"{type(exc).__name__}: {exc}"
            return
        except Exception as exc:  # e.g. SQLAlchemyError, an unwritable state folder
            self.error = f"{type(exc).__name__}: {exc}"
            return
        while not self._stop.wait(FLUSH_INTERVAL_S):
            self._write()

    def _guard(self, fn: Callable[[], None]) -> None:
        assert self.store is not None
        try:
            fn()
        except self.store.errors as exc:  # a busy or read-only store must not stop the data
            self.error = f"{type(exc).__name__}: {exc}"

    def _write(self, final: str | None = None, reason: str = "", failed: int = 0) -> None:
        with self._lock:
            counts = (
                self._objects_total,
                self._objects_done,
                self._bytes_total,
                self._bytes_done,
            )
        now_m = time.monotonic()
        self._window.append((now_m, counts[3]))
        while len(self._window) > 2 and now_m - self._window[1][0] >= RATE_WINDOW_S:
            self._window.popleft()  # keep about RATE_WINDOW_S seconds
        then_m, then_b = self._window[0]
        if now_m - then_m > 0.2:
            self._rate = max(0.0, (counts[3] - then_b) / (now_m - then_m))
        now = _now()
        values: dict[str, Any] = {
            "updated_at": now,
            "objects_total": counts[0],
            "objects_done": counts[1],
            "bytes_total": counts[2],
            "bytes_done": counts[3],
            "rate_bps": 0.0 if final else self._rate,
        }
        if final:
            values |= {"state": final, "reason": reason, "finished_at": now, "failed": failed}
        store = self.store
        assert store is not None
        sample = {"run_id": self.run_id, "at": now, "bytes_done": counts[3], "rate_bps": self._rate}
        self._guard(lambda: store.write(self.run_id, values, sample))


def untracked_warning(error: str) -> str:
    """One line for a run the state store did not record (or only in part): what failed,
    and where to look; credentials in a URL of the message are left out."""
    shown = re.sub(r"://[^/@\s]*@", "://", error)
    return (
        f"this run is not tracked in the state store ({shown}); the data moved, but "
        "skylift serve and report will not show it: check state.url in skylift.yaml "
        "or $SKYLIFT_STATE__URL"
    )


def _failure_reason(exc: BaseException) -> str:
    """Why a run ended early, in a few words (Ctrl-C: "interrupted")."""
    if isinstance(exc, SkyliftError):
        return exc.message or type(exc).__name__
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class TrackingStore(Protocol):
    """Where a :class:`RunTracker` writes (SQLAlchemy, or ``sqlite3`` on the hot path)."""

    errors: tuple[type[Exception], ...]  # what a busy or read-only store raises

    def insert_events(self, rows: Sequence[Mapping[str, Any]]) -> None: ...
    def write(self, run_id: str, values: Mapping[str, Any], sample: Mapping[str, Any]) -> None: ...
    def dispose(self) -> None: ...


class EngineTracking:
    """The tracking tables through SQLAlchemy (any store; opened and migrated)."""

    def __init__(self, engine: Engine) -> None:
        from sqlalchemy.exc import SQLAlchemyError

        self.engine = engine
        self.errors: tuple[type[Exception], ...] = (SQLAlchemyError,)

    def insert_events(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Add server state events (one transaction)."""
        _events(self.engine, [dict(r) for r in rows])

    def write(self, run_id: str, values: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        """Update the run's counters and add a throughput sample (one transaction)."""
        from sqlalchemy import insert, update

        from skylift.workspace.tables_tracking import tracking_runs, tracking_samples

        with self.engine.begin() as conn:
            conn.execute(update(tracking_runs).where(tracking_runs.c.id == run_id).values(values))
            conn.execute(insert(tracking_samples).values(sample))

    def running(self, destination: str | None) -> list[dict[str, Any]]:
        """The runs still marked running (to ``destination``, or all), with their owner."""
        from sqlalchemy import select

        from skylift.workspace.tables_tracking import tracking_runs as r

        query = select(r.c.id, r.c.pid, r.c.pid_start, r.c.host, r.c.servers, r.c.updated_at)
        query = query.where(r.c.state == "running")
        if destination is not None:
            query = query.where(r.c.destination == destination)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def end_run(self, run_id: str, values: Mapping[str, Any]) -> bool:
        """Set ``values`` on the run if it is still running; whether it was."""
        from sqlalchemy import update

        from skylift.workspace.tables_tracking import tracking_runs as r

        with self.engine.begin() as conn:
            done = conn.execute(
                update(r).where(r.c.id == run_id, r.c.state == "running").values(dict(values))
            )
        return done.rowcount == 1

    def last_run_of(self, server: str) -> str | None:
        """The run of ``server``'s latest state event (None: not by a run, or none)."""
        from sqlalchemy import select

        from skylift.workspace.tables_tracking import tracking_events as e

        query = select(e.c.run_id).where(e.c.server == server).order_by(e.c.id.desc()).limit(1)
        with self.engine.connect() as conn:
            return conn.execute(query).scalar()

    def dispose(self) -> None:
        """Release pooled connections."""
        self.engine.dispose()


def _open(explicit: Path | None) -> Workspace | None:
    from skylift.workspace.core import Workspace

    try:
        return Workspace.open(explicit)
    except WorkspaceNotFoundError:
        return None


def _root(explicit: Path | None) -> Path | None:
    from skylift.workspace.core import find_workspace

    try:
        return find_workspace(explicit)
    except WorkspaceNotFoundError:
        return None


def _state_url(root: Path) -> str | None:
    """``state.url`` of the workspace at ``root``, validating ``state:`` and ``remotes:``
    only (another section's error is its own stage's, as for ``skylift transfer``)."""
    from skylift.workspace.core import CONFIG_NAME
    from skylift.workspace.settings_file import load_storage

    return load_storage(root / CONFIG_NAME)[0]


def start_transfer(
    explicit: Path | None,
    source: str,
    destination: str,
    servers: Sequence[str] = (),
    wave: int | None = None,
    inner: TransferProgress | None = None,
    kind: str = "transfer",
) -> RunTracker:
    """A tracker for a transfer of ``source`` → ``destination`` (use it as a context
    manager and as the engine's progress); a no-op tracker outside a workspace.

    InputError when ``servers`` or ``wave`` name what the workspace does not know.
    """
    if not servers and wave is None:
        # Nothing to check or mark before the data moves: the tracker's thread reads
        # the settings, opens the store and records the run once the listing is done
        # (off the transfer's critical path: ~10 ms of a 2,500-object run).
        root = _root(explicit)
        if root is None:
            return RunTracker(None, "", (), inner)
        run_id = new_run_id()
        row = _run_row(run_id, kind, source, destination, [], None)
        return RunTracker(lambda: _open_and_record(root, row), run_id, (), inner, defer=True)
    ws = _open(explicit)
    if ws is None:
        raise InputError(
            "--server/--wave need a workspace (they name its servers)",
            "run inside a workspace, or pass --workspace DIR",
        )
    # Names are checked, and their servers marked "transferring", before any byte moves.
    keys = _resolve(ws, servers, wave)
    run_id = new_run_id()
    store = _record_run(ws.store.engine, _run_row(run_id, kind, source, destination, keys, wave))
    return RunTracker(lambda: store, run_id, keys, inner)


def _run_row(
    run_id: str, kind: str, source: str, destination: str, keys: list[str], wave: int | None
) -> dict[str, Any]:
    """What identifies a run: endpoints without credentials, its servers and wave, and
    the process that runs it (so a run killed outright can be told from a live one)."""
    from skylift.workspace.tracking_owner import current

    return current() | {
        "id": run_id,
        "kind": kind,
        "source": endpoint(source),
        "destination": endpoint(destination),
        "servers": keys,
        "wave": wave,
    }


def _run_rows(row: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The new run's ``tracking_runs`` row and its servers' "transferring" events."""
    now = _now()
    counters = dict.fromkeys(
        ("objects_total", "objects_done", "bytes_total", "bytes_done", "failed"), 0
    )
    run = {
        **row, **counters, "state": "running", "reason": "", "started_at": now,
        "updated_at": now, "rate_bps": 0.0,
    }  # fmt: skip
    events = [
        _event(k, MigrationState.TRANSFERRING, "", row["kind"], row["id"]) for k in row["servers"]
    ]
    return run, events


def _open_and_record(root: Path, row: dict[str, Any]) -> TrackingStore:
    """Record the run with ``sqlite3`` when the store allows it, else through SQLAlchemy."""
    import sqlite3

    from skylift.workspace.core import STATE_DIR, tighten_state
    from skylift.workspace.tracking_sqlite import open_fast

    url = _state_url(root)
    tighten_state(root / STATE_DIR)  # a workspace made before its state was private
    fast = open_fast(url, root / STATE_DIR)
    if fast is not None:
        try:
            reap(fast, row["destination"])  # an earlier run here that was killed outright
            fast.insert_run(*_run_rows(row))
            return fast
        except sqlite3.Error:  # e.g. a busy store: the SQLAlchemy path reports it
            fast.dispose()
    from skylift.workspace.core import open_state_store

    return _record_run(open_state_store(root, url).engine, row)


def _record_run(engine: Engine, row: dict[str, Any]) -> EngineTracking:
    """Insert the run in a store opened with SQLAlchemy and mark its servers transferring."""
    from sqlalchemy import insert

    from skylift.workspace.tables_tracking import tracking_runs

    reap(EngineTracking(engine), row["destination"])
    run, events = _run_rows(row)
    with engine.begin() as conn:
        conn.execute(insert(tracking_runs).values(run))
    _events(engine, events)
    return EngineTracking(engine)


def record_verify(
    explicit: Path | None, source: str, destination: str, ok: bool, reason: str
) -> list[str]:
    """Mark the servers of the latest transfer ``source`` → ``destination`` verified
    (``ok``) or failed with ``reason``; returns their keys (none outside a workspace)."""
    root = _root(explicit)
    if root is None or _elided(source) or _elided(destination):
        return []
    from sqlalchemy import select

    from skylift.workspace.core import open_state_store
    from skylift.workspace.tables_tracking import tracking_runs

    store = open_state_store(root, _state_url(root))
    try:
        engine = store.engine
        with engine.connect() as conn:
            row = conn.execute(
                select(tracking_runs.c.id, tracking_runs.c.servers)
                .where(
                    tracking_runs.c.kind == "transfer",
                    tracking_runs.c.source == endpoint(source),
                    tracking_runs.c.destination == endpoint(destination),
                )
                .order_by(tracking_runs.c.started_at.desc())
                .limit(1)
            ).first()
        if row is None:
            return []
        keys = [str(k) for k in row.servers]
        state = MigrationState.VERIFIED if ok else MigrationState.FAILED
        _events(engine, [_event(k, state, reason, "verify", row.id) for k in keys])
        return keys
    finally:
        store.close()


def verify_reason(result: CompareResult) -> str:
    """Why a verification failed, in a few words ('' when it matched)."""
    parts = [
        f"{n} {what}"
        for n, what in (
            (result.missing_count, "missing"),
            (result.extra_count, "extra"),
            (result.changed_count, "changed"),
            (result.errors_count, "unreadable"),
        )
        if n
    ]
    return "verify: " + ", ".join(parts) if parts else ""


def _latest_events(engine: Engine) -> dict[str, dict[str, Any]]:
    from sqlalchemy import func, select

    from skylift.workspace.tables_tracking import tracking_events as e

    last = select(e.c.server, func.max(e.c.id).label("id")).group_by(e.c.server).subquery()
    with engine.connect() as conn:
        rows = conn.execute(select(e).join(last, e.c.id == last.c.id)).all()
    return {r.server: dict(r._mapping) for r in rows}


def _runs(engine: Engine, limit: int) -> list[RunTrack]:
    from sqlalchemy import select

    from skylift.domain.tracking import RunTrack
    from skylift.workspace.tables_tracking import tracking_runs as r
    from skylift.workspace.tables_tracking import tracking_samples as s

    with engine.connect() as conn:
        rows = conn.execute(select(r).order_by(r.c.started_at.desc()).limit(limit)).all()
        out: list[RunTrack] = []
        for row in rows:
            m = dict(row._mapping)
            for owner in ("pid", "pid_start", "host"):  # only to tell a killed run
                m.pop(owner, None)
            started = _aware(m["started_at"])
            samples = conn.execute(
                select(s.c.at, s.c.bytes_done, s.c.rate_bps)
                .where(s.c.run_id == m["id"])
                .order_by(s.c.id.desc())
                .limit(SAMPLES_SHOWN)
            ).all()
            m["samples"] = tuple(
                (round((_aware(a) - started).total_seconds(), 2), int(b), float(rt))
                for a, b, rt in reversed(samples)
            )
            m["servers"] = tuple(m["servers"])
            for col in ("started_at", "updated_at", "finished_at"):
                m[col] = _aware(m[col]) if m[col] is not None else None
            out.append(RunTrack.model_validate(m))
    return out


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def reap_listed(engine: Engine) -> None:
    """Before runs are listed: the runs whose process was killed are stored failed, not
    "running" (:func:`~skylift.workspace.tracking_owner.reap`). Best effort: a store this
    process may only read (a read-only copy, a reporting role) lists them as stored."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        reap(EngineTracking(engine))
    except SQLAlchemyError:
        return


def snapshot(ws: Workspace, runs: int = 50) -> TrackingSnapshot:
    """Every planned (or tracked) server's state, per wave and overall, and the latest runs."""
    from skylift.domain.tracking import ServerTrack, TrackingSnapshot, WaveTrack

    engine = ws.store.engine
    reap_listed(engine)
    plan = _plan(ws)
    latest = _latest_events(engine)
    wave_of: dict[str, int] = {}
    names: dict[str, str] = {}
    if plan is not None:
        names.update(plan.server_names)
        for w in plan.waves:
            wave_of.update(dict.fromkeys(w.servers, w.number))
    keys: Iterable[str] = list(dict.fromkeys([*wave_of, *latest]))
    if any(k not in names for k in keys):
        names.update({s.key: s.name for s in ws.servers()})
    servers = []
    for key in keys:
        ev = latest.get(key)
        servers.append(
            ServerTrack(
                server=key,
                name=names.get(key, key),
                wave=wave_of.get(key),
                state=MigrationState(ev["state"]) if ev else MigrationState.NOT_STARTED,
                reason=ev["reason"] if ev else "",
                origin=ev["origin"] if ev else "",
                at=_aware(ev["at"]) if ev else None,
            )
        )
    overall = dict.fromkeys(STATE_ORDER, 0)
    for s in servers:
        overall[s.state] += 1
    waves = []
    for w in plan.waves if plan else ():
        counts = dict.fromkeys(STATE_ORDER, 0)
        for s in servers:
            if s.wave == w.number:
                counts[s.state] += 1
        waves.append(WaveTrack(wave=w.number, name=w.name, counts=counts, servers=len(w.servers)))
    return TrackingSnapshot(
        at=_now(),
        servers=tuple(servers),
        waves=tuple(waves),
        overall=overall,
        runs=tuple(_runs(engine, runs)),
    )
