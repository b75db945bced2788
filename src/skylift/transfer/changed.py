"""A source that changed while it was read is not published (#12).

A big object is read in ranges (multipart parts, streamed chunks), at
different moments; a file written to meanwhile would otherwise be published
as a mix of its old and new bytes, with a manifest line naming the version
that was listed. So before such an object is published, its source is
looked at again: a different size — or, on stores whose files change in
place and keep mtimes (local folders, SFTP), a different mtime, or (object
stores, whose mtimes are only the upload's) a different ETag — fails the
object. Nothing is published for it; the next run copies the version that
is there then. (rclone does the same: "source file is being updated".)
Objects read whole, in one call, are checked by the store's read itself.
"""

from __future__ import annotations

from skylift.errors import TransferError
from skylift.storage.base import NotFoundError, ObjectInfo
from skylift.transfer.context import RunContext

_HINT = "re-run the transfer once nothing writes to it; nothing was published for it"


def check_unchanged(ctx: RunContext, listed: ObjectInfo) -> None:
    """Raise :class:`TransferError` if ``listed`` is no longer what the source holds."""
    store = ctx.src
    try:
        now = ctx.retry.call(lambda: store.stat(listed.path), store.endpoint_id)
    except NotFoundError:
        raise TransferError(
            f"{listed.path}: the source was deleted while it was being read", _HINT
        ) from None
    if now.size != listed.size:
        raise TransferError(
            f"{listed.path}: the source changed while it was being read "
            f"(size {listed.size} when listed, {now.size} now)",
            _HINT,
        )
    in_place = store.capabilities.preserves_mtime and listed.mtime is not None
    if in_place and now.mtime != listed.mtime:
        raise TransferError(
            f"{listed.path}: the source changed while it was being read "
            f"(modified at {now.mtime} after it was listed at {listed.mtime})",
            _HINT,
        )
    if _tag(listed.etag) and _tag(now.etag) and _tag(listed.etag) != _tag(now.etag):
        raise TransferError(  # an object store's object replaced by another (same size)
            f"{listed.path}: the source changed while it was being read "
            f"(ETag {_tag(listed.etag)} when listed, {_tag(now.etag)} now)",
            _HINT,
        )


def _tag(etag: str | None) -> str:
    return (etag or "").strip().strip('"').lower()
