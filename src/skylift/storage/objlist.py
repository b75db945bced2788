"""Listing an object store folder by folder (``listing=tree``), in lexical key order.

A flat listing (the default) is one paged request stream and the fastest on
real S3, Azure and GCS. Stores backed by a file system (``rclone serve s3``,
MinIO in FS mode, some NAS gateways) re-walk the tree to resume every page of a
flat listing, which gets quadratic on big trees; listing each folder with a
delimiter is then much faster. Folders compare as ``name + "/"`` so the walk
keeps the same order a flat listing has.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any


def walk_with_delimiter(
    store: Any, start: str, prefix: str, visible: Callable[[str], bool]
) -> Iterator[Any]:
    """Yield obstore ``ObjectMeta`` for every object under ``start`` whose key starts with
    ``prefix``, folder by folder, in lexical key order."""
    import obstore

    def level(folder: str) -> Iterator[tuple[str, bool, Any]]:
        result = obstore.list_with_delimiter(store, folder or None)
        entries: list[tuple[str, bool, Any]] = [
            (meta["path"], False, meta) for meta in result["objects"]
        ]
        entries += [(p.rstrip("/") + "/", True, p.rstrip("/")) for p in result["common_prefixes"]]
        entries.sort(key=lambda item: item[0])
        return iter(entries)

    stack = [level(start)]
    while stack:
        item = next(stack[-1], None)
        if item is None:
            stack.pop()
            continue
        key, is_dir, value = item
        if is_dir:
            if prefix.startswith(key) or key.startswith(prefix):
                stack.append(level(value))
        elif key.startswith(prefix) and visible(key):
            yield value
