"""Readiness rules, confidence bands, utilisation classes."""

from __future__ import annotations

import polars as pl
import pytest

from skylift.assess.classify import classify
from skylift.assess.confidence import stars
from skylift.assess.policy import ClassThresholds
from skylift.assess.readiness import load_rules, readiness_columns
from skylift.domain.assessment import UtilisationClass


def _ready(cloud: str, **kw: object) -> tuple[str, str]:
    row: dict[str, object] = {
        "os_name": "Ubuntu Linux (64-bit)", "os_family": "linux", "arch": "x86_64",
        "boot_type": "bios", "max_disk_gib": 100.0, "disk_count": 1, "nic_count": 1,
        "not_sized_reason": None,
    }  # fmt: skip
    row.update(kw)
    out = readiness_columns(pl.DataFrame([row]), cloud).row(0, named=True)
    return out["readiness"], out["readiness_rule"]


@pytest.mark.parametrize(
    ("cloud", "fields", "status", "rule"),
    [
        ("azure", {}, "ready", ""),
        ("azure", {"os_name": "Microsoft Windows Server 2003 (32-bit)", "os_family": "windows"},
         "conditionally_ready", "windows-2003-or-older"),
        ("aws", {"os_name": "Microsoft Windows Server 2008 R2 (64-bit)", "os_family": "windows"},
         "ready", ""),
        ("gcp", {"os_name": "Microsoft Windows 10 (64-bit)", "os_family": "windows"},
         "conditionally_ready", "windows-client"),
        ("aws", {"os_name": "Oracle Solaris 11 (64-bit)", "os_family": "unix"}, "not_ready",
         "os-unix-proprietary"),
        ("azure", {"os_name": None, "os_family": "unknown"}, "unknown", "os-unknown"),
        ("azure", {"os_name": "Gentoo Linux", "os_family": "linux"}, "conditionally_ready",
         "linux-not-endorsed"),
        ("azure", {"boot_type": "uefi"}, "conditionally_ready", "uefi-needs-gen2"),
        ("aws", {"boot_type": "uefi"}, "ready", ""),
        ("azure", {"disk_striped": "a 39.1 TiB disk exceeds …"}, "conditionally_ready",
         "disk-striped"),
        ("azure", {"disk_striped": "…", "os_family": "unix", "os_name": "Solaris 11"},
         "not_ready", "os-unix-proprietary"),
        ("aws", {"disk_blocker": "a 2,048.0 TiB disk …"}, "not_ready", "disk-over-limit"),
        ("gcp", {"disk_count": 70}, "not_ready", "too-many-disks"),
        ("aws", {"nic_count": 33}, "not_ready", "too-many-nics"),
        ("aws", {"os_name": "CentOS 4/5 (32-bit)"}, "conditionally_ready", "os-32-bit"),
        ("aws", {"not_sized_reason": "no fitting instance: needs 500 vCPU"}, "not_ready",
         "no-fitting-size"),
    ],
)  # fmt: skip
def test_readiness_rules(cloud: str, fields: dict[str, object], status: str, rule: str) -> None:
    assert _ready(cloud, **fields) == (status, rule)


def test_worst_status_wins() -> None:
    # 32-bit (conditional) and Solaris (not ready) both fire: not ready is reported
    assert _ready("aws", os_name="Solaris 10 (32-bit)", os_family="unix")[0] == "not_ready"


def test_rule_table_has_dates_and_remediations() -> None:
    table = load_rules()
    assert table.as_of.year >= 2026
    assert all(r.remediation and r.reason for r in table.rules)


@pytest.mark.parametrize(
    ("pct", "expected"),
    [(0.0, 1), (20.0, 1), (20.5, 2), (40.0, 2), (41.0, 3), (60.0, 3), (61.0, 4), (80.0, 4),
     (81.0, 5), (100.0, 5), (None, None)],
)  # fmt: skip
def test_confidence_bands(pct: float | None, expected: int | None) -> None:
    assert stars(pct) == expected


@pytest.mark.parametrize(
    ("cpu", "mem", "net", "expected"),
    [
        (0.0, 0.0, 0.0, UtilisationClass.ZOMBIE),
        (3.0, 4.0, 1.0, UtilisationClass.IDLE),
        (3.0, 4.0, None, UtilisationClass.IDLE),
        (30.0, 40.0, 5.0, UtilisationClass.ACTIVE),
        (3.0, 50.0, 1.0, UtilisationClass.ACTIVE),
        (None, None, 1.0, UtilisationClass.UNKNOWN),
    ],
)
def test_utilisation_classes(
    cpu: float | None, mem: float | None, net: float | None, expected: UtilisationClass
) -> None:
    assert classify(cpu, mem, net, ClassThresholds()) is expected


def test_class_thresholds_are_configurable() -> None:
    strict = ClassThresholds(idle_cpu_pct=20.0, idle_mem_pct=20.0, idle_net_pct=5.0)
    assert classify(10.0, 15.0, 1.0, strict) is UtilisationClass.IDLE
    assert classify(10.0, 15.0, 1.0, ClassThresholds()) is UtilisationClass.ACTIVE
