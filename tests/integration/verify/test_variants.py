"""verify service against two real shops on loopback: the identical pair passes, and
each variant that breaks one thing is caught by the right check and by nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from skylift.verify.service import ServiceOptions, read_checks, verify_service
from skylift.verify.service.model import ServiceVerification
from skylift.verify.service.testpki import Pki
from tests.integration.verify.shops import free_port, shop


@dataclass(frozen=True)
class Expected:
    """Which area fails and how (everything else must pass, with no finding)."""

    failed_checks: tuple[str, ...] = ()
    performance_problem: str | None = None
    rules: tuple[str, ...] = ()


CASES = {
    "": Expected(),
    "changed": Expected(failed_checks=("products",)),
    "slow": Expected(performance_problem="p95"),
    "no-header": Expected(rules=("SKY-VERIFY-HEADER",)),
    "tls10": Expected(rules=("SKY-VERIFY-TLS-PROTOCOL", "SKY-VERIFY-TLS-PROTOCOL")),
    "extra-port": Expected(rules=("SKY-VERIFY-PORT",)),
    "open-admin": Expected(rules=("SKY-VERIFY-AUTH",)),
    "reset": Expected(performance_problem="error rate"),
}


def _run(pki: Pki, checks_file: Path, variant: str) -> tuple[ServiceVerification, int]:
    extra = free_port()
    options = ServiceOptions(read_checks(checks_file), probe_ports=(extra,), ca_file=pki.ca)
    with shop() as source, shop(pki, variant=variant, extra_port=extra) as target:
        return verify_service(source, target, options), extra


@pytest.mark.parametrize("variant", list(CASES), ids=lambda v: v or "identical")
def test_each_variant_is_caught_by_its_check_only(
    pki: Pki, checks_file: Path, variant: str
) -> None:
    result, extra = _run(pki, checks_file, variant)
    want = CASES[variant]
    failed = tuple(c.name for c in result.functional if not c.passed)
    assert failed == want.failed_checks, result.functional
    assert result.performance is not None
    if want.performance_problem is None:
        assert result.performance.passed, result.performance.problems
    else:
        assert not result.performance.passed
        assert any(want.performance_problem in p for p in result.performance.problems)
    assert tuple(sorted(f.rule_id for f in result.findings)) == want.rules, result.findings
    assert result.passed is (variant == "")
    if variant == "no-header":
        assert "x-content-type-options" in result.findings[0].message
        assert result.findings[0].severity == "medium"  # the source sends it: a regression
    if variant == "extra-port":
        assert result.findings[0].location.resource == f"127.0.0.1:{extra}"
    if variant == "tls10":
        assert {"TLS 1.0", "TLS 1.1"} <= {m for f in result.findings for m in
                                          ("TLS 1.0", "TLS 1.1") if m in f.message}  # fmt: skip
