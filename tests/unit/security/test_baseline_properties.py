"""The baseline file: exact format, ordering, reasons kept, and every bad input's message + hint.

Written to pin what a user (and a reviewer of the file in a pull request) sees:
the file is stable JSON (2-space indent, trailing newline, ASCII, entries
ordered by path, line, rule), one entry per fingerprint at its first line, and
each bad input is one line naming the file with the hint that fixes it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from skylift.domain.findings import Finding, Location, Severity
from skylift.errors import InputError
from skylift.security.baseline import Baseline, BaselineEntry, load_baseline, write_baseline


def _f(fp: str, path: str | None, line: int | None, rule: str = "SKY-SECRET-020") -> Finding:
    return Finding(
        rule_id=rule,
        title="t",
        severity=Severity.HIGH,
        category="secret",
        location=Location(path=path, line=line),
        message="m",
        fingerprint=fp,
    )


def test_of_orders_entries_keeps_first_occurrence_and_reasons() -> None:
    previous = Baseline(accepted=(BaselineEntry(fingerprint="b", reason="rotated; test é"),))
    got = Baseline.of(
        [
            _f("b", "z.env", 9),
            _f("a", "b.env", 3),
            _f("b", "a.env", 7),  # same value earlier in path order: this one stands
            _f("c", None, None, "SKY-POLICY-001"),
            _f("d", "b.env", 1),
            _f("e", "Dockerfile", 4),  # upper case sorts before lower case
            _f("g", "b.env", None, "SKY-A"),  # no line: before line 1
            _f("h", "b.env", 1, "SKY-B"),
        ],
        previous=previous,
    )
    assert [(e.fingerprint, e.path, e.line, e.reason) for e in got.accepted] == [
        ("c", None, None, ""),
        ("e", "Dockerfile", 4, ""),
        ("b", "a.env", 7, "rotated; test é"),
        ("g", "b.env", None, ""),
        ("h", "b.env", 1, ""),
        ("d", "b.env", 1, ""),
        ("a", "b.env", 3, ""),
    ]
    assert got.accepted[0].rule_id == "SKY-POLICY-001"


def test_written_file_is_stable_utf8_json_in_a_new_folder(tmp_path: Path) -> None:
    target = tmp_path / "ci" / "deep" / "baseline.json"
    baseline = Baseline(accepted=(BaselineEntry(fingerprint="f1", path="a", line=2, reason="é"),))
    write_baseline(target, baseline)
    raw = target.read_bytes()
    assert raw.endswith(b"}\n") and b"\\u00e9" in raw  # ASCII JSON: any locale reads it
    assert raw.decode("utf-8") == json.dumps(baseline.model_dump(mode="json"), indent=2) + "\n"
    assert raw.decode().splitlines()[1] == '  "version": 1,'
    assert os.listdir(target.parent) == ["baseline.json"]  # no temporary file left
    assert load_baseline(target) == baseline


@pytest.mark.parametrize(
    ("content", "message", "hint"),
    [
        (None, "no such file",
         "create it with: skylift scan PATH --baseline FILE --update-baseline"),
        ("{not json", "not readable JSON (", "fix the file or re-create it with --update-baseline"),
        (b"\xff\xfe", "not readable JSON (", "fix the file or re-create it with --update-baseline"),
        ('{"version": 1, "accepted": [{"reason": "x"}]}', "accepted.0.fingerprint: Field required",
         'expected {"version": 1, "accepted": [{"fingerprint": "…", "reason": "…"}]}'),
        ('{"version": 2, "accepted": []}', "version 2 is not supported",
         "this skylift reads version 1; re-create it with --update-baseline"),
    ],
)  # fmt: skip
def test_bad_baselines_are_one_line_errors_naming_the_file(
    tmp_path: Path, content: str | bytes | None, message: str, hint: str
) -> None:
    path = tmp_path / "b.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_baseline(path)
    text = str(err.value)
    assert text.startswith(f"baseline {path}: ") and message in text and "\n" not in text
    assert err.value.hint == hint


def test_unwritable_places_are_input_errors_with_hints(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        write_baseline(tmp_path, Baseline())
    assert str(err.value) == f"baseline {tmp_path}: is a folder"
    assert err.value.hint == "give a file name: --baseline FILE"
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError) as err:
        write_baseline(tmp_path / "file" / "b.json", Baseline())
    assert str(err.value) == (
        f"baseline {tmp_path / 'file' / 'b.json'}: cannot write it: "
        f"{tmp_path / 'file'} is a file, not a folder"
    )
    assert err.value.hint == "give a path in a folder you can write to"
    assert sorted(os.listdir(tmp_path)) == ["file"]
