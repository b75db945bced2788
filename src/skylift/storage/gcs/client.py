"""The GCS write path on google-cloud-storage (obstore's XML-API writes fail on emulators).

Also the metadata read that carries GCS's own checksums (crc32c, md5), and
the part objects + compose calls behind resumable multipart uploads.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator
from typing import Any

from skylift.errors import MissingDependencyError, ProviderError
from skylift.storage.base import (
    NotFoundError,
    PermissionDeniedError,
    TransientError,
)
from skylift.storage.keys import short
from skylift.storage.objstore import first_line

#: GCS composes at most this many source objects per request.
COMPOSE_LIMIT = 32
#: Streams up to this size are sent in one request; longer ones use a resumable session.
SIMPLE_UPLOAD_LIMIT = 8 << 20
#: Chunk of a resumable session (a multiple of 256 KiB).
RESUMABLE_CHUNK = 16 << 20
_OCTETS = "application/octet-stream"


def b64_to_hex(value: str | None) -> str | None:
    """GCS reports checksums base64-encoded; skylift uses hex."""
    return base64.b64decode(value).hex() if value else None


def translate_gcs_error(where: str, path: str, exc: Exception) -> ProviderError:
    """Map google-api-core / transport exceptions to the storage error family."""
    from google.api_core import exceptions as gx

    reason = first_line(exc)
    if isinstance(exc, gx.NotFound):
        return NotFoundError(f"{where}: no object {short(path)}")
    if isinstance(exc, gx.Forbidden | gx.Unauthorized):
        return PermissionDeniedError(
            f"{where}: access denied for {short(path)}: {reason}",
            "check GOOGLE_APPLICATION_CREDENTIALS and the account's roles on the bucket",
        )
    if isinstance(exc, gx.ServerError | gx.TooManyRequests | ConnectionError | TimeoutError):
        return TransientError(f"{where}: {reason} ({short(path)})", "retrying usually helps")
    if isinstance(exc, gx.BadRequest):
        return ProviderError(
            f"{where}: the store rejected {short(path)}: {reason}",
            "the key may contain characters GCS does not accept; rename it or filter it out",
        )
    if type(exc).__module__.startswith(("requests", "urllib3")):
        return TransientError(f"{where}: {reason} ({short(path)})", "retrying usually helps")
    return ProviderError(f"{where}: {reason} ({short(path)})", "see --debug for details")


class GcsClient:
    """google-cloud-storage bound to one bucket; emulator via ``STORAGE_EMULATOR_HOST``."""

    def __init__(self, bucket: str, project: str | None, endpoint: str | None, where: str) -> None:
        try:
            from google.cloud import storage
        except ModuleNotFoundError as exc:
            raise MissingDependencyError("google-cloud-storage", "gcs") from exc
        self.where = where
        kwargs: dict[str, Any] = {}
        if endpoint:  # an emulator (or a private endpoint without Google auth)
            from google.auth.credentials import AnonymousCredentials

            anonymous = AnonymousCredentials()  # type: ignore[no-untyped-call]
            kwargs = {
                "credentials": anonymous,
                "project": project or "emulator",
                "client_options": {"api_endpoint": endpoint},
            }
        elif project:
            kwargs = {"project": project}
        self._client = storage.Client(**kwargs)
        self.bucket = self._client.bucket(bucket)

    def _fail(self, path: str, exc: Exception) -> ProviderError:
        return translate_gcs_error(self.where, path, exc)

    def metadata(self, key: str, path: str) -> Any:
        """The object's resource (size, updated, crc32c, md5_hash), or NotFoundError."""
        try:
            blob = self.bucket.get_blob(key)
        except Exception as exc:
            raise self._fail(path, exc) from exc
        if blob is None:
            raise NotFoundError(f"{self.where}: no object {short(path)}")
        return blob

    def upload(self, key: str, path: str, data: bytes | Iterable[bytes]) -> Any:
        """One upload; the object appears only when it completes.

        Up to :data:`SIMPLE_UPLOAD_LIMIT` bytes go in one request; a longer stream
        goes through a resumable session that is cancelled if the stream fails.
        """
        blob = self.bucket.blob(key)
        try:
            if isinstance(data, bytes | bytearray | memoryview):
                blob.upload_from_string(bytes(data), content_type=_OCTETS)
                return blob
            chunks = iter(data)
            head: list[bytes] = []
            size = 0
            for chunk in chunks:
                head.append(bytes(chunk))
                size += len(chunk)
                if size > SIMPLE_UPLOAD_LIMIT:
                    break
            else:
                blob.upload_from_string(b"".join(head), content_type=_OCTETS)
                return blob
            with blob.open("wb", chunk_size=RESUMABLE_CHUNK, content_type=_OCTETS) as writer:
                for chunk in head:
                    writer.write(chunk)
                for chunk in chunks:
                    writer.write(chunk)
            blob.reload()
        except Exception as exc:
            if isinstance(exc, ProviderError):
                raise
            raise self._fail(path, exc) from exc
        return blob

    def iter_keys(self, prefix: str) -> Iterator[Any]:
        """Objects under ``prefix`` with their metadata, streamed page by page in name
        order: names obstore cannot parse show too (#12)."""
        try:
            yield from self._client.list_blobs(self.bucket, prefix=prefix or None)
        except Exception as exc:
            raise self._fail(prefix, exc) from exc

    def list_keys(self, prefix: str, path: str) -> list[Any]:
        """Objects under ``prefix`` with their metadata (used for part folders only)."""
        try:
            return list(self._client.list_blobs(self.bucket, prefix=prefix))
        except Exception as exc:
            raise self._fail(path, exc) from exc

    def compose(self, sources: list[str], target: str, scratch: str, path: str) -> None:
        """Compose any number of sources into ``target`` (rounds of 32; temps under ``scratch``)."""
        try:
            level = 0
            while len(sources) > COMPOSE_LIMIT:
                merged = []
                for i in range(0, len(sources), COMPOSE_LIMIT):
                    name = f"{scratch}compose-{level}-{i // COMPOSE_LIMIT:05d}"
                    group = [self.bucket.blob(s) for s in sources[i : i + COMPOSE_LIMIT]]
                    self.bucket.blob(name).compose(group)
                    merged.append(name)
                sources, level = merged, level + 1
            self.bucket.blob(target).compose([self.bucket.blob(s) for s in sources])
        except Exception as exc:
            raise self._fail(path, exc) from exc

    def copy(self, src_key: str, dst_key: str, path: str) -> Any:
        """Server-side copy (rewrite) within the bucket."""
        try:
            blob = self.bucket.copy_blob(self.bucket.blob(src_key), self.bucket, dst_key)
        except Exception as exc:
            raise self._fail(path, exc) from exc
        return blob

    def delete_keys(self, keys: list[str]) -> None:
        """Delete objects, ignoring the ones already gone."""
        from google.api_core import exceptions as gx

        for key in keys:
            try:
                self.bucket.blob(key).delete()
            except gx.NotFound:
                continue
            except Exception as exc:
                raise self._fail(key, exc) from exc

    def close(self) -> None:
        """Close the HTTP session."""
        self._client.close()
