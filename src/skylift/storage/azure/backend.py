"""``az://CONTAINER/ROOT``: Azure Blob Storage (block blobs), and Azurite.

Data plane on obstore. Multipart is Azure's own block protocol through
azure-storage-blob (extra ``azure``): Put Block per part with a block id
derived from the upload id and part number, Get Block List (uncommitted) to
resume, Put Block List to publish. A restarted run therefore re-uses the
blocks the store already holds without any state of its own.

Credentials (environment, never options): ``AZURE_STORAGE_CONNECTION_STRING``,
or ``AZURE_STORAGE_ACCOUNT_NAME`` with ``AZURE_STORAGE_ACCOUNT_KEY`` or
``AZURE_STORAGE_SAS_TOKEN``; without a key or SAS, obstore's identity chain
(managed identity, workload identity, Azure CLI) serves the data plane.
Options: ``account``, ``endpoint`` (Azurite: ``http://127.0.0.1:PORT/devstoreaccount1``),
``allow_http``, ``retries``, ``retry_timeout``.
"""

from __future__ import annotations

import builtins
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from skylift.errors import ConfigError, InputError
from skylift.storage.azure.blocks import BlockClient
from skylift.storage.base import Capabilities, MultipartUpload, ObjectInfo, PartInfo
from skylift.storage.keys import check_key, join_key
from skylift.storage.objstore import (
    ObstoreStorage,
    check_plain_http,
    client_options,
    retry_config,
    truthy,
)
from skylift.storage.objstore import tree_listing as _tree_listing
from skylift.storage.urls import bucket_and_root


@dataclass(frozen=True)
class AzureCredentials:
    """Account, endpoint and secret resolved from options and the environment (never logged)."""

    account: str
    endpoint: str
    key: str | None
    sas: str | None

    def __repr__(self) -> str:
        return f"AzureCredentials(account={self.account!r}, endpoint={self.endpoint!r})"


def _connection_string(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for item in text.split(";"):
        name, sep, value = item.partition("=")
        if sep:
            fields[name.strip()] = value.strip()
    return fields


def resolve_credentials(options: dict[str, str]) -> AzureCredentials:
    """Account/endpoint from options, else the connection string, else the environment."""
    env = os.environ
    conn = _connection_string(env.get("AZURE_STORAGE_CONNECTION_STRING", ""))
    account = (
        options.get("account")
        or conn.get("AccountName")
        or env.get("AZURE_STORAGE_ACCOUNT_NAME")
        or env.get("AZURE_STORAGE_ACCOUNT")
    )
    if not account:
        raise ConfigError(
            "no Azure storage account given",
            "set AZURE_STORAGE_ACCOUNT_NAME (or a connection string), or the remote's 'account'",
        )
    endpoint = (
        options.get("endpoint")
        or conn.get("BlobEndpoint")
        or f"https://{account}.blob.core.windows.net"
    ).rstrip("/")
    key = (
        conn.get("AccountKey")
        or env.get("AZURE_STORAGE_ACCOUNT_KEY")
        or env.get("AZURE_STORAGE_KEY")
        or None
    )
    sas = conn.get("SharedAccessSignature") or env.get("AZURE_STORAGE_SAS_TOKEN") or None
    return AzureCredentials(account, endpoint, key, sas.lstrip("?") if sas else None)


class AzureStorage(ObstoreStorage):
    """A blob container (optionally under a prefix)."""

    scheme = "az"
    option_names = frozenset(
        {"listing", "account", "endpoint", "allow_http", "retries", "retry_timeout", "timeout"}
    )
    capabilities = Capabilities(
        multipart=True,
        min_part_size=0,
        max_parts=50_000,
        server_side_copy=True,
        preserves_mtime=False,
        checksums=("md5",),
        ranged_read=True,
        gaps=(
            ("mtime", "Azure sets Last-Modified at commit; it cannot be preserved"),
            ("md5", "Content-MD5 only from stat() (not listings), only for single-PUT blobs"),
            ("abort", "uncommitted blocks cannot be deleted; Azure drops them after 7 days"),
        ),
    )

    def __init__(self, url: str, **options: str) -> None:
        self.container, self.root = bucket_and_root(url, "az", "Azure", "CONTAINER")
        self.options = dict(options)
        self.credentials = resolve_credentials(self.options)
        super().__init__(
            url, self._make_store(), f"az://{self.container}", _tree_listing(self.options)
        )
        self._blocks: BlockClient | None = None
        self._sdk_lock = threading.Lock()

    @property
    def seeks(self) -> bool:
        """No: Azure's List Blobs has no start key (only an opaque continuation marker), so
        a listing from a key walks the container from the start of the prefix (seen on the
        wire against Azurite). A scaled-out run's driver then lists every key itself rather
        than split the key space by probes, each of which would walk that far."""
        return False

    def _make_store(self) -> Any:
        from obstore.store import AzureStore

        creds = self.credentials
        allow = truthy(self.options.get("allow_http"))
        check_plain_http(creds.endpoint, allow, f"az://{self.container}")
        config: dict[str, Any] = {"account_name": creds.account, "endpoint": creds.endpoint}
        if creds.key:
            config["account_key"] = creds.key
        elif creds.sas:
            config["sas_key"] = creds.sas
        return AzureStore(
            self.container,
            prefix=self.root or None,
            config=config,  # type: ignore[arg-type]
            client_options=client_options(  # type: ignore[arg-type]
                self.options, truthy(self.options.get("allow_http"))
            ),
            retry_config=retry_config(self.options),  # type: ignore[arg-type]
        )

    @property
    def blocks(self) -> BlockClient:
        """The azure-storage-blob client for block uploads (made on first use)."""
        with self._sdk_lock:
            if self._blocks is None:
                self._blocks = BlockClient(self.container, self.credentials, self.where)
            return self._blocks

    def _key(self, path: str) -> str:
        return join_key(self.root, check_key(path))

    def _list_after(self, prefix: str, last: str | None, exc: Exception) -> Iterator[ObjectInfo]:
        """The SDK's listing after ``last``: a name obstore cannot parse (a control
        character) stopped obstore's; it now fails on its own when read, and a filter
        can leave it out (#12). Needs a key or SAS, as the SDK path does."""
        if not (self.credentials.key or self.credentials.sas):
            yield from super()._list_after(prefix, last, exc)
            return
        root = f"{self.root}/" if self.root else ""
        for name, size, mtime, etag in self.blocks.list_names(root + prefix):
            rel = name[len(root) :]
            if (last is not None and rel <= last) or (rel.endswith("/") and size == 0):
                continue  # listed already, or a folder marker
            if self._visible(rel):
                yield ObjectInfo(path=rel, size=size, mtime=mtime, etag=etag)

    # ---- multipart (blocks) --------------------------------------------------

    def create_multipart(self, path: str, part_size: int | None = None) -> MultipartUpload:
        """Azure needs no call to start: the upload id only namespaces the block ids."""
        import uuid

        check_key(path)
        return MultipartUpload(path=path, upload_id=uuid.uuid4().hex)

    def upload_part(self, upload: MultipartUpload, number: int, data: bytes) -> PartInfo:
        """Put Block with a block id derived from (upload id, part number)."""
        if number < 1 or number > self.capabilities.max_parts:
            raise InputError(f"part number {number} out of range 1..{self.capabilities.max_parts}")
        return self.blocks.stage(self._key(upload.path), upload, number, data)

    def list_parts(self, upload: MultipartUpload) -> builtins.list[PartInfo]:
        """Uncommitted blocks of this upload (Get Block List)."""
        return self.blocks.uncommitted(self._key(upload.path), upload)

    def complete_multipart(
        self, upload: MultipartUpload, parts: builtins.list[PartInfo], mtime: float | None = None
    ) -> ObjectInfo:
        """Put Block List: the blob appears with exactly these blocks."""
        self.blocks.commit(self._key(upload.path), upload, parts)
        return self.stat(upload.path)

    def abort_multipart(self, upload: MultipartUpload) -> None:
        """Mark the upload aborted (tombstone block); its blocks expire on the service (a gap)."""
        self.blocks.forget(self._key(upload.path), upload)

    def stat(self, path: str) -> ObjectInfo:
        """Blob properties, with the Content-MD5 Azure keeps for single-PUT blobs.

        Needs a key or SAS (the SDK path); with identity-only credentials the
        obstore HEAD answers without checksums.
        """
        if not (self.credentials.key or self.credentials.sas):
            return super().stat(path)
        props = self.blocks.properties(self._key(path), path)
        md5 = props.content_settings.content_md5 if props.content_settings else None
        modified = props.last_modified
        return ObjectInfo(
            path=path,
            size=int(props.size or 0),
            mtime=modified.timestamp() if modified is not None else None,
            etag=str(props.etag).strip('"') if props.etag else None,
            checksums={"md5": bytes(md5).hex()} if md5 else {},
        )

    def close(self) -> None:
        """Close the SDK client."""
        if self._blocks is not None:
            self._blocks.close()
            self._blocks = None
