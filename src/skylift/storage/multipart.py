"""Rules every backend's multipart upload shares: part sizing and the completion check."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from skylift.errors import ProviderError
from skylift.storage.base import Capabilities, MultipartUpload, PartInfo

#: Default part size when nothing forces a bigger one.
DEFAULT_PART_SIZE = 16 << 20


def choose_part_size(
    size: int, capabilities: Capabilities, preferred: int = DEFAULT_PART_SIZE
) -> int:
    """A part size ≥ the backend's minimum that splits ``size`` bytes into ≤ max_parts parts."""
    part = max(preferred, capabilities.min_part_size, 1)
    limit = max(capabilities.max_parts, 1)
    while (size + part - 1) // part > limit:
        part *= 2
    return part


def check_parts(
    url: str,
    upload: MultipartUpload,
    parts: Sequence[PartInfo],
    stored: Mapping[int, PartInfo],
) -> None:
    """Raise :class:`ProviderError` unless ``parts`` is ascending, non-empty and all stored.

    ``stored`` maps part number to what the store holds; a part given with a
    different size or etag than the stored one is refused (it was overwritten
    by another attempt, or the journal is stale).
    """
    if not parts:
        raise ProviderError(
            f"{url}: cannot complete upload of {upload.path!r} without parts",
            "upload at least one part (an empty object is a plain write)",
        )
    previous = 0
    for part in parts:
        if part.number <= previous:
            raise ProviderError(
                f"{url}: parts of {upload.path!r} must be in ascending order "
                f"(part {part.number} after {previous})",
                "sort the parts by number before completing",
            )
        previous = part.number
        have = stored.get(part.number)
        if have is None:
            raise ProviderError(
                f"{url}: part {part.number} of {upload.path!r} was never uploaded",
                "call list_parts() and upload the missing parts before completing",
            )
        if have.size != part.size or (part.etag and have.etag != part.etag):
            raise ProviderError(
                f"{url}: part {part.number} of {upload.path!r} differs from the stored part "
                f"(size {part.size} vs {have.size}, etag {part.etag!r} vs {have.etag!r})",
                "re-upload that part or restart the upload",
            )
