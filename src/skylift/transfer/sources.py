"""What a source URL means, decided before anything at the destination is listed.

Three rules, shared by ``transfer`` and ``verify``:

* **A source must exist.** A local path or SFTP folder that is not there, or an
  object-store prefix with no object under it (other than a bucket's root),
  is an error — never an empty listing, which with ``--delete`` would empty
  the destination.
* **A single file is copied into the destination**, as ``rclone copy FILE DST/``
  does: ``transfer ./a/report.pdf s3://b/docs`` writes ``docs/report.pdf``. With
  ``--delete`` it is refused (it would delete everything else at DST).
* **Source and destination must not overlap** (one inside the other, on the same
  store), unless the inner one is excluded by ``--exclude``: each run would
  otherwise copy the previous copy again, or ``--delete`` would remove the source.
"""

from __future__ import annotations

import builtins
import os
import re
from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit, urlunsplit

from skylift.errors import InputError
from skylift.storage.base import NotFoundError, ObjectInfo, PermissionDeniedError, Storage
from skylift.storage.registry import scheme_of
from skylift.storage.urls import shown_url
from skylift.transfer.diffing.listing import guarded
from skylift.transfer.filters import ObjectFilter
from skylift.transfer.remotes import Remotes, open_remote, remote_options


class SingleObject(Storage):
    """A read-only view of one object of ``parent`` (the ``FILE`` of ``transfer FILE DST``)."""

    def __init__(self, url: str, parent: Storage, info: ObjectInfo) -> None:
        super().__init__(url)
        self.parent = parent
        self.info = info
        self.scheme = parent.scheme  # type: ignore[misc]
        self.capabilities = parent.capabilities  # type: ignore[misc]

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """The one object, if its name starts with ``prefix``."""
        if self.info.path.startswith(prefix):
            yield self.info

    def stat(self, path: str) -> ObjectInfo:
        """The object's metadata (only its own name exists here)."""
        if path != self.info.path:
            raise NotFoundError(f"{shown_url(self.url)}: no object {path!r}")
        return self.parent.stat(path)

    def read(self, path: str, start: int = 0, end: int | None = None) -> bytes:
        """Bytes of the object."""
        self._own(path)
        return self.parent.read(path, start, end)

    def read_chunks(
        self, path: str, chunk_size: int = 8 << 20, size: int | None = None
    ) -> Iterator[bytes]:
        """Stream the object (the parent's ranged reads)."""
        self._own(path)
        return self.parent.read_chunks(path, chunk_size, size)

    def write(
        self, path: str, data: bytes | Iterable[bytes], mtime: float | None = None
    ) -> ObjectInfo:
        """Refused: a single-file source is read-only."""
        raise PermissionDeniedError(f"{shown_url(self.url)} is a single-file source")

    def delete(self, path: str) -> None:
        """Refused: a single-file source is read-only."""
        raise PermissionDeniedError(f"{shown_url(self.url)} is a single-file source")

    def _own(self, path: str) -> None:
        if path != self.info.path:
            raise NotFoundError(f"{shown_url(self.url)}: no object {path!r}")

    def close(self) -> None:
        """Close the parent store."""
        self.parent.close()


def split_parent(url: str) -> tuple[str, str] | None:
    """``s3://b/docs/a.pdf`` → (``s3://b/docs``, ``a.pdf``); ``None`` for a store's root."""
    if scheme_of(url) == "file" and "://" not in url:
        path = url.rstrip("/\\") or url
        head, name = os.path.split(path)
        if not name:
            return None
        return head or ".", name
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    head, _, name = path.rpartition("/")
    if not name:
        return None
    return urlunsplit((parts.scheme, parts.netloc, head, parts.query, parts.fragment)), name


def open_source(
    url: str,
    remotes: Remotes | None = None,
    src: Storage | None = None,
) -> tuple[Storage, bool]:
    """Open the source and check it exists: ``(store, is_single_file)``.

    Raises :class:`InputError` when the source is missing. Lists at most one
    page of the source; the destination is not touched.
    """
    store = src or open_remote(url, remotes)
    folder = store.root_is_folder()
    if folder is None:  # object store prefix: it exists if any object lives under it
        try:
            first = next(guarded(store.list(), url), None)
        except NotFoundError:  # no such bucket/container
            first = None
        if first is not None:
            return store, False
    elif folder:
        return store, False
    single = _single_object(url, remotes)
    if single is not None:
        return single, True
    raise InputError(
        f"source {shown_url(url)} does not exist (no such folder, file or object prefix)",
        "check the path or URL; nothing was listed or changed at the destination",
    )


def _single_object(url: str, remotes: Remotes | None) -> SingleObject | None:
    split = split_parent(url)
    if split is None:
        return None
    parent_url, name = split
    try:
        parent = open_remote(parent_url, remotes)
    except InputError:
        return None
    try:
        if parent.root_is_folder() is False:
            return None
        info = parent.stat(name)
    except (NotFoundError, InputError):
        parent.close()
        return None
    # the file was named: read it wherever a link there points, as stat did (the
    # --links policy is about what a walk finds, and reads check it, #12)
    parent.configure_links("follow", lambda _message: None)
    return SingleObject(url, parent, info)


def check_destination(destination: str) -> None:
    """Refuse a local destination that is an existing file (DST is a folder the source
    goes into): each object failed with "File exists" otherwise — and an SFTP URL
    without a path, the server's root folder, where scp users expect their home (#12)."""
    scheme = scheme_of(destination)
    if scheme == "sftp" and not urlsplit(destination).path:
        raise InputError(
            f"SFTP destination {shown_url(destination)} without a folder: that is the "
            "server's root folder ('/'), not your home",
            "give the folder, e.g. sftp://USER@HOST/home/USER/backup (or '/' typed out)",
        )
    if scheme != "file":
        return
    from skylift.storage.local import local_root

    root = local_root(destination)
    if root.exists() and not root.is_dir():
        raise InputError(
            f"destination {shown_url(destination)} is a file; the source is copied into a "
            "folder (a single file FILE as DST/FILE)",
            "give the folder to copy into, e.g. its parent",
        )


# ---- overlap ------------------------------------------------------------------


def _location(url: str, remotes: Remotes | None) -> tuple[str, builtins.list[str]]:
    """(store identity, root path segments) of a URL, credentials left out."""
    scheme = scheme_of(url)
    if scheme == "file":
        from skylift.storage.local import local_root

        real = os.path.realpath(local_root(url))
        return "file", [s for s in real.split(os.sep) if s]
    parts = urlsplit(url)
    host = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    options = sorted(remote_options(url, remotes or {}).items())
    ident = f"{scheme}://{host} {options}"
    return ident, [s for s in parts.path.split("/") if s]


def _mounted(real: str) -> tuple[str, builtins.list[str]]:
    """(file system, path inside it) of a local path with symlinks resolved.

    A bind mount names a folder by another path (``mount --bind src/sub mnt``): the
    mount table gives each mount's device and the folder of that file system it shows,
    so both names of a folder compare equal (#12). Without ``/proc``: the path itself.
    """
    parts = [p for p in real.split(os.sep) if p]
    best: tuple[int, str, builtins.list[str]] | None = None
    for device, root, point in _mount_table():
        if parts[: len(point)] == point and (best is None or len(point) > best[0]):
            best = (len(point), device, root)
    if best is None:
        return "file", parts
    depth, device, root = best
    return f"file {device}", root + parts[depth:]


def _mount_table() -> builtins.list[tuple[str, builtins.list[str], builtins.list[str]]]:
    """(device, root inside its file system, mount point) of each mount, as path parts."""
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="surrogateescape") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return []

    def parts(field: str) -> builtins.list[str]:  # "\040" is a space, etc.
        text = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)
        return [p for p in text.split("/") if p]

    table = []
    for line in lines:
        fields = line.split(" ")
        if len(fields) > 4:
            table.append((fields[2], parts(fields[3]), parts(fields[4])))
    return table


def _excluded(flt: ObjectFilter, rel: str) -> bool:
    """True if the filter's excludes drop everything under folder ``rel``."""
    if flt.exclude is None:
        return False
    probes = (f"{rel}/x", f"{rel}/x/y.bin", f"{rel}/.hidden")
    return all(flt.exclude.match(p) is not None for p in probes)


def check_overlap(
    source: str,
    destination: str,
    flt: ObjectFilter,
    remotes: Remotes | None = None,
    backup: str | None = None,
) -> None:
    """Refuse a source and destination on the same store when one contains the other,
    and a ``--backup-to`` folder that overlaps either (#12) — and an empty one."""
    for what, url in (("source", source), ("destination", destination)):
        if not url:  # the file system reads "" as ".": "$DEST" unset would sync into CWD
            raise InputError(
                f"empty {what}: give a path or URL",
                "write '.' for the current folder (an unset shell variable gives '')",
            )
    found = _nesting(source, destination, remotes)
    shown = f"{shown_url(source)} and {shown_url(destination)}"
    if found == "same":
        raise InputError(
            f"source and destination are the same: {shown}", "give a different destination"
        )
    if isinstance(found, tuple) and not _excluded(flt, found[1]):
        what, rel = found
        raise InputError(
            f"{shown} overlap: the {what}",
            f"pick a destination outside the source, or exclude the inner folder with "
            f"--exclude '{rel}/**'",
        )
    if backup:
        for side, url in (("destination", destination), ("source", source)):
            _check_backup(backup, side, url, flt, remotes)


def _nesting(a: str, b: str, remotes: Remotes | None) -> str | tuple[str, str] | None:
    """``"same"``, ``(which is inside which, the inner one's path relative to the
    outer)``, or ``None`` when ``a`` (the source) and ``b`` do not overlap."""
    a_loc, b_loc = _location(a, remotes), _location(b, remotes)
    found = _nested(a_loc, b_loc)
    if found is None and a_loc[0] == "file" and b_loc[0] == "file":
        # the same folders by another path (a bind mount): compare where they are mounted
        found = _nested(_mounted("/" + "/".join(a_loc[1])), _mounted("/" + "/".join(b_loc[1])))
    return found


def _nested(
    a: tuple[str, builtins.list[str]], b: tuple[str, builtins.list[str]]
) -> str | tuple[str, str] | None:
    (a_id, a_path), (b_id, b_path) = a, b
    if a_id != b_id:
        return None
    if a_path == b_path:
        return "same"
    if b_path[: len(a_path)] == a_path:
        return "destination is inside the source", "/".join(b_path[len(a_path) :])
    if a_path[: len(b_path)] == b_path:
        return "source is inside the destination", "/".join(a_path[len(b_path) :])
    return None


def _check_backup(
    backup: str, side: str, url: str, flt: ObjectFilter, remotes: Remotes | None
) -> None:
    """Refuse a backup folder overlapping ``url`` (the run's ``side``), unless it lies
    inside it and the filters exclude it there: the next ``--delete`` run would delete
    (and back up again, one level deeper) the backups, or copy them from the source."""
    found = _nesting(url, backup, remotes)
    if found is None:
        return
    inside = isinstance(found, tuple) and found[0].startswith("destination")
    rel = found[1] if inside and isinstance(found, tuple) else ""
    if inside and _excluded(flt, rel):
        return  # inside, and excluded: never listed, copied or deleted
    raise InputError(
        f"--backup-to {shown_url(backup)} overlaps the {side} {shown_url(url)}: the next "
        f"run would {'delete' if side == 'destination' else 'copy'} the backups",
        "keep backups outside both (e.g. s3://bucket/backups while syncing s3://bucket/data)"
        + (f", or exclude the folder with --exclude '{rel}/**'" if rel else ""),
    )
