"""Bad perf input: one InputError naming file, row, column and value; nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from skylift.errors import InputError
from skylift.workspace import Workspace
from tests.helpers import run_cli
from tests.unit.inventory_perf.conftest import samples, series_files, write

HEAD = "server,timestamp,metric,value\n"
OK = "web01,2024-05-01T00:00:00Z,cpu_pct,1\n"


def _fails(ws: Workspace, tmp_path: Path, text: str, **options: object) -> InputError:
    with pytest.raises(InputError) as info:
        ws.discover("perf", [write(tmp_path / "bad.csv", text)], options)
    assert samples(ws).height == 0
    assert series_files(ws) == []
    assert len(ws.import_runs()) == 1  # only the fixture's
    return info.value


def test_unknown_server_names_file_row_and_value(ws: Workspace, tmp_path: Path) -> None:
    err = _fails(ws, tmp_path, HEAD + OK + "ghost01,2024-05-01T00:00:00Z,cpu_pct,1\n")
    assert err.location is not None
    assert (err.location.row, err.location.column, err.location.value) == (3, "server", "ghost01")
    assert "bad.csv" in str(err)
    assert "--map" in err.hint
    assert "--skip-unknown" in err.hint


def test_ambiguous_name_asks_for_a_mapping(ws: Workspace, tmp_path: Path) -> None:
    err = _fails(ws, tmp_path, HEAD + "app,2024-05-01T00:00:00Z,cpu_pct,1\n")
    assert "several servers" in err.message
    assert "--map" in err.hint


def test_text_in_a_numeric_cell(ws: Workspace, tmp_path: Path) -> None:
    err = _fails(ws, tmp_path, HEAD + OK + OK.replace(",1\n", ",n/a\n") + OK)
    assert err.location is not None
    assert (err.location.row, err.location.column, err.location.value) == (3, "value", "n/a")


def test_negative_value(ws: Workspace, tmp_path: Path) -> None:
    err = _fails(ws, tmp_path, HEAD + OK + OK.replace(",1\n", ",-4\n"))
    assert err.location is not None
    assert (err.location.row, err.location.value) == (3, "-4.0")


def test_unparseable_timestamp(ws: Workspace, tmp_path: Path) -> None:
    err = _fails(ws, tmp_path, HEAD + OK + "web01,yesterday,cpu_pct,1\n")
    assert err.location is not None
    assert (err.location.row, err.location.column, err.location.value) == (
        3,
        "timestamp",
        "yesterday",
    )


def test_unknown_metric(ws: Workspace, tmp_path: Path) -> None:
    err = _fails(ws, tmp_path, HEAD + OK + "web01,2024-05-01T00:00:00Z,temperature,1\n")
    assert err.location is not None
    assert err.location.value == "temperature"
    assert "cpu_pct" in err.hint


def test_missing_column(ws: Workspace, tmp_path: Path) -> None:
    err = _fails(ws, tmp_path, "server,timestamp,value\nweb01,2024-05-01,1\n")
    assert "metric" in err.message


@pytest.mark.parametrize("text", ["", HEAD])
def test_empty_file(ws: Workspace, tmp_path: Path, text: str) -> None:
    err = _fails(ws, tmp_path, text)
    assert "empty" in err.message or "no samples" in err.message


def test_mapping_to_a_server_that_does_not_exist(ws: Workspace, tmp_path: Path) -> None:
    mapping = write(tmp_path / "map.csv", "source,server\nvm-1,nowhere\n")
    err = _fails(ws, tmp_path, HEAD + OK, mapping=mapping)
    assert err.location is not None
    assert (err.location.file, err.location.row, err.location.value) == (
        str(mapping),
        2,
        "nowhere",
    )


def test_cli_unknown_server_exit_2_one_line_nothing_written(ws: Workspace, tmp_path: Path) -> None:
    path = write(tmp_path / "m.csv", HEAD + "ghost01,2024-05-01T00:00:00Z,cpu_pct,1\n")
    result = run_cli("--workspace", str(ws.root), "discover", "perf", str(path))
    assert result.code == 2
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert lines[0].startswith("error: ")
    assert "m.csv, row 2, column 'server'" in lines[0]
    assert "ghost01" in lines[0]
    assert lines[1].startswith("hint: ")
    assert len(lines) == 2
    assert series_files(ws) == []
    assert samples(ws).height == 0


@pytest.mark.parametrize(
    ("line", "column"),
    [("web01,,cpu_pct,1\n", "timestamp"), ("web01,2024-05-01T00:00:00Z,,1\n", "metric")],
)
def test_missing_timestamp_or_metric(ws: Workspace, tmp_path: Path, line: str, column: str) -> None:
    err = _fails(ws, tmp_path, HEAD + OK + line)
    assert err.location is not None
    assert (err.location.row, err.location.column) == (3, column)
