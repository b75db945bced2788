"""What the target looks like: applications, their services and how they connect.

These are the values ``skylift generate`` reads (from an application folder, a
compose file and the workspace's servers and dependencies) and every generator
renders. Pure values: no I/O, no other skylift imports.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, computed_field

from skylift.domain.cloud import Cloud as Cloud  # noqa: PLC0414 (re-exported: the one enum)
from skylift.domain.findings import Finding
from skylift.domain.value import Value

DEFAULT_REGISTRY = "registry.example.com"
DEFAULT_VERSION = "0.1.0"


class Language(StrEnum):
    """Language family of an application, as detected from its files."""

    PYTHON = "python"
    NODE = "node"
    JAVA = "java"
    GO = "go"
    DOTNET = "dotnet"
    RUBY = "ruby"
    PHP = "php"
    STATIC = "static"
    UNKNOWN = "unknown"


class ArtifactKind(StrEnum):
    """What ``skylift generate --only`` can select."""

    DOCKER = "docker"
    K8S = "k8s"
    HELM = "helm"
    KUSTOMIZE = "kustomize"
    TERRAFORM = "terraform"
    ANSIBLE = "ansible"
    MONITORING = "monitoring"


class ServiceRole(StrEnum):
    """What a service does; decides probes, exposure, scaling and security rules."""

    WEB = "web"
    APP = "app"
    WORKER = "worker"
    DATABASE = "database"
    CACHE = "cache"
    QUEUE = "queue"
    OTHER = "other"


class AppSpec(Value):
    """An application folder and how to build and start it.

    ``evidence`` lists the files the detection relied on, so a reader can see
    why a language was chosen. ``dockerfile`` is set when the folder already
    has one (it is reused, not regenerated).
    """

    name: str = Field(min_length=1)
    path: str
    language: Language
    framework: str | None = None
    package_manager: str | None = None
    runtime_version: str | None = None
    install_command: tuple[str, ...] = ()
    build_command: tuple[str, ...] = ()
    start_command: tuple[str, ...] = ()
    port: int | None = Field(default=None, ge=1, le=65535)
    health_path: str | None = None
    dockerfile: str | None = None
    evidence: tuple[str, ...] = ()
    build_target: str | None = None  #: compose ``build.target``: the stage to build
    #: compose ``build.args`` as (name, value); a value of ``None`` looks like a secret and
    #: is passed from the build environment (``--build-arg NAME``), never written
    build_args: tuple[tuple[str, str | None], ...] = ()


class PortSpec(Value):
    """A container port, and the host port it was published on (if any)."""

    container: int = Field(ge=1, le=65535)
    published: int | None = Field(default=None, ge=1, le=65535)
    protocol: str = "TCP"


class EnvVar(Value):
    """A plain (non-secret) setting."""

    name: str
    value: str


class SecretRef(Value):
    """A setting that must come from a secret store, never a literal.

    ``env`` is the variable name the container reads; ``secret`` and ``key``
    name the Kubernetes Secret (or vault entry) that provides it. With
    ``file_path`` the secret is mounted as a file instead (compose secrets).
    """

    env: str | None = None
    secret: str
    key: str
    file_path: str | None = None


class VolumeSpec(Value):
    """Storage a container mounts: persistent (a PVC) or scratch (emptyDir)."""

    name: str
    mount_path: str
    persistent: bool = True
    size_gib: float = Field(default=10.0, gt=0)
    read_only: bool = False


class HealthCheck(Value):
    """How to tell a service is alive: an HTTP path, a TCP port or a command."""

    http_path: str | None = None
    port: int | None = None
    command: tuple[str, ...] = ()
    interval_s: int = Field(default=10, ge=1)
    timeout_s: int = Field(default=5, ge=1)
    retries: int = Field(default=3, ge=1)
    start_period_s: int = Field(default=10, ge=0)


class Resources(Value):
    """CPU in millicores and memory in MiB, requested and limited."""

    cpu_request_m: int = Field(ge=1)
    cpu_limit_m: int = Field(ge=1)
    memory_request_mib: int = Field(ge=1)
    memory_limit_mib: int = Field(ge=1)
    measured: bool = False


class ServiceSpec(Value):
    """One deployable service (a compose service, or the detected application).

    ``image`` is set for services that run a published image; ``app`` for
    services built from source. ``user_id`` is the non-root UID the container
    runs as. ``writable_paths`` are mounted as scratch volumes so the root
    filesystem can stay read-only.
    """

    name: str = Field(min_length=1)
    role: ServiceRole = ServiceRole.APP
    image: str | None = None
    app: AppSpec | None = None
    command: tuple[str, ...] = ()
    ports: tuple[PortSpec, ...] = ()
    env: tuple[EnvVar, ...] = ()
    secrets: tuple[SecretRef, ...] = ()
    volumes: tuple[VolumeSpec, ...] = ()
    healthcheck: HealthCheck | None = None
    depends_on: tuple[str, ...] = ()
    replicas: int = Field(default=2, ge=0)
    resources: Resources | None = None
    networks: tuple[str, ...] = ()
    public: bool = False
    user_id: int = Field(default=10001, ge=1)
    writable_paths: tuple[str, ...] = ("/tmp",)  # noqa: S108 - inside the container
    read_only_root: bool = True


class Connection(Value):
    """Traffic that must be allowed: ``source`` service reaches ``target`` on ``port``."""

    source: str
    target: str
    port: int = Field(ge=1, le=65535)


class HostSpec(Value):
    """A server that moves as a VM (rehost) or becomes a managed database (replatform).

    ``size`` is the assessed instance size where the assessment exists.
    ``db_engine`` is set for replatformed databases (postgres, mysql, sqlserver).
    """

    key: str
    name: str
    role: ServiceRole = ServiceRole.APP
    os_family: str = "linux"
    cores: int = Field(default=2, ge=1)
    memory_gib: float = Field(default=4.0, gt=0)
    disk_gib: float = Field(default=30.0, gt=0)
    size: str | None = None
    ports: tuple[int, ...] = ()
    public: bool = False
    db_engine: str | None = None
    environment: str = "production"


class HostRule(Value):
    """An allowed flow between hosts: ``source`` host (or ``None`` for the internet)."""

    source: str | None
    target: str
    port: int = Field(ge=0, le=65535)


class TargetSpec(Value):
    """Everything one ``skylift generate`` run renders.

    Images built from source are named ``{registry}/{name}/{service}:{version}``.
    """

    name: str = Field(min_length=1)
    services: tuple[ServiceSpec, ...] = ()
    connections: tuple[Connection, ...] = ()
    hosts: tuple[HostSpec, ...] = ()
    host_rules: tuple[HostRule, ...] = ()
    region: str | None = None
    registry: str = Field(default=DEFAULT_REGISTRY, min_length=1)
    version: str = Field(default=DEFAULT_VERSION, min_length=1)
    #: the folder the inputs were read from (compose file's or application's); build
    #: contexts are written relative to it
    source_dir: str | None = None


class GenerationWarning(Value):
    """Something the user must look at: a guessed value, a secret placeholder …"""

    message: str
    location: str | None = None


class GeneratedFile(Value):
    """A file written into the output folder (path relative to it)."""

    path: str
    kind: ArtifactKind
    size_bytes: int = Field(ge=0)


class CheckResult(Value):
    """One validator run over the generated files.

    ``skipped`` with a ``reason`` when the validator is not installed;
    ``failures`` lists one line per problem (file: message).
    """

    validator: str
    files: int = Field(default=0, ge=0)
    ok: bool
    skipped: bool = False
    reason: str | None = None
    failures: tuple[str, ...] = ()
    suppressed: int = Field(default=0, ge=0)
    missing: bool = False  #: skipped because the validator is not installed
    #: files the validator could not read, each "path: reason" (not a failure)
    not_checked: tuple[str, ...] = ()
    #: problems in files the user wrote (their Dockerfiles): reported, not failures
    findings: tuple[Finding, ...] = ()
    #: user-file findings accepted with ``--accept`` or a baseline
    accepted: tuple[Finding, ...] = ()

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status(self) -> str:
        """``passed``, ``failed`` or ``not checked`` (skipped, or nothing it could read)."""
        if not self.ok:
            return "failed"
        if self.skipped or (self.not_checked and self.files <= len(self.not_checked)):
            return "not checked"
        return "passed"


class GenerateResult(Value):
    """What ``skylift generate`` wrote, what it warns about and what the validators said."""

    out_dir: str
    target: TargetSpec
    files: tuple[GeneratedFile, ...] = ()
    warnings: tuple[GenerationWarning, ...] = ()
    checks: tuple[CheckResult, ...] = ()
    #: False when ``--check`` failed: nothing was written to ``out_dir``
    written: bool = True
    #: why ``--check`` failed (one line per cause); empty when it passed
    problems: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        """True when every validator that ran passed."""
        return all(c.ok for c in self.checks)
