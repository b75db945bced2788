"""A secret value found under a secret-looking key is also reported where it appears
elsewhere without one; an allowlisted line is not reported (against mutmut's survivors)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import run_cli


def _scan(root: Path) -> list[dict[str, object]]:
    done = run_cli("scan", str(root), "--no-misconfig", "--no-policies", "--json")
    findings: list[dict[str, object]] = json.loads(done.stdout)["findings"]
    return findings


def test_a_value_repeated_in_another_file_is_reported_there(tmp_path: Path) -> None:
    (tmp_path / "a.env").write_text("DB_PASSWORD=Zq8-Repeated-Secret-77\n")
    (tmp_path / "b.yaml").write_text('url: "jdbc://x"\nnote: Zq8-Repeated-Secret-77\n')
    (tmp_path / "c.txt").write_text("nothing to see\nZq8-Repeated-Secret-7\n")  # a prefix only
    got = [(f["location"]["path"], f["location"]["line"], f["message"]) for f in _scan(tmp_path)]  # type: ignore[index]
    assert got == [
        (str(tmp_path / "a.env"), 1, "literal value for 'DB_PASSWORD' in an env file"),
        (
            str(tmp_path / "b.yaml"),
            2,
            f"the secret of {tmp_path / 'a.env'}:1 again "
            "(literal value for 'DB_PASSWORD' in an env file)",
        ),
    ]


def test_an_allowlisted_or_commented_line_is_not_reported(tmp_path: Path) -> None:
    (tmp_path / "c.env").write_text(
        "API_TOKEN=Kx9-Allowed-Token-55  # pragma: allowlist secret\n"
        "# DB_PASSWORD=Hx7-Commented-Out-33\n"
    )
    assert _scan(tmp_path) == []
