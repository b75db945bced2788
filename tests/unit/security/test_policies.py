"""Migration policies, each positive and negative, on values and on Terraform/YAML text."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from skylift.domain.findings import Category, Finding, Severity
from skylift.domain.policy import MigratingServer, PolicyInput, PolicySettings, RegionUse
from skylift.security.iac import parse_kubernetes, parse_terraform
from skylift.security.policies.plan import evaluate_policies
from skylift.security.policies.target import evaluate_iac

DEFAULT = PolicySettings()


def _server(name: str = "app01", wave: int = 2, **kw: object) -> MigratingServer:
    return MigratingServer(key=f"k-{name}", name=name, wave=wave, **kw)  # type: ignore[arg-type]


def _plan(*servers: MigratingServer, **settings: object) -> list[Finding]:
    policy = PolicySettings(**settings)  # type: ignore[arg-type]
    return evaluate_policies(PolicyInput(settings=policy, servers=servers, plan_found=True))


def _tf(text: str, path: str = "t/main.tf", **settings: object) -> list[Finding]:
    policy = PolicySettings(**settings)  # type: ignore[arg-type]
    return evaluate_iac(parse_terraform(path, text), [], policy)


def _k8s(text: str, **settings: object) -> list[Finding]:
    policy = PolicySettings(**settings)  # type: ignore[arg-type]
    return evaluate_iac([], parse_kubernetes("k8s/app.yaml", text), policy)


def _rules(findings: list[Finding]) -> list[str]:
    return [f.rule_id for f in findings]


# ---- settings -----------------------------------------------------------------


def test_no_allowed_regions_allows_every_region() -> None:
    assert DEFAULT.region_allowed("aws", "ap-south-1")


@pytest.mark.parametrize(
    ("allowed", "cloud", "region", "ok"),
    [
        (("eu-west-1",), "aws", "eu-west-1", True),
        (("eu-west-1",), "aws", "us-east-1", False),
        (("aws:eu-*",), "aws", "eu-central-1", True),
        (("aws:eu-*",), "gcp", "europe-west1", False),  # the cloud prefix binds
        (("azure:westeurope",), "azure", "West Europe", True),  # display names normalised
        (("EU-West-1",), "aws", "eu-west-1", True),
    ],
)
def test_allowed_regions_match_cloud_prefix_wildcards_and_display_names(
    allowed: tuple[str, ...], cloud: str, region: str, ok: bool
) -> None:
    assert PolicySettings(allowed_regions=allowed).region_allowed(cloud, region) is ok


@pytest.mark.parametrize("bad", ["oracle:eu-1", "aws:", " "])
def test_malformed_allowed_regions_are_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        PolicySettings(allowed_regions=(bad,))


def test_public_ports_must_be_ports() -> None:
    with pytest.raises(ValidationError):
        PolicySettings(public_ports=(443, 70000))


def test_web_tier_is_recognised_by_words_in_names_and_tags() -> None:
    assert DEFAULT.is_web_tier("prd-web01")
    assert DEFAULT.is_web_tier("db01", "frontend")
    assert DEFAULT.is_web_tier("${var.app}-lb")
    assert not DEFAULT.is_web_tier("prd-weblogic01", "db01")  # a word, not a substring


# ---- plan: regions ---------------------------------------------------------------


def test_region_outside_the_allowed_list_names_where_it_is_set() -> None:
    use = RegionUse(cloud="aws", region="us-east-1", where="skylift.yaml targets")
    inp = PolicyInput(settings=PolicySettings(allowed_regions=("eu-*",)), regions=(use,))
    (f,) = evaluate_policies(inp)
    assert f.rule_id == "SKY-POL-REGION" and f.severity is Severity.HIGH
    assert f.category is Category.POLICY and f.tool == "policy"
    assert "us-east-1" in f.message and "skylift.yaml targets" in f.message
    assert f.location.resource == "aws:us-east-1 (skylift.yaml targets)"


def test_allowed_region_and_empty_list_give_nothing() -> None:
    use = RegionUse(cloud="aws", region="eu-west-1", where="assessment run 1")
    assert evaluate_policies(PolicyInput(regions=(use,))) == []
    allowed = PolicySettings(allowed_regions=("aws:eu-west-1",))
    assert evaluate_policies(PolicyInput(settings=allowed, regions=(use,))) == []


# ---- plan: retired and zombie servers -------------------------------------------


def test_retire_strategy_in_a_wave_is_a_silent_migration() -> None:
    (f,) = _plan(_server("old-shop-web05", wave=3, strategy="retire"))
    assert f.rule_id == "SKY-POL-RETIRED" and f.severity is Severity.HIGH
    assert f.location.resource == "server old-shop-web05 / wave 3"
    assert "old-shop-web05" in f.message and "retire" in f.message
    assert "migrate_anyway" in f.remediation


def test_zombie_in_a_wave_is_a_silent_migration() -> None:
    (f,) = _plan(_server("tmp-migration01", utilisation_class="zombie", strategy="rehost"))
    assert f.rule_id == "SKY-POL-RETIRED" and "zombie" in f.message


def test_active_idle_and_acknowledged_servers_are_fine() -> None:
    assert _plan(_server(utilisation_class="active", strategy="rehost")) == []
    assert _plan(_server(utilisation_class="idle")) == []
    assert _plan(_server("jdoe-test02", strategy="retire"), migrate_anyway=("JDOE-TEST02",)) == []
    assert _plan(_server("x", strategy="retire"), migrate_anyway=("k-x",)) == []  # by key
    assert _plan(_server(strategy="retire"), retired_must_be_excluded=False) == []


# ---- plan: plaintext protocols -------------------------------------------------


def test_ftp_and_telnet_servers_are_named_with_their_clients() -> None:
    found = _plan(_server("ftp01", ports={21: 4, 22: 9}), _server("sw01", ports={23: 0}))
    assert _rules(found) == ["SKY-POL-PLAINTEXT", "SKY-POL-PLAINTEXT"]
    assert "FTP on port 21 (4 client(s) seen)" in found[0].message
    assert "telnet on port 23 (listening)" in found[1].message
    assert found[0].fingerprint != found[1].fingerprint


def test_plaintext_check_can_be_switched_off_and_ignores_ssh() -> None:
    assert _plan(_server(ports={22: 3, 5432: 2})) == []
    assert _plan(_server(ports={21: 1}), forbid_plaintext=False) == []


def test_web_tier_serving_http_without_https() -> None:
    (f,) = _plan(_server("prd-web01", ports={80: 12}))
    assert f.rule_id == "SKY-POL-PLAINTEXT" and "HTTP on port 80" in f.message
    assert _plan(_server("prd-web01", ports={80: 12, 443: 30})) == []
    assert _plan(_server("app01", ports={80: 12})) == []  # not public: not the web tier
    assert _plan(_server("app01", ports={80: 1}, tags={"tier": "frontend"}))  # tagged web tier


# ---- target: public ingress -------------------------------------------------------

SG_22 = """\
resource "aws_security_group" "bastion" {
  name = "bastion"

  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }

  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""


def test_ssh_open_to_the_internet_is_critical_at_its_ingress_block() -> None:
    (f,) = _tf(SG_22)
    assert f.rule_id == "SKY-POL-INGRESS" and f.severity is Severity.CRITICAL
    assert (f.location.path, f.location.line, f.location.end_line) == ("t/main.tf", 11, 17)
    assert f.location.resource == "aws_security_group.bastion"
    assert "port 22 (SSH)" in f.message and "0.0.0.0/0" in f.message


def test_internal_sources_are_not_public_ingress() -> None:
    assert _tf(SG_22.replace("0.0.0.0/0", "10.10.0.0/24")) == []


def _rule(name: str, port: int, protocol: str = "tcp", cidr: str = "0.0.0.0/0") -> str:
    return f"""\
resource "aws_vpc_security_group_ingress_rule" "{name}" {{
  security_group_id = aws_security_group.{name}.id
  cidr_ipv4         = "{cidr}"
  ip_protocol       = "{protocol}"
  from_port         = {port}
  to_port           = {port}
}}
"""


def test_https_on_the_web_tier_is_the_allowed_public_entry() -> None:
    assert _tf(_rule("lb_https", 443)) == []


def test_web_port_on_something_not_the_web_tier_is_medium() -> None:
    (f,) = _tf(_rule("db_https", 443))
    assert f.severity is Severity.MEDIUM and "not recognised as the web tier" in f.message


def test_other_ports_are_high_even_on_the_web_tier_and_all_ports_critical() -> None:
    (high,) = _tf(_rule("web_alt", 8080))
    assert high.severity is Severity.HIGH and "port 8080" in high.message
    (every,) = _tf(_rule("web_any", 0, protocol="-1"))
    assert every.severity is Severity.CRITICAL and "every port" in every.message


def test_public_ports_setting_widens_what_the_web_tier_may_open() -> None:
    assert _tf(_rule("web_alt", 8443), public_ports=(443, 8443)) == []


AZURE_NSG = """\
resource "azurerm_network_security_group" "admin" {
  name = "admin"

  security_rule {
    name                       = "deny-all"
    direction                  = "Inbound"
    access                     = "Deny"
    protocol                   = "*"
    destination_port_range     = "*"
    source_address_prefix      = "*"
  }

  security_rule {
    name                       = "rdp"
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    destination_port_range     = "3389"
    source_address_prefix      = "Internet"
  }
}

resource "azurerm_network_security_rule" "gateway" {
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  destination_port_range      = "65200-65535"
  source_address_prefix       = "GatewayManager"
  network_security_group_name = azurerm_network_security_group.admin.name
}
"""


def test_azure_rdp_from_internet_is_critical_deny_and_service_tags_are_not() -> None:
    (f,) = _tf(AZURE_NSG)
    assert f.severity is Severity.CRITICAL and "3389 (RDP)" in f.message
    assert f.location.line == 13  # the second security_rule block


GCP_FW = """\
resource "google_compute_firewall" "open" {
  name          = "open"
  network       = "default"
  source_ranges = ["0.0.0.0/0"]

  allow {
    protocol = "tcp"
  }
}

resource "google_compute_firewall" "deny" {
  name          = "deny"
  network       = "default"
  source_ranges = ["0.0.0.0/0"]

  deny {
    protocol = "all"
  }
}

resource "google_compute_firewall" "egress" {
  name      = "egress"
  network   = "default"
  direction = "EGRESS"

  allow {
    protocol = "tcp"
    ports    = ["22"]
  }
}
"""


def test_gcp_allow_without_ports_opens_every_port_deny_and_egress_ignored() -> None:
    (f,) = _tf(GCP_FW)
    assert f.severity is Severity.CRITICAL and f.location.resource == "google_compute_firewall.open"


# ---- target: plaintext ------------------------------------------------------------


def test_ftp_allowed_in_from_anywhere_is_plaintext() -> None:
    (f,) = _tf(_rule("files", 21, cidr="10.0.0.0/8"))
    assert f.rule_id == "SKY-POL-PLAINTEXT" and "FTP (port 21)" in f.message


def test_public_http_without_https_in_the_folder_is_plaintext() -> None:
    found = _tf(_rule("lb_http", 80))
    assert _rules(found) == ["SKY-POL-PLAINTEXT"] and "HTTPS (443)" in found[0].message
    assert _tf(_rule("lb_http", 80) + _rule("lb_https", 443)) == []
    assert _tf(_rule("lb_http", 80), forbid_plaintext=False) == []


# ---- target: encryption at rest --------------------------------------------------


def test_database_without_storage_encryption_is_high() -> None:
    text = 'resource "aws_db_instance" "db" {\n  engine = "postgres"\n}\n'
    (f,) = _tf(text)
    assert f.rule_id == "SKY-POL-AT-REST" and f.severity is Severity.HIGH
    assert "storage_encrypted is not set" in f.message and f.location.line == 1
    assert _tf(text.replace('"postgres"', '"postgres"\n  storage_encrypted = true')) == []
    assert _tf(text.replace('"postgres"', '"postgres"\n  storage_encrypted = var.enc')) == []
    assert _tf(text, require_encryption_at_rest=False) == []


def test_explicitly_unencrypted_volume_and_instance_disk() -> None:
    vol = 'resource "aws_ebs_volume" "v" {\n  size      = 10\n  encrypted = false\n}\n'
    (f,) = _tf(vol)
    assert "is false" in f.message and f.location.line == 3
    vm = 'resource "aws_instance" "a" {\n  root_block_device {\n    encrypted = false\n  }\n}\n'
    assert [x.severity for x in _tf(vm)] == [Severity.HIGH]
    (default,) = _tf('resource "aws_instance" "a" {\n  ami = "ami-1"\n}\n')
    assert default.severity is Severity.MEDIUM and "account default" in default.message


BUCKET = 'resource "aws_s3_bucket" "data" {\n  bucket = "shop-data"\n}\n'
SSE = """\
resource "aws_s3_bucket_server_side_encryption_configuration" "data" {
  bucket = aws_s3_bucket.data.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kms"
    }
  }
}
"""


def test_bucket_without_an_encryption_configuration_is_medium() -> None:
    (f,) = _tf(BUCKET)
    assert f.severity is Severity.MEDIUM and f.location.resource == "aws_s3_bucket.data"
    assert _tf(BUCKET + SSE) == []


# ---- target: encryption in transit ------------------------------------------------

LISTENER = """\
resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type = "ACTION"
    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}
"""


def test_http_listener_must_redirect_to_https() -> None:
    (f,) = _tf(LISTENER.replace("ACTION", "forward"))
    assert f.rule_id == "SKY-POL-IN-TRANSIT" and f.location.line == 4
    assert _tf(LISTENER.replace("ACTION", "redirect")) == []
    assert _tf(LISTENER.replace("ACTION", "forward"), require_encryption_in_transit=False) == []


def test_azure_storage_over_http_and_old_tls() -> None:
    text = """\
resource "azurerm_storage_account" "s" {
  name                       = "s"
  https_traffic_only_enabled = false
  min_tls_version            = "TLS1_0"
}
"""
    found = _tf(text)
    assert [(f.severity, f.location.line) for f in found] == [
        (Severity.HIGH, 3),
        (Severity.MEDIUM, 4),
    ]
    fixed = text.replace("false", "true").replace("TLS1_0", "TLS1_2")
    assert _tf(fixed) == []


def test_cloud_sql_must_require_encrypted_connections() -> None:
    text = """\
resource "google_sql_database_instance" "db" {
  name = "db"
  settings {
    tier = "db-custom-2-7680"
    ip_configuration {
      ssl_mode = "MODE"
    }
  }
}
"""
    (f,) = _tf(text.replace("MODE", "ALLOW_UNENCRYPTED_AND_ENCRYPTED"))
    assert f.location.line == 6
    assert _tf(text.replace("MODE", "ENCRYPTED_ONLY")) == []


# ---- target: regions --------------------------------------------------------------

PROVIDER = """\
provider "aws" {
  region = var.region
}

variable "region" {
  type    = string
  default = "us-east-1"
}
"""


def test_provider_region_from_a_variable_default() -> None:
    (f,) = _tf(PROVIDER, allowed_regions=("eu-*",))
    assert f.rule_id == "SKY-POL-REGION" and f.location.line == 2
    assert "us-east-1 (from ${var.region})" in f.message
    assert _tf(PROVIDER, allowed_regions=("us-*",)) == []
    assert _tf(PROVIDER) == []  # no list: any region


def test_azure_location_display_name_against_allowed_region() -> None:
    text = 'resource "azurerm_resource_group" "rg" {\n  location = "West Europe"\n}\n'
    assert _tf(text, allowed_regions=("azure:westeurope",)) == []
    (f,) = _tf(text, allowed_regions=("azure:northeurope",))
    assert "West Europe" in f.message


def test_unparsable_terraform_gives_no_policy_findings() -> None:
    assert parse_terraform("x.tf", 'resource "a" {\n  = broken\n') == []


# ---- target: Kubernetes -----------------------------------------------------------

SERVICE = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
---
apiVersion: v1
kind: Service
metadata:
  name: db
  namespace: shop
spec:
  type: TYPE
  selector:
    app: db
  ports:
    - name: postgres
      port: 5432
"""


def test_load_balancer_exposing_a_database_is_critical_at_its_port() -> None:
    (f,) = _k8s(SERVICE.replace("TYPE", "LoadBalancer"))
    assert f.rule_id == "SKY-POL-INGRESS" and f.severity is Severity.CRITICAL
    assert f.location.resource == "Service/shop/db"
    assert (f.location.line, f.location.end_line) == (17, 17)


def test_cluster_ip_internal_and_source_restricted_services_are_fine() -> None:
    assert _k8s(SERVICE.replace("TYPE", "ClusterIP")) == []
    internal = SERVICE.replace("TYPE", "LoadBalancer").replace(
        "  namespace: shop\n",
        "  namespace: shop\n  annotations:\n"
        '    service.beta.kubernetes.io/aws-load-balancer-internal: "true"\n',
    )
    assert _k8s(internal) == []
    ranges = SERVICE.replace("TYPE", "LoadBalancer") + "  loadBalancerSourceRanges: [10.0.0.0/8]\n"
    assert _k8s(ranges) == []


def test_node_port_exposes_even_web_ports() -> None:
    text = SERVICE.replace("TYPE", "NodePort").replace("5432", "8080")
    (f,) = _k8s(text)
    assert f.severity is Severity.HIGH and "NodePort" in f.message


def test_load_balancer_with_http_only_is_plaintext_and_https_is_fine() -> None:
    http = SERVICE.replace("TYPE", "LoadBalancer").replace("5432", "80")
    assert _rules(_k8s(http)) == ["SKY-POL-PLAINTEXT"]
    https = SERVICE.replace("TYPE", "LoadBalancer").replace("5432", "443")
    assert _k8s(https) == []


INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  rules:
    - host: shop.example.com
"""


def test_ingress_without_tls_is_not_encrypted_in_transit() -> None:
    (f,) = _k8s(INGRESS)
    assert f.rule_id == "SKY-POL-IN-TRANSIT" and f.location.resource == "Ingress/web"
    tls = INGRESS + "  tls:\n    - hosts: [shop.example.com]\n      secretName: web-tls\n"
    assert _k8s(tls) == []


def test_helm_templates_and_non_kubernetes_yaml_are_not_read() -> None:
    assert parse_kubernetes("t.yaml", "apiVersion: v1\nkind: {{ .Values.kind }}\n") == []
    assert parse_kubernetes("c.yaml", "services:\n  web: {image: nginx}\n") == []
