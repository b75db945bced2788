"""The hardened variant of the user's Dockerfile: added at the end of the built stage only."""

from __future__ import annotations

from pathlib import Path

from skylift.domain.target import AppSpec, ArtifactKind, Language, PortSpec, ServiceSpec
from skylift.generate.hardened import harden
from skylift.generate.inputs import read_inputs
from skylift.generate.pipeline import render_target

DOCKERFILE = """\
# syntax=docker/dockerfile:1.4
FROM python:3.12-alpine AS builder
WORKDIR /code
COPY . .
CMD ["python", "app.py"]

FROM builder AS dev-envs
RUN <<EOF
FROM this is not an instruction
EOF
# install tools
CMD ["flask", "run"]
"""


def _service(target: str | None, language: Language = Language.PYTHON) -> ServiceSpec:
    app = AppSpec(name="web", path="/src", language=language, build_target=target)
    return ServiceSpec(name="web", app=app, ports=(PortSpec(container=8000),))


def _added(text: str) -> list[str]:
    return [
        line for line in text.splitlines() if line.startswith(("# Added", "HEALTHCHECK", "USER"))
    ]


def test_the_built_stage_gets_user_and_healthcheck_and_nothing_else_changes() -> None:
    text = harden(DOCKERFILE, _service("builder"))
    assert text is not None
    lines = text.splitlines()
    added = lines.index("USER 10001:10001")
    assert lines.index('CMD ["python", "app.py"]') < added < lines.index("FROM builder AS dev-envs")
    assert lines[added - 1].startswith("HEALTHCHECK") and "('127.0.0.1', 8000)" in lines[added - 1]
    kept = [line for line in lines if line not in _added(text)]
    assert [line for line in kept if line] == [line for line in DOCKERFILE.splitlines() if line]


def test_without_a_target_the_last_stage_is_hardened_past_its_heredoc() -> None:
    text = harden(DOCKERFILE, _service(None))
    assert text is not None and text.rstrip().endswith("USER 10001:10001")
    assert text.index("FROM this is not") < text.index("# Added by skylift")


def test_nothing_is_offered_when_the_stage_is_already_hardened() -> None:
    done = "FROM alpine:3.21.0\nHEALTHCHECK CMD true\nUSER app\n"
    assert harden(done, _service(None)) is None
    root = "FROM alpine:3.21.0\nHEALTHCHECK CMD true\nUSER root\n"
    assert (harden(root, _service(None)) or "").rstrip().endswith("USER 10001:10001")
    unknown = harden("FROM alpine:3.21.0\nUSER 1000\n", _service(None, Language.UNKNOWN))
    assert unknown is None  # no runtime skylift knows to probe with, and a USER is there


def test_the_variant_sits_next_to_the_untouched_original(tmp_path: Path) -> None:
    folder = tmp_path / "web"
    folder.mkdir()
    (folder / "requirements.txt").write_text("flask\n")
    (folder / "Dockerfile").write_text(DOCKERFILE)
    inputs = read_inputs(app_dir=folder, environ={})
    files, warnings = render_target(inputs.target, (ArtifactKind.DOCKER,))
    assert files["docker/web/Dockerfile"][1] == DOCKERFILE
    assert "USER 10001:10001" in files["docker/web/Dockerfile.hardened"][1]
    assert any("docker/web/Dockerfile.hardened" in w.message for w in warnings)
    assert '"$root"/Dockerfile' in files["build.sh"][1]  # build.sh builds the original
