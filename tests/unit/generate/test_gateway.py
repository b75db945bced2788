"""Public container workloads behind a Gateway API v1 Gateway and each cloud's WAF (issue 13).

The generated custom resources are validated against the real CRDs vendored in
tests/fixtures/crds/ (Gateway API v1.6.1, AWS Load Balancer Controller v3.5.0,
GKE gke-gateway-api v1.4.0) with jsonschema, objects closed as the API server's
strict field validation does; the WAF attachment is read back field by field.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import hcl2
import jsonschema
import pytest
import yaml

from skylift.domain.target import ArtifactKind, Cloud, TargetSpec
from skylift.generate import crds
from skylift.generate.check import check_kubernetes, render_chart
from skylift.generate.inputs import read_inputs
from skylift.generate.pipeline import render_target
from skylift.generate.waf import ExistingWaf
from tests.unit.generate.crd_rules import broken_rules

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "crds"
SAMPLE = ROOT / "samples" / "app"
ARN = (
    "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/org-edge/"
    "a1b2c3d4-5678-90ab-cdef-0123456789ab"
)
AZURE_ID = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/org-sec/providers/"
    "Microsoft.Network/applicationGatewayWebApplicationFirewallPolicies/org-waf"
)
ARMOR = "projects/org-sec/global/securityPolicies/org-edge"
EXISTING = {
    Cloud.AWS: ExistingWaf(Cloud.AWS, ARN),
    Cloud.AZURE: ExistingWaf(Cloud.AZURE, AZURE_ID),
    Cloud.GCP: ExistingWaf(Cloud.GCP, ARMOR),
}
KINDS = (ArtifactKind.K8S, ArtifactKind.KUSTOMIZE, ArtifactKind.HELM, ArtifactKind.TERRAFORM)


def _vendored() -> dict[str, Any]:
    docs: list[dict[str, Any]] = []
    for path in sorted(FIXTURES.rglob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
    return crds.extract(docs)


VENDORED = _vendored()


@cache
def _target() -> TargetSpec:
    return read_inputs(compose=SAMPLE / "docker-compose.yml", environ={}).target


def _files(cloud: Cloud, existing: ExistingWaf | None) -> dict[str, str]:
    return dict(_rendered(cloud, existing))


@cache
def _rendered(cloud: Cloud, existing: ExistingWaf | None) -> tuple[tuple[str, str], ...]:
    files, _ = render_target(_target(), KINDS, cloud, existing_waf=existing)
    return tuple((rel, text) for rel, (_, text) in files.items())


def _docs(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d]


def _one(docs: list[dict[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    (found,) = [d for d in docs if d["kind"] == kind and name in (None, d["metadata"]["name"])]
    return found


@pytest.mark.parametrize("cloud", list(Cloud))
@pytest.mark.parametrize("with_existing", [True, False])
def test_every_custom_resource_validates_against_the_vendored_crds(
    cloud: Cloud, with_existing: bool
) -> None:
    docs = _docs(_files(cloud, EXISTING[cloud] if with_existing else None)["k8s/gateway.yaml"])
    kinds = {d["kind"] for d in docs}
    assert {"Gateway", "HTTPRoute"} <= kinds
    for doc in docs:
        key = f"{doc['apiVersion']}/{doc['kind']}"
        if doc["kind"] == "WebApplicationFirewallPolicy":
            continue  # Application Gateway for Containers publishes no CRD (see the next test)
        schema = crds.strict(VENDORED[key])
        errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(doc)]
        assert errors == [], (key, errors)


def test_the_shipped_schemas_are_the_vendored_crds() -> None:
    shipped = json.loads((ROOT / "src/skylift/generate/data/crd_schemas.json").read_text())
    agc = shipped.pop("alb.networking.azure.io/v1/WebApplicationFirewallPolicy")
    assert shipped == VENDORED
    assert "no CRD is published" in agc["x-skylift-source"]


def test_aws_attaches_the_web_acl_through_the_load_balancer_configuration() -> None:
    docs = _docs(_files(Cloud.AWS, EXISTING[Cloud.AWS])["k8s/gateway.yaml"])
    gateway = _one(docs, "Gateway")
    assert gateway["spec"]["gatewayClassName"] == "aws-alb"
    ref = gateway["spec"]["infrastructure"]["parametersRef"]
    config = _one(docs, "LoadBalancerConfiguration", ref["name"])
    assert (ref["group"], ref["kind"]) == ("gateway.k8s.aws", "LoadBalancerConfiguration")
    assert config["spec"]["wafV2"] == {"webACL": ARN}
    assert config["spec"]["scheme"] == "internet-facing"
    tgc = _one(
        docs, "TargetGroupConfiguration", config["spec"]["defaultTargetGroupConfiguration"]["name"]
    )
    assert tgc["spec"]["defaultConfiguration"]["targetType"] == "ip"


def test_gcp_attaches_cloud_armor_to_every_public_service_backend() -> None:
    docs = _docs(_files(Cloud.GCP, EXISTING[Cloud.GCP])["k8s/gateway.yaml"])
    assert _one(docs, "Gateway")["spec"]["gatewayClassName"] == "gke-l7-global-external-managed"
    services = {r["spec"]["rules"][0]["backendRefs"][0]["name"] for r in docs
                if r["kind"] == "HTTPRoute" and "backendRefs" in r["spec"]["rules"][0]}  # fmt: skip
    policies = [d for d in docs if d["kind"] == "GCPBackendPolicy"]
    assert {p["spec"]["targetRef"]["name"] for p in policies} == services == {"web"}
    for p in policies:
        assert p["spec"]["targetRef"]["kind"] == "Service"
        assert p["spec"]["default"]["securityPolicy"] == "org-edge"  # GKE takes the name


def test_azure_attaches_the_waf_policy_to_the_gateway() -> None:
    docs = _docs(_files(Cloud.AZURE, EXISTING[Cloud.AZURE])["k8s/gateway.yaml"])
    gateway = _one(docs, "Gateway")
    assert gateway["spec"]["gatewayClassName"] == "azure-alb-external"
    policy = _one(docs, "WebApplicationFirewallPolicy")
    assert policy["apiVersion"] == "alb.networking.azure.io/v1"
    assert policy["spec"]["webApplicationFirewall"] == {"id": AZURE_ID}
    assert policy["spec"]["targetRef"] == {
        "group": "gateway.networking.k8s.io",
        "kind": "Gateway",
        "name": gateway["metadata"]["name"],
        "namespace": gateway["metadata"]["namespace"],
    }
    assert crds.problems(policy) == []


@pytest.mark.parametrize("cloud", list(Cloud))
def test_https_only_and_http_redirects(cloud: Cloud) -> None:
    docs = _docs(_files(cloud, EXISTING[cloud])["k8s/gateway.yaml"])
    listeners = _one(docs, "Gateway")["spec"]["listeners"]
    assert {(x["protocol"], x["port"]) for x in listeners} == {("HTTP", 80), ("HTTPS", 443)}
    redirect = _one(docs, "HTTPRoute", "shop-https-redirect")
    assert redirect["spec"]["parentRefs"] == [{"name": "shop", "sectionName": "http"}]
    assert redirect["spec"]["rules"] == [
        {"filters": [{"type": "RequestRedirect",
                      "requestRedirect": {"scheme": "https", "statusCode": 301}}]}
    ]  # fmt: skip
    for r in docs:
        if r["kind"] == "HTTPRoute" and r["metadata"]["name"] != "shop-https-redirect":
            (parent,) = r["spec"]["parentRefs"]
            assert next(x for x in listeners if x["name"] == parent["sectionName"])["port"] == 443


@pytest.mark.parametrize("cloud", list(Cloud))
def test_plain_kustomize_and_helm_say_the_same(cloud: Cloud, tmp_path: Path) -> None:
    files = _files(cloud, EXISTING[cloud])
    assert files["kustomize/base/gateway.yaml"] == files["k8s/gateway.yaml"]
    assert "gateway.yaml" in yaml.safe_load(files["kustomize/base/kustomization.yaml"])["resources"]
    chart = tmp_path / "chart"
    for rel, text in files.items():
        if rel.startswith("helm/shop/"):
            (chart / rel.removeprefix("helm/shop/")).parent.mkdir(parents=True, exist_ok=True)
            (chart / rel.removeprefix("helm/shop/")).write_text(text)
    assert _docs(render_chart(chart)["gateway.yaml"]) == _docs(files["k8s/gateway.yaml"])
    assert not any("Ingress\n" in t or "ingress-nginx" in t for t in files.values())


SOURCES = {
    Cloud.AWS: ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"],
    Cloud.GCP: ["35.191.0.0/16", "130.211.0.0/22"],
    Cloud.AZURE: ["10.0.20.0/24"],
}


@pytest.mark.parametrize("cloud", list(Cloud))
def test_network_policy_admits_the_load_balancer_by_address_on_the_served_port(
    cloud: Cloud,
) -> None:
    docs = _docs(_files(cloud, None)["k8s/networkpolicies.yaml"])
    web = _one(docs, "NetworkPolicy", "web")
    from_lb = [r for r in web["spec"]["ingress"] if "ipBlock" in r["from"][0]]
    assert len(from_lb) == 1
    assert [p["ipBlock"]["cidr"] for p in from_lb[0]["from"]] == SOURCES[cloud]
    assert from_lb[0]["ports"] == [{"protocol": "TCP", "port": 3000}]
    for name in ("api", "db", "cache"):  # internal services: no address-based ingress
        policy = _one(docs, "NetworkPolicy", name)
        assert all("ipBlock" not in p for r in policy["spec"].get("ingress", []) for p in r["from"])


def _tf_variables(files: dict[str, str], cloud: Cloud) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for block in hcl2.loads(files[f"terraform/{cloud.value}/variables.tf"]).get("variable", []):
        out.update({k.strip('"'): v for k, v in block.items()})
    return out


VARIABLE = {
    Cloud.AWS: "waf_web_acl_arn",
    Cloud.AZURE: "waf_policy_id",
    Cloud.GCP: "cloud_armor_policy",
}
CREATED = {Cloud.AWS: "aws_wafv2_web_acl", Cloud.AZURE: "azurerm_web_application_firewall_policy",
           Cloud.GCP: "google_compute_security_policy"}  # fmt: skip


@pytest.mark.parametrize("cloud", list(Cloud))
def test_terraform_and_manifests_attach_the_same_existing_firewall(cloud: Cloud) -> None:
    files = _files(cloud, EXISTING[cloud])
    default = _tf_variables(files, cloud)[VARIABLE[cloud]]["default"]
    assert default.strip('"') == EXISTING[cloud].reference
    assert EXISTING[cloud].name in files["k8s/gateway.yaml"]


@pytest.mark.parametrize("cloud", list(Cloud))
def test_containers_alone_get_a_firewall_from_the_terraform(cloud: Cloud) -> None:
    """No public VM, a public container: the Terraform still creates the firewall the
    Gateway uses (GCP by its name; AWS/Azure by a REPLACE- value until --waf gives it)."""
    files = _files(cloud, None)
    assert f'resource "{CREATED[cloud]}" "web"' in files[f"terraform/{cloud.value}/main.tf"]
    assert _tf_variables(files, cloud)[VARIABLE[cloud]]["default"].strip('"') == ""
    gateway = files["k8s/gateway.yaml"]
    if cloud is Cloud.GCP:
        assert 'securityPolicy: "shop-web"' in gateway
        assert re.search(r'name\s*=\s*"shop-web"', files["terraform/gcp/main.tf"])
        assert "CHANNEL_STANDARD" in files["terraform/gcp/main.tf"]
    else:
        assert "REPLACE-with-terraform-output" in gateway
        assert "--waf" in files["k8s/GATEWAY.md"]


@pytest.mark.parametrize(
    ("kind", "field", "typo"),
    [("LoadBalancerConfiguration", "webACL:", "webAcl:"),
     ("Gateway", "gatewayClassName:", "gatewayClass:"),
     ("HTTPRoute", "backendRefs:", "backends:")],
)  # fmt: skip
def test_the_check_fails_a_misspelt_field(kind: str, field: str, typo: str, tmp_path: Path) -> None:
    """The validator can fail: one misspelt field in the generated Gateway is reported."""
    text = _files(Cloud.AWS, EXISTING[Cloud.AWS])["k8s/gateway.yaml"]
    for folder, body in (("ok", text), ("bad", text.replace(field, typo, 1))):
        (tmp_path / folder / "k8s").mkdir(parents=True)
        (tmp_path / folder / "k8s" / "gateway.yaml").write_text(body)
    assert check_kubernetes(tmp_path / "ok").ok
    result = check_kubernetes(tmp_path / "bad")
    assert not result.ok and any(kind in f for f in result.failures), result.failures


@pytest.mark.parametrize("cloud", list(Cloud))
def test_the_crds_cel_rules_hold_on_every_generated_resource(cloud: Cloud) -> None:
    """The CRDs' CEL rules (unique listener names, certificates when TLS terminates,
    no redirect together with a backend …), evaluated with cel-python after defaults."""
    evaluated = 0
    for doc in _docs(_files(cloud, EXISTING[cloud])["k8s/gateway.yaml"]):
        key = f"{doc['apiVersion']}/{doc['kind']}"
        if key in VENDORED:
            broken, count = broken_rules(VENDORED[key], doc)
            assert broken == [], (key, broken)
            evaluated += count
    assert evaluated > 50  # the rules were really read


CERT_REF = "          - kind: Secret\n            name: web-tls\n"
ALSO_FORWARD = "      backendRefs:\n        - name: web\n          port: 3000\n"


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda t: t.replace("    - name: http\n", "    - name: https-web\n", 1), "must be unique"),
        (
            lambda t: t.replace("          - kind: Secret\n            name: web-tls\n", ""),
            "errored",
        ),
        (
            lambda t: t.replace(
                "            statusCode: 301\n",
                "            statusCode: 301\n" + ALSO_FORWARD,
            ),
            "RequestRedirect filter must not be used together with backendRefs",
        ),
    ],
)
def test_a_broken_cel_rule_is_reported(edit: Any, expected: str) -> None:
    """The evaluation can fail: a duplicate listener name, a terminating listener without a
    certificate, a redirect that also forwards."""
    text = edit(_files(Cloud.GCP, EXISTING[Cloud.GCP])["k8s/gateway.yaml"])
    broken = [
        m
        for doc in _docs(text)
        if f"{doc['apiVersion']}/{doc['kind']}" in VENDORED
        for m in broken_rules(VENDORED[f"{doc['apiVersion']}/{doc['kind']}"], doc)[0]
    ]
    assert any(expected in m for m in broken), broken


def test_azure_terraform_creates_the_gateways_load_balancer_with_the_waf() -> None:
    """The Application Gateway for Containers resource the Gateway names: its frontend is
    the Gateway's address, its security policy carries the same WAF policy."""
    files = _files(Cloud.AZURE, EXISTING[Cloud.AZURE])
    main = hcl2.loads(files["terraform/azure/main.tf"])
    res = {(k, n): b for block in main["resource"] for k, named in block.items()
           for n, b in named.items()}  # fmt: skip
    frontend = res[('"azurerm_application_load_balancer_frontend"', '"gateway"')]
    gateway = _one(_docs(files["k8s/gateway.yaml"]), "Gateway")
    assert gateway["spec"]["addresses"] == [
        {"type": "alb.networking.azure.io/alb-frontend", "value": frontend["name"].strip('"')}
    ]
    policy = res[('"azurerm_application_load_balancer_security_policy"', '"gateway"')]
    assert "var.waf_policy_id" in policy["web_application_firewall_policy_id"]
    subnet = res[('"azurerm_subnet"', '"agc"')]
    assert "Microsoft.ServiceNetworking/trafficControllers" in str(subnet["delegation"])
    assert "application_gateway_for_containers_id" in files["terraform/azure/outputs.tf"]
    assert (
        "application_gateway_for_containers_id"
        in gateway["metadata"]["annotations"]["alb.networking.azure.io/alb-id"]
    )
