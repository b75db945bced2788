"""Checks proposed from what skylift already knows about the application.

* compose files: HTTP paths in healthcheck commands (``curl -f
  http://localhost:8000/healthz``), published ports (TCP checks);
* generated Kubernetes manifests: ``httpGet`` probe paths, and the ports
  NetworkPolicies and Services open (the ports the plan allows);
* generated Terraform: ingress ports of security groups / firewall rules;
* OpenAPI documents in the application folder (``openapi.json|yaml``,
  ``swagger.json|yaml``): every GET without path parameters.

Only reads files; what was found and where is returned with the checks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from skylift.verify.service.model import HttpCheck, TcpCheck

_URL_PATH = re.compile(r"https?://[^/\s'\"]+(/[^\s'\"]*)")
_OPENAPI_NAMES = ("openapi.json", "openapi.yaml", "openapi.yml", "swagger.json", "swagger.yaml")
_TF_PORTS = (
    re.compile(r"\bfrom_port\s*=\s*(\d+)[\s\S]{0,200}?\bto_port\s*=\s*(\d+)"),
    re.compile(r"\bdestination_port_ranges?\s*=\s*\[?\s*\"(\d+)(?:-(\d+))?\""),
)
_MAX_FILES = 2000


@dataclass
class Proposal:
    """Proposed checks, the ports the plan allows, and where each came from."""

    http: list[HttpCheck] = field(default_factory=list)
    tcp: list[TcpCheck] = field(default_factory=list)
    allowed_ports: set[int] = field(default_factory=set)
    sources: list[str] = field(default_factory=list)

    def add_path(self, path: str, origin: str) -> None:
        """One GET check per distinct path."""
        if not path.startswith("/") or any(c.path == path for c in self.http):
            return
        self.http.append(HttpCheck(name=f"GET {path}", path=path, origin=origin))


def _yaml_docs(path: Path) -> Iterator[Any]:
    try:
        yield from yaml.safe_load_all(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return


def from_compose(path: Path, out: Proposal) -> None:
    """Healthcheck URLs and published ports of every service."""
    for doc in _yaml_docs(path):
        services = doc.get("services") if isinstance(doc, dict) else None
        for name, svc in (services or {}).items():
            if not isinstance(svc, dict):
                continue
            test = (svc.get("healthcheck") or {}).get("test")
            text = " ".join(test) if isinstance(test, list) else str(test or "")
            for m in _URL_PATH.finditer(text):
                out.add_path(m.group(1), f"{path.name} {name} healthcheck")
            protocol = _protocol(str(svc.get("image") or ""))
            for spec in svc.get("ports") or []:
                published = _published(spec)
                if published and not any(t.port == published for t in out.tcp):
                    out.tcp.append(
                        TcpCheck(name=f"{name} port {published}", port=published,
                                 protocol=protocol, origin=f"{path.name} {name} ports")
                    )  # fmt: skip
        out.sources.append(str(path))


#: image name (without registry/tag) → the protocol its published port speaks
_IMAGE_PROTOCOLS = {"postgres": "postgres", "mysql": "mysql", "mariadb": "mysql", "redis": "redis"}


def _protocol(image: str) -> Literal["tcp", "postgres", "mysql", "redis"]:
    base = image.rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0]
    found = _IMAGE_PROTOCOLS.get(base, "tcp")
    return found  # type: ignore[return-value]  # the table's values are the Literal's


def _published(spec: object) -> int | None:
    if isinstance(spec, dict):
        value = str(spec.get("published") or "")
        return int(value) if value.isdigit() else None
    parts = str(spec).split("/")[0].split(":")
    return int(parts[-2]) if len(parts) >= 2 and parts[-2].isdigit() else None


def _walk(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v)


def _k8s(path: Path, out: Proposal) -> None:
    for doc in _yaml_docs(path):
        if not isinstance(doc, dict):
            continue
        kind = doc.get("kind")
        for node in _walk(doc):
            probe = node.get("httpGet")
            if isinstance(probe, dict) and isinstance(probe.get("path"), str):
                out.add_path(probe["path"], f"{path.name} probe")
        if kind == "NetworkPolicy":
            for rule in (doc.get("spec") or {}).get("ingress") or []:
                for port in (rule or {}).get("ports") or []:
                    if isinstance(port, dict) and isinstance(port.get("port"), int):
                        out.allowed_ports.add(port["port"])
        elif kind == "Service":
            for port in (doc.get("spec") or {}).get("ports") or []:
                for key in ("port", "nodePort"):
                    if isinstance(port, dict) and isinstance(port.get(key), int):
                        out.allowed_ports.add(port[key])


def _terraform(path: Path, out: Proposal) -> None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return
    for block in re.split(r"\n(?=resource\s)", text):
        if "ingress" not in block and "Inbound" not in block and "INGRESS" not in block:
            continue
        for pattern in _TF_PORTS:
            for m in pattern.finditer(block):
                lo = int(m.group(1))
                hi = int(m.group(2) or lo)
                if hi - lo <= 1024:
                    out.allowed_ports.update(range(lo, hi + 1))


def from_generated(folder: Path, out: Proposal) -> None:
    """Probe paths and allowed ports from a ``skylift generate`` output folder."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())[:_MAX_FILES]
    for path in files:
        if path.suffix in (".yaml", ".yml") and "helm" not in path.parts:
            _k8s(path, out)
        elif path.suffix == ".tf":
            _terraform(path, out)
    out.sources.append(str(folder))


def from_openapi(app_dir: Path, out: Proposal) -> None:
    """GET operations without path parameters from OpenAPI/Swagger documents."""
    found = [p for p in sorted(app_dir.rglob("*")) if p.name.lower() in _OPENAPI_NAMES]
    for path in found[:20]:
        try:
            text = path.read_text(encoding="utf-8")
            doc = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        except (OSError, ValueError, yaml.YAMLError, UnicodeDecodeError):
            continue
        base = ""
        if isinstance(doc, dict) and isinstance(doc.get("basePath"), str):
            base = doc["basePath"].rstrip("/")
        for route, ops in ((doc or {}).get("paths") or {}).items() if isinstance(doc, dict) else ():
            if isinstance(ops, dict) and "get" in ops and "{" not in route:
                out.add_path(base + route, f"{path.name}")
        out.sources.append(str(path))


def propose(
    compose: tuple[Path, ...] = (),
    generated: Path | None = None,
    app_dir: Path | None = None,
) -> Proposal:
    """Everything proposable from the given places (any may be absent)."""
    out = Proposal()
    for path in compose:
        from_compose(path, out)
    if generated is not None and generated.is_dir():
        from_generated(generated, out)
    if app_dir is not None and app_dir.is_dir():
        from_openapi(app_dir, out)
    return out
