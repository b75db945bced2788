"""Source files whose names start with ``.skylift-`` are not dropped silently (#12).

Listings skip skylift's own names (temp files, part folders, the manifest) — but
they skipped every name starting with ``.skylift-``, so a user's
``.skylift-notes.txt`` was not copied, the run said "Done … 0 failed" and
``verify`` said "match". The namespace stays reserved (a destination must not
take such a file for skylift's bookkeeping), but every such source file that
is not skylift's own is now reported, like a skipped symlink: a warning line
and an entry in ``--json`` ``warnings``.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from skylift.domain.transfer import TransferOptions
from skylift.storage.registry import open_storage
from skylift.transfer.engine import run_transfer
from tests.helpers import run_skylift
from tests.integration.servers import ServerInfo


def test_a_users_dot_skylift_file_is_reported_not_silently_dropped(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / ".skylift-notes.txt").write_text("user data")
    (src / "sub" / ".skylift-config").write_text("user data")
    (src / "normal.txt").write_text("n")
    # skylift's own names are not worth a warning (a copy made by skylift is a source too)
    (src / ".skylift-manifest.jsonl").write_text("{}\n")
    (src / "sub" / ".skylift-tmp-0123456789abcdef").write_text("half")
    j = str(tmp_path / "j")
    r = run_skylift("transfer", str(src), str(tmp_path / "dst"), "--journal", j, "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["warnings_count"] == 2, out["warnings"]
    assert any(".skylift-notes.txt" in w and "reserved" in w for w in out["warnings"])
    assert any("sub/.skylift-config" in w for w in out["warnings"])
    v = run_skylift("verify", str(src), str(tmp_path / "dst"))
    assert "sub/.skylift-config" in v.stderr, v.stderr


@pytest.mark.servers
def test_an_object_store_source_reports_them_too(
    tmp_path: Path, moto_server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """S3 listed such objects and copied them: a user's ``.skylift-notes`` landed in a
    local destination's reserved names (never listed there, never verified or deleted),
    and a ``sub/.skylift-tmp-…`` object was removed again by the next run's sweep of
    temp files. Now they are skipped as on a local source, the user's with a warning."""
    for k, v in moto_server.env.items():
        monkeypatch.setenv(k, v)
    src = f"{moto_server.url}/{uuid.uuid4().hex[:8]}"
    store = open_storage(src, **moto_server.options)
    for key in (".skylift-notes", "a.txt", "sub/.skylift-tmp-0123456789abcdef"):
        store.write(key, b"x")
    dst = tmp_path / "dst"
    remotes = {moto_server.url: moto_server.options}
    result = run_transfer(src, str(dst), TransferOptions(), tmp_path / "j", remotes=remotes)
    assert result.ok and result.transferred == 1, result
    assert [w for w in result.warnings if "reserved" in w] == [
        "skipped .skylift-notes: names starting with .skylift- are reserved for skylift's "
        "own files; rename it"
    ]
    assert sorted(p.name for p in dst.rglob("*")) == [".skylift-manifest.jsonl", "a.txt"]


@pytest.mark.servers
def test_an_sftp_source_reports_them_too(
    tmp_path: Path, sftp_server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    for k, v in sftp_server.env.items():
        monkeypatch.setenv(k, v)
    src = f"{sftp_server.url}/{uuid.uuid4().hex[:8]}"
    store = open_storage(src, **sftp_server.options)
    for key in ("sub/.skylift-notes", "a.txt"):
        store.write(key, b"x")
    store.close()
    dst = tmp_path / "dst"
    remotes = {sftp_server.url: sftp_server.options}
    result = run_transfer(src, str(dst), TransferOptions(), tmp_path / "j", remotes=remotes)
    assert result.ok and result.transferred == 1, result
    assert any("sub/.skylift-notes" in w and "reserved" in w for w in result.warnings)
