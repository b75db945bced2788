"""The organisation's WAF: skylift.yaml ``waf:`` and ``generate --waf``, checked against each
cloud's shape, used by both the Terraform and the Kubernetes Gateway (issue 13)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from skylift.domain.cloud import Cloud
from skylift.errors import ConfigError, InputError
from skylift.generate.waf import existing_waf
from skylift.workspace.core import Workspace
from skylift.workspace.generating import GenerateRequest, generate_target
from skylift.workspace.settings import load_settings
from tests.helpers import run_cli

SAMPLE = Path(__file__).resolve().parents[3] / "samples" / "app"
GOOD = {
    Cloud.AWS: "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/org-edge/"
    "a1b2c3d4-5678-90ab-cdef-0123456789ab",
    Cloud.AZURE: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/org-sec/"
    "providers/Microsoft.Network/applicationGatewayWebApplicationFirewallPolicies/org-waf",
    Cloud.GCP: "projects/org-sec/global/securityPolicies/org-edge",
}
BAD = {
    Cloud.AWS: [
        "arn:aws:wafv2:us-east-1:111122223333:global/webacl/edge/a1b2c3d4-5678-90ab-cdef-0123456789ab",
        "arn:aws:wafv2:eu-west-1:1111:regional/webacl/org-edge/a1b2c3d4-5678-90ab-cdef-0123456789ab",
        "arn:aws:waf-regional:eu-west-1:111122223333:webacl/a1b2c3d4-5678-90ab-cdef-0123456789ab",
        "org-edge",
    ],
    Cloud.AZURE: [
        "/subscriptions/not-a-guid/resourceGroups/x/providers/Microsoft.Network/"
        "applicationGatewayWebApplicationFirewallPolicies/org-waf",
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/org-sec/providers/"
        "Microsoft.Cdn/cdnWebApplicationFirewallPolicies/org-waf",
        "org-waf",
    ],
    Cloud.GCP: ["projects/x/global/securityPolicies/org-edge", "Org_Edge", "org-edge/"],
}


@pytest.mark.parametrize("cloud", list(Cloud))
def test_well_formed_references_are_accepted(cloud: Cloud) -> None:
    assert existing_waf(cloud, f"  {GOOD[cloud]} ").reference == GOOD[cloud]


@pytest.mark.parametrize(("cloud", "value"), [(c, v) for c, vs in BAD.items() for v in vs])
def test_bad_references_are_one_line_errors_with_a_hint(cloud: Cloud, value: str) -> None:
    with pytest.raises(InputError) as caught:
        existing_waf(cloud, value, "--waf")
    assert "\n" not in caught.value.message and caught.value.message.startswith("--waf ")
    assert caught.value.hint and "e.g." in caught.value.hint


def test_a_cloudfront_acl_is_explained() -> None:
    with pytest.raises(InputError) as caught:
        existing_waf(Cloud.AWS, BAD[Cloud.AWS][0])
    assert "CloudFront (global) web ACL cannot be attached" in (caught.value.hint or "")


def test_skylift_yaml_waf_is_validated_per_cloud(tmp_path: Path) -> None:
    cfg = tmp_path / "skylift.yaml"
    cfg.write_text(yaml.safe_dump({"waf": {"gcp": GOOD[Cloud.GCP], "aws": GOOD[Cloud.AWS]}}))
    settings = load_settings(cfg, environ={})
    assert settings.waf.of(Cloud.GCP) == GOOD[Cloud.GCP] and settings.waf.of(Cloud.AZURE) is None
    cfg.write_text(yaml.safe_dump({"waf": {"azure": GOOD[Cloud.AWS]}}))
    with pytest.raises(ConfigError) as caught:
        load_settings(cfg, environ={})
    assert "waf.azure" in caught.value.message and "\n" not in caught.value.message
    assert "applicationGatewayWebApplicationFirewallPolicies" in caught.value.message


def _request(tmp_path: Path, **kw: object) -> GenerateRequest:
    return GenerateRequest(
        compose=SAMPLE / "docker-compose.yml",
        out_dir=tmp_path / "out",
        only="k8s,terraform",
        **kw,  # type: ignore[arg-type]
    )


def test_the_setting_reaches_terraform_and_the_gateway_and_the_flag_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = tmp_path / "ws"
    Workspace.init(ws, project="shop").close()
    cfg = ws / "skylift.yaml"
    settings = yaml.safe_load(cfg.read_text())
    settings["waf"] = {"gcp": GOOD[Cloud.GCP]}
    cfg.write_text(yaml.safe_dump(settings))
    monkeypatch.delenv("SKYLIFT_WORKSPACE", raising=False)
    generate_target(_request(tmp_path, cloud="gcp", workspace=ws, use_workspace=False))
    out = tmp_path / "out"
    assert 'securityPolicy: "org-edge"' in (out / "k8s/gateway.yaml").read_text()
    assert GOOD[Cloud.GCP] in (out / "terraform/gcp/variables.tf").read_text()
    other = "projects/other-proj/global/securityPolicies/team-edge"
    generate_target(_request(tmp_path, cloud="gcp", workspace=ws, use_workspace=False, waf=other))
    assert 'securityPolicy: "team-edge"' in (out / "k8s/gateway.yaml").read_text()
    assert other in (out / "terraform/gcp/variables.tf").read_text()


def test_a_bad_flag_stops_before_anything_is_written(tmp_path: Path) -> None:
    result = run_cli(
        "generate", str(SAMPLE), "--compose", str(SAMPLE / "docker-compose.yml"),
        "--out", str(tmp_path / "out"), "--no-workspace-data", "--cloud", "azure",
        "--waf", GOOD[Cloud.AWS],
    )  # fmt: skip
    assert result.code == 2
    assert "--waf" in result.stderr and "hint:" in result.stderr
    assert not (tmp_path / "out").exists()


_UUID = st.uuids().map(str)
_AWS_REGION = st.sampled_from(["eu-west-1", "us-east-1", "ap-southeast-2", "us-gov-west-1"])
_ACL_NAME = st.from_regex(r"[A-Za-z0-9_-]{1,128}", fullmatch=True)


@settings(max_examples=30, deadline=None)
@given(
    st.sampled_from(["aws", "aws-cn", "aws-us-gov"]),
    _AWS_REGION,
    st.from_regex(r"[0-9]{12}", fullmatch=True),
    _ACL_NAME,
    _UUID,
)
def test_any_regional_web_acl_arn_is_accepted_and_its_near_misses_are_not(
    partition: str, region: str, account: str, name: str, uid: str
) -> None:
    arn = f"arn:{partition}:wafv2:{region}:{account}:regional/webacl/{name}/{uid}"
    assert existing_waf(Cloud.AWS, arn).name == name
    for wrong in (
        arn.replace(":regional/", ":global/"),
        arn.replace(f":{account}:", f":{account[:-1]}:"),
        arn.replace(":wafv2:", ":waf-regional:"),
        arn.replace(f"/{uid}", ""),
    ):
        with pytest.raises(InputError):
            existing_waf(Cloud.AWS, wrong)


@settings(max_examples=30, deadline=None)
@given(
    _UUID,
    st.from_regex(r"[-A-Za-z0-9_.()]{0,20}[-A-Za-z0-9_()]", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9][-A-Za-z0-9_.]{0,30}", fullmatch=True),
)
def test_any_azure_waf_policy_id_is_accepted_and_other_resource_types_are_not(
    sub: str, group: str, name: str
) -> None:
    rid = (
        f"/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.Network/"
        f"applicationGatewayWebApplicationFirewallPolicies/{name}"
    )
    assert existing_waf(Cloud.AZURE, rid).name == name
    for wrong in (
        rid.replace(
            "applicationGatewayWebApplicationFirewallPolicies",
            "frontDoorWebApplicationFirewallPolicies",
        ),
        rid.replace(sub, sub[:-1]),
        rid.replace("/resourceGroups/", "/groups/"),
    ):
        with pytest.raises(InputError):
            existing_waf(Cloud.AZURE, wrong)


@settings(max_examples=30, deadline=None)
@given(
    st.from_regex(r"[a-z][-a-z0-9]{4,28}[a-z0-9]", fullmatch=True),
    st.from_regex(r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?", fullmatch=True),
)
def test_any_cloud_armor_policy_is_accepted_by_name_or_path(project: str, name: str) -> None:
    path = f"projects/{project}/global/securityPolicies/{name}"
    assert existing_waf(Cloud.GCP, path).name == name
    assert existing_waf(Cloud.GCP, name).name == name
    for wrong in (
        path.upper(),
        f"projects/{project}/regions/eu/securityPolicies/{name}",
        name + "-",
    ):
        with pytest.raises(InputError):
            existing_waf(Cloud.GCP, wrong)
