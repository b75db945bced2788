"""Listing an object store folder by folder (``listing=tree``), in lexical key order.

A flat listing (the default) is one paged request stream and the fastest on
real S3, Azure and GCS. Stores backed by a file system (``rclone serve s3``,
MinIO in FS mode, some NAS gateways) re-walk the tree to resume every page of a
flat listing, which gets quadratic on big trees; listing each folder with a
delimiter is then much faster. Folders compare as ``name + "/"`` so the walk
keeps the same order a flat listing has. The next few sibling folders of each
level are listed ahead on a small thread pool (bounded: :data:`WINDOW` per level).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from itertools import islice
from typing import Any

from skylift.interrupts import result, submit_all

#: Sibling folders listed ahead per level of depth.
WINDOW = 8

Entry = tuple[str, bool, Any]


def _level(store: Any, folder: str) -> list[Entry]:
    import obstore

    result = obstore.list_with_delimiter(store, folder or None)
    entries: list[Entry] = [(meta["path"], False, meta) for meta in result["objects"]]
    entries += [(p.rstrip("/") + "/", True, p.rstrip("/")) for p in result["common_prefixes"]]
    entries.sort(key=lambda item: item[0])
    return entries


class _Level:
    """One folder's sorted entries, with listings of its next subfolders in flight."""

    def __init__(self, entries: list[Entry], wanted: Callable[[str], bool], pool: Any) -> None:
        self.entries = iter(entries)
        self.dirs = iter([e for e in entries if e[1] and wanted(e[0])])
        self.ahead: deque[tuple[str, Future[list[Entry]]]] = deque()
        self.pool = pool

    def fill(self, store: Any) -> None:
        wanted = list(islice(self.dirs, WINDOW - len(self.ahead)))
        futures = submit_all(self.pool, partial(_level, store), [entry[2] for entry in wanted])
        self.ahead.extend(zip([entry[0] for entry in wanted], futures, strict=True))

    def take(self, key: str) -> list[Entry]:
        name, future = self.ahead.popleft()
        assert name == key
        return result(future)  # Ctrl-C is held back while the future's lock is held


def walk_with_delimiter(
    store: Any, start: str, prefix: str, visible: Callable[[str], bool]
) -> Iterator[Any]:
    """Yield obstore ``ObjectMeta`` for every object under ``start`` whose key starts with
    ``prefix``, folder by folder, in lexical key order."""

    def wanted(key: str) -> bool:
        return prefix.startswith(key) or key.startswith(prefix)

    with ThreadPoolExecutor(WINDOW, thread_name_prefix="skylift-list") as pool:
        stack = [_Level(_level(store, start), wanted, pool)]
        stack[0].fill(store)
        while stack:
            top = stack[-1]
            item = next(top.entries, None)
            if item is None:
                stack.pop()
                continue
            key, is_dir, value = item
            if is_dir:
                if wanted(key):
                    child = _Level(top.take(key), wanted, pool)
                    top.fill(store)
                    child.fill(store)
                    stack.append(child)
            elif key.startswith(prefix) and visible(key):
                yield value


#: Entries held back while deciding whether an empty object is a folder marker.
MARKER_LOOKAHEAD = 1000


def drop_folder_markers(infos: Iterator[Any], path: Callable[[Any], str]) -> Iterator[Any]:
    """Drop empty objects that are folder markers (``dir/`` objects made by consoles).

    obstore reports the marker ``dir/`` as an empty object ``dir``; it is a marker
    when a later key starts with ``dir/``. Keys between ``dir`` and ``dir/`` in
    lexical order (``dir-a``, ``dir.txt``) are held back until that is decided;
    past :data:`MARKER_LOOKAHEAD` of them the empty object is kept as a file.
    ``infos`` yields items with a ``size``; ``path`` gives an item's key.
    """
    pending: list[Any] = []  # [candidate, held...]
    queue: list[Any] = []
    source = iter(infos)
    while True:
        if queue:
            item = queue.pop(0)
        else:
            item = next(source, None)
            if item is None:
                break
        if not pending:
            if item.size == 0:
                pending = [item]
            else:
                yield item
            continue
        marker = path(pending[0]) + "/"
        key = path(item)
        if key.startswith(marker):  # the candidate was a folder marker
            queue[:0] = [*pending[1:], item]
            pending = []
        elif key < marker and key.startswith(path(pending[0])) and len(pending) <= MARKER_LOOKAHEAD:
            pending.append(item)
        else:  # a real empty object
            yield pending[0]
            queue[:0] = [*pending[1:], item]
            pending = []
    if pending:
        yield pending[0]
        yield from drop_folder_markers(iter(pending[1:]), path)
