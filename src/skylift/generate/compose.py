"""Read a docker-compose file into :class:`ServiceSpec` values — every service, ports or not.

Covers ports, expose, environment and env_file, volumes, secrets, healthcheck,
depends_on, links, labels, build (context, dockerfile, target, args),
deploy.replicas and resources, and networks. ``${VAR}`` references are
interpolated as ``docker compose`` does (:mod:`skylift.generate.compose_env`).
An image reference that does not resolve or is not valid is an error naming
the service and variable; unresolvable variables elsewhere, port conflicts,
unpinned images and secrets found in plain settings are warnings that name the
service and variable (never the value). Every repeat of a secret value is
replaced by a reference (:mod:`skylift.generate.redact`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skylift.domain.findings import Category, Finding, Severity
from skylift.domain.findings import Location as FindingLocation
from skylift.domain.target import (
    AppSpec,
    Connection,
    EnvVar,
    GenerationWarning,
    HealthCheck,
    PortSpec,
    Resources,
    SecretRef,
    ServiceRole,
    ServiceSpec,
    VolumeSpec,
)
from skylift.errors import GenerationError, InputError, InputLocation
from skylift.generate import redact
from skylift.generate.compose_env import (
    Interpolator,
    project_env,
    read_env_file,
    unresolved_in,
)
from skylift.generate.compose_fields import (
    as_list,
    healthcheck_from,
    load_yaml,
    memory_mib,
    parse_ports,
    shown_path,
)
from skylift.generate.detect import detect_app
from skylift.generate.flows import (
    FLOW_LABEL,
    FlowEvidence,
    config_files,
    infer_flows,
    unreachable_warnings,
)
from skylift.generate.images import UNPINNED_RULE, is_pinned, reference_problem
from skylift.generate.names import SCRATCH, dns_name, image_profile, looks_like_secret, role_for
from skylift.security.fingerprint import fingerprint


@dataclass
class ComposeProject:
    """The services of one compose file, the flows between them, warnings and findings."""

    name: str
    services: list[ServiceSpec]
    connections: list[Connection]
    warnings: list[GenerationWarning]
    findings: list[Finding] = field(default_factory=list)


@dataclass
class _Read:
    """One service as read, before flows and redaction."""

    spec: ServiceSpec
    evidence: FlowEvidence
    secrets: list[redact.KnownSecret]


def _line_of(text: str, service: str, key: str) -> int | None:
    """The 1-based line of ``key:`` inside ``service``'s block (best effort)."""
    lines = text.splitlines()
    head = re.compile(rf"^\s*[\"']?{re.escape(service)}[\"']?:\s*(#.*)?$")
    start = next((i for i, line in enumerate(lines) if head.match(line)), None)
    if start is None:
        return None
    for i in range(start + 1, len(lines)):
        if re.match(rf"^\s*{re.escape(key)}:", lines[i]):
            return i + 1
    return None


def _check_image_variables(data: dict[str, Any], env: Mapping[str, str], origin: str) -> None:
    for svc_name, raw in (data.get("services") or {}).items():
        image = (raw or {}).get("image") if isinstance(raw, dict) else None
        if image is None or raw.get("build") is not None:
            continue  # a built image's compose tag is not used in the target
        missing = unresolved_in(str(image), env)
        if missing:
            raise InputError(
                f"service '{svc_name}': image '{image}' uses ${{{missing[0]}}}, which is not set"
                + (f" (nor {', '.join(missing[1:])})" if len(missing) > 1 else ""),
                "set it in the environment or the .env beside the compose file, or pass "
                "--env-file FILE (e.g. the env.example the application ships)",
                InputLocation(origin, column=f"services.{svc_name}.image"),
            )


def _image(
    raw: dict[str, Any], svc_name: str, path: Path, text: str, warnings: list[GenerationWarning]
) -> tuple[str | None, Finding | None]:
    if not raw.get("image"):
        return None, None
    image = str(raw["image"]).strip()
    problem = reference_problem(image)
    if problem is not None:
        raise InputError(
            f"service '{svc_name}': image '{image}' is {problem}",
            "fix the image in the compose file (or the variables it uses)",
            InputLocation(str(path), column=f"services.{svc_name}.image"),
        )
    if is_pinned(image):
        return image, None
    warnings.append(
        GenerationWarning(
            message=f"service '{svc_name}': image '{image}' names no version (no tag, or "
            "'latest'); it is kept as written — pin a version (and ideally a digest), or "
            f"accept it with --accept {UNPINNED_RULE}:{image}",
            location=str(path),
        )
    )
    finding = Finding(
        rule_id=UNPINNED_RULE,
        title="Image without a pinned version",
        severity=Severity.HIGH,
        category=Category.MISCONFIGURATION,
        location=FindingLocation(
            path=shown_path(path), line=_line_of(text, svc_name, "image"), resource=image
        ),
        message=f"service '{svc_name}' runs image '{image}', which names no version: every "
        "pull may run different software",
        remediation="pin a tag (e.g. postgres:16.6) or a digest; skylift never guesses one",
        tool="skylift generate",
        fingerprint=fingerprint(UNPINNED_RULE, shown_path(path), image),
    )
    return image, finding


def _environment(raw: dict[str, Any], path: Path, env: Mapping[str, str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for ef in as_list(raw.get("env_file")):
        ef_path = ef.get("path") if isinstance(ef, dict) else ef
        values.update(read_env_file(path.parent / str(ef_path), str(path)))
    environment = raw.get("environment") or {}
    if isinstance(environment, list):
        for item in environment:
            key, _, value = str(item).partition("=")
            values[key] = value if "=" in str(item) else env.get(key, "")
    else:
        values.update({str(k): "" if v is None else str(v) for k, v in environment.items()})
    return values


def _secret_value(declared: Mapping[str, Any], path: Path, env: Mapping[str, str]) -> str:
    """The value of a top-level compose secret (``file:`` or ``environment:``), '' if unknown."""
    if declared.get("file"):
        secret_file = path.parent / str(declared["file"])
        if secret_file.is_file():
            return secret_file.read_text(encoding="utf-8", errors="replace").strip()
    if declared.get("environment"):
        return env.get(str(declared["environment"]), "").strip()
    return ""


def _labels(raw: dict[str, Any]) -> dict[str, str]:
    labels = raw.get("labels") or {}
    if isinstance(labels, list):
        return {k: v for k, _, v in (str(i).partition("=") for i in labels)}
    return {str(k): str(v) for k, v in labels.items()}


def _build(
    raw: dict[str, Any], sname: str, path: Path, warnings: list[GenerationWarning]
) -> tuple[AppSpec | None, list[redact.KnownSecret]]:
    build = raw.get("build")
    if build is None:
        return None, []
    spec = build if isinstance(build, dict) else {"context": build}
    context = str(spec.get("context", "."))
    app, app_warnings = detect_app((path.parent / context).resolve(), name=sname)
    warnings.extend(app_warnings)
    update: dict[str, object] = {}
    if spec.get("dockerfile"):
        dockerfile = str(spec["dockerfile"])
        exists = (Path(app.path) / dockerfile).is_file()
        update["dockerfile"] = dockerfile if exists else None
    if spec.get("target"):
        update["build_target"] = str(spec["target"])
    args_raw = spec.get("args") or {}
    if isinstance(args_raw, list):
        args_raw = dict(str(a).partition("=")[::2] for a in args_raw)
    args: list[tuple[str, str | None]] = []
    known: list[redact.KnownSecret] = []
    for k, v in args_raw.items():
        value = "" if v is None else str(v)
        if looks_like_secret(str(k), value):
            args.append((str(k), None))
            if value:
                known.append(
                    redact.KnownSecret(value, str(k), f"{sname}-secrets", dns_name(str(k)), sname)
                )
        else:
            args.append((str(k), value))
    update["build_args"] = tuple(args)
    return app.model_copy(update=update), known


def _read_service(
    svc_name: str,
    raw: dict[str, Any],
    path: Path,
    env: Mapping[str, str],
    top_secrets: Mapping[str, Any],
    text: str,
    warnings: list[GenerationWarning],
    findings: list[Finding],
) -> _Read:
    origin = str(path)
    sname = dns_name(svc_name)
    ports = parse_ports(
        as_list(raw.get("ports")), InputLocation(origin, column=f"{svc_name}.ports")
    )
    for item in as_list(raw.get("expose")):
        ports.extend(parse_ports([str(item)], InputLocation(origin, column=f"{svc_name}.expose")))
    if raw.get("build") is not None and raw.get("image"):
        # compose builds the image and tags it with this name; in the target the built
        # image is pushed under --registry/--version (build.sh) and the manifests use that
        warnings.append(
            GenerationWarning(
                message=f"service '{svc_name}': builds its image, which compose tags "
                f"'{raw['image']}'; in the target it is pushed and run as "
                "REGISTRY/APP/SERVICE:VERSION (see build.sh, --registry, --version)",
                location=origin,
            )
        )
        raw = {k: v for k, v in raw.items() if k != "image"}
    image, finding = _image(raw, svc_name, path, text, warnings)
    if finding is not None:
        findings.append(finding)
    values = _environment(raw, path, env)
    if image is not None and "postgres" in image.rsplit("/", 1)[-1]:
        # the volume's root may hold lost+found; postgres needs an empty directory
        values.setdefault("PGDATA", "/var/lib/postgresql/data/pgdata")
    plain: list[EnvVar] = []
    secrets: list[SecretRef] = []
    known: list[redact.KnownSecret] = []
    hidden_settings: list[tuple[str, str]] = []  # searched for host names, never written
    for key, value in values.items():
        if looks_like_secret(key, value):
            hidden_settings.append((key, value))
            secrets.append(SecretRef(env=key, secret=f"{sname}-secrets", key=dns_name(key)))
            if value:
                known.append(
                    redact.KnownSecret(value, key, f"{sname}-secrets", dns_name(key), sname)
                )
            warnings.append(
                GenerationWarning(
                    message=f"service '{svc_name}': {key} looks like a secret; it is a Secret "
                    f"reference '{sname}-secrets/{dns_name(key)}' with a placeholder — "
                    "set the real value in your secret store",
                    location=origin,
                )
            )
        else:
            plain.append(EnvVar(name=key, value=value))
    for item in as_list(raw.get("secrets")):
        source = str(item.get("source") if isinstance(item, dict) else item)
        target = item.get("target") if isinstance(item, dict) else None
        declared = top_secrets.get(source)
        if declared is None:
            warnings.append(
                GenerationWarning(
                    message=f"service '{svc_name}': secret '{source}' is not declared "
                    "under top-level secrets",
                    location=origin,
                )
            )
        elif isinstance(declared, dict):
            value = _secret_value(declared, path, env)
            if value:
                known.append(
                    redact.KnownSecret(
                        value,
                        redact.env_name_for(source),
                        dns_name(source),
                        dns_name(source),
                        sname,
                    )
                )
        target_path = str(target or source)
        if not target_path.startswith("/"):
            target_path = f"/run/secrets/{target_path}"
        secrets.append(
            SecretRef(secret=dns_name(source), key=dns_name(source), file_path=target_path)
        )
    profile = image_profile(image)
    volumes: list[VolumeSpec] = []
    mounted: list[Path] = []
    for item in as_list(raw.get("volumes")):
        if isinstance(item, dict):
            src, tgt = str(item.get("source", "")), str(item.get("target", ""))
            ro = bool(item.get("read_only"))
            vtype = str(item.get("type", "volume"))
        else:
            parts = str(item).split(":")
            if len(parts) == 1:
                src, tgt, ro = "", parts[0], False
            else:
                src, tgt = parts[0], parts[1]
                ro = len(parts) > 2 and "ro" in parts[2].split(",")
            vtype = "bind" if src.startswith((".", "/", "~")) else "volume"
        if vtype == "tmpfs":
            volumes.append(VolumeSpec(name=dns_name(tgt), mount_path=tgt, persistent=False))
            continue
        if vtype == "bind":
            mounted.append((path.parent / src).resolve())
            warnings.append(
                GenerationWarning(
                    message=f"service '{svc_name}': bind mount '{src}' → '{tgt}' became a "
                    "persistent volume; copy its content in (or bake it into the image)",
                    location=origin,
                )
            )
        vname = dns_name(f"{sname}-{src or tgt}")
        volumes.append(VolumeSpec(name=vname, mount_path=tgt, read_only=ro))
    deploy = raw.get("deploy") or {}
    replicas = int(str(deploy.get("replicas", raw.get("scale", 1 if profile else 2))))
    resources = _resources(deploy)
    depends = raw.get("depends_on") or []
    depends_on = tuple(dns_name(str(d)) for d in depends)  # a list, or a mapping
    networks_raw = raw.get("networks") or []
    networks = tuple(str(n) for n in networks_raw)  # a list, or a mapping
    app, build_secrets = _build(raw, sname, path, warnings)
    known.extend(build_secrets)
    if (
        app is not None
        and not ports
        and app.port
        and role_for(sname, image, True) is not ServiceRole.WORKER
    ):
        ports = [PortSpec(container=app.port)]
    if not ports and profile is not None and profile.port is not None:
        ports = [PortSpec(container=profile.port)]
    command = raw.get("command")
    cmd = (
        tuple(str(c) for c in command)
        if isinstance(command, list)
        else tuple(str(command or "").split())
    )
    role = role_for(sname, image, bool(ports))
    first_port = ports[0].container if ports else None
    public = any(p.published is not None for p in ports) and role in (
        ServiceRole.WEB,
        ServiceRole.APP,
    )
    writable = profile.writable if profile else (SCRATCH,)
    if profile and profile.data and not any(v.mount_path == profile.data for v in volumes):
        volumes.append(VolumeSpec(name=dns_name(f"{sname}-data"), mount_path=profile.data))
    labels = _labels(raw)
    declared_flows = [e for e in labels.get(FLOW_LABEL, "").split(",") if e.strip()]
    declared_flows += [str(link).split(":")[0] for link in as_list(raw.get("links"))]
    evidence = FlowEvidence(
        settings=hidden_settings,
        config=config_files(mounted, [Path(app.path)] if app else []),
        declared=[
            dns_name(d.split(":")[0]) + (":" + d.split(":")[1] if ":" in d else "")
            for d in declared_flows
        ],
    )
    spec = ServiceSpec(
        name=sname,
        role=role,
        image=image,
        app=app,
        command=cmd,
        ports=tuple(ports),
        env=tuple(plain),
        secrets=tuple(secrets),
        volumes=tuple(volumes),
        healthcheck=healthcheck_from(raw.get("healthcheck"), first_port),
        depends_on=depends_on,
        replicas=replicas,
        resources=resources,
        networks=networks,
        public=public,
        user_id=profile.user_id if profile else 10001,
        writable_paths=writable,
    )
    return _Read(spec, evidence, known)


def _resources(deploy: Mapping[str, Any]) -> Resources | None:
    limits = (deploy.get("resources") or {}).get("limits") or {}
    reserv = (deploy.get("resources") or {}).get("reservations") or {}
    if not limits and not reserv:
        return None
    cpu_lim = float(limits.get("cpus", reserv.get("cpus", 0.5)))
    cpu_req = float(reserv.get("cpus", cpu_lim / 2))
    mem_lim = memory_mib(limits.get("memory")) or memory_mib(reserv.get("memory")) or 512
    mem_req = memory_mib(reserv.get("memory")) or max(1, mem_lim // 2)
    return Resources(
        cpu_request_m=max(1, round(cpu_req * 1000)),
        cpu_limit_m=max(1, round(cpu_lim * 1000)),
        memory_request_mib=mem_req,
        memory_limit_mib=mem_lim,
    )


def _with_ports(s: ServiceSpec, extra: set[int]) -> ServiceSpec:
    """``s`` listening on ``extra`` ports too (learnt from a client's configuration)."""
    ports = (*s.ports, *(PortSpec(container=p) for p in sorted(extra)))
    role = s.role if s.role is not ServiceRole.WORKER else role_for(s.name, s.image, True)
    hc = s.healthcheck or HealthCheck(port=ports[0].container)
    return s.model_copy(update={"ports": ports, "role": role, "healthcheck": hc})


def _redact_all(
    services: list[ServiceSpec], known: Sequence[redact.KnownSecret]
) -> tuple[list[ServiceSpec], list[GenerationWarning]]:
    hideable = redact.hideable(known, redact.benign_words(services))
    warnings = redact.unhideable_warnings(known, hideable)
    redacted = [redact.redact_service(s, hideable) for s in services]
    for s in redacted:
        leaked = redact.leaked(s.model_dump_json(), hideable)
        if leaked:  # a bug in skylift, never the user's fault: refuse to write it
            raise GenerationError(
                f"internal: the value of {leaked[0].env} would be written in service "
                f"'{s.name}'; nothing was written",
                "please report this with the compose file (without the secret)",
            )
    return redacted, warnings


def load_compose(
    path: Path,
    environ: Mapping[str, str] | None = None,
    project: str | None = None,
    env_files: Sequence[Path] = (),
) -> ComposeProject:
    """Parse ``path`` into services, connections, warnings and findings.

    ``environ`` supplies ``${VAR}`` values (the CLI passes the process
    environment); ``env_files`` (``--env-file``) or else the ``.env`` beside
    the compose file fill the rest. Raises :class:`InputError` with the line
    for malformed YAML and naming the variable for an image that does not
    resolve.
    """
    data = load_yaml(path)
    origin = str(path)
    text = path.read_text(encoding="utf-8")
    env = project_env(path, environ, env_files)
    _check_image_variables(data, env, origin)
    interp = Interpolator(env)
    data = interp.walk(data)
    warnings: list[GenerationWarning] = []
    findings: list[Finding] = []
    name = dns_name(project or str(data.get("name") or path.resolve().parent.name))
    top_secrets = data.get("secrets") or {}
    read: list[_Read] = []
    published: dict[int, str] = {}
    raw_services: dict[str, dict[str, Any]] = data["services"]
    for svc_name, raw in raw_services.items():
        raw = raw or {}
        if not isinstance(raw, dict):
            raise InputError(
                "service definition is not a mapping",
                "each service needs keys like image, build, ports",
                InputLocation(origin, column=f"services.{svc_name}"),
            )
        if raw.get("profiles"):
            warnings.append(
                GenerationWarning(
                    message=f"service '{svc_name}' only starts with the compose profile(s) "
                    f"{', '.join(map(str, as_list(raw['profiles'])))}; it was left out",
                    location=origin,
                )
            )
            continue
        r = _read_service(str(svc_name), raw, path, env, top_secrets, text, warnings, findings)
        for p in r.spec.ports:
            if p.published is not None:
                if p.published in published:
                    warnings.append(
                        GenerationWarning(
                            message=f"port conflict: host port {p.published} is published by "
                            f"both '{published[p.published]}' and '{svc_name}'",
                            location=origin,
                        )
                    )
                published.setdefault(p.published, str(svc_name))
        read.append(r)
    flows = infer_flows([r.spec for r in read], {r.spec.name: r.evidence for r in read})
    services = [
        _with_ports(r.spec, flows.extra_ports[r.spec.name])
        if r.spec.name in flows.extra_ports
        else r.spec
        for r in read
    ]
    services, secret_warnings = _redact_all(services, [k for r in read for k in r.secrets])
    warnings.extend(secret_warnings)
    warnings.extend(
        unreachable_warnings(services, flows.connections, {r.spec.name: r.evidence for r in read})
    )
    for var in sorted(interp.unresolved):
        warnings.append(
            GenerationWarning(
                message=f"variable ${{{var}}} is not set (environment, .env or --env-file); "
                "it was left empty",
                location=origin,
            )
        )
    return ComposeProject(name, services, flows.connections, warnings, findings)
