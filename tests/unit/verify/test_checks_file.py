"""The checks file: every field read, ${VAR} from the environment, errors name their line."""

from __future__ import annotations

from pathlib import Path

import pytest

from skylift.errors import InputError
from skylift.verify.service.checks_file import parse_checks, parse_duration
from skylift.verify.service.model import BodyMode

FULL = """\
checks:
  - name: products
    method: post
    path: /products
    headers: {Authorization: "Bearer ${TOKEN}", Accept: application/json}
    body: '{"q": 1}'
    expect:
      status: 201
      headers: {Content-Type: application/json}
      json: {"$.items[0].name": chair, "$.count": 3}
      latency_ms: 250
    compare: {headers: [Content-Type, ETag], body: exact, ignore: ["$.id"],
              normalise: [uuids, "regex:v\\\\d+"]}
tcp:
  - {name: db, port: 5432, host: db.internal}
  - {port: 6379}
load: {paths: [/products], users: 20, duration: 2m, rate: 150, warmup: 500ms, together: false}
thresholds: {p95_ratio: 1.2, p95_slack_ms: 0, error_rate_delta: 0.01, throughput_ratio: 0.9}
"""


def test_every_field_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKEN", "t0k")
    cs = parse_checks(FULL, Path("checks.yaml"))
    (c,) = cs.http
    assert (c.name, c.method, c.path, c.body) == ("products", "POST", "/products", '{"q": 1}')
    assert c.headers == {"Authorization": "Bearer t0k", "Accept": "application/json"}
    assert c.expect.status == 201 and c.expect.latency_ms == 250
    assert c.expect.headers == {"content-type": "application/json"}
    assert c.expect.json_paths == {"$.items[0].name": "chair", "$.count": 3}
    assert c.compare_headers == ("content-type", "etag")
    assert c.body_mode is BodyMode.EXACT and c.ignore == ("$.id",)
    assert c.normalise == ("uuids", "regex:v\\d+")
    assert c.origin == "checks.yaml:2"
    assert [(t.name, t.port, t.host) for t in cs.tcp] == [
        ("db", 5432, "db.internal"),
        ("tcp 6379", 6379, None),
    ]
    assert cs.load is not None
    assert (cs.load.users, cs.load.duration_s, cs.load.rate, cs.load.warmup_s) == (
        20,
        120,
        150,
        0.5,
    )
    assert cs.load.together is False
    assert cs.thresholds.p95_ratio == 1.2 and cs.thresholds.throughput_ratio == 0.9


def test_defaults_compare_like_a_user_expects() -> None:
    (c,) = parse_checks("checks:\n  - path: /x\n", Path("c.yaml")).http
    assert (c.name, c.method, c.expect.status, c.body_mode) == (
        "GET /x",
        "GET",
        None,
        BodyMode.JSON,
    )
    assert c.compare_headers == ("content-type",) and c.normalise == ("timestamps", "uuids")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "checks:\n  - path: /a\n    headers: {X: '${NOPE_19}'}\n",
            "c.yaml:2: environment variable NOPE_19",
        ),
        ("checks:\n  - path: a\n", "c.yaml:2: path 'a' must start with '/'"),
        ("checks: {path: /a}\n", "'checks' must be a list"),
        ("chekcs: []\n", "unknown key 'chekcs' in the checks file"),
        (
            "tcp:\n  - {port: 70000}\n",
            "c.yaml:2: port: Input should be less than or equal to 65535",
        ),
        (
            "checks:\n  - path: /a\n    compare: {normalise: [dates]}\n",
            "c.yaml:2: unknown normalise rule 'dates'",
        ),
        ("checks:\n  - path: /a\n    compare: {body: xml}\n", "c.yaml:2: body_mode"),
        ("thresholds: {p95_ratio: -1}\n", "p95_ratio"),
        ("- 1\n", "the checks file must be a mapping"),
    ],
)
def test_bad_input_names_the_line(text: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        parse_checks(text, Path("c.yaml"))
    assert message in err.value.message
    assert "\n" not in err.value.message


@pytest.mark.parametrize(("text", "seconds"), [("10s", 10), ("500ms", 0.5), ("2m", 120), (3, 3)])
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text, "duration") == seconds
