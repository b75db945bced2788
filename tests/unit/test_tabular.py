"""Header normalisation, number parsing and CSV decoding."""

from __future__ import annotations

from pathlib import Path

import pytest

from skylift.errors import InputError
from skylift.inventory.tabular import Row, norm_header, parse_number, read_csv


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("*Server name", "servername"),
        (" Memory (In MB) ", "memory(inmb)"),
        ("In use MiB", "inusemib"),
        ("VM_UUID", "vmuuid"),
    ],
)
def test_norm_header(raw: str, key: str) -> None:
    assert norm_header(raw) == key


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1,234", 1234.0),
        ("1,234,567.5", 1234567.5),
        ("12 %", 12.0),
        ("4096", 4096.0),
        ("0,5", 0.5),
        ("1 024", 1024.0),
        (3, 3.0),
        ("-5", -5.0),
        ("2.5 GB", 2.5),
    ],
)
def test_parse_number_accepts(raw: object, value: float) -> None:
    assert parse_number(raw) == value


@pytest.mark.parametrize("raw", ["abc", "12abc34", "", "1.2.3", True])
def test_parse_number_rejects(raw: object) -> None:
    assert parse_number(raw) is None


def test_csv_bom_and_latin1(tmp_path: Path) -> None:
    bom = tmp_path / "bom.csv"
    bom.write_bytes("\ufeffName,Cores\nweb01,4\n".encode())
    table = read_csv(bom)
    assert table.columns() == {"name": 0, "cores": 1}
    latin = tmp_path / "latin.csv"
    latin.write_bytes("Name;Cores\nserveur-\xe9t\xe9;2\n".encode("latin-1"))
    rows = list(read_csv(latin).rows)
    assert rows == [(2, ["serveur-été", "2"])]


def test_empty_csv_is_an_error(tmp_path: Path) -> None:
    f = tmp_path / "empty.csv"
    f.write_text("")
    with pytest.raises(InputError, match="empty"):
        read_csv(f)


def test_row_errors_name_file_row_column_value(tmp_path: Path) -> None:
    f = tmp_path / "s.csv"
    f.write_text("Name,Cores\nweb01,four\n")
    table = read_csv(f)
    n, cells = next(iter(table.rows))
    row = Row(table, table.columns(), n, cells)
    with pytest.raises(InputError) as info:
        row.integer("cores")
    msg = info.value.message
    assert str(f) in msg and "row 2" in msg and "'Cores'" in msg and "'four'" in msg
    assert "whole number" in msg
