"""What ``skylift transfer`` does before its first request, kept small (issue #12):
it imports no other stage's settings, no SQL toolkit and no renderer it does not
use; it reads only the settings it uses, with the same results and errors as the
whole file's validation; and migration tracking opens its store off the critical
path without losing the run's record."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skylift.errors import ConfigError
from skylift.workspace import Workspace, tracking
from skylift.workspace.settings import load_settings
from skylift.workspace.storage_settings import load_storage_settings
from tests.helpers import assert_fails_as_the_whole_file
from tests.unit.first_write import first_write_probe

#: Modules a transfer between local folders must not load: other stages' settings
#: models, the SQL toolkit (tracking writes with sqlite3), data frames, cloud SDKs.
NOT_FOR_A_TRANSFER = (
    "skylift.workspace.settings",
    "skylift.domain.assessment",
    "skylift.domain.plan",
    "skylift.domain.policy",
    "skylift.optimize",
    "sqlalchemy",
    "alembic",
    "polars",
    "numpy",
    "boto3",
    "botocore",
    "cryptography",
    "zstandard",
    "prometheus_client",
)


def _workspace(root: Path, remotes: str = "") -> Path:
    with Workspace.init(root, project="t"):
        pass
    if remotes:
        with (root / "skylift.yaml").open("a", encoding="utf-8") as fh:
            fh.write(remotes)
    return root


def _runs(root: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(root / ".skylift" / "state.db") as db:
        return [tuple(r) for r in db.execute("select id, state from tracking_runs")]


def _run_and_list(argv: list[str], which: str) -> tuple[str, str]:
    """Run ``skylift ARGV`` in a new interpreter; its output, and the loaded modules ``m``
    for which the expression ``which`` holds (comma-separated)."""
    code = (
        "import sys\n"
        "from skylift.cli.app import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        f"print('loaded:', ','.join(m for m in sys.modules if {which}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    *lines, last = out.stdout.splitlines()
    return "\n".join(lines), last.removeprefix("loaded: ")


def test_a_transfer_loads_none_of_the_heavy_modules(tmp_path: Path) -> None:
    ws = _workspace(tmp_path / "ws")
    src = tmp_path / "src"
    src.mkdir()
    for i in range(20):
        (src / f"f{i}.txt").write_text(f"object {i}\n")
    argv = ["--workspace", str(ws), "transfer", str(src), str(tmp_path / "dst")]
    stdout, loaded = _run_and_list(argv, f"m in {NOT_FOR_A_TRANSFER!r}")
    assert "20 transferred" in stdout
    assert loaded == ""
    assert (tmp_path / "dst" / "f7.txt").read_text() == "object 7\n"
    assert [state for _, state in _runs(ws)] == ["succeeded"]  # tracked all the same


def test_the_engine_and_a_local_source_load_no_crc32c() -> None:
    """Only stores that report CRC32C checksums (and local multipart parts) use it."""
    code = (
        "import sys, skylift.transfer.engine, skylift.storage.local\n"
        "from skylift.transfer.hashing import digest\n"
        "digest('blake3', b'x')\n"
        "before = 'google_crc32c' in sys.modules\n"
        "print(before, digest('crc32c', b'123456789'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "crc32c:e3069283"]  # the CRC-32C check value


def test_a_transfer_with_json_output_never_loads_the_renderer(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("a\n")
    argv = ["transfer", str(src), str(tmp_path / "dst"), "--journal", str(tmp_path / "j"), "--json"]
    stdout, loaded = _run_and_list(argv, "m.split('.')[0] == 'rich'")
    assert '"transferred": 1' in stdout
    assert loaded == ""


_OPTION = st.one_of(
    st.text(st.characters(codec="ascii", exclude_categories=("Cc",)), max_size=8),
    st.booleans(),
    st.integers(-5, 10**6),
)
_REMOTES = st.dictionaries(
    st.sampled_from(["s3://bucket", "s3://other/pfx", "az://c", "sftp://h"]),
    st.dictionaries(st.sampled_from(["endpoint", "region", "allow_http", "port"]), _OPTION),
    max_size=3,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(remotes=_REMOTES, env_region=st.one_of(st.none(), st.text("abc-1", min_size=1, max_size=6)))
def test_the_storage_sections_load_as_the_whole_file_does(
    tmp_path: Path, remotes: dict[str, dict[str, object]], env_region: str | None
) -> None:
    import yaml

    cfg = tmp_path / "skylift.yaml"
    cfg.write_text(yaml.safe_dump({"project": "p", "remotes": remotes, "state": {"url": None}}))
    environ = {} if env_region is None else {"SKYLIFT_REMOTES__S3://BUCKET__REGION": env_region}
    try:
        whole = load_settings(cfg, environ=environ)  # the oracle: every command's validation
    except ConfigError as exc:  # e.g. SKYLIFT_..._REGION=- is YAML null: not an option text
        with pytest.raises(ConfigError) as part_error:
            load_storage_settings(cfg, environ=environ)
        assert part_error.value.message == exc.message
        return
    part = load_storage_settings(cfg, environ=environ)
    assert part.remotes == whole.remotes
    assert part.state == whole.state


@pytest.mark.parametrize(
    "text",
    [
        "remotes:\n  s3://b:\n    endpoint: [1, 2]\n",
        "remotes: 3\n",
        "state:\n  url: 1\n  extra: x\n",
        "remotes: {s3://b: {a: b}\n",  # not YAML
        "- a list\n",
    ],
)
def test_bad_storage_sections_fail_as_the_whole_file_does(tmp_path: Path, text: str) -> None:
    cfg = tmp_path / "skylift.yaml"
    cfg.write_text(text)
    assert_fails_as_the_whole_file(cfg)


def _wait_for_run(root: Path, seconds: float = 30.0) -> list[tuple[str, str]]:
    """The run rows once there are some (a loaded CI machine may take seconds)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        rows = _runs(root)
        if rows:
            return rows
        time.sleep(0.02)
    return []


def test_tracking_opens_its_store_once_the_listing_is_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # no deferral timeout within the test: a test thread stalled past DEFER_S (1 s) on a
    # loaded machine saw the run the timeout recorded, not one that the listing opened
    monkeypatch.setattr(tracking, "DEFER_S", 600.0)
    root = _workspace(tmp_path / "ws")
    with tracking.start_transfer(root, "/a", "s3://u:pw@b/x") as run:
        time.sleep(0.3)  # listing, lock, journal: the store is not opened meanwhile
        run.planned(1, 10)
        run.sent(10)
        run.finished(1)  # objects move while the listing goes on: still not opened
        time.sleep(0.3)
        assert _runs(root) == []
        run.listed()
        assert _wait_for_run(root) == [(run.run_id, "running")]
        run.done(True)
    assert _runs(root) == [(run.run_id, "succeeded")]


def test_a_run_id_is_a_version_4_uuid() -> None:
    import uuid

    ids = {tracking.new_run_id() for _ in range(200)}
    assert len(ids) == 200
    for run_id in ids:
        parsed = uuid.UUID(hex=run_id)
        assert (parsed.hex, parsed.version, parsed.variant) == (run_id, 4, uuid.RFC_4122)


def test_tracking_records_a_run_in_which_nothing_moved(tmp_path: Path) -> None:
    root = _workspace(tmp_path / "ws")
    with tracking.start_transfer(root, "/a", "/b") as run:
        run.done(True)
    assert _runs(root) == [(run.run_id, "succeeded")]


def test_tracking_records_a_long_listing_before_anything_moves(tmp_path: Path) -> None:
    root = _workspace(tmp_path / "ws")
    with tracking.start_transfer(root, "/a", "/b") as run:
        assert _wait_for_run(root, tracking.DEFER_S + 30) == [(run.run_id, "running")]
        run.done(False, "stopped")
    assert _runs(root) == [(run.run_id, "failed")]


#: Every kind of YAML value an option may be given (sampled evenly), and option texts.
_ANY_VALUE = st.one_of(
    st.sampled_from([None, 1.5, -0.0, 1e300, 0, -3, 10**30, True, False, "", "x", [1], {"a": 1}]),
    _OPTION,
)
_SECTIONS = st.fixed_dictionaries(
    {},
    optional={
        "project": st.text("p", max_size=2),
        "remotes": st.one_of(
            st.dictionaries(
                st.sampled_from(["s3://b", "s3://c"]),
                st.dictionaries(st.sampled_from(["endpoint", "region"]), _ANY_VALUE, max_size=2),
                max_size=2,
            ),
            _REMOTES,
            st.dictionaries(st.sampled_from(["s3://b", "x"]), _ANY_VALUE, max_size=2),
            st.dictionaries(
                st.one_of(st.sampled_from(["s3://b"]), st.integers(0, 3)),
                st.dictionaries(st.one_of(st.sampled_from(["region"]), st.integers(0, 3)), _OPTION),
                max_size=2,
            ),
            _ANY_VALUE,
        ),
        "state": st.one_of(
            st.fixed_dictionaries({}, optional={"url": st.one_of(st.none(), _OPTION)}),
            st.dictionaries(st.sampled_from(["url", "other"]), _OPTION, max_size=2),
            _ANY_VALUE,
        ),
        "remote": _ANY_VALUE,  # a misspelt section
    },
)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=_SECTIONS, env_region=st.one_of(st.none(), st.sampled_from(["eu-1", "-", "[1", "7"])))
def test_a_transfers_remotes_are_those_pydantic_validates(
    tmp_path: Path, data: dict[str, object], env_region: str | None
) -> None:
    """``load_storage`` (plain Python where it can) against the storage sections' pydantic
    validation: the same remotes, or the same error (a transfer reads them before its
    first request, without pydantic)."""
    import yaml

    from skylift.workspace.settings_file import load_remotes, load_storage

    cfg = tmp_path / "skylift.yaml"
    cfg.write_text(yaml.safe_dump(data))
    environ = {} if env_region is None else {"SKYLIFT_REMOTES__S3://B__REGION": env_region}
    try:
        oracle = load_storage_settings(cfg, environ=environ)
    except ConfigError as exc:
        with pytest.raises(ConfigError) as ours:
            load_remotes(cfg, environ=environ)
        assert (ours.value.message, ours.value.hint) == (exc.message, exc.hint)
        return
    remotes = {k: dict(v) for k, v in oracle.remotes.items()}
    assert load_storage(cfg, environ=environ) == (oracle.state.url, remotes)
    assert load_remotes(cfg, environ=environ) == remotes


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(value=_ANY_VALUE)
def test_a_remotes_option_of_any_kind_loads_as_pydantic_validates_it(
    tmp_path: Path, value: object
) -> None:
    test_a_transfers_remotes_are_those_pydantic_validates.hypothesis.inner_test(  # type: ignore[attr-defined]
        tmp_path, {"remotes": {"s3://b": {"region": value}}}, None
    )


def test_the_plain_sections_are_the_storage_models_fields() -> None:
    from skylift.workspace.settings_file import STORAGE_SECTIONS
    from skylift.workspace.storage_settings import StorageSettings

    assert set(STORAGE_SECTIONS) == set(StorageSettings.model_fields)


def _modules_at_first_write(heavy: set[str], *, top_level: bool = True) -> str:
    names = '{m.split(".")[0] for m in sys.modules}' if top_level else "set(sys.modules)"
    record = f'",".join(sorted({names} & {heavy!r}))'
    return first_write_probe(record, 'print("at the first write:", seen[0])')


def test_a_transfer_sends_its_first_object_before_pydantic_or_rich_load(tmp_path: Path) -> None:
    """pydantic (~60 ms of CPU) and rich load while the first objects travel (#12)."""
    ws = _workspace(tmp_path / "ws", "remotes:\n  s3://b:\n    region: eu-1\n")
    src = tmp_path / "src"
    src.mkdir()
    for i in range(5):
        (src / f"f{i}.txt").write_text(f"object {i}\n")
    probe = _modules_at_first_write({"pydantic", "rich", "typer", "yaml"})
    seen = []
    for run in ("dst", "dst2", "dst3"):  # the first run parses skylift.yaml (PyYAML)
        argv = ["--workspace", str(ws), "transfer", str(src), str(tmp_path / run)]
        if run == "dst3":
            argv.append("--json")
        out = subprocess.run(
            [sys.executable, "-c", probe, *argv], capture_output=True, text=True, check=True
        )
        seen.append(out.stdout.splitlines()[-1])
        assert ("5 transferred" in out.stdout) or ('"transferred": 5' in out.stdout)
    assert seen[1:] == ["at the first write: "] * 2
    assert [state for _, state in _runs(ws)] == ["succeeded"] * 3  # tracked all the same


def test_the_host_name_is_socket_s() -> None:
    """The lock and the run's owner name the host without importing socket (#12)."""
    import socket

    from skylift.workspace.tracking_owner import _host

    assert _host() == socket.gethostname()


def test_a_transfer_from_a_local_folder_loads_no_uuid_socket_or_relay(tmp_path: Path) -> None:
    """What a transfer's start does not need stays unloaded: the relay (relay:// is
    recognised without it), socket (the host name comes from uname), uuid and platform
    (local files are named with it only when written), base64 (keys only)."""
    ws = _workspace(tmp_path / "ws")
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("a\n")
    probe = _modules_at_first_write(
        {"socket", "uuid", "platform", "base64", "skylift.workspace.relaying"}, top_level=False
    )
    for run in ("dst", "dst2"):  # the first run parses skylift.yaml (PyYAML loads base64)
        argv = ["--workspace", str(ws), "transfer", str(src), str(tmp_path / run)]
        out = subprocess.run(
            [sys.executable, "-c", probe, *argv], capture_output=True, text=True, check=True
        )
        assert "1 transferred" in out.stdout
    assert out.stdout.splitlines()[-1] == "at the first write: "
