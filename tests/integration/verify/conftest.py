"""Fixtures: a test CA, the shop service as source (HTTP) and target (HTTPS), a checks file."""

from __future__ import annotations

from pathlib import Path

import pytest

from skylift.verify.service.testpki import Pki, make_pki
from tests.integration.verify.shops import TOKEN

CHECKS = """\
# the shop's functional suite, as a user would write it (docs/verify.md)
checks:
  - name: health
    path: /healthz
    expect: {status: 200, body: ok}
  - name: products
    path: /products
    headers: {Accept: application/json}
    expect:
      status: 200
      json: {"$.items[0].name": chair}
    compare: {headers: [content-type], body: json, ignore: ["$.request_id"]}
  - name: admin
    path: /admin
    headers: {Authorization: "Bearer ${SHOP_ADMIN_TOKEN}"}
load: {paths: [/products], users: 4, duration: 1s, rate: 100, warmup: 0.3s}
# generous absolute slack: the test machine is shared and loopback p95 is noisy;
# the slow variant adds 100 ms, far above it
thresholds: {p95_ratio: 1.1, p95_slack_ms: 40}
"""


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A CA and a certificate for 127.0.0.1, made with cryptography."""
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def checks_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The checks file (its admin token comes from the environment)."""
    path = tmp_path_factory.mktemp("checks") / "checks.yaml"
    path.write_text(CHECKS, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _admin_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOP_ADMIN_TOKEN", TOKEN)
