"""``skylift verify service`` as one call: the request as given, a stored, tracked result out.

:func:`verify_service_run` reads the checks file, adds the checks proposed
from compose files, a ``skylift generate`` output folder and OpenAPI documents
in the application folder, parses ``--load`` and the port lists, runs
:func:`skylift.verify.service.verify_service`, writes the findings as SARIF
(when asked), stores the result in the workspace (``service_verifications``)
and — for the servers named with ``--server`` — records them ``verified``
(every area passed) or ``failed`` in migration tracking. Outside a workspace
nothing is stored and naming servers is an error.

Results for the report: :func:`service_verifications` (newest first).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from skylift.domain.progress import NULL_PROGRESS, Progress
from skylift.errors import ConfigError, InputError, WorkspaceNotFoundError

if TYPE_CHECKING:
    from skylift.verify.service.model import CheckSet, LoadProfile, ServiceVerification
    from skylift.workspace.core import Workspace

#: the load when neither --load nor the checks file give one
DEFAULT_LOAD = "users=10,duration=10s"


@dataclass(frozen=True)
class ServiceVerifyRequest:
    """``skylift verify service`` with its flags as given."""

    source: str
    target: str
    checks: Path | None = None
    compose: tuple[Path, ...] = ()
    generated: Path | None = None
    app_dir: Path | None = None
    load: str | None = None  #: ``off``, or ``users=N,duration=10s[,rate=R][,paths=/a;/b]``
    security: bool = True
    probe_ports: str | None = None  #: ``8000-8100,9200``; default: common service ports
    allowed_ports: str | None = None
    ca_file: Path | None = None
    fail_on: str = "medium"
    sarif: Path | None = None
    servers: tuple[str, ...] = ()
    workspace: Path | None = None


@dataclass(frozen=True)
class ServiceRun:
    """The result, where it went, and which servers it moved in tracking."""

    result: ServiceVerification
    run_id: str | None = None  #: the stored row (None outside a workspace)
    sarif: Path | None = None
    tracked: tuple[str, ...] = ()  #: the servers recorded verified/failed, as named


def parse_ports(text: str | None, flag: str) -> tuple[int, ...]:
    """``80,443,8000-8010`` as port numbers; InputError naming the flag."""
    if not text:
        return ()
    ports: set[int] = set()
    for part in text.split(","):
        lo, _, hi = part.strip().partition("-")
        try:
            first, last = int(lo), int(hi or lo)
        except ValueError:
            raise InputError(
                f"{flag}: {part!r} is not a port or range", "e.g. 80,443,8000-8010"
            ) from None
        if not 1 <= first <= last <= 65535 or last - first > 4096:
            raise InputError(
                f"{flag}: bad range {part!r}", "ports are 1-65535, at most 4096 per range"
            )
        ports.update(range(first, last + 1))
    return tuple(sorted(ports))


def parse_load(text: str, default_paths: tuple[str, ...]) -> LoadProfile | None:
    """``--load`` as a profile; ``off`` is None. InputError naming the bad part."""
    from pydantic import ValidationError

    from skylift.verify.service.checks_file import parse_duration
    from skylift.verify.service.model import LoadProfile

    if text.strip().lower() in ("off", "none", "no"):
        return None
    fields: dict[str, object] = {"paths": default_paths}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        key = key.strip()
        try:
            if not sep:
                raise ValueError("expected key=value")
            if key in ("duration", "timeout", "warmup"):
                fields[f"{key}_s"] = parse_duration(value, key)
            elif key in ("users", "rate"):
                fields[key] = float(value) if key == "rate" else int(value)
            elif key == "paths":
                fields["paths"] = tuple(p for p in value.split(";") if p)
            else:
                raise ValueError("known keys: users, rate, duration, warmup, timeout, paths")
        except ValueError as exc:
            raise InputError(
                f"--load: bad part {part!r}: {exc}", f"e.g. --load {DEFAULT_LOAD}"
            ) from None
    try:
        return LoadProfile.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(
            f"--load: {first['loc'][0]}: {first['msg']}", f"e.g. --load {DEFAULT_LOAD}"
        ) from None


def _checks(request: ServiceVerifyRequest) -> tuple[CheckSet, frozenset[int], tuple[str, ...]]:
    """The checks file plus proposed checks, the allowed ports, where proposals came from."""
    from skylift.verify.service import CheckSet, propose, read_checks
    from skylift.verify.service.model import HttpCheck

    named = [(request.generated, "--generated"), (request.app_dir, "--app")]
    named += [(request.ca_file, "--ca-file"), *((p, "--compose") for p in request.compose)]
    for path, flag in named:
        if path is not None and not path.exists():
            raise InputError(f"{flag} {path}: no such file or folder", "check the path")
    given = read_checks(request.checks) if request.checks else CheckSet()
    found = propose(request.compose, request.generated, request.app_dir)
    known = {c.path for c in given.http}
    proposed = [c for c in found.http if c.path not in known]
    if (
        request.checks
        and given.http
        and not (request.compose or request.generated or request.app_dir)
    ):
        proposed = []  # a checks file alone is the whole functional suite
    tcp_known = {c.port for c in given.tcp}
    tcp = [*given.tcp, *(c for c in found.tcp if c.port not in tcp_known)]
    http = (*given.http, *proposed)
    if not http and not tcp:  # nothing given, nothing found: the service's root
        http = (HttpCheck(name="GET /", path="/", origin="default"),)
    load = given.load
    if request.load is not None or load is None:
        get_paths = tuple(c.path for c in http if c.method == "GET")[:5] or ("/",)
        load = parse_load(request.load or DEFAULT_LOAD, get_paths)
    checks = CheckSet(http=http, tcp=tuple(tcp), load=load, thresholds=given.thresholds)
    allowed = frozenset(found.allowed_ports) | frozenset(
        parse_ports(request.allowed_ports, "--allowed-ports")
    )
    return checks, allowed, tuple(found.sources)


def _open(explicit: Path | None) -> Workspace | None:
    import os

    from skylift.workspace.core import Workspace

    try:
        return Workspace.open(explicit)
    except WorkspaceNotFoundError:
        if explicit is not None or os.environ.get("SKYLIFT_WORKSPACE"):
            raise
        return None


def verify_service_run(
    request: ServiceVerifyRequest, progress: Progress = NULL_PROGRESS
) -> ServiceRun:
    """Run the verification; store, track and write SARIF as asked. The verdict is in
    the result (``result.passed``); errors are only for bad input or an unreachable side."""
    from skylift.verify.service import ServiceOptions, verify_service
    from skylift.verify.service.security import COMMON_PORTS
    from skylift.workspace.scanning import parse_severity

    fail_on = parse_severity(request.fail_on, "--fail-on")
    ws = _open(request.workspace)
    if request.servers and ws is None:
        raise ConfigError(
            "--server needs a workspace (the servers are tracked there)",
            "run inside a workspace (skylift init) or pass --workspace",
        )
    checks, allowed, sources = _checks(request)
    options = ServiceOptions(
        checks=checks,
        run_load=checks.load is not None,
        security=request.security,
        probe_ports=parse_ports(request.probe_ports, "--probe-ports") or COMMON_PORTS,
        allowed_ports=allowed,
        ca_file=request.ca_file,
        fail_on=fail_on,
        proposed_from=sources,
    )
    result = verify_service(request.source, request.target, options, progress)
    sarif = _write_sarif(request.sarif, result) if request.sarif else None
    if ws is None:
        return ServiceRun(result, sarif=sarif)
    with ws:
        run_id = _store(ws, result, request.servers)
        tracked = _track(ws, result, request.servers, run_id)
    return ServiceRun(result, run_id=run_id, sarif=sarif, tracked=tracked)


def _write_sarif(path: Path, result: ServiceVerification) -> Path:
    from skylift.domain.findings import ScanResult, ScanSummary
    from skylift.report.sarif import to_sarif
    from skylift.workspace.planning import atomic_write

    summary = ScanSummary(findings=len(result.findings))
    scan = ScanResult(findings=result.findings, summary=summary, scanners=("skylift verify",))
    atomic_write(path, json.dumps(to_sarif(scan), indent=2) + "\n")
    return path


def _store(ws: Workspace, result: ServiceVerification, servers: tuple[str, ...]) -> str:
    from sqlalchemy import insert

    from skylift.workspace.tables_verify import service_verifications
    from skylift.workspace.tracking import endpoint

    run_id = uuid.uuid4().hex
    row = {
        "id": run_id,
        "started_at": datetime.fromisoformat(result.started_at),
        "source": endpoint(result.source),
        "target": endpoint(result.target),
        "servers": list(servers),
        "passed": result.passed,
        "functional_passed": result.functional_passed,
        "performance_passed": result.performance_passed,
        "security_passed": result.security_passed,
        "checks": len(result.functional),
        "checks_failed": sum(not c.passed for c in result.functional),
        "findings": len(result.findings),
        "elapsed_s": result.elapsed_s,
        "result": result.model_dump(mode="json"),
    }
    with ws.store.engine.begin() as conn:
        conn.execute(insert(service_verifications), [row])
    return run_id


def _reason(result: ServiceVerification) -> str:
    if result.passed:
        return f"verify service: {len(result.functional)} checks, load and security passed"
    failed = [
        name
        for name, ok in (
            ("functional", result.functional_passed),
            ("performance", result.performance_passed),
            ("security", result.security_passed),
        )
        if not ok
    ]
    return "verify service failed: " + ", ".join(failed)


def _track(
    ws: Workspace, result: ServiceVerification, servers: tuple[str, ...], run_id: str
) -> tuple[str, ...]:
    from skylift.domain.tracking import MigrationState
    from skylift.workspace.tracking import record

    state = MigrationState.VERIFIED if result.passed else MigrationState.FAILED
    for server in servers:
        record(ws, server, state, _reason(result), origin="verify service", detail={"run": run_id})
    return servers


def service_verifications(ws: Workspace, limit: int = 50) -> list[ServiceVerification]:
    """Stored ``verify service`` results, newest first (for the report)."""
    from sqlalchemy import select

    from skylift.verify.service.model import ServiceVerification
    from skylift.workspace.tables_verify import service_verifications as table

    with ws.store.engine.connect() as conn:
        rows = conn.execute(
            select(table.c.result).order_by(table.c.started_at.desc()).limit(limit)
        ).all()
    derived = set(ServiceVerification.model_computed_fields)
    return [
        ServiceVerification.model_validate({k: v for k, v in r.result.items() if k not in derived})
        for r in rows
    ]
