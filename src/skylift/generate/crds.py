"""Schemas of the custom resources the generated Gateway uses, for ``--check``.

kubernetes-validate knows only built-in kinds. The Gateway API (``Gateway``,
``HTTPRoute``, ``GatewayClass``; standard channel v1.6.1) and the controllers'
policy kinds (AWS Load Balancer Controller v3.5.0 ``LoadBalancerConfiguration``
and ``TargetGroupConfiguration``; GKE's ``GCPBackendPolicy`` from
GoogleCloudPlatform/gke-gateway-api v1.4.0) are validated here against the
``openAPIV3Schema`` of their upstream CustomResourceDefinitions (Apache-2.0),
shipped as ``data/crd_schemas.json`` (extracted from the CRDs vendored in
``tests/fixtures/crds/`` by :func:`extract`; a test keeps the two equal).

Application Gateway for Containers' ``WebApplicationFirewallPolicy`` has no
published CRD: its schema here is written from Microsoft's documented fields
(``targetRef``, ``webApplicationFirewall.id``) and says so (``x-skylift-source``).

As ``kubectl --validate=strict`` rejects unknown fields, every object schema that
lists its properties and neither allows extra ones nor preserves unknown fields
is closed (``additionalProperties: false``) before validating. CEL rules
(``x-kubernetes-validations``) are not evaluated.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Any

SCHEMA_FILE = "crd_schemas.json"


def extract(crds: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """``{"group/version/Kind": openAPIV3Schema}`` of every served version of ``crds``."""
    out: dict[str, Any] = {}
    for crd in crds:
        spec = crd["spec"]
        for version in spec["versions"]:
            if version.get("served"):
                key = f"{spec['group']}/{version['name']}/{spec['names']['kind']}"
                out[key] = version["schema"]["openAPIV3Schema"]
    return out


def strict(schema: Any, structural: bool = True) -> Any:
    """``schema`` with closed objects (unknown fields rejected, as the API server's
    strict field validation does). Only the structural schema is closed: the branches
    of ``oneOf``/``anyOf``/``allOf``/``not`` only add constraints to it."""
    if isinstance(schema, list):
        return [strict(s, structural) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {
        k: strict(v, structural and k not in _COMBINATORS and k != "default")
        for k, v in schema.items()
    }
    if (
        structural
        and "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


_COMBINATORS = frozenset({"oneOf", "anyOf", "allOf", "not"})


@cache
def _schemas() -> dict[str, Any]:
    text = resources.files("skylift.generate").joinpath("data", SCHEMA_FILE).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return {k: strict(v) for k, v in loaded.items()}


def known(doc: Mapping[str, Any]) -> bool:
    """True when ``doc``'s apiVersion and kind are one of the shipped schemas."""
    return f"{doc.get('apiVersion')}/{doc.get('kind')}" in _schemas()


def problems(doc: Mapping[str, Any]) -> list[str]:
    """What is wrong with the custom resource ``doc`` (``[]`` when it validates)."""
    import jsonschema  # type: ignore[import-untyped]

    schema = _schemas()[f"{doc.get('apiVersion')}/{doc.get('kind')}"]
    validator = jsonschema.Draft7Validator(schema)
    return [
        f"{e.message} at {'.'.join(str(p) for p in e.absolute_path) or '(top)'}"
        for e in sorted(validator.iter_errors(dict(doc)), key=lambda e: list(e.absolute_path))
    ]
