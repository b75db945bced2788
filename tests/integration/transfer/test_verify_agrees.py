"""``verify`` agrees with what ``transfer`` deliberately does (#12).

A correct transfer followed by ``verify`` exited 6 ("differs") in two cases:
an empty folder's marker (a zero-byte ``dir/`` object) on an object-store
source, which the transfer skips, was listed as missing; and the
destination's copy of a source symlink the ``--links`` policy skipped, which
``--delete`` keeps, was listed as extra. Both now use the transfer's rule
(``transfer.objects.is_folder_marker``, ``transfer.engine.under_skipped_link``);
real differences are still reported.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from skylift.domain.transfer import TransferOptions
from skylift.transfer.engine import run_transfer
from skylift.verify import verify
from tests.integration.servers import ServerInfo
from tests.integration.transfer.test_delete_skipped_links import linked_source
from tests.integration.transfer.test_empty_folder_markers import transfer_markers

pytestmark = pytest.mark.servers


def test_verify_skips_an_empty_folders_marker_the_transfer_skipped(
    tmp_path: Path, moto_server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    src, dst, remotes, result = transfer_markers(tmp_path, moto_server, monkeypatch)
    assert result.ok, result.failures
    assert any("empty/" in w and "folder marker" in w for w in result.warnings)
    cmp = verify(src, str(dst), TransferOptions(), remotes=remotes)
    assert cmp.missing_count == 0 and cmp.extra_count == 0 and cmp.errors_count == 0, cmp
    assert cmp.ok == 2  # photos/a.jpg, real-empty
    assert any("empty/" in w and "folder marker" in w for w in cmp.warnings), cmp.warnings
    # a real object missing at the destination, even an empty one, is still reported
    (dst / "real-empty").unlink()
    (dst / "photos" / "a.jpg").unlink()
    again = verify(src, str(dst), TransferOptions(), remotes=remotes)
    assert again.missing == ("photos/a.jpg", "real-empty"), again


def test_verify_accepts_copies_of_links_the_policy_skipped(
    tmp_path: Path, s3_server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    for k, v in s3_server.env.items():
        monkeypatch.setenv(k, v)
    nfs, src = linked_source(tmp_path)
    dst = f"{s3_server.url}/{uuid.uuid4().hex[:8]}"
    remotes = {s3_server.url: s3_server.options}
    follow = TransferOptions(links="follow")
    run = run_transfer(str(src), dst, follow, tmp_path / "j", remotes=remotes)
    assert run.transferred == 3, run
    (nfs / "data.csv").rename(nfs / "data.csv.away")  # the mount is gone: a dangling link
    sync = TransferOptions(links="follow", delete=True)
    assert run_transfer(str(src), dst, sync, tmp_path / "j", remotes=remotes).ok
    cmp = verify(str(src), dst, sync, remotes=remotes)
    assert cmp.extra_count == 0 and cmp.missing_count == 0 and cmp.changed_count == 0, cmp
    assert cmp.ok == 2  # kept.txt, photos/a.jpg
    # --links skip: both links are skipped, their copies (a file, a folder) stay
    skip = TransferOptions(links="skip", delete=True)
    assert run_transfer(str(src), dst, skip, tmp_path / "j", remotes=remotes).deleted == 0
    cmp = verify(str(src), dst, skip, remotes=remotes)
    assert cmp.extra_count == 0 and cmp.missing_count == 0 and cmp.ok == 1, cmp
    # a real extra object is still reported, and a real missing one
    (src / "kept.txt").unlink()
    (src / "new.txt").write_text("n")
    cmp = verify(str(src), dst, skip, remotes=remotes)
    assert cmp.extra == ("kept.txt",) and cmp.missing == ("new.txt",), cmp
