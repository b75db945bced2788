"""Bad and awkward CSVs through the CLI: one-line errors with exit code 2, nothing written.

The same cases run against every row-per-server CSV importer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from skylift.workspace import Workspace
from tests.helpers import CliResult, run_cli


@dataclass(frozen=True)
class Fmt:
    """Column names of one format: key, cores, memory (MB), OS, one disk size."""

    name: str
    key: str
    cores: str
    memory: str
    os: str
    size: str

    @property
    def header(self) -> list[str]:
        return [self.key, self.cores, self.memory, self.os, self.size]


FORMATS = [
    Fmt(
        "azure-csv", "*Server name", "*Cores", "*Memory (In MB)", "*OS name", "Disk 1 size (In GB)"
    ),
    Fmt(
        "aws-csv",
        "HostName",
        "CPU.NumberOfCores",
        "RAM.TotalSizeInMB",
        "OS.Name",
        "RAM.UsedSizeInMB.Avg",
    ),
    Fmt("servers", "name", "cores", "memory_mib", "os", "disk_1_gib"),
]
IDS = [f.name for f in FORMATS]


def _csv(header: list[str], rows: list[list[str]], sep: str = ",") -> str:
    def cell(v: str) -> str:
        return f'"{v}"' if (sep in v or '"' in v) else v

    return "\n".join(sep.join(cell(v) for v in r) for r in [header, *rows]) + "\n"


GOOD = [
    ["web01", "4", "8192", "Ubuntu 22.04", "100"],
    ["db01", "8", "16384", "Windows Server 2019", "200"],
]


def _import(ws: Workspace, fmt: Fmt, path: Path) -> CliResult:
    return run_cli("--workspace", str(ws.root), "discover", fmt.name, str(path))


def _assert_failed(ws: Workspace, result: CliResult, *fragments: str) -> str:
    assert result.code == 2, result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert lines[0].startswith("error: ") and lines[1].startswith("hint: "), result.stderr
    assert len(lines) == 2, result.stderr
    for frag in fragments:
        assert frag in lines[0], lines[0]
    assert ws.store.count("servers") == 0
    assert ws.import_runs() == []
    return lines[0]


@pytest.mark.parametrize("fmt", FORMATS, ids=IDS)
def test_empty_file(tmp_path: Path, workspace: Workspace, fmt: Fmt) -> None:
    f = tmp_path / "in.csv"
    f.write_bytes(b"")
    _assert_failed(workspace, _import(workspace, fmt, f), str(f), "empty")


@pytest.mark.parametrize("fmt", FORMATS, ids=IDS)
def test_header_only_imports_nothing(tmp_path: Path, workspace: Workspace, fmt: Fmt) -> None:
    f = tmp_path / "in.csv"
    f.write_text(_csv(fmt.header, []))
    result = _import(workspace, fmt, f)
    assert result.code == 0, result.stderr
    assert workspace.store.count("servers") == 0


@pytest.mark.parametrize("fmt", FORMATS, ids=IDS)
def test_missing_required_column(tmp_path: Path, workspace: Workspace, fmt: Fmt) -> None:
    drop = fmt.cores if fmt.name == "azure-csv" else fmt.key
    header = [h for h in fmt.header if h != drop]
    rows = [[v for h, v in zip(fmt.header, r, strict=True) if h != drop] for r in GOOD]
    f = tmp_path / "in.csv"
    f.write_text(_csv(header, rows))
    _assert_failed(
        workspace, _import(workspace, fmt, f), str(f), "row 1", "missing required column"
    )


@pytest.mark.parametrize("fmt", FORMATS, ids=IDS)
def test_text_in_a_numeric_cell(tmp_path: Path, workspace: Workspace, fmt: Fmt) -> None:
    f = tmp_path / "in.csv"
    f.write_text(_csv(fmt.header, [GOOD[0], ["db01", "four", "16384", "Linux", "200"]]))
    _assert_failed(
        workspace,
        _import(workspace, fmt, f),
        str(f),
        "row 3",
        f"column '{fmt.cores}'",
        "'four'",
        "whole number",
    )


@pytest.mark.parametrize("fmt", FORMATS, ids=IDS)
def test_negative_size(tmp_path: Path, workspace: Workspace, fmt: Fmt) -> None:
    f = tmp_path / "in.csv"
    f.write_text(_csv(fmt.header, [GOOD[0], ["db01", "8", "16384", "Linux", "-5"]]))
    line = _assert_failed(
        workspace, _import(workspace, fmt, f), str(f), "row 3", f"column '{fmt.size}'", "'-5'"
    )
    assert "≥ 0" in line or "greater than or equal to 0" in line or "negative" in line


@pytest.mark.parametrize("fmt", FORMATS, ids=IDS)
def test_duplicate_keys_name_both_rows(tmp_path: Path, workspace: Workspace, fmt: Fmt) -> None:
    f = tmp_path / "in.csv"
    f.write_text(_csv(fmt.header, [*GOOD, ["web01", "2", "1024", "Linux", "10"]]))
    _assert_failed(
        workspace, _import(workspace, fmt, f), str(f), "row 4", "'web01'", "duplicate", "row 2"
    )


@pytest.mark.parametrize("fmt", FORMATS, ids=IDS)
def test_row_without_key_is_an_error(tmp_path: Path, workspace: Workspace, fmt: Fmt) -> None:
    f = tmp_path / "in.csv"
    f.write_text(_csv(fmt.header, [GOOD[0], ["", "8", "16384", "Linux", "200"]]))
    _assert_failed(workspace, _import(workspace, fmt, f), str(f), "row 3")


@pytest.mark.parametrize(
    ("encoding", "sep", "prefix"),
    [
        ("utf-8", ",", b"\xef\xbb\xbf"),
        ("latin-1", ";", b""),
        ("cp1252", "\t", b""),
        ("utf-8", ";", b""),
    ],
    ids=["utf8-bom", "latin1-semicolon", "cp1252-tab", "utf8-semicolon"],
)
@pytest.mark.parametrize("fmt", FORMATS, ids=IDS)
def test_encodings_and_delimiters(
    tmp_path: Path, workspace: Workspace, fmt: Fmt, encoding: str, sep: str, prefix: bytes
) -> None:
    rows = [["serveur-été", "4", "8192", "Ubuntu 22.04", "100"], *GOOD[1:]]
    f = tmp_path / "in.csv"
    f.write_bytes(prefix + _csv(fmt.header, rows, sep).encode(encoding))
    result = _import(workspace, fmt, f)
    assert result.code == 0, result.stderr
    names = sorted(s.name for s in workspace.servers())
    assert names == ["db01", "serveur-été"]


@pytest.mark.parametrize("fmt", FORMATS, ids=IDS)
def test_thousands_separators(tmp_path: Path, workspace: Workspace, fmt: Fmt) -> None:
    f = tmp_path / "in.csv"
    f.write_text(_csv(fmt.header, [["web01", "4", "16,384", "Linux", "1,024"]]))
    assert _import(workspace, fmt, f).code == 0
    (s,) = workspace.servers()
    assert s.memory_mib == 16384


@pytest.mark.parametrize("fmt", FORMATS, ids=IDS)
def test_partly_empty_rows(tmp_path: Path, workspace: Workspace, fmt: Fmt) -> None:
    """Optional cells left empty import as unknown; blank lines are ignored."""
    rows = [["web01", "4", "8192", "Linux", ""], ["", "", "", "", ""], *GOOD[1:]]
    f = tmp_path / "in.csv"
    f.write_text(_csv(fmt.header, rows) + ",,,,\n\n")
    result = _import(workspace, fmt, f)
    assert result.code == 0, result.stderr
    web = next(s for s in workspace.servers() if s.name == "web01")
    assert web.disks == () and web.cpu_util_pct is None


@pytest.mark.parametrize("fmt", FORMATS, ids=IDS)
def test_reimport_is_idempotent(tmp_path: Path, workspace: Workspace, fmt: Fmt) -> None:
    f = tmp_path / "in.csv"
    f.write_text(_csv(fmt.header, GOOD))
    first = run_cli("--workspace", str(workspace.root), "discover", fmt.name, str(f), "--json")
    before = workspace.servers()
    second = run_cli("--workspace", str(workspace.root), "discover", fmt.name, str(f), "--json")
    assert first.code == second.code == 0
    assert '"servers_created": 2' in first.stdout
    assert '"servers_created": 0' in second.stdout and '"servers_updated": 2' in second.stdout
    assert workspace.servers() == before


@pytest.mark.parametrize("fmt", FORMATS, ids=IDS)
def test_a_unit_that_contradicts_the_column_is_an_error(
    tmp_path: Path, workspace: Workspace, fmt: Fmt
) -> None:
    """'8 GB' in an MB column would silently be 8 MB; it is refused instead."""
    f = tmp_path / "in.csv"
    f.write_text(_csv(fmt.header, [["web01", "4", "8 GB", "Linux", "100"]]))
    _assert_failed(
        workspace, _import(workspace, fmt, f), "row 2", f"column '{fmt.memory}'", "'8 GB'", "unit"
    )


@pytest.mark.parametrize("fmt", FORMATS, ids=IDS)
def test_the_columns_own_unit_is_accepted(tmp_path: Path, workspace: Workspace, fmt: Fmt) -> None:
    f = tmp_path / "in.csv"
    f.write_text(_csv(fmt.header, [["web01", "4", "8192 MB", "Linux", "100"]]))
    assert _import(workspace, fmt, f).code == 0
    assert workspace.servers()[0].memory_mib == 8192
