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
from pathlib import Path

from tests.helpers import run_skylift


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
