"""The run's local scratch folder (deletion spool, sort runs), and leftovers of killed runs.

``TemporaryDirectory`` is removed on every exit Python sees, but not after a
SIGKILL or a power cut. Each run's folder therefore holds its owner's pid;
every run removes the ``skylift-xfer-*`` folders whose owner no longer
exists (same host, same user; folders of live runs are never touched).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

PREFIX = "skylift-xfer-"


def spool_line(path: str) -> str:
    """One line of a path spool (the deletions ``--delete`` does after every copy).

    The path as a JSON string: a name holding a newline or a carriage return
    stays one path (one per line, it was read back as two, and the run deleted
    the wrong files, #12), and a file name that is not UTF-8 (lone surrogates)
    round-trips. Undone by :func:`spooled_path`.
    """
    return json.dumps(path) + "\n"


def spooled_path(line: str) -> str:
    """The path of one :func:`spool_line` line."""
    path: str = json.loads(line)
    return path


_OWNER = "owner.pid"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def sweep_dead(folder: Path | None = None) -> int:
    """Remove scratch folders whose owner process is gone; return how many."""
    root = Path(folder or tempfile.gettempdir())
    removed = 0
    with contextlib.suppress(OSError):
        for entry in os.scandir(root):
            if not entry.name.startswith(PREFIX) or not entry.is_dir(follow_symlinks=False):
                continue
            try:
                pid = int((Path(entry.path) / _OWNER).read_text())
            except (OSError, ValueError):
                continue  # not ours to judge (no owner recorded)
            if pid != os.getpid() and not _alive(pid):
                shutil.rmtree(entry.path, ignore_errors=True)
                removed += 1
    return removed


@contextlib.contextmanager
def scratch_folder(folder: Path | None = None) -> Iterator[Path]:
    """A private temporary folder for one run, recording its owner; removed on exit."""
    sweep_dead(folder)
    with tempfile.TemporaryDirectory(prefix=PREFIX, dir=folder) as tmp:
        (Path(tmp) / _OWNER).write_text(str(os.getpid()))
        yield Path(tmp)
