"""The cloud registry: names, lazy profiles, and agreement with the one Cloud enum."""

from __future__ import annotations

import pytest

from skylift import clouds
from skylift.domain.cloud import Cloud
from skylift.domain.registry import Entry
from skylift.errors import ConfigError


def test_the_enum_names_exactly_the_registered_clouds() -> None:
    assert clouds.names() == tuple(c.value for c in Cloud)


def test_each_profile_is_found_by_its_name() -> None:
    for cloud in Cloud:
        found = clouds.profile(cloud)
        assert found.name == cloud.value
        assert found.terraform.templates == cloud.value
        assert found.services.databases["database"]


def test_a_bad_registry_entry_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    # the registry is plain data: an entry pointing at the wrong profile is a config error
    monkeypatch.setitem(clouds.REGISTRY, "oops", Entry("skylift.clouds.aws:PROFILE"))
    with pytest.raises(ConfigError, match="is not the CloudProfile of 'oops'"):
        clouds.profile("oops")
