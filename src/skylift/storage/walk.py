"""Walk a folder tree yielding files in lexical order of their ``/``-joined keys.

Sorting each folder's entries by name, with folders compared as ``name + "/"``,
makes a depth-first walk produce exactly the order an object store lists in
(``a-b`` < ``a/x`` < ``a0``), which the transfer engine's merge-join needs.
Memory holds one sorted folder per level of depth, never the whole tree.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from skylift.storage.keys import INTERNAL_PREFIX, join_key

ErrorFactory = Callable[[str, OSError], Exception]


def _sorted_entries(folder: Path) -> list[tuple[str, bool, os.DirEntry[str]]]:
    out: list[tuple[str, bool, os.DirEntry[str]]] = []
    with os.scandir(folder) as it:
        for entry in it:
            if entry.name.startswith(INTERNAL_PREFIX):
                continue
            is_dir = entry.is_dir(follow_symlinks=False)
            out.append((entry.name + "/" if is_dir else entry.name, is_dir, entry))
    out.sort(key=lambda item: item[0])
    return out


def walk_sorted(
    root: Path, start: str, error: ErrorFactory
) -> Iterator[tuple[str, os.stat_result]]:
    """Yield ``(key, stat)`` for every regular file under ``root/start``, in key order.

    A missing start folder yields nothing; an unreadable folder raises ``error(key, exc)``.
    """
    try:
        top = _sorted_entries(root / start if start else root)
    except (FileNotFoundError, NotADirectoryError):
        return
    except OSError as exc:
        raise error(start, exc) from exc
    stack: list[tuple[str, Iterator[tuple[str, bool, os.DirEntry[str]]]]] = [(start, iter(top))]
    while stack:
        base, entries = stack[-1]
        item = next(entries, None)
        if item is None:
            stack.pop()
            continue
        _, is_dir, entry = item
        key = join_key(base, entry.name)
        if is_dir:
            try:
                children = _sorted_entries(Path(entry.path))
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise error(key, exc) from exc
            stack.append((key, iter(children)))
            continue
        try:
            st = entry.stat()  # follows symlinked files
        except FileNotFoundError:
            continue  # vanished, or a dangling symlink
        except OSError as exc:
            raise error(key, exc) from exc
        if stat.S_ISREG(st.st_mode):
            yield key, st
