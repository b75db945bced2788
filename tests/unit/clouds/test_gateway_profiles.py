"""Each cloud's Gateway API controller lives in its profile, with its own template.

A controller's ``sources`` must resolve to addresses (CIDRs, or ranges of the
generated network), and its template of cloud-specific resources must exist
and define every macro the shared Gateway template calls.
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace

import pytest

from skylift import clouds
from skylift.domain.cloud import Cloud
from skylift.errors import ConfigError
from skylift.generate.gateway import NETWORK_RANGES, controller
from skylift.generate.render import environment

MACROS = (
    "gateway_metadata",
    "gateway_spec",
    "listener_tls",
    "route_resources",
    "resources",
    "helm_values",
    "waf_word",
    "install",
)


@pytest.mark.parametrize("cloud", list(Cloud))
def test_sources_resolve_to_networks(cloud: Cloud) -> None:
    ctrl, spec = controller(cloud)
    assert ctrl.sources, cloud
    for source in ctrl.sources:
        ipaddress.ip_network(source)  # raises on a name left unresolved
    for name in spec.sources:
        assert name in NETWORK_RANGES or ipaddress.ip_network(name)


@pytest.mark.parametrize("cloud", list(Cloud))
def test_each_cloud_has_its_gateway_template(cloud: Cloud) -> None:
    templates = clouds.profile(cloud.value).terraform.templates
    module = environment().get_template(f"k8s/gateway/{templates}.yaml.j2")
    missing = [m for m in MACROS if not hasattr(module.module, m)]
    assert not missing, f"{templates}: {missing}"


def test_a_cloud_without_a_controller_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from skylift.generate import gateway

    bare = replace(clouds.profile("aws"), gateway=None)
    monkeypatch.setattr(gateway, "profile", lambda _name: bare)
    with pytest.raises(ConfigError, match="no Gateway API controller"):
        controller(Cloud.AWS)
