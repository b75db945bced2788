"""Read a docker-compose file into :class:`ServiceSpec` values — every service, ports or not.

Covers ports, expose, environment and env_file, volumes, secrets, healthcheck,
depends_on, deploy.replicas and resources, and networks. ``${VAR}`` references
are interpolated from the given environment and the ``.env`` beside the file;
unresolvable ones, port conflicts and secrets found in plain settings are
warnings that name the service and variable (never the value).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

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
from skylift.errors import InputError, Location
from skylift.generate.detect import detect_app
from skylift.generate.names import (
    SCRATCH,
    dns_name,
    image_profile,
    looks_like_secret,
    pin_image,
    role_for,
)

_VAR = re.compile(r"\$(?:\$|\{([^}]+)\}|([A-Za-z_][A-Za-z0-9_]*))")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|us|h|m|s)")


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"cannot read compose file: {exc.strerror}",
            "check the path",
            Location(str(path)),
        ) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(
            f"compose file is not valid YAML: {problem}",
            "fix the indentation or quoting on that line (docker compose config shows it too)",
            Location(str(path), row=line),
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("services"), dict):
        raise InputError(
            "compose file has no 'services' mapping",
            "a compose file needs a top-level 'services:' with one entry per container",
            Location(str(path)),
        )
    return data


def _read_env_file(path: Path, origin: str) -> dict[str, str]:
    if not path.exists():
        raise InputError(
            "env_file not found",
            "create the file or remove it from the service's env_file list",
            Location(origin, value=str(path)),
        )
    values: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.removeprefix("export ").split("=", 1)
        values[key.strip()] = value.strip().strip("'\"")
    return values


class _Interpolator:
    def __init__(self, env: Mapping[str, str], origin: str) -> None:
        self.env = env
        self.origin = origin
        self.unresolved: set[str] = set()

    def sub(self, text: str) -> str:
        def repl(m: re.Match[str]) -> str:
            if m.group(0) == "$$":
                return "$"
            expr = m.group(1) or m.group(2) or ""
            for op in (":-", "-", ":?", "?"):
                if op in expr:
                    name, default = expr.split(op, 1)
                    value = self.env.get(name)
                    if (op.startswith(":") and not value) or value is None:
                        if "?" in op:
                            self.unresolved.add(name)
                            return ""
                        return default
                    return value
            if expr not in self.env:
                self.unresolved.add(expr)
                return ""
            return self.env[expr]

        return _VAR.sub(repl, text)

    def walk(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.sub(value)
        if isinstance(value, list):
            return [self.walk(v) for v in value]
        if isinstance(value, dict):
            return {k: self.walk(v) for k, v in value.items()}
        return value


def _seconds(value: Any, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, int | float):
        return max(1, int(value))
    total = 0.0
    for num, unit in _DURATION.findall(str(value)):
        total += float(num) * {"h": 3600, "m": 60, "s": 1, "ms": 0.001, "us": 1e-6}[unit]
    return max(1, round(total)) if total else default


def _memory_mib(value: Any) -> int | None:
    if value is None:
        return None
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*", str(value).lower())
    if not m:
        return None
    factor = {"": 1 / 1048576, "k": 1 / 1024, "m": 1, "g": 1024, "t": 1048576}[m.group(2)]
    return max(1, round(float(m.group(1)) * factor))


def _ports(raw: list[Any], where: Location) -> list[PortSpec]:
    ports: list[PortSpec] = []
    for item in raw:
        if isinstance(item, dict):
            target = item.get("target")
            published = item.get("published")
            proto = str(item.get("protocol", "tcp"))
        else:
            text = str(item)
            proto = "tcp"
            if "/" in text:
                text, proto = text.rsplit("/", 1)
            parts = text.split(":")
            target, published = parts[-1], parts[-2] if len(parts) > 1 else None
        try:
            t = int(str(target).split("-")[0])
            p = int(str(published).split("-")[0]) if published not in (None, "") else None
        except ValueError as exc:
            raise InputError(
                "port is not a number",
                "write ports as 'HOST:CONTAINER' or 'CONTAINER', e.g. '8080:80'",
                Location(where.file, column=where.column, value=str(item)),
            ) from exc
        ports.append(PortSpec(container=t, published=p, protocol=proto.upper()))
    return ports


def _healthcheck(raw: Mapping[str, Any] | None, port: int | None) -> HealthCheck | None:
    if raw is None:
        return HealthCheck(port=port) if port else None
    if raw.get("disable"):
        return None
    test = raw.get("test")
    command: tuple[str, ...] = ()
    if isinstance(test, list) and test:
        if test[0] == "CMD-SHELL":
            command = ("sh", "-c", " ".join(str(t) for t in test[1:]))
        elif test[0] == "CMD":
            command = tuple(str(t) for t in test[1:])
        elif test[0] == "NONE":
            return None
        else:
            command = tuple(str(t) for t in test)
    elif isinstance(test, str):
        command = ("sh", "-c", test)
    return HealthCheck(
        port=port,
        command=command,
        interval_s=_seconds(raw.get("interval"), 10),
        timeout_s=_seconds(raw.get("timeout"), 5),
        retries=int(raw.get("retries", 3)),
        start_period_s=_seconds(raw.get("start_period"), 10),
    )


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


class ComposeProject:
    """The services of one compose file and the connections between them."""

    def __init__(
        self,
        name: str,
        services: list[ServiceSpec],
        connections: list[Connection],
        warnings: list[GenerationWarning],
    ) -> None:
        self.name = name
        self.services = services
        self.connections = connections
        self.warnings = warnings


def load_compose(
    path: Path, environ: Mapping[str, str] | None = None, project: str | None = None
) -> ComposeProject:
    """Parse ``path`` into services, connections and warnings.

    ``environ`` supplies ``${VAR}`` values (the CLI passes the process
    environment); the ``.env`` file beside the compose file fills the rest.
    Raises :class:`InputError` with the line for malformed YAML.
    """
    data = _load_yaml(path)
    origin = str(path)
    env: dict[str, str] = {}
    dot_env = path.parent / ".env"
    if dot_env.exists():
        env.update(_read_env_file(dot_env, origin))
    env.update(environ or {})
    interp = _Interpolator(env, origin)
    data = interp.walk(data)
    warnings: list[GenerationWarning] = []
    name = dns_name(project or str(data.get("name") or path.resolve().parent.name))
    top_secrets = data.get("secrets") or {}
    services: list[ServiceSpec] = []
    published: dict[int, str] = {}
    raw_services: dict[str, dict[str, Any]] = data["services"]
    for svc_name, raw in raw_services.items():
        raw = raw or {}
        sname = dns_name(str(svc_name))
        where = Location(origin, column=f"services.{svc_name}")
        if not isinstance(raw, dict):
            raise InputError(
                "service definition is not a mapping",
                "each service needs keys like image, build, ports",
                where,
            )
        ports = _ports(_as_list(raw.get("ports")), Location(origin, column=f"{svc_name}.ports"))
        for item in _as_list(raw.get("expose")):
            ports.extend(_ports([str(item)], Location(origin, column=f"{svc_name}.expose")))
        for p in ports:
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
        image = str(raw["image"]) if raw.get("image") else None
        if image is not None:
            pinned, changed = pin_image(image)
            if changed:
                warnings.append(
                    GenerationWarning(
                        message=f"service '{svc_name}': image '{image}' has no pinned tag; "
                        + (
                            f"using '{pinned}' — check it is the version you run"
                            if pinned != image
                            else "pin a version (and ideally a digest) before deploying"
                        ),
                        location=origin,
                    )
                )
            image = pinned
        # environment: env_file first, then environment overrides
        values: dict[str, str] = {}
        for ef in _as_list(raw.get("env_file")):
            ef_path = ef.get("path") if isinstance(ef, dict) else ef
            values.update(_read_env_file(path.parent / str(ef_path), origin))
        environment = raw.get("environment") or {}
        if isinstance(environment, list):
            for item in environment:
                key, _, value = str(item).partition("=")
                values[key] = value if "=" in str(item) else env.get(key, "")
        else:
            values.update({str(k): "" if v is None else str(v) for k, v in environment.items()})
        if image is not None and "postgres" in image.rsplit("/", 1)[-1]:
            # the volume's root may hold lost+found; postgres needs an empty directory
            values.setdefault("PGDATA", "/var/lib/postgresql/data/pgdata")
        plain: list[EnvVar] = []
        secrets: list[SecretRef] = []
        for key, value in values.items():
            if looks_like_secret(key, value):
                secrets.append(SecretRef(env=key, secret=f"{sname}-secrets", key=dns_name(key)))
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
        for item in _as_list(raw.get("secrets")):
            source = item.get("source") if isinstance(item, dict) else str(item)
            target = item.get("target") if isinstance(item, dict) else None
            if source not in top_secrets:
                warnings.append(
                    GenerationWarning(
                        message=f"service '{svc_name}': secret '{source}' is not declared "
                        "under top-level secrets",
                        location=origin,
                    )
                )
            target_path = str(target or source)
            if not target_path.startswith("/"):
                target_path = f"/run/secrets/{target_path}"
            secrets.append(
                SecretRef(
                    secret=dns_name(str(source)), key=dns_name(str(source)), file_path=target_path
                )
            )
        profile = image_profile(image)
        volumes: list[VolumeSpec] = []
        for item in _as_list(raw.get("volumes")):
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
        limits = (deploy.get("resources") or {}).get("limits") or {}
        reserv = (deploy.get("resources") or {}).get("reservations") or {}
        resources = None
        if limits or reserv:
            cpu_lim = float(limits.get("cpus", reserv.get("cpus", 0.5)))
            cpu_req = float(reserv.get("cpus", cpu_lim / 2))
            mem_lim = _memory_mib(limits.get("memory")) or _memory_mib(reserv.get("memory")) or 512
            mem_req = _memory_mib(reserv.get("memory")) or max(1, mem_lim // 2)
            resources = Resources(
                cpu_request_m=max(1, round(cpu_req * 1000)),
                cpu_limit_m=max(1, round(cpu_lim * 1000)),
                memory_request_mib=mem_req,
                memory_limit_mib=mem_lim,
            )
        depends = raw.get("depends_on") or []
        depends_on = tuple(dns_name(str(d)) for d in depends)  # a list, or a mapping
        networks_raw = raw.get("networks") or []
        networks = tuple(str(n) for n in networks_raw)  # a list, or a mapping
        app: AppSpec | None = None
        build = raw.get("build")
        if build is not None:
            context = build if isinstance(build, str) else str(build.get("context", "."))
            app, app_warnings = detect_app((path.parent / context).resolve(), name=sname)
            warnings.extend(app_warnings)
            if isinstance(build, dict) and build.get("dockerfile"):
                app = app.model_copy(update={"dockerfile": str(build["dockerfile"])})
            if not ports and app.port and role_for(sname, image, True) is not ServiceRole.WORKER:
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
        services.append(
            ServiceSpec(
                name=sname,
                role=role,
                image=image,
                app=app,
                command=cmd,
                ports=tuple(ports),
                env=tuple(plain),
                secrets=tuple(secrets),
                volumes=tuple(volumes),
                healthcheck=_healthcheck(raw.get("healthcheck"), first_port),
                depends_on=depends_on,
                replicas=replicas,
                resources=resources,
                networks=networks,
                public=public,
                user_id=profile.user_id if profile else 10001,
                writable_paths=writable,
            )
        )
    for var in sorted(interp.unresolved):
        warnings.append(
            GenerationWarning(
                message=f"variable ${{{var}}} is not set (environment or .env); it was left empty",
                location=origin,
            )
        )
    return ComposeProject(name, services, infer_connections(services), warnings)


def infer_connections(services: list[ServiceSpec]) -> list[Connection]:
    """Who talks to whom: depends_on plus host names of other services found in settings.

    The port is the target's first container port; targets without ports
    (workers) receive no traffic and yield no connection.
    """
    by_name = {s.name: s for s in services}
    found: set[tuple[str, str, int]] = set()
    for s in services:
        targets = set(s.depends_on)
        for e in s.env:
            for other in by_name:
                if other != s.name and re.search(
                    rf"(^|[/@:=,\s]){re.escape(other)}([:/,\s]|$)", e.value
                ):
                    targets.add(other)
        for t in sorted(targets):
            target = by_name.get(t)
            if target is None:
                continue
            shared = set(s.networks or ("default",)) & set(target.networks or ("default",))
            if target.ports and shared:
                for p in {p.container for p in target.ports}:
                    found.add((s.name, t, p))
    return [Connection(source=a, target=b, port=p) for a, b, p in sorted(found)]
