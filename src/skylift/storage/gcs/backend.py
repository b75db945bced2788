"""``gs://BUCKET/ROOT``: Google Cloud Storage, and fake-gcs-server.

Reads and listings on obstore; writes, metadata with checksums and
multipart on google-cloud-storage (extra ``gcs``): obstore's GCS writes use
the XML API, which no emulator implements.

Multipart = one hidden part object per part under
``<folder>/.skylift-parts/<upload id>/`` and ``compose`` on completion
(rounds of 32), then the parts are deleted. Parts survive a crash, so a
restarted run lists them and uploads only the rest.

Credentials: the standard Google chain (``GOOGLE_APPLICATION_CREDENTIALS``,
workload identity, gcloud ADC). ``STORAGE_EMULATOR_HOST`` points both
clients at an emulator, anonymously. Options: ``project``, ``endpoint``
(same as STORAGE_EMULATOR_HOST), ``retries``, ``retry_timeout``.
"""

from __future__ import annotations

import builtins
import os
import threading
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from skylift.errors import InputError
from skylift.storage.base import Capabilities, MultipartUpload, ObjectInfo, PartInfo
from skylift.storage.gcs.client import GcsClient, b64_to_hex
from skylift.storage.keys import (
    check_key,
    check_upload_id,
    join_key,
    part_key,
    parts_prefix,
)
from skylift.storage.multipart import check_parts
from skylift.storage.objstore import ObstoreStorage, client_options, retry_config
from skylift.storage.objstore import tree_listing as _tree_listing
from skylift.storage.urls import bucket_and_root


class GcsStorage(ObstoreStorage):
    """A GCS bucket (optionally under a prefix)."""

    scheme = "gs"
    option_names = frozenset(
        {"listing", "project", "endpoint", "retries", "retry_timeout", "timeout"}
    )
    capabilities = Capabilities(
        multipart=True,
        min_part_size=0,
        max_parts=10_000,
        server_side_copy=True,
        preserves_mtime=False,
        checksums=("crc32c", "md5"),
        ranged_read=True,
        gaps=(
            ("mtime", "GCS sets 'updated' at upload; it cannot be preserved"),
            ("md5", "composed (multipart) objects carry crc32c only"),
            ("checksums", "reported by stat(), not by listings"),
        ),
    )

    def __init__(self, url: str, **options: str) -> None:
        self.bucket, self.root = bucket_and_root(url, "gs", "GCS")
        self.options = dict(options)
        self.endpoint = options.get("endpoint") or os.environ.get("STORAGE_EMULATOR_HOST")
        super().__init__(
            url, self._make_store(), f"gs://{self.bucket}", _tree_listing(self.options)
        )
        self._client: GcsClient | None = None
        self._sdk_lock = threading.Lock()

    def _make_store(self) -> Any:
        from obstore.store import GCSStore

        config: dict[str, Any] = {}
        http = client_options(self.options, False)
        if self.endpoint:
            config = {"base_url": self.endpoint.rstrip("/"), "skip_signature": True}
            http = client_options(self.options, self.endpoint.startswith("http://"))
        return GCSStore(
            self.bucket,
            prefix=self.root or None,
            config=config,  # type: ignore[arg-type]
            client_options=http,  # type: ignore[arg-type]
            retry_config=retry_config(self.options),  # type: ignore[arg-type]
        )

    @property
    def client(self) -> GcsClient:
        """The google-cloud-storage client (made on first use)."""
        with self._sdk_lock:
            if self._client is None:
                self._client = GcsClient(
                    self.bucket, self.options.get("project"), self.endpoint, self.where
                )
            return self._client

    def _key(self, path: str) -> str:
        return join_key(self.root, check_key(path))

    def _list_after(self, prefix: str, last: str | None, exc: Exception) -> Iterator[ObjectInfo]:
        """google-cloud-storage's listing after ``last``: a name obstore cannot parse (a
        control character) stopped obstore's; it now fails on its own when read (#12)."""
        root = f"{self.root}/" if self.root else ""
        for blob in self.client.iter_keys(root + prefix):
            rel = blob.name[len(root) :]
            if (last is not None and rel <= last) or (rel.endswith("/") and not blob.size):
                continue  # listed already, or a folder marker
            if self._visible(rel):
                yield self._blob_info(rel, blob)

    def _blob_info(self, path: str, blob: Any) -> ObjectInfo:
        checksums = {}
        crc = b64_to_hex(blob.crc32c)
        md5 = b64_to_hex(blob.md5_hash)
        if crc:
            checksums["crc32c"] = crc
        if md5:
            checksums["md5"] = md5
        updated = blob.updated
        return ObjectInfo(
            path=path,
            size=int(blob.size or 0),
            mtime=updated.timestamp() if updated is not None else None,
            etag=blob.etag,
            checksums=checksums,
        )

    def stat(self, path: str) -> ObjectInfo:
        """Object metadata including GCS's crc32c and md5."""
        return self._blob_info(path, self.client.metadata(self._key(path), path))

    def write(
        self, path: str, data: bytes | Iterable[bytes], mtime: float | None = None
    ) -> ObjectInfo:
        """Upload through google-cloud-storage (atomic: visible when the upload completes)."""
        blob = self.client.upload(self._key(path), path, data)
        return self._blob_info(path, blob)

    def copy(self, src: str, dst: str) -> ObjectInfo:
        """Server-side rewrite of ``src`` to ``dst``."""
        return self._blob_info(dst, self.client.copy(self._key(src), self._key(dst), src))

    def delete(self, path: str) -> None:
        """Delete through google-cloud-storage (obstore's GCS delete ignores the emulator)."""
        self.client.delete_keys([self._key(path)])

    # ---- multipart (part objects + compose) ----------------------------------

    def create_multipart(self, path: str, part_size: int | None = None) -> MultipartUpload:
        """No server call: the upload id names the hidden part folder."""
        check_key(path)
        return MultipartUpload(path=path, upload_id=uuid.uuid4().hex)

    def _part_key(self, upload: MultipartUpload, number: int) -> str:
        check_key(upload.path)
        return join_key(self.root, part_key(upload.path, check_upload_id(upload.upload_id), number))

    def _prefix(self, upload: MultipartUpload) -> str:
        check_key(upload.path)
        return join_key(self.root, parts_prefix(upload.path, check_upload_id(upload.upload_id)))

    def upload_part(self, upload: MultipartUpload, number: int, data: bytes) -> PartInfo:
        """Upload the part as a hidden object; its etag is GCS's crc32c (hex)."""
        if number < 1 or number > self.capabilities.max_parts:
            raise InputError(f"part number {number} out of range 1..{self.capabilities.max_parts}")
        blob = self.client.upload(self._part_key(upload, number), upload.path, bytes(data))
        return PartInfo(number=number, size=len(data), etag=b64_to_hex(blob.crc32c) or "")

    def _stored(self, upload: MultipartUpload) -> dict[int, PartInfo]:
        found: dict[int, PartInfo] = {}
        prefix = self._prefix(upload)
        for blob in self.client.list_keys(prefix, upload.path):
            name = blob.name[len(prefix) :]
            if name.isdigit():
                found[int(name)] = PartInfo(
                    int(name), int(blob.size), b64_to_hex(blob.crc32c) or ""
                )
        return found

    def list_parts(self, upload: MultipartUpload) -> builtins.list[PartInfo]:
        """The part objects that exist (they survive crashes)."""
        return [p for _, p in sorted(self._stored(upload).items())]

    def complete_multipart(
        self, upload: MultipartUpload, parts: builtins.list[PartInfo], mtime: float | None = None
    ) -> ObjectInfo:
        """Compose the parts into the object, then delete the part objects."""
        check_parts(self.where, upload, parts, self._stored(upload))
        sources = [self._part_key(upload, p.number) for p in parts]
        self.client.compose(sources, self._key(upload.path), self._prefix(upload), upload.path)
        self._drop_parts(upload)
        return self.stat(upload.path)

    def _drop_parts(self, upload: MultipartUpload) -> None:
        keys = [b.name for b in self.client.list_keys(self._prefix(upload), upload.path)]
        self.client.delete_keys(keys)

    def abort_multipart(self, upload: MultipartUpload) -> None:
        """Delete the part objects (no error if there are none)."""
        self._drop_parts(upload)

    def close(self) -> None:
        """Close the SDK's HTTP session."""
        if self._client is not None:
            self._client.close()
            self._client = None
