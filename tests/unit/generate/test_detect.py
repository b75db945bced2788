"""Detection of language, framework, package manager, start command and port; Dockerfiles."""

from __future__ import annotations

from pathlib import Path

import pytest

from skylift.domain.target import ArtifactKind, Language
from skylift.errors import InputError
from skylift.generate.detect import detect_app
from skylift.generate.docker import dockerfile_context
from skylift.generate.inputs import read_inputs
from skylift.generate.pipeline import render_target
from skylift.generate.render import render
from tests.unit.generate.apps import APPS, make_app
from tests.unit.generate.dockerfile_props import assert_dockerfile_properties
from tests.unit.generate.golden import assert_golden

EXPECTED = {
    "python-pip-flask": (Language.PYTHON, "flask", "pip", 8000),
    "python-poetry-django": (Language.PYTHON, "django", "poetry", 8000),
    "python-uv-fastapi": (Language.PYTHON, "fastapi", "uv", 8000),
    "node-npm-express": (Language.NODE, "express", "npm", 4000),
    "node-yarn-next": (Language.NODE, "next", "yarn", 3000),
    "node-pnpm": (Language.NODE, None, "pnpm", 3000),
    "java-maven-spring": (Language.JAVA, "spring-boot", "maven", 8080),
    "java-gradle": (Language.JAVA, None, "gradle", 8080),
    "go": (Language.GO, None, "go modules", 8080),
    "dotnet": (Language.DOTNET, "aspnetcore", "nuget", 8080),
    "ruby-rails": (Language.RUBY, "rails", "bundler", 3000),
    "php-composer": (Language.PHP, "laravel", "composer", 8080),
    "static": (Language.STATIC, None, None, 8080),
    "unknown": (Language.UNKNOWN, None, None, None),
    "procfile": (Language.PYTHON, None, "pip", 8000),
}


@pytest.mark.parametrize("kind", sorted(APPS))
def test_detects_language_framework_package_manager_and_port(tmp_path: Path, kind: str) -> None:
    app, _ = detect_app(make_app(tmp_path, kind), name=kind)
    assert (app.language, app.framework, app.package_manager, app.port) == EXPECTED[kind]


@pytest.mark.parametrize("kind", sorted(APPS))
def test_dockerfile_per_language_matches_golden(tmp_path: Path, kind: str) -> None:
    app, _ = detect_app(make_app(tmp_path, kind), name=kind)
    ctx = dockerfile_context(app)
    text = render(ctx.template, ctx=ctx)
    # parsed, not substrings: non-root USER, HEALTHCHECK on the served port, pinned bases
    assert_dockerfile_properties(text, port=EXPECTED[kind][3])
    assert_golden(f"dockerfile/{kind}", {"Dockerfile": text})


def test_multi_stage_where_it_builds(tmp_path: Path) -> None:
    for kind in ("java-maven-spring", "go", "dotnet", "node-yarn-next"):
        app, _ = detect_app(make_app(tmp_path, kind), name=kind)
        ctx = dockerfile_context(app)
        assert render(ctx.template, ctx=ctx).count("\nFROM ") == 2, kind


def test_unknown_language_is_a_warning_and_a_commented_generic_dockerfile(tmp_path: Path) -> None:
    app, _ = detect_app(make_app(tmp_path, "unknown"))
    assert app.language is Language.UNKNOWN
    ctx = dockerfile_context(app)
    assert "TODO" in render(ctx.template, ctx=ctx)
    inputs = read_inputs(app_dir=make_app(tmp_path / "2", "unknown"), environ={})
    files, warnings = render_target(inputs.target, (ArtifactKind.DOCKER,))
    todo = [w.message for w in [*inputs.warnings, *warnings] if "TODO" in w.message]
    assert len(todo) == 1 and "docker/unknown/Dockerfile" in todo[0]
    assert "TODO" in files["docker/unknown/Dockerfile"][1]


def test_no_todo_message_when_the_application_has_its_own_dockerfile(tmp_path: Path) -> None:
    folder = make_app(tmp_path, "unknown")
    (folder / "Dockerfile").write_text('FROM alpine:3.21.0\nCMD ["true"]\n')
    inputs = read_inputs(app_dir=folder, environ={})
    files, warnings = render_target(inputs.target, (ArtifactKind.DOCKER,))
    every = [*inputs.warnings, *warnings]
    assert not [w for w in every if "TODO" in w.message or "generic" in w.message]
    assert files["docker/unknown/Dockerfile"][1].startswith("FROM alpine:3.21.0")


def test_procfile_web_process_is_the_start_command(tmp_path: Path) -> None:
    app, _ = detect_app(make_app(tmp_path, "procfile"))
    assert app.start_command[:2] == ("gunicorn", "shop.wsgi")
    assert "Procfile" in app.evidence


def test_existing_dockerfile_is_noted_for_reuse(tmp_path: Path) -> None:
    folder = make_app(tmp_path, "go")
    (folder / "Dockerfile").write_text("FROM scratch\nEXPOSE 9090\n")
    app, _ = detect_app(folder)
    assert app.dockerfile == "Dockerfile"
    assert app.port == 9090


def test_missing_folder_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="application folder not found"):
        detect_app(tmp_path / "nope")


def test_broken_package_json_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{\n  "name": "x",\n  oops\n}')
    with pytest.raises(InputError) as exc:
        detect_app(tmp_path)
    assert "package.json" in exc.value.message and "row 3" in exc.value.message
