"""Walk a folder tree yielding files in lexical order of their ``/``-joined keys.

Sorting each folder's entries by name, with folders compared as ``name + "/"``,
makes a depth-first walk produce exactly the order an object store lists in
(``a-b`` < ``a/x`` < ``a0``), which the transfer engine's merge-join needs.
Memory holds one sorted folder per level of depth, never the whole tree.
The ``stat`` calls of a folder run on a few threads (they release the GIL and
dominate the cost of a listing).
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from skylift.interrupts import pool_map
from skylift.storage.keys import INTERNAL_PREFIX, TEMP_PREFIX, is_own_name, join_key

ErrorFactory = Callable[[str, OSError], Exception]

#: ``--links`` modes: follow links that stay inside the root (default), none, or all.
LINK_MODES = ("copy", "skip", "follow")


def _no_warning(message: str) -> None:
    return None


@dataclass(frozen=True)
class LinkPolicy:
    """What a walk does with symbolic links, and where it reports the ones it skips.

    ``copy`` (default): a link is followed — its file's content is copied, its
    folder walked — only if it resolves inside the walk's root; links leading
    out of the root, dangling links and links to a folder that contains them
    (loops) are skipped with a warning. ``skip``: every link is skipped with a
    warning. ``follow``: every link is followed wherever it points (dangling
    links and loops are still skipped with a warning).
    """

    mode: str = "copy"
    warn: Callable[[str], None] = _no_warning
    #: skylift temp files (``.skylift-tmp-*``) seen by the walk go here (leftover sweeping)
    on_temp: Callable[[os.DirEntry[str]], None] | None = None
    #: keys of the links skipped (the source has something there: not to be deleted at DST)
    skipped: set[str] | None = None


_STAT_THREADS = 4
_BATCH = 64
_pool: list[ThreadPoolExecutor] = []  # made on first use, shared by all walks
_pool_lock = threading.Lock()


def _stat_pool() -> ThreadPoolExecutor:
    with _pool_lock:
        if not _pool:
            _pool.append(ThreadPoolExecutor(_STAT_THREADS, thread_name_prefix="skylift-stat"))
        return _pool[0]


def _stat_many(entries: list[os.DirEntry[str]]) -> list[os.stat_result | OSError]:
    out: list[os.stat_result | OSError] = []
    for entry in entries:
        try:
            out.append(entry.stat())  # follows symlinked files
        except OSError as exc:
            out.append(exc)
    return out


Classify = Callable[[str, os.DirEntry[str]], bool | None]


def _sorted_entries(
    folder: Path,
    base: str,
    link: Classify,
    on_temp: Callable[[os.DirEntry[str]], None] | None = None,
    warn: Callable[[str], None] = _no_warning,
) -> list[tuple[str, bool, os.DirEntry[str]]]:
    out: list[tuple[str, bool, os.DirEntry[str]]] = []
    with os.scandir(folder) as it:
        for entry in it:
            if entry.name.startswith(INTERNAL_PREFIX):
                if on_temp is not None and entry.name.startswith(TEMP_PREFIX):
                    on_temp(entry)
                elif not is_own_name(entry.name):  # a user's file: say so (#12)
                    warn(
                        f"skipped {join_key(base, entry.name)}: names starting with "
                        f"{INTERNAL_PREFIX} are reserved for skylift's own files; rename it"
                    )
                continue
            if entry.is_symlink():
                followed = link(join_key(base, entry.name), entry)
                if followed is None:
                    continue
                is_dir = followed
            else:
                is_dir = entry.is_dir(follow_symlinks=False)
            out.append((entry.name + "/" if is_dir else entry.name, is_dir, entry))
    out.sort(key=lambda item: item[0])
    return out


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _link_classifier(root: Path, policy: LinkPolicy, chain: list[str]) -> Classify:
    """``(key, entry) -> True`` (walk as a folder), ``False`` (a file) or ``None`` (skip).

    ``chain`` holds the real paths of the folders being walked (the walk keeps it
    current): a link to one of them would loop.
    """
    real_root = os.path.realpath(root)

    def skip(key: str, why: str) -> None:
        policy.warn(f"skipped symlink {key}{why}")
        if policy.skipped is not None:
            policy.skipped.add(key)

    def classify(key: str, entry: os.DirEntry[str]) -> bool | None:
        if policy.mode == "skip":
            skip(key, " (--links skip)")
            return None
        target = os.path.realpath(entry.path)
        if not os.path.exists(target):
            skip(key, ": dangling (its target does not exist)")
            return None
        if policy.mode == "copy" and not _inside(target, real_root):
            skip(
                key,
                f": it points outside the source ({target}); use --links follow to copy it",
            )
            return None
        if os.path.isdir(target):
            if target in chain:
                skip(key, ": it loops to a folder that contains it")
                return None
            return True
        return False

    return classify


def _with_stats(
    entries: list[tuple[str, bool, os.DirEntry[str]]],
) -> Iterator[tuple[bool, os.DirEntry[str], os.stat_result | OSError | None]]:
    """Entries in order, files paired with their stat (fetched in parallel batches)."""
    files = [e for _, is_dir, e in entries if not is_dir]
    stats: Iterator[os.stat_result | OSError]
    if len(files) >= 2 * _BATCH:
        batches = [files[i : i + _BATCH] for i in range(0, len(files), _BATCH)]
        stats = iter(s for batch in pool_map(_stat_pool(), _stat_many, batches) for s in batch)
    else:
        stats = iter(_stat_many(files))
    for _, is_dir, entry in entries:
        yield is_dir, entry, None if is_dir else next(stats)


def walk_sorted(
    root: Path, start: str, error: ErrorFactory, links: LinkPolicy | None = None
) -> Iterator[tuple[str, os.stat_result]]:
    """Yield ``(key, stat)`` for every regular file under ``root/start``, in key order.

    A missing start folder yields nothing; an unreadable folder raises
    ``error(key, exc)``. Symbolic links are handled by ``links`` (default:
    :class:`LinkPolicy` ``copy``, no warnings).
    """
    chain: list[str] = []
    policy = links or LinkPolicy()
    link = _link_classifier(root, policy, chain)
    on_temp = policy.on_temp
    first = root / start if start else root
    chain.append(os.path.realpath(root))
    folder = root
    for part in [p for p in start.split("/") if p]:
        folder = folder / part
        chain.append(os.path.realpath(folder))
    try:
        top = _sorted_entries(first, start, link, on_temp, policy.warn)
    except (FileNotFoundError, NotADirectoryError):
        return
    except OSError as exc:
        raise error(start, exc) from exc
    stack = [(start, _with_stats(top))]
    while stack:
        base, entries = stack[-1]
        item = next(entries, None)
        if item is None:
            stack.pop()
            chain.pop()
            continue
        is_dir, entry, st = item
        key = join_key(base, entry.name)
        if is_dir:
            chain.append(os.path.realpath(entry.path))
            try:
                children = _sorted_entries(Path(entry.path), key, link, on_temp, policy.warn)
            except FileNotFoundError:
                chain.pop()
                continue
            except OSError as exc:
                raise error(key, exc) from exc
            stack.append((key, _with_stats(children)))
            continue
        if isinstance(st, FileNotFoundError):
            continue  # vanished, or a dangling symlink
        if isinstance(st, OSError):
            raise error(key, st) from st
        if st is not None and stat.S_ISREG(st.st_mode):
            yield key, st
