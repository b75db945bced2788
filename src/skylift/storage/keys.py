"""Object keys: validation of paths that come from outside, and skylift's internal names.

Every key a backend receives passes :func:`check_key` first: ``/``-separated,
relative, no NUL, no ``.``/``..`` segments, no empty segments. That is what
keeps a hostile listing (an S3 key ``../../etc/passwd``) from escaping the
root of a local or SFTP destination.

skylift keeps its own bookkeeping next to the data under names that start
with :data:`INTERNAL_PREFIX` (temporary files of atomic writes, part folders
of multipart uploads); listings skip them.
"""

from __future__ import annotations

from skylift.errors import InputError, InputLocation

#: Names starting with this belong to skylift (temp files, multipart part folders).
INTERNAL_PREFIX = ".skylift-"
#: Temporary files of atomic writes (``.skylift-tmp-<random>``), beside their target.
TEMP_PREFIX = ".skylift-tmp-"
#: Folder (next to the destination object) that holds parts of multipart uploads.
PARTS_DIR = ".skylift-parts"
#: skylift's own names besides temp files (:data:`TEMP_PREFIX`): any other name under
#: :data:`INTERNAL_PREFIX` found in a source is a user's file, skipped with a warning.
OWN_NAMES = frozenset(
    {PARTS_DIR, ".skylift-manifest.jsonl", ".skylift-relay-chunks", ".skylift-rtt-probe"}
)


def is_own_name(name: str) -> bool:
    """True if the file or folder name is one skylift itself makes."""
    return name in OWN_NAMES or name.startswith(TEMP_PREFIX)


_HINT = "object keys are relative '/'-separated paths without '.', '..', empty parts or NUL"


def short(path: str, limit: int = 80) -> str:
    """A key shortened for one-line messages."""
    return repr(path if len(path) <= limit else path[: limit - 3] + "...")


def check_key(key: str, *, allow_empty: bool = False) -> str:
    """Return ``key`` if it is a safe relative key, else raise :class:`InputError`.

    ``allow_empty`` admits ``""`` (the root itself, e.g. as a listing prefix).
    """
    if key == "":
        if allow_empty:
            return key
        raise InputError("empty object key", _HINT, InputLocation("key", value=key))
    problem = None
    if "\x00" in key:
        problem = "contains a NUL character"
    elif key.startswith("/") or key.startswith("\\") or _drive(key):
        problem = "is absolute"
    else:
        for part in key.split("/"):
            if part in ("", ".", ".."):
                problem = f"has a {part!r} path segment" if part else "has an empty path segment"
                break
    if problem is not None:
        raise InputError(
            f"unsafe object key {key!r}: it {problem}", _HINT, InputLocation("key", value=key)
        )
    return key


def _drive(key: str) -> bool:
    """``C:``, ``C:/x``, ``C:\\x``: a Windows drive path. ``8:00 standup.txt`` or
    ``a:b.txt`` are plain names (#12)."""
    return (
        len(key) >= 2
        and key[1] == ":"
        and key[0].isascii()
        and key[0].isalpha()
        and (len(key) == 2 or key[2] in "/\\")
    )


def check_prefix(prefix: str) -> str:
    """Validate a listing prefix: like a key, but may be empty or end with ``/``."""
    if prefix == "":
        return prefix
    check_key(prefix[:-1] if prefix.endswith("/") else prefix)
    return prefix


def is_internal(key: str) -> bool:
    """True if any segment of ``key`` is a skylift-internal name (skipped by listings)."""
    return key.startswith(INTERNAL_PREFIX) or ("/" + INTERNAL_PREFIX) in key


def join_key(root: str, key: str) -> str:
    """``root`` + ``/`` + ``key`` with no doubled or leading separators."""
    if not root:
        return key
    if not key:
        return root
    return f"{root}/{key}"


def strip_root(root: str, full: str) -> str:
    """Inverse of :func:`join_key`: the key of ``full`` relative to ``root``."""
    if not root:
        return full
    return full[len(root) + 1 :]


def parent_and_name(key: str) -> tuple[str, str]:
    """``a/b/c`` → (``a/b``, ``c``); ``c`` → (``""``, ``c``)."""
    head, _, tail = key.rpartition("/")
    return head, tail


def check_upload_id(upload_id: str) -> str:
    """Upload ids that end up in paths (local, SFTP, GCS) must be plain hex."""
    if not upload_id or len(upload_id) > 64 or any(c not in "0123456789abcdef" for c in upload_id):
        raise InputError(
            f"malformed multipart upload id {upload_id!r}",
            "the resume journal may be corrupt; delete it to restart the upload",
            InputLocation("upload_id", value=upload_id),
        )
    return upload_id


def part_key(path: str, upload_id: str, number: int) -> str:
    """Key of part ``number`` of an upload, in the hidden parts folder next to ``path``."""
    head, _ = parent_and_name(path)
    return join_key(head, f"{PARTS_DIR}/{upload_id}/{number:05d}")


def parts_prefix(path: str, upload_id: str) -> str:
    """Prefix under which :func:`part_key` puts the parts of one upload (ends with ``/``)."""
    head, _ = parent_and_name(path)
    return join_key(head, f"{PARTS_DIR}/{upload_id}/")
