"""The loop the row-per-server importers share (``server_rows.collect_servers``):
no input, one import over several files of mixed kinds, duplicate keys across
them, rows counted and progress reported, as each importer said before it was shared."""

from __future__ import annotations

from pathlib import Path

import pytest

from skylift.errors import InputError
from skylift.inventory.base import ImportContext, get_importer
from tests.unit.inventory_csv.builders import AWS_HEADER, csv_text, parse, write


@pytest.mark.parametrize(
    ("fmt", "hint"),
    [
        ("azure-csv", "pass the Azure Migrate CSV to import"),
        ("aws-csv", "pass the AWS import CSV to import"),
        ("servers", "pass a servers .csv, .json or .yaml file"),
    ],
)
def test_no_input_is_an_error_with_the_formats_hint(fmt: str, hint: str) -> None:
    with pytest.raises(InputError) as info:
        parse(fmt)
    assert info.value.message == "no input file given"
    assert info.value.hint == hint


def test_a_csv_and_a_yaml_list_are_one_import_and_a_key_in_both_names_the_first(
    tmp_path: Path,
) -> None:
    rows = write(tmp_path / "a.csv", "name,cores\nweb01,2\ndb01,4\n")
    doc = write(tmp_path / "b.yaml", "servers:\n  - name: app01\n  - name: app02\n")
    batch = parse("servers", rows, doc)
    assert [s.key for s in batch.servers] == ["web01", "db01", "app01", "app02"]
    assert [f.path for f in batch.files] == [str(rows), str(doc)]
    assert batch.rows_read == 4
    again = write(tmp_path / "c.yaml", "- name: db01\n")
    with pytest.raises(InputError) as info:
        parse("servers", rows, doc, again)
    assert info.value.message.startswith(f"{again}, column 'servers[0].name' (value 'db01')")
    assert f"duplicate key: also on {rows}, row 3" in info.value.message


class _Progress:
    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def begin(self, description: str, total: float | None = None, unit: str = "") -> None:
        self.calls.append(("begin", (description, total, unit)))

    def advance(self, amount: float = 1.0) -> None:
        self.calls.append(("advance", amount))

    def end(self) -> None:
        self.calls.append(("end", None))


def test_progress_advances_once_per_server_and_warnings_reach_the_batch(tmp_path: Path) -> None:
    f = write(
        tmp_path / "aws.csv",
        csv_text(
            AWS_HEADER,
            [{"ExternalId": "e1", "HostName": "h1"}, {"HostName": "h2", "RAM.UsedSizeInMB.Avg": 9}],
        ),
    )
    progress = _Progress()
    batch = get_importer("aws-csv").parse([f], ImportContext(progress=progress))
    assert progress.calls == [
        ("begin", ("reading AWS import CSV", None, "rows")),
        ("advance", 1.0),
        ("advance", 1.0),
        ("end", None),
    ]
    assert [s.key for s in batch.servers] == ["e1", "h2"]
    assert batch.rows_read == 2
    assert batch.format == "aws-csv"
    assert [w.message for w in batch.warnings] == [
        "RAM.UsedSizeInMB.Avg without RAM.TotalSizeInMB: no memory utilisation"
    ]
