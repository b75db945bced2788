"""How a transfer ends when its clean-up fails, against a real ``rclone serve s3`` (#12).

* A journal that fails to close once every object is sent and the manifest is up
  ended the run with exit 70 ("internal error") although the data was complete:
  now exit 0 and one warning naming the journal and what the next run does.
* A damaged journal file (not SQLite) made every later run exit 70: now it is set
  aside, a new one is started, and the run says so.
* A journal on a disk that fills up mid-run ended a complete run with exit 70
  ("OperationalError: cannot rollback - no transaction is active"): now the journal
  stops recording, the data moves on, and one warning says what the next run does.
* An error raised by clean-up after Ctrl-C / SIGTERM replaced the interrupted status
  (130 / 143) with 70: the status stays, the clean-up error is one line on stderr
  (no traceback), and ``--json`` prints one error object.

The journal-close and lock-release faults are injected by patching that one method
in the child process (``tests/e2e/exit_driver.py --fail-after``: the real method runs,
then raises EIO); the signals are real (SIGINT / SIGTERM from this process, sent while
the driver holds the first finished object, so the run cannot end before them).
"""

from __future__ import annotations

import errno
import json
import os
import signal
import uuid
from pathlib import Path

import pytest

from tests.e2e.driven import Driven, drive, held, interrupt
from tests.integration.servers import ServerInfo
from tests.integration.transfer.test_full_disk import small_disk  # noqa: F401 - a fixture

pytestmark = pytest.mark.servers

FILES = 24
MANIFEST = ".skylift-manifest.jsonl"
JOURNAL_CLOSE = "skylift.transfer.journal:Journal.close"
LOCK_RELEASE = "skylift.transfer.lock:DestinationLock.__exit__"
FIRST_DONE = "skylift.transfer.tally:Tally.done"


@pytest.fixture
def s3_env(s3_server: ServerInfo) -> dict[str, str]:
    """The environment a user sets for the test server (no skylift.yaml needed)."""
    return {
        **s3_server.env,
        "AWS_ENDPOINT_URL": s3_server.endpoint,
        "AWS_ALLOW_HTTP": "true",
        "AWS_REGION": "us-east-1",
    }


def _source(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    for i in range(FILES):
        (src / f"f{i:02d}.bin").write_bytes(os.urandom(1000 + i))
    return src


def _no_traceback(run: Driven) -> None:
    assert "Traceback" not in run.stderr, run.stderr


def test_a_journal_that_fails_to_close_after_the_manifest_is_a_warning(
    tmp_path: Path, s3_server: ServerInfo, s3_env: dict[str, str]
) -> None:
    src, journal = _source(tmp_path), tmp_path / "journal"
    prefix = uuid.uuid4().hex[:8]
    args = ["transfer", str(src), f"s3://bucket/{prefix}", "--journal", str(journal)]
    run = drive(["--fail-after", JOURNAL_CLOSE], [*args, "--json"], s3_env)
    assert run.code == 0, run.stderr  # was 70: "internal error: OSError: ..."
    _no_traceback(run)
    result = run.json()
    assert (result["transferred"], result["failed"]) == (FILES, 0)
    assert result["manifest"] == MANIFEST
    assert s3_server.data_dir is not None
    assert (s3_server.data_dir / prefix / MANIFEST).exists()
    (warning,) = [w for w in result["warnings"] if "journal" in w]
    (path,) = journal.glob("*.sqlite")
    assert str(path) in warning and "injected clean-up fault" in warning
    assert "next run" in warning
    # human output: the same warning, one line, on stderr; stdout says Done
    human = drive(["--fail-after", JOURNAL_CLOSE], args, s3_env)
    assert human.code == 0, human.stderr
    assert "Done: 0 transferred" in human.stdout
    assert [line for line in human.stderr.splitlines() if str(path) in line] == [
        line for line in human.stderr.splitlines() if line.startswith("warning:")
    ]
    _no_traceback(human)
    # the journal is whole: the next run skips everything and verify passes
    again = drive([], [*args, "--json"], s3_env)
    assert again.code == 0, again.stderr
    assert (again.json()["skipped"], again.json()["warnings"]) == (FILES, [])
    checked = drive([], ["verify", str(src), f"s3://bucket/{prefix}", "--checksum"], s3_env)
    assert checked.code == 0, checked.stdout + checked.stderr


def test_a_damaged_journal_is_set_aside_and_a_new_one_started(tmp_path: Path) -> None:
    src, dst, journal = _source(tmp_path), tmp_path / "dst", tmp_path / "journal"
    args = ["transfer", str(src), str(dst), "--journal", str(journal), "--json"]
    assert drive([], args).code == 0
    (path,) = journal.glob("*.sqlite")
    for leftover in journal.glob("*.sqlite-*"):
        leftover.unlink()
    path.write_bytes(b"this is not a database\n" * 100)  # a real damaged file, no patch
    run = drive([], args)
    assert run.code == 0, run.stderr  # was 70: "internal error: DatabaseError: ..."
    _no_traceback(run)
    result = run.json()
    assert (result["skipped"], result["transferred"]) == (FILES, 0)
    (warning,) = result["warnings"]
    assert str(path) in warning
    (kept,) = [p for p in journal.iterdir() if ".damaged-" in p.name]
    assert kept.read_bytes().startswith(b"this is not a database")
    assert str(kept) in warning
    again = drive([], args)  # the new journal works
    assert (again.code, again.json()["warnings"]) == (0, [])


@pytest.mark.parametrize(
    ("sig", "status", "fault"),
    [
        (signal.SIGINT, 130, None),
        (signal.SIGTERM, 143, None),
        (signal.SIGINT, 130, JOURNAL_CLOSE),
        (signal.SIGTERM, 143, LOCK_RELEASE),
    ],
    ids=["sigint", "sigterm", "sigint-journal-close-fails", "sigterm-lock-release-fails"],
)
def test_an_interrupted_run_keeps_its_status_when_clean_up_fails(
    tmp_path: Path,
    s3_env: dict[str, str],
    sig: signal.Signals,
    status: int,
    fault: str | None,
) -> None:
    src, journal = _source(tmp_path), tmp_path / "journal"
    dst = f"s3://bucket/{uuid.uuid4().hex[:8]}"
    args = ["transfer", str(src), dst, "--journal", str(journal), "--jobs", "2"]
    injections = [] if fault is None else ["--fail-after", fault]
    run = interrupt(FIRST_DONE, sig, injections, [*args, "--json"], s3_env)
    assert run.code == status, run.stderr  # was 70 when a clean-up step failed
    _no_traceback(run)
    error = run.json()  # one JSON document, the error object
    assert error["type"] == "Interrupted" and error["exit_code"] == status
    assert "re-run" in error["hint"]
    cleanup = [line for line in run.stderr.splitlines() if "injected clean-up fault" in line]
    if fault is None:
        assert cleanup == [] and error["warnings"] == []
    else:
        assert len(cleanup) == 1 and cleanup[0].startswith("warning:"), run.stderr
        assert len(error["warnings"]) == 1 and "clean-up" in error["warnings"][0]
    again = drive([], [*args, "--json"], s3_env)  # resumes
    assert again.code == 0, again.stderr
    result = again.json()
    assert result["skipped"] >= 1 and result["skipped"] + result["transferred"] == FILES
    assert json.loads(again.stdout)["failed"] == 0


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_verify_ends_with_its_status_and_a_json_error(
    tmp_path: Path, s3_env: dict[str, str], sig: signal.Signals, status: int
) -> None:
    src = _source(tmp_path)
    dst = f"s3://bucket/{uuid.uuid4().hex[:8]}"
    sent = drive([], ["transfer", str(src), dst, "--journal", str(tmp_path / "j")], s3_env)
    assert sent.code == 0, sent.stderr
    args = ["verify", str(src), dst, "--checksum", "--jobs", "2", "--json"]
    run = interrupt("skylift.verify.data:_content", sig, [], args, s3_env)
    assert run.code == status, run.stderr
    _no_traceback(run)
    error = run.json()
    assert (error["type"], error["exit_code"], error["warnings"]) == ("Interrupted", status, [])
    assert drive([], args, s3_env).code == 0  # nothing was left behind that breaks a re-run


def test_ctrl_c_starts_no_new_object_of_a_batch(tmp_path: Path) -> None:
    # one worker, one batch of 24 small objects; Ctrl-C while its first object is done;
    # the worker goes on only after the pool was cancelled (TaskPool.shutdown returned)
    src, dst, journal = _source(tmp_path), tmp_path / "dst", tmp_path / "journal"
    args = ["transfer", str(src), str(dst), "--journal", str(journal), "--jobs", "1"]
    pool_shutdown = "skylift.transfer.scheduler:TaskPool.shutdown"
    run = interrupt(FIRST_DONE, signal.SIGINT, [], args, release_after=pool_shutdown)
    assert run.code == 130, run.stderr
    assert sorted(p.name for p in dst.glob("*.bin")) == ["f00.bin"]  # was: all 24
    again = drive([], [*args, "--json"])
    assert again.code == 0, again.stderr
    assert (again.json()["transferred"], again.json()["skipped"]) == (FILES - 1, 1)


def _fill(folder: Path) -> None:
    """Write to ``folder`` until its file system is full (ENOSPC)."""
    with open(folder / "fill", "wb") as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC


def test_a_journal_on_a_full_disk_does_not_fail_the_run(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # a real full disk (tmpfs) under the journal, filled while the first object is done
    disk: Path = request.getfixturevalue("small_disk")
    src, dst, journal = _source(tmp_path), tmp_path / "dst", disk / "journal"
    args = ["transfer", str(src), str(dst), "--journal", str(journal), "--jobs", "1"]
    run = held(FIRST_DONE, lambda _proc: _fill(disk), [], [*args, "--json"])
    assert run.code == 0, run.stderr  # was 70: "OperationalError: cannot rollback - ..."
    _no_traceback(run)
    result = run.json()
    assert (result["transferred"], result["failed"], result["manifest"]) == (FILES, 0, MANIFEST)
    (warning,) = result["warnings"]
    (path,) = journal.glob("*.sqlite")
    assert f"could not write the transfer journal {path}" in warning
    assert "full" in warning
    (disk / "fill").unlink()
    again = drive([], [*args, "--json"])  # objects it did not record are compared, not sent
    assert again.code == 0, again.stderr
    assert (again.json()["transferred"], again.json()["skipped"]) == (0, FILES)
