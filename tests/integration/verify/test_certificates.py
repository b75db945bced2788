"""TLS findings against real TLS shops: untrusted chain, wrong host name, expiring and
expired certificates, weak cipher suites; a good server gives none."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from skylift.verify.service.endpoint import parse_endpoint
from skylift.verify.service.testpki import Pki, make_pki
from skylift.verify.service.tls import certificate_findings, protocol_findings
from tests.integration.verify.shops import shop


def _found(pki: Pki, ca: Path | None) -> list[tuple[str, str]]:
    with shop(pki) as url:
        found = certificate_findings(parse_endpoint(url, "--target"), ca)
    return [(f.rule_id, f.severity.value) for f in found]


def test_a_good_certificate_gives_no_finding(pki: Pki) -> None:
    assert _found(pki, pki.ca) == []


def test_an_unknown_ca_is_an_untrusted_chain(pki: Pki) -> None:
    assert _found(pki, None) == [("SKY-VERIFY-TLS-CHAIN", "high")]


@pytest.mark.parametrize(
    ("days", "names", "want"),
    [
        (10, ("127.0.0.1",), [("SKY-VERIFY-TLS-EXPIRY", "medium")]),
        (-3, ("127.0.0.1",), [("SKY-VERIFY-TLS-CHAIN", "high"), ("SKY-VERIFY-TLS-EXPIRY", "high")]),
        (365, ("shop.example.test",), [("SKY-VERIFY-TLS-HOSTNAME", "high")]),
    ],
)
def test_expiry_and_host_name(
    tmp_path: Path, days: int, names: tuple[str, ...], want: list[tuple[str, str]]
) -> None:
    pki = make_pki(tmp_path, days=days, names=names)
    assert sorted(_found(pki, pki.ca)) == want


def test_expiry_is_judged_at_the_given_time(pki: Pki) -> None:
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=400)
    with shop(pki) as url:
        found = certificate_findings(parse_endpoint(url, "--target"), pki.ca, now=later)
    assert [(f.rule_id, f.severity.value) for f in found] == [("SKY-VERIFY-TLS-EXPIRY", "high")]


def test_weak_cipher_suites_are_found_and_strong_servers_give_none(pki: Pki) -> None:
    with shop(pki, variant="weak-cipher") as url:
        weak = protocol_findings(parse_endpoint(url, "--target"))
    with shop(pki) as url:
        strong = protocol_findings(parse_endpoint(url, "--target"))
    assert {f.rule_id for f in weak} == {"SKY-VERIFY-TLS-CIPHER"}
    assert any("aNULL" in f.message for f in weak) and any("eNULL" in f.message for f in weak)
    assert strong == []
