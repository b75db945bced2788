"""Azure block-blob uploads with resumable, deterministic block ids (azure-storage-blob).

Block id of part *n* of upload *u* is ``base64("skl-<u>-<n:05d>")``: all ids of
one blob have the same length (Azure requires it) and a restarted run finds
its finished parts in Get Block List (uncommitted) without a journal of ids.
Abort stages a tiny tombstone block (part 0): Azure cannot delete
uncommitted blocks, but the tombstone makes later completion of that upload
fail, in this process or any other.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from skylift.errors import MissingDependencyError, ProviderError
from skylift.storage.base import (
    MultipartUpload,
    NotFoundError,
    PartInfo,
    PermissionDeniedError,
    TransientError,
)
from skylift.storage.keys import check_upload_id, short
from skylift.storage.multipart import check_parts
from skylift.storage.objstore import first_line

if TYPE_CHECKING:
    from skylift.storage.azure.backend import AzureCredentials

_TOMBSTONE = 0


def block_id(upload_id: str, number: int) -> str:
    """The deterministic base64 block id of part ``number``."""
    raw = f"skl-{check_upload_id(upload_id)}-{number:05d}".encode()
    return base64.b64encode(raw).decode()


def _parse_block_id(block: str) -> tuple[str, int] | None:
    try:
        text = base64.b64decode(block, validate=True).decode()
    except ValueError:
        return None
    tag, _, rest = text.partition("-")
    upload, _, number = rest.rpartition("-")
    if tag != "skl" or not number.isdigit():
        return None
    return upload, int(number)


def translate_azure_error(where: str, path: str, exc: Exception) -> ProviderError:
    """Map an azure-core exception to the storage error family."""
    from azure.core import exceptions as ax

    reason = first_line(exc)
    if isinstance(exc, ax.ResourceNotFoundError):
        return NotFoundError(f"{where}: no blob {short(path)}")
    if isinstance(exc, ax.ClientAuthenticationError):
        return PermissionDeniedError(
            f"{where}: access denied for {short(path)}: {reason}",
            "check AZURE_STORAGE_ACCOUNT_KEY / AZURE_STORAGE_SAS_TOKEN and the SAS permissions",
        )
    if isinstance(exc, ax.ServiceRequestError | ax.ServiceResponseError):
        return TransientError(f"{where}: {reason}", "retrying usually helps")
    if isinstance(exc, ax.HttpResponseError):
        status = exc.status_code or 0
        if status == 403:
            return PermissionDeniedError(f"{where}: access denied for {short(path)}: {reason}")
        if status >= 500 or status == 429:
            return TransientError(f"{where}: {reason} ({short(path)})", "retrying usually helps")
    return ProviderError(f"{where}: {reason} ({short(path)})", "see --debug for details")


class BlockClient:
    """Put Block / Get Block List / Put Block List for one container."""

    def __init__(self, container: str, credentials: AzureCredentials, where: str) -> None:
        try:
            from azure.storage.blob import ContainerClient
        except ModuleNotFoundError as exc:
            raise MissingDependencyError("azure-storage-blob", "azure") from exc
        self.where = where
        credential: Any
        if credentials.key:
            credential = {"account_name": credentials.account, "account_key": credentials.key}
        elif credentials.sas:
            credential = credentials.sas
        else:
            raise PermissionDeniedError(
                f"{where}: block uploads need an account key or SAS token",
                "set AZURE_STORAGE_ACCOUNT_KEY or AZURE_STORAGE_SAS_TOKEN "
                "(or AZURE_STORAGE_CONNECTION_STRING)",
            )
        self._container = ContainerClient(credentials.endpoint, container, credential=credential)

    def _blob(self, key: str) -> Any:
        return self._container.get_blob_client(key)

    def list_names(self, prefix: str) -> Iterator[tuple[str, int, float | None, str | None]]:
        """(name, size, mtime, etag) of every blob whose name starts with ``prefix``, in
        the service's (lexical) order: names obstore cannot parse show too (#12)."""
        try:
            for blob in self._container.list_blobs(name_starts_with=prefix or None):
                modified = blob.last_modified
                etag = str(blob.etag).strip('"') if blob.etag else None
                mtime = modified.timestamp() if modified is not None else None
                yield blob.name, int(blob.size or 0), mtime, etag
        except Exception as exc:
            raise self._fail(prefix, exc) from exc

    def _fail(self, path: str, exc: Exception) -> ProviderError:
        return translate_azure_error(self.where, path, exc)

    def stage(self, key: str, upload: MultipartUpload, number: int, data: bytes) -> PartInfo:
        """Put Block; the part's etag is its block id."""
        bid = block_id(upload.upload_id, number)
        try:
            self._blob(key).stage_block(bid, bytes(data), length=len(data))
        except Exception as exc:
            raise self._fail(upload.path, exc) from exc
        return PartInfo(number=number, size=len(data), etag=bid)

    def _blocks(self, key: str, upload: MultipartUpload) -> dict[int, PartInfo]:
        try:
            _, uncommitted = self._blob(key).get_block_list("uncommitted")
        except Exception as exc:
            error = self._fail(upload.path, exc)
            if isinstance(error, NotFoundError):
                return {}
            raise error from exc
        found: dict[int, PartInfo] = {}
        for block in uncommitted:
            parsed = _parse_block_id(block.id)
            if parsed is not None and parsed[0] == upload.upload_id:
                found[parsed[1]] = PartInfo(parsed[1], int(block.size), block.id)
        return found

    def _live_blocks(self, key: str, upload: MultipartUpload) -> dict[int, PartInfo]:
        found = self._blocks(key, upload)
        if _TOMBSTONE in found:
            raise NotFoundError(
                f"{self.where}: multipart upload {upload.upload_id!r} of {upload.path!r} "
                "was aborted",
                "start a new upload",
            )
        return found

    def uncommitted(self, key: str, upload: MultipartUpload) -> list[PartInfo]:
        """This upload's staged parts, by number."""
        return [p for _, p in sorted(self._live_blocks(key, upload).items())]

    def commit(self, key: str, upload: MultipartUpload, parts: list[PartInfo]) -> None:
        """Put Block List after checking every part is staged with the expected size."""
        from azure.storage.blob import BlobBlock

        check_parts(self.where, upload, parts, self._live_blocks(key, upload))
        blocks = [BlobBlock(block_id(upload.upload_id, p.number)) for p in parts]
        try:
            self._blob(key).commit_block_list(blocks)
        except Exception as exc:
            raise self._fail(upload.path, exc) from exc

    def forget(self, key: str, upload: MultipartUpload) -> None:
        """Stage the tombstone block so no one completes this upload any more."""
        if _TOMBSTONE in self._blocks(key, upload):
            return
        try:
            self._blob(key).stage_block(block_id(upload.upload_id, _TOMBSTONE), b"-", length=1)
        except Exception as exc:
            raise self._fail(upload.path, exc) from exc

    def properties(self, key: str, path: str) -> Any:
        """Get Blob Properties (size, last_modified, etag, content_settings.content_md5)."""
        try:
            return self._blob(key).get_blob_properties()
        except Exception as exc:
            raise self._fail(path, exc) from exc

    def close(self) -> None:
        """Close the HTTP pipeline."""
        self._container.close()
