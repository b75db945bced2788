"""The Kubernetes manifests of the compose golden cases, checked parsed (not only unchanged).

Per workload: the pod and every container run as non-root without privilege
escalation; every probe targets a port the container declares (httpGet /
tcpSocket port, or a port an exec command names; ``pg_isready`` names none); images carry a tag
that is not ``latest``; no env var with a secret-looking name holds a literal
value (it must come from a Secret); every Service targets a declared port.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from skylift.domain.target import ArtifactKind
from skylift.generate.inputs import read_inputs
from skylift.generate.pipeline import render_target
from tests.unit.generate.apps import COMPOSE, make_compose

_SECRET = re.compile(r"(?i)(pass(word)?|pwd|secret|token|api_?key|private_?key|credential)")
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"}


def _manifests(tmp_path: Path, case: str) -> list[dict[str, Any]]:
    inputs = read_inputs(compose=make_compose(tmp_path, case), environ={})
    files, _ = render_target(inputs.target, (ArtifactKind.K8S,))
    docs: list[dict[str, Any]] = []
    for rel, (_, text) in files.items():
        if rel.endswith((".yaml", ".yml")):
            docs.extend(d for d in yaml.safe_load_all(text) if d)
    return docs


def _pod(doc: dict[str, Any]) -> dict[str, Any]:
    spec = doc["spec"]
    if doc["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    pod: dict[str, Any] = spec["template"]["spec"]
    return pod


def _probe_port(probe: dict[str, Any]) -> int | str | None:
    for kind in ("httpGet", "tcpSocket", "grpc"):
        if kind in probe:
            port: int | str = probe[kind]["port"]
            return port
    words = " ".join(str(w) for w in probe.get("exec", {}).get("command", []))
    m = re.search(r"(?:localhost|127\.0\.0\.1):(\d+)|-p\s*(\d+)|\s(\d{2,5})(?:\s|$)", words)
    if m:
        return int(next(g for g in m.groups() if g))
    return None


@pytest.mark.parametrize("case", sorted(COMPOSE))
def test_compose_golden_manifests_have_the_properties_that_matter(
    tmp_path: Path, case: str
) -> None:
    docs = _manifests(tmp_path, case)
    workloads = [d for d in docs if d.get("kind") in WORKLOADS]
    assert workloads, f"{case}: no workload rendered"
    declared: set[int | str] = set()
    for doc in workloads:
        pod = _pod(doc)
        assert pod.get("securityContext", {}).get("runAsNonRoot") is True, doc["metadata"]
        for c in pod["containers"]:
            where = f"{case}/{doc['metadata']['name']}/{c['name']}"
            sc = c.get("securityContext", {})
            assert sc.get("allowPrivilegeEscalation") is False and not sc.get("privileged"), where
            assert sc.get("runAsUser", pod["securityContext"].get("runAsUser", 1)) != 0, where
            image = c["image"]
            assert ":" in image.rsplit("/", 1)[-1] and not image.endswith(":latest"), where
            ports = {p["containerPort"] for p in c.get("ports", [])}
            ports |= {p["name"] for p in c.get("ports", []) if "name" in p}
            declared |= ports
            for name in ("livenessProbe", "readinessProbe", "startupProbe"):
                if name in c:
                    port = _probe_port(c[name])  # None: an exec check naming no port
                    if port is not None:
                        assert port in ports, f"{where} {name} probes {port}, declares {ports}"
            for env in c.get("env", []):
                if _SECRET.search(env["name"]) and "value" in env:
                    value = str(env["value"])
                    assert value == "" or value.startswith("$("), f"{where}: {env['name']}"
    for svc in (d for d in docs if d.get("kind") == "Service"):
        for p in svc["spec"].get("ports", []):
            assert p.get("targetPort", p["port"]) in declared, (case, svc["metadata"], p)
