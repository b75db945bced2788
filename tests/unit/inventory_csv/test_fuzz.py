"""Fuzzing: arbitrary headers, cells, encodings and bytes give a batch or an InputError.

Never another exception. Whatever an importer accepts must also be accepted by
the state store, so accepted batches are written to a real workspace.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skylift.domain.imports import ImportBatch
from skylift.errors import InputError
from skylift.inventory.servers.schema import FIELDS
from skylift.workspace import Workspace
from tests.unit.inventory_csv.builders import AWS_HEADER, AZURE_HEADER, parse

NOW = datetime(2026, 1, 1, tzinfo=UTC)
SERVERS_HEADER = [
    *sorted(FIELDS - {"disks", "services"}),
    *("disk_1_gib", "disk_1_used_gib", "disks_gib", "services", "tags"),
]
HEADERS = {"azure-csv": AZURE_HEADER, "aws-csv": AWS_HEADER, "servers": SERVERS_HEADER}
TRICKY = [
    "", " ", "-1", "0", "1,234", "1.234,5", "1 024", "12 %", "4 GB", "1e3", "NaN", "inf",
    "9" * 400, "x64", "32-bit", "UEFI", "bios", "on", "prod", "80:nginx", "a=b", "env:prod",
    '"', "\n", "\x00", "é", "10.0.0.1;10.0.0.2", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1",
    "web01", "Windows Server 2019 (64-bit)", "CentOS 7", "Ubuntu",
]  # fmt: skip
SETTINGS = settings(
    # modest by default so the suite stays fast; SKYLIFT_FUZZ_EXAMPLES=2000 for a deep run
    max_examples=int(os.environ.get("SKYLIFT_FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def store_ws() -> Iterator[tuple[Workspace, Path]]:
    """One workspace (and scratch folder) for all examples of this module."""
    with tempfile.TemporaryDirectory() as d:
        ws = Workspace.init(Path(d) / "ws", project="fuzz")
        try:
            yield ws, Path(d)
        finally:
            ws.close()


REQUIRED = {
    "azure-csv": ["*Server name", "*Cores", "*Memory (In MB)", "*OS name"],
    "aws-csv": ["HostName"],
    "servers": ["name"],
}
CELLS = st.one_of(
    st.sampled_from(TRICKY),
    st.integers(0, 100_000).map(str),
    st.text(max_size=20),
    st.integers(-(10**6), 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


@st.composite
def csv_files(draw: st.DrawFn, fmt: str) -> bytes:
    """Mostly well-formed headers (required columns plus random known/unknown ones)."""
    extra = draw(
        st.lists(st.one_of(st.sampled_from(HEADERS[fmt]), st.text(max_size=12)), max_size=8)
    )
    if draw(st.integers(0, 9)) < 8:
        header = draw(st.permutations([*REQUIRED[fmt], *extra]))
    else:
        header = extra or [""]
    plausible = st.one_of(st.integers(1, 64).map(str), st.sampled_from(TRICKY[-4:]))
    row = st.tuples(*(plausible if h in REQUIRED[fmt] else CELLS for h in header)).map(list)
    rows = draw(st.lists(st.one_of(row, st.lists(CELLS, max_size=len(header) + 1)), max_size=5))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16"]))
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows([header, *rows])
    return buf.getvalue().encode(encoding, errors="replace")


def _check(fmt: str, data: bytes, name: str, ws_dir: tuple[Workspace, Path]) -> None:
    ws, scratch = ws_dir
    path = scratch / name
    path.write_bytes(data)
    try:
        batch = parse(fmt, path)
    except InputError as exc:
        assert str(path) in exc.message or "no input" in exc.message
        assert "\n" not in exc.message.replace(repr("\n")[1:-1], "")
        return
    assert isinstance(batch, ImportBatch)
    ws.store.apply_import(batch, NOW)  # whatever we accept, the store accepts


@pytest.mark.parametrize("fmt", ["azure-csv", "aws-csv", "servers"])
@SETTINGS
@given(data=st.data())
def test_generated_csv_gives_batch_or_input_error(
    fmt: str, data: st.DataObject, store_ws: tuple[Workspace, Path]
) -> None:
    _check(fmt, data.draw(csv_files(fmt)), "in.csv", store_ws)


@pytest.mark.parametrize("fmt", ["azure-csv", "aws-csv", "servers"])
@SETTINGS
@given(raw=st.binary(max_size=300))
def test_arbitrary_bytes_give_batch_or_input_error(
    fmt: str, raw: bytes, store_ws: tuple[Workspace, Path]
) -> None:
    _check(fmt, raw, "in.csv", store_ws)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(sorted(FIELDS)) | st.text(max_size=6), children, max_size=5
        )
    ),
    max_leaves=20,
)


@SETTINGS
@given(
    doc=st.lists(st.dictionaries(st.sampled_from(sorted(FIELDS)), _JSON, max_size=8), max_size=3)
)
def test_generated_json_gives_batch_or_input_error(
    doc: list[dict[str, object]], store_ws: tuple[Workspace, Path]
) -> None:
    _check("servers", json.dumps(doc).encode(), "in.json", store_ws)
    _check("servers", json.dumps({"servers": doc}).encode(), "in.yaml", store_ws)
