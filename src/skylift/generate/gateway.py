"""How public container workloads are reached: Kubernetes Gateway API, behind each cloud's WAF.

The generated Kubernetes manifests expose public services through a ``Gateway``
(HTTPS on 443, one listener per host, and HTTP on 80 only to redirect) and one
``HTTPRoute`` per service — Gateway API v1, which the three clouds' own
controllers implement — instead of an ``Ingress`` for ingress-nginx (retired
upstream). Each cloud's controller attaches its web application firewall in its
own way (the documented fields of each controller; ``k8s/GATEWAY.md`` in the
output repeats what to install):

* **AWS** — AWS Load Balancer Controller (v3, Gateway support), GatewayClass
  ``aws-alb`` (controllerName ``gateway.k8s.aws/alb``): a
  ``LoadBalancerConfiguration`` (``gateway.k8s.aws/v1``) referenced by the
  Gateway's ``spec.infrastructure.parametersRef`` makes the ALB internet-facing,
  sets the TLS policy and associates the WAFv2 web ACL (``spec.wafV2.webACL``:
  its ARN); a ``TargetGroupConfiguration`` sends traffic straight to pod IPs.
* **GCP** — GKE Gateway controller, GatewayClass ``gke-l7-global-external-managed``:
  a ``GCPBackendPolicy`` (``networking.gke.io/v1``) per public Service sets the
  Cloud Armor policy (``spec.default.securityPolicy``: its name).
* **Azure** — Application Gateway for Containers (ALB Controller), GatewayClass
  ``azure-alb-external``: a ``WebApplicationFirewallPolicy``
  (``alb.networking.azure.io/v1``) targets the Gateway with the WAF policy's
  resource ID (``spec.webApplicationFirewall.id``); the Gateway names the
  Application Gateway for Containers resource the Terraform creates (annotation
  ``alb.networking.azure.io/alb-id``) and its frontend (``spec.addresses``).

The firewall is the organisation's when one is configured (:class:`ExistingWaf`),
else the one the generated Terraform creates: GCP's by its known name; AWS's ARN
and Azure's ID exist only after ``terraform apply`` and are written as a
``REPLACE-…`` value (and a warning) until ``generate --waf`` gives them.
NetworkPolicies admit the Gateway's data plane by address (it is not a pod).
Values only, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from skylift.clouds import profile
from skylift.clouds.base import GatewayController
from skylift.domain.cloud import Cloud
from skylift.errors import ConfigError
from skylift.generate.waf import ExistingWaf

VPC_CIDR = "10.0.0.0/16"
PUBLIC_SUBNETS = tuple(f"10.0.{i}.0/24" for i in range(3))
PRIVATE_SUBNETS = tuple(f"10.0.{10 + i}.0/24" for i in range(3))
#: the subnet delegated to a gateway's data plane where the cloud needs one (Azure:
#: Application Gateway for Containers' proxies reach pods from there)
AGC_SUBNET = "10.0.20.0/24"
#: the generated network's ranges a controller's ``sources`` may name
NETWORK_RANGES: dict[str, tuple[str, ...]] = {
    "public_subnets": PUBLIC_SUBNETS,
    "gateway_subnet": (AGC_SUBNET,),
}
#: the TLS policy of the generated load balancers (as the Terraform's ALB listener)
AWS_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
AZURE_ALB_ID_PLACEHOLDER = "REPLACE-with-terraform-output-application_gateway_for_containers_id"


def waf_placeholder(output: str) -> str:
    """What the manifests hold until the Terraform output ``output`` is given."""
    return f"REPLACE-with-terraform-output-{output}"


@dataclass(frozen=True)
class Controller:
    """One cloud's Gateway API implementation, its sources resolved to addresses."""

    title: str
    gateway_class: str
    controller_name: str
    #: where the Gateway's data plane connects to pods from (NetworkPolicy ipBlocks)
    sources: tuple[str, ...]
    #: what the WAF reference is ("the WAFv2 web ACL ARN")
    waf_noun: str
    #: the Terraform output holding the reference of the WAF it creates, if not known
    waf_output: str | None


def controller(cloud: Cloud) -> tuple[Controller, GatewayController]:
    """``cloud``'s Gateway controller (from its profile), sources as addresses."""
    spec = profile(cloud.value).gateway
    if spec is None:
        raise ConfigError(
            f"skylift has no Gateway API controller for {cloud.value}",
            "add a GatewayController to its profile in skylift/clouds/",
        )
    sources = tuple(a for s in spec.sources for a in NETWORK_RANGES.get(s, (s,)))
    return (
        Controller(
            spec.title,
            spec.gateway_class,
            spec.controller_name,
            sources,
            spec.waf_noun,
            spec.waf_output,
        ),
        spec,
    )


@dataclass(frozen=True)
class Route:
    """One public service behind the Gateway."""

    name: str
    host: str
    port: int


@dataclass(frozen=True)
class GatewaySpec:
    """The Gateway of one application and how its WAF is attached."""

    cloud: str
    #: the cloud's template of its own resources: ``k8s/gateway/<templates>.yaml.j2``
    templates: str
    name: str
    namespace: str
    controller: Controller
    routes: tuple[Route, ...]
    #: the WAF reference written into the manifests (an ARN, ID or policy name)
    waf: str
    #: True when ``waf`` still has to be replaced by the Terraform output
    waf_placeholder: bool
    ssl_policy: str = AWS_SSL_POLICY
    alb_id: str = AZURE_ALB_ID_PLACEHOLDER
    alb_frontend: str = ""


def agc_frontend_name(app: str) -> str:
    """The Application Gateway for Containers frontend the generated Terraform creates."""
    return f"{app}-gateway"


def terraform_armor_name(app: str) -> str:
    """The name of the Cloud Armor policy the generated Terraform creates (``${var.app}-web``)."""
    return f"{app}-web"


def gateway_spec(
    cloud: Cloud, app: str, namespace: str, routes: tuple[Route, ...], existing: ExistingWaf | None
) -> GatewaySpec | None:
    """The Gateway for ``routes`` on ``cloud`` (``None`` when nothing is public)."""
    if not routes:
        return None
    ctrl, spec = controller(cloud)
    if existing is not None:
        waf = existing.name if spec.waf_by_name else existing.reference
        placeholder = False
    elif spec.waf_output is None:
        waf, placeholder = terraform_armor_name(app), False
    else:
        waf, placeholder = waf_placeholder(spec.waf_output), True
    return GatewaySpec(
        cloud=cloud.value,
        templates=profile(cloud.value).terraform.templates,
        name=app,
        namespace=namespace,
        controller=ctrl,
        routes=routes,
        waf=waf,
        waf_placeholder=placeholder,
        alb_frontend=agc_frontend_name(app),
    )
