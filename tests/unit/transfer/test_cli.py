"""``skylift transfer`` / ``skylift verify`` in-process on memory:// stores."""

from __future__ import annotations

import json
from pathlib import Path

from skylift.storage.memory import MemoryStorage
from tests.helpers import run_cli
from tests.unit.transfer.conftest import new_url


def _seed(url: str, n: int = 5) -> None:
    store = MemoryStorage(url)
    for i in range(n):
        store.write(f"d/f{i}.txt", f"content {i}".encode(), mtime=1_700_000_000.0)


def test_transfer_json_then_verify_match(mem: list[str], tmp_path: Path) -> None:
    src, dst = new_url(mem), new_url(mem)
    _seed(src)
    r = run_cli("transfer", src, dst, "--journal", str(tmp_path), "--json")
    assert r.code == 0, r.stderr
    data = json.loads(r.stdout)
    assert (data["transferred"], data["failed"]) == (5, 0)
    assert data["manifest"] == ".skylift-manifest.jsonl"
    v = run_cli("verify", src, dst, "--checksum", "--json")
    assert v.code == 0, v.stderr
    assert json.loads(v.stdout)["ok"] == 5


def test_verify_reports_missing_extra_changed_and_exits_6(mem: list[str], tmp_path: Path) -> None:
    src, dst = new_url(mem), new_url(mem)
    _seed(src)
    run_cli("transfer", src, dst, "--journal", str(tmp_path))
    store = MemoryStorage(dst)
    store.delete("d/f0.txt")
    store.write("d/zz.txt", b"extra", mtime=1.0)
    store.write("d/f1.txt", b"CONTENT 1", mtime=1_700_000_000.0)  # same size+mtime, corrupted
    shallow = json.loads(run_cli("verify", src, dst, "--json").stdout)
    assert (shallow["missing"], shallow["extra"], shallow["changed"]) == (
        ["d/f0.txt"],
        ["d/zz.txt"],
        [],
    )
    deep = run_cli("verify", src, dst, "--checksum", "--json")
    assert deep.code == 6
    assert json.loads(deep.stdout)["changed"] == ["d/f1.txt"]
    text = run_cli("verify", src, dst, "--checksum")
    assert "missing d/f0.txt" in text.stdout and "changed d/f1.txt" in text.stdout


def test_dry_run_prints_plan_and_writes_nothing(mem: list[str], tmp_path: Path) -> None:
    src, dst = new_url(mem), new_url(mem)
    _seed(src, 3)
    r = run_cli("transfer", src, dst, "--dry-run", "--journal", str(tmp_path / "j"))
    assert r.code == 0, r.stderr
    assert "copy   d/f0.txt" in r.stdout
    assert "3 to copy" in r.stdout
    assert list(MemoryStorage(dst).list()) == []
    assert not (tmp_path / "j").exists()


def test_without_workspace_or_journal_is_a_config_error_with_hint(
    mem: list[str], tmp_path: Path, monkeypatch: object
) -> None:
    import os

    src, dst = new_url(mem), new_url(mem)
    _seed(src, 1)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        r = run_cli("transfer", src, dst)
    finally:
        os.chdir(cwd)
    assert r.code == 3
    assert "hint:" in r.stderr and "--journal" in r.stderr


def test_journal_defaults_to_the_workspace(mem: list[str], tmp_path: Path) -> None:
    src, dst = new_url(mem), new_url(mem)
    _seed(src, 2)
    ws = tmp_path / "ws"
    assert run_cli("init", str(ws)).code == 0
    r = run_cli("--workspace", str(ws), "transfer", src, dst, "--json")
    assert r.code == 0, r.stderr
    assert list((ws / ".skylift" / "transfers").glob("*.sqlite"))


def test_bad_flag_values_are_one_line_input_errors(mem: list[str], tmp_path: Path) -> None:
    src, dst = new_url(mem), new_url(mem)
    for args in (["--min-size", "lots"], ["--bwlimit", "25:00,1M"], ["--max-age", "soon"]):
        r = run_cli("transfer", src, dst, "--journal", str(tmp_path), *args)
        assert r.code == 2, (args, r.stderr)
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        assert lines[0].startswith("error: ") and lines[1].startswith("hint: ")


def test_failures_are_listed_and_exit_code_is_5(mem: list[str], tmp_path: Path) -> None:
    src = new_url(mem)
    _seed(src, 2)
    dst = new_url(mem)
    MemoryStorage(dst)  # exists; made read-only through its options below
    ws = tmp_path / "ws"
    run_cli("init", str(ws))
    cfg = ws / "skylift.yaml"
    cfg.write_text(cfg.read_text() + f"\nremotes:\n  {dst}:\n    read_only: 'true'\n")
    r = run_cli("--workspace", str(ws), "transfer", src, dst)
    assert r.code == 5
    assert "failed d/f0.txt" in r.stdout and "failed d/f1.txt" in r.stdout
    assert "2 failed" in r.stdout
