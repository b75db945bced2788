"""docs/transfer.md's exit-code table is what ``skylift transfer``/``verify`` return (#12:
exit 4 for a store down from the start was not documented). Each documented cause that
can be made here is run through the CLI; the table's codes are the ones run, plus 4, 9,
130 and 143, which need a server, a missing SDK or a signal (tests/integration/transfer:
test_unreachable, test_server_down, test_interrupt, test_local_cli), and 70, a bug
(injected: tests/e2e/test_json_errors.py)."""

from __future__ import annotations

import re
from pathlib import Path

from skylift.transfer.lock import DestinationLock
from tests.helpers import run_cli, workspace_and_source

DOC = Path(__file__).parents[3] / "docs" / "transfer.md"
ELSEWHERE = {4, 9, 70, 130, 143}


def _documented() -> set[int]:
    text = DOC.read_text(encoding="utf-8")
    table = text.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    return {int(m) for m in re.findall(r"^\| (\d+) \|", table, flags=re.MULTILINE)}


def test_every_documented_exit_code_is_the_one_returned(tmp_path: Path) -> None:
    root, src = workspace_and_source(tmp_path)
    ws = ("--workspace", str(root))
    dst = tmp_path / "dst"
    single = src / "a.txt"
    cases: list[tuple[int, tuple[str, ...], str]] = [
        (0, (*ws, "transfer", str(src), str(dst)), ""),
        (0, (*ws, "verify", str(src), str(dst)), ""),
        (2, (*ws, "transfer", str(tmp_path / "missing"), str(dst)), "does not exist"),
        (2, (*ws, "verify", str(tmp_path / "missing"), str(dst)), "does not exist"),
        (2, (*ws, "transfer", str(src), str(src / "inner")), "overlap"),
        (2, (*ws, "transfer", str(single), str(dst), "--delete"), "single-file source"),
        (2, (*ws, "transfer", str(src), str(dst), "--links", "maybe"), "links"),
        (3, ("transfer", str(src), str(dst)), "journal"),  # no workspace, no --journal
    ]
    for code, args, says in cases:
        r = run_cli(*args)
        assert r.code == code and says in r.stderr, (args, r.code, r.stderr)
    (dst / "extra.txt").write_text("not in the source")
    r = run_cli(*ws, "verify", str(src), str(dst))
    assert r.code == 6, r.stderr
    with DestinationLock(root / ".skylift" / "transfers", str(dst), "another run"):
        r = run_cli(*ws, "transfer", str(src), str(dst))
    assert r.code == 5 and "another skylift transfer" in r.stderr, r.stderr
    seen = {0, 2, 3, 5, 6}
    cfg = root / "skylift.yaml"
    base = cfg.read_text()
    for extra, says in (
        ("remotes:\n  s3://b:\n    endpoint: http://127.0.0.1:9\n", "allow_http"),
        ("remotes:\n  s3://b:\n    no_such_option: 1\n", "no_such_option"),
    ):
        cfg.write_text(base + "\n" + extra)
        r = run_cli(*ws, "transfer", str(src), "s3://b/x")
        assert r.code == 3 and says in r.stderr, (extra, r.code, r.stderr)
    assert _documented() == seen | ELSEWHERE
