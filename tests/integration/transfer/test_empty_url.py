"""An empty source or destination is refused, not taken for the current folder (#12).

``skylift transfer src "$DEST" --delete`` with ``DEST`` unset synced ``src``
into the current folder and deleted everything else in it (an empty path is
``.`` to the file system). An empty SRC copied the current folder. Both are
bad input now (exit 2); ``.`` still means the current folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from skylift.domain.transfer import TransferOptions
from skylift.errors import InputError
from skylift.transfer.engine import plan_transfer, run_transfer


def test_an_empty_destination_or_source_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src, cwd = tmp_path / "src", tmp_path / "cwd"
    src.mkdir()
    cwd.mkdir()
    (src / "a").write_text("a")
    (cwd / "precious").write_text("precious")
    monkeypatch.chdir(cwd)
    sync = TransferOptions(delete=True)
    with pytest.raises(InputError, match="empty"):
        run_transfer(str(src), "", sync, tmp_path / "j")
    with pytest.raises(InputError, match="empty"):
        run_transfer("", str(tmp_path / "out"), TransferOptions(), tmp_path / "j")
    with pytest.raises(InputError, match="empty"):
        plan_transfer(str(src), "", sync)
    assert sorted(p.name for p in cwd.iterdir()) == ["precious"]
    assert not (tmp_path / "out").exists()
    plan = plan_transfer(str(src), ".", sync)  # "." is the current folder, as typed
    assert (plan.copy_count, plan.delete_count) == (1, 1)


def test_an_sftp_destination_without_a_path_is_refused(tmp_path: Path) -> None:
    """``sftp://me@host`` named the server's root folder (docs: the path is absolute),
    where scp and sftp users expect their home: ``transfer src sftp://me@host --delete``
    planned to delete everything in ``/``. Checked before any connection is made; a
    ``/`` typed out still names the root."""
    src = tmp_path / "src"
    src.mkdir()
    for url in ("sftp://me@127.0.0.1:1", "sftp://127.0.0.1", "sftp://me:pw@127.0.0.1:1"):
        with pytest.raises(InputError, match="without a folder"):
            run_transfer(str(src), url, TransferOptions(delete=True), tmp_path / "j")
