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


#: Runs of a variant that must pass on performance but failed on p95 only. Two 1 s load
#: runs' p95 on a loaded 2-core CI machine are noisy: at load 13 here the same service was
#: 31 ms slower than its twin in one run and 96 ms faster in the next (40 ms slack). A
#: real difference (HTTPS against HTTP, the run order, a slow variant) fails every run; a
#: stall of the machine does not, so the p95 verdict is measured again, at most 3 times.
P95_RUNS = 3


def _run(pki: Pki, checks_file: Path, variant: str) -> tuple[ServiceVerification, int]:
    extra = free_port()
    options = ServiceOptions(read_checks(checks_file), probe_ports=(extra,), ca_file=pki.ca)
    with shop() as source, shop(pki, variant=variant, extra_port=extra) as target:
        return verify_service(source, target, options), extra


def _verified(
    pki: Pki, checks_file: Path, variant: str, want: Expected
) -> tuple[ServiceVerification, int]:
    for _ in range(P95_RUNS):
        result, extra = _run(pki, checks_file, variant)
        perf = result.performance
        p95_only = perf is not None and not perf.passed and all("p95" in p for p in perf.problems)
        if want.performance_problem is not None or not p95_only:
            break
    return result, extra


@pytest.mark.parametrize("variant", list(CASES), ids=lambda v: v or "identical")
def test_each_variant_is_caught_by_its_check_only(
    pki: Pki, checks_file: Path, variant: str
) -> None:
    want = CASES[variant]
    result, extra = _verified(pki, checks_file, variant, want)
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
