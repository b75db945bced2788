"""Lock files and dependency manifests: package names are not secrets, real credentials are."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from skylift.domain.findings import Severity
from skylift.security.dependency_files import (
    dependency_file,
    is_lock_file,
    json_section_lines,
    toml_section_lines,
)
from skylift.security.detect_secrets_adapter import DetectSecrets
from skylift.security.scan import ScanOptions, scan

ROOT = Path(__file__).resolve().parents[3]
LOCKFILES = ROOT / "tests" / "fixtures" / "scan" / "lockfiles"
ONLY_SECRETS = ScanOptions(misconfig=False, policies=False)


def _found(path: Path) -> list[tuple[str, int | None, str, Severity]]:
    return [
        (Path(f.location.path or "").name, f.location.line, f.rule_id, f.severity)
        for f in scan([str(path)], ONLY_SECRETS).findings
    ]


def test_issue_13_package_lock_entries_are_not_secrets(tmp_path: Path) -> None:
    """``"path-key": "^3.1.0"`` and ``registry-auth-token`` made a clean app exit 1."""
    (tmp_path / "package-lock.json").write_text(
        '{\n  "packages": {\n    "node_modules/cross-spawn": {\n      "dependencies": {\n'
        '        "path-key": "^3.1.0",\n        "registry-auth-token": "^5.0.1"\n'
        "      }\n    }\n  }\n}\n"
    )
    assert _found(tmp_path) == []


def test_every_kind_of_lock_file_and_manifest_is_clean() -> None:
    clean = LOCKFILES / "clean"
    names = {p.name for p in clean.iterdir()}
    assert len(names) >= 14  # npm, yarn, pnpm, poetry, pipenv, cargo, go, composer, bundler, pip
    assert _found(clean) == []


def test_credentials_in_lock_files_are_still_found_by_their_shape() -> None:
    assert _found(LOCKFILES / "leaky") == [
        ("package-lock.json", 7, "SKY-SECRET-010", Severity.HIGH),  # password in a registry URL
        ("package.json", 5, "SKY-SECRET-020", Severity.HIGH),  # "config", not a dependency
        ("requirements.txt", 1, "SKY-SECRET-010", Severity.HIGH),  # --extra-index-url user:pw@
        ("yarn.lock", 6, "DS-GITHUB-TOKEN", Severity.HIGH),  # ghp_ token in a resolved URL
    ]


def test_shape_detectors_on_a_lock_file_equal_detect_secrets_on_the_same_text(
    tmp_path: Path,
) -> None:
    """Oracle: detect-secrets skips lock files by name; the same lines in a plain text file
    give the same shape hits (keyword and entropy detectors aside)."""
    from detect_secrets.core.scan import scan_file
    from detect_secrets.settings import default_settings

    for lock in sorted((LOCKFILES / "leaky").iterdir()) + sorted((LOCKFILES / "clean").iterdir()):
        if not is_lock_file(lock.name):
            continue
        text = lock.read_text()
        plain = tmp_path / f"{lock.name}.txt"
        plain.write_text(text)
        with default_settings():
            if lock.name in ("yarn.lock", "package-lock.json"):  # detect-secrets skips them
                assert list(scan_file(str(lock))) == []
            want = {
                (s.type, s.line_number)
                for s in scan_file(str(plain))
                if s.type
                not in ("Secret Keyword", "Base64 High Entropy String", "Hex High Entropy String")
            }
        with DetectSecrets().session() as ds:
            got = {(h.type, h.line) for h in ds.scan_shapes(lock, text)}
        assert got == want, lock.name


def test_lock_file_names() -> None:
    locks = (
        "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock", "Pipfile.lock",
        "Cargo.lock", "go.sum", "composer.lock", "Gemfile.lock", "requirements.txt",
        "requirements-dev.txt", "constraints.txt", "deps/web/package-lock.json",
    )  # fmt: skip
    for name in locks:
        assert is_lock_file(name), name
    for name in ("package.json", "secrets.lock.yaml.bak", "app.env", "lock.json", "values.yaml"):
        assert not is_lock_file(name), name
    assert dependency_file("requirements/base.txt", "") is not None
    assert dependency_file("docs/notes.txt", "") is None


def test_json_sections_cover_the_dependency_objects_only() -> None:
    text = (
        '{\n  "name": "x",\n  "dependencies": {\n    "a-token": "^1.0.0"\n  },\n'
        '  "config": {"apiToken": "abc"},\n  "devDependencies": {"b-secret": "2"}\n}\n'
    )
    assert json_section_lines(text, frozenset({"dependencies", "devDependencies"})) == {3, 4, 5, 7}


def test_toml_sections_cover_dependency_tables_only() -> None:
    text = (
        '[package]\nname = "x"\n[dependencies]\nsecret-service = "3"\n'
        '[dependencies.oauth2-token]\nversion = "0.4"\n[profile.release]\nlto = true\n'
        '[tool.poetry.group.dev.dependencies]\npasslib = "1"\n'
    )
    assert toml_section_lines(text) == {3, 4, 5, 6, 9, 10}


#: words that make a key secret-looking (rules.SECRET_TOKENS) inside package names
_SECRETISH = st.sampled_from(["token", "secret", "password", "passwd", "credential", "apikey"])
_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=8)
_PACKAGE = st.builds(
    lambda scope, a, s: f"{scope}{a}-{s}",
    st.sampled_from(["", "@acme/"]),
    _WORD,
    _SECRETISH,
)
_RANGE = st.builds(
    lambda op, a, b, c: f"{op}{a}.{b}.{c}",
    st.sampled_from(["^", "~", ">=", ""]),
    st.integers(0, 40),
    st.integers(0, 40),
    st.integers(0, 40),
)


@settings(max_examples=15, deadline=None)
@given(st.dictionaries(_PACKAGE, _RANGE, min_size=1, max_size=8))
def test_package_json_dependencies_never_flagged_but_the_same_pairs_elsewhere_are(
    deps: dict[str, str],
) -> None:
    """Property: secret-looking package names are silent in ``dependencies`` of a
    package.json; the same pairs in a plain JSON settings file are reported."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "app").mkdir()
        (root / "app" / "package.json").write_text(
            json.dumps({"name": "x", "dependencies": deps, "devDependencies": deps}, indent=2)
        )
        assert _found(root / "app") == []
        (root / "other").mkdir()
        (root / "other" / "settings.json").write_text(json.dumps(deps, indent=2))
        assert len(_found(root / "other")) == len(deps)
